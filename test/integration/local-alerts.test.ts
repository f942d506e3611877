/**
 * The business alerts in the local pipeline: a signed `charge.dispute.created` is recorded as an alert at
 * `GET /_local/alerts`, and its deadline reminder fires on the compressed clock against the fake Stripe API,
 * or is skipped when the dispute was answered there meanwhile.
 */
import { buildAnyEvent } from '../../tools/event-catalogue';
import type { LocalAlert } from '../../tools/local/pipeline';
import { setInStripe } from '../support/fake-stripe-control';
import { localPipelineClient } from '../support/local-pipeline-client';
import { useTestPipeline } from '../support/test-pipeline';
import { waitFor } from '../support/wait-for';

jest.setTimeout(60_000);
const signingSecret = 'whsec_local_alerts_test_secret_not_real';
/** An hour of the pipeline's clock in a second of the test's. */
const clockScale = 3600;
const leadHours = 72;

const { pipeline, printed } = useTestPipeline({
  signingSecret,
  resourceNameSuffix: 'local-alerts',
  businessAlerts: true,
  alertClockScale: clockScale,
});
const { post, eventWhen } = localPipelineClient(pipeline, signingSecret);

async function alerts(query = ''): Promise<LocalAlert[]> {
  const response = await fetch(`${pipeline().url}/_local/alerts${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as LocalAlert[];
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A `charge.dispute.created` whose evidence is due `dueInHours` from now (Stripe's example, fresh ids). */
function disputeCreated(dueInHours: number, created = nowSeconds()) {
  const { event } = buildAnyEvent('charge.dispute.created', { created });
  const dispute = (event.data as { object: Record<string, unknown> & { id: string } }).object;
  dispute.evidence_details = {
    ...(dispute.evidence_details as Record<string, unknown>),
    due_by: nowSeconds() + Math.round(dueInHours * 3600),
  };
  dispute.status = 'needs_response';
  return { event, dispute };
}

describe('the business alerts in the local pipeline', () => {
  it('records a signed charge.dispute.created at GET /_local/alerts, newest first, and prints it', async () => {
    // Prepare: due in 30 days, so its reminder stays weeks (minutes at this scale) away
    const { event, dispute } = disputeCreated(30 * 24);

    // Act
    const response = await post(JSON.stringify(event, null, 2));

    // Assess
    expect(response.status).toBe(200);
    await eventWhen(event.id, (e) => e.status === 'processed', 20_000);
    const [alert] = await waitFor('the dispute alert', async () => {
      const found = (await alerts()).filter((a) => a.eventId === event.id);
      return found.length > 0 ? found : undefined;
    });
    expect(alert).toMatchObject({ kind: 'dispute_created', eventId: event.id, destination: 'local' });
    expect(Date.parse(alert?.at ?? '')).toBeGreaterThan(Date.now() - 30_000);
    expect(alert?.subject.trim()).not.toBe('');
    expect(alert?.text).toContain(dispute.id);
    expect(printed.join('\n')).toContain(`⚑ alert dispute_created [${event.id}]: "${alert?.subject}"`);
    // Its reminder waits, 72 hours before the deadline, on the compressed clock
    const reminder = pipeline()
      .disputeReminders?.pending()
      .find((r) => r.disputeId === dispute.id);
    const dueBy = (dispute.evidence_details as { due_by: number }).due_by;
    expect(reminder).toMatchObject({
      eventId: event.id,
      at: new Date((dueBy - leadHours * 3600) * 1000).toISOString(),
    });
  });

  it('answers ?limit= with that many of the newest, and refuses a limit it cannot give', async () => {
    // Prepare: a second alert after the first test's
    const { event } = disputeCreated(30 * 24);
    await post(JSON.stringify(event));
    await waitFor('the second alert', async () => (await alerts()).find((a) => a.eventId === event.id));

    // Act
    const all = await alerts();
    const newest = await alerts('?limit=1');
    const refused = await fetch(`${pipeline().url}/_local/alerts?limit=0`);

    // Assess
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(all.map((a) => a.at)).toEqual([...all.map((a) => a.at)].sort().reverse());
    expect(newest).toEqual([all[0]]);
    expect(newest[0]?.eventId).toBe(event.id);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { code: 'invalid_limit' } });
  });

  it('fires the deadline reminder on the compressed clock while the dispute still needs a response', async () => {
    // Prepare: due in 75 hours, so the reminder comes in 3 hours of the pipeline's clock, 3 s at 3600×
    const { event, dispute } = disputeCreated(leadHours + 3);

    // Act
    await post(JSON.stringify(event));
    const created = await waitFor('the dispute alert', async () =>
      (await alerts()).find((a) => a.eventId === event.id && a.kind === 'dispute_created'),
    );
    const reminder = await waitFor(
      'the reminder alert',
      async () => (await alerts()).find((a) => a.eventId === event.id && a.kind === 'dispute_deadline'),
      20_000,
    );

    // Assess: not before its time (3 s at this scale, less the time the event took to be processed), then alerted
    expect(Date.parse(reminder.at) - Date.parse(created.at)).toBeGreaterThan(2_000);
    expect(reminder.text).toContain(dispute.id);
    expect(printed.join('\n')).toContain(`⏰ dispute reminder ${dispute.id} [${event.id}]: still needs a response`);
    expect(
      pipeline()
        .disputeReminders?.pending()
        .some((r) => r.disputeId === dispute.id),
    ).toBe(false);
  });

  it('skips the reminder when the dispute was answered in Stripe meanwhile', async () => {
    // Prepare: the event as it was sent a minute ago, and Stripe's truth now: evidence submitted
    const { event, dispute } = disputeCreated(leadHours + 1, nowSeconds() - 60);
    await setInStripe(pipeline().stripeApiUrl, {
      ...dispute,
      status: 'under_review',
      evidence_details: { ...(dispute.evidence_details as Record<string, unknown>), has_evidence: true },
    });

    // Act
    await post(JSON.stringify(event));

    // Assess: the dispute alert, then the reminder's check, and no reminder alert
    await waitFor(
      'the reminder check',
      async () => printed.find((line) => line.includes(`⏰ dispute reminder ${dispute.id} [${event.id}]: answered`)),
      20_000,
    );
    const kinds = (await alerts()).filter((a) => a.eventId === event.id).map((a) => a.kind);
    expect(kinds).toEqual(['dispute_created']);
  });

  it('cancels the reminder when the dispute closes before it fires', async () => {
    // Prepare: a reminder days away on the pipeline's clock
    const { event, dispute } = disputeCreated(30 * 24);
    await post(JSON.stringify(event));
    await waitFor('the scheduled reminder', async () =>
      pipeline()
        .disputeReminders?.pending()
        .find((r) => r.disputeId === dispute.id),
    );

    // Act: Stripe closes it
    const { event: closed } = buildAnyEvent('charge.dispute.closed');
    (closed.data as { object: Record<string, unknown> }).object.id = dispute.id;
    await post(JSON.stringify(closed));

    // Assess
    await waitFor('the closed alert', async () =>
      (await alerts()).find((a) => a.eventId === closed.id && a.kind === 'dispute_closed'),
    );
    await waitFor('the reminder gone', async () =>
      pipeline()
        .disputeReminders?.pending()
        .every((r) => r.disputeId !== dispute.id)
        ? true
        : undefined,
    );
    expect(printed.join('\n')).toContain(`⏰ dispute reminder ${dispute.id} cancelled`);
  });
});
