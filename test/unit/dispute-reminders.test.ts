/**
 * Dispute deadline reminders: scheduled `leadHours` before `evidence_details.due_by` on a clock, a minute
 * from now when less is left, removed when the dispute closes; the EventBridge Scheduler requests they
 * make (a fake client here, moto in test/integration/business-alerts); and the reminder itself, which
 * reads the dispute from the fake Stripe API (real `stripe` client over loopback) and alerts only while
 * it still needs a response.
 */
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import type { BusinessAlert, DisputeReminderInput } from '../../functions/alerts/alert-ports';
import { builtInBusinessAlerts } from '../../functions/alerts/business-alert-handlers';
import type { BusinessAlertsService } from '../../functions/alerts/business-alerts-service';
import { eventBridgeDisputeReminderScheduler } from '../../functions/alerts/eventbridge-reminder-scheduler';
import { reminderTime } from '../../functions/alerts/reminder-time';
import {
  InvalidDisputeReminderInputError,
  parseDisputeReminderInput,
  runDisputeReminder,
} from '../../functions/alerts/run-dispute-reminder';
import { type ConsumerDependencies, consumeEvent } from '../../functions/consumer/consume-event';
import { buildRegistry } from '../../functions/consumer/define-subscriptions';
import { createStripeApi } from '../../functions/shared/stripe-api/client';
import { type FakeStripeApi, startFakeStripeApi } from '../../tools/fake-stripe/server';
import { fixture } from '../../tools/stripe-events';
import { InMemoryIdempotencyStore, RecordingLogger, RecordingMailer } from '../../tools/testing/consumer-fakes';

type Loose = Record<string, unknown>;

const startMs = Date.parse('2026-12-01T10:00:00Z');
let sequence = 0;

function disputeEvent(type: string, overrides: Loose = {}, extra: { account?: string } = {}) {
  sequence += 1;
  return {
    id: `evt_test_reminder_${sequence}`,
    object: 'event',
    created: Math.floor(startMs / 1000),
    livemode: false,
    type,
    data: {
      object: {
        ...fixture<Loose>('dispute'),
        id: 'dp_test_reminder1',
        status: 'needs_response',
        amount: 7_500,
        currency: 'usd',
        evidence_details: { due_by: Date.parse('2026-12-10T23:59:59Z') / 1000, has_evidence: false },
        ...overrides,
      },
    },
    ...(extra.account === undefined ? {} : { account: extra.account }),
  };
}

function harness(options: { leadHours?: number; scheduler?: 'none' } = {}) {
  let clock = startMs;
  const scheduled = new Map<string, { input: DisputeReminderInput; at: string }>();
  const calls: string[] = [];
  const counted: Array<{ name: string; dimensions?: Readonly<Record<string, string>> }> = [];
  const service: BusinessAlertsService = {
    destinations: [{ name: 'sns', send: async () => undefined }],
    reminders:
      options.scheduler === 'none'
        ? undefined
        : {
            schedule: async (input, at) => {
              calls.push(`schedule ${input.disputeId}`);
              scheduled.set(input.disputeId, { input, at: at.toISOString() });
            },
            cancel: async (disputeId) => {
              calls.push(`cancel ${disputeId}`);
              scheduled.delete(disputeId);
            },
          },
    reminderLeadHours: options.leadHours ?? 72,
    off: [],
    now: () => new Date(clock),
  };
  const store = new InMemoryIdempotencyStore();
  const deps: ConsumerDependencies = {
    registry: buildRegistry(builtInBusinessAlerts()),
    store,
    mailer: new RecordingMailer(),
    logger: new RecordingLogger(),
    now: () => new Date(clock),
    inProgressExpirySeconds: 60,
    retentionDays: 30,
    metrics: {
      count: (name, _value, dimensions) =>
        void counted.push({ name, ...(dimensions === undefined ? {} : { dimensions }) }),
    },
    businessAlerts: service,
  };
  return {
    scheduled,
    calls,
    counted,
    consume: (built: ReturnType<typeof disputeEvent>) => consumeEvent(JSON.stringify(built), deps),
    setClock: (iso: string) => {
      clock = Date.parse(iso);
    },
  };
}

describe('scheduling on charge.dispute.created', () => {
  it('schedules the reminder 72 hours before the evidence is due, for the dispute and its event', async () => {
    // Prepare
    const { consume, scheduled } = harness();
    const built = disputeEvent('charge.dispute.created', {}, { account: 'acct_1Reminder' });
    // Act
    await consume(built);
    // Assess
    expect(scheduled.get('dp_test_reminder1')).toEqual({
      input: { disputeId: 'dp_test_reminder1', eventId: built.id, account: 'acct_1Reminder' },
      at: '2026-12-07T23:59:59.000Z',
    });
  });

  it('takes the lead time configured', async () => {
    // Prepare
    const { consume, scheduled } = harness({ leadHours: 24 });
    // Act
    await consume(disputeEvent('charge.dispute.created'));
    // Assess
    expect(scheduled.get('dp_test_reminder1')?.at).toBe('2026-12-09T23:59:59.000Z');
  });

  it('schedules it a minute from now when less than the lead time is left', async () => {
    // Prepare: 30 hours before the deadline.
    const { consume, scheduled, setClock } = harness();
    setClock('2026-12-09T17:59:59Z');
    // Act
    await consume(disputeEvent('charge.dispute.created'));
    // Assess
    expect(scheduled.get('dp_test_reminder1')?.at).toBe('2026-12-09T18:00:59.000Z');
  });

  it.each([
    [
      'the deadline has passed',
      { evidence_details: { due_by: Date.parse('2026-11-30T23:59:59Z') / 1000 } },
      'deadline_passed',
    ],
    ['there is no deadline', { evidence_details: { due_by: null } }, 'no_due_by'],
    ['there is no dispute id', { id: null }, 'no_dispute_id'],
    ['the id cannot name a schedule', { id: `dp_${'x'.repeat(60)}` }, 'invalid_dispute_id'],
  ])('schedules nothing, counted, when %s', async (_case, overrides, reason) => {
    // Prepare
    const { consume, scheduled, counted } = harness();
    // Act
    const outcome = await consume(disputeEvent('charge.dispute.created', overrides));
    // Assess
    expect(outcome.status).toBe('processed');
    expect(scheduled.size).toBe(0);
    expect(counted).toContainEqual({ name: 'AlertsSkipped', dimensions: { kind: 'dispute_deadline', reason } });
  });

  it('skips, counted, without a scheduler', async () => {
    // Prepare
    const { consume, counted } = harness({ scheduler: 'none' });
    // Act
    await consume(disputeEvent('charge.dispute.created'));
    // Assess
    expect(counted).toContainEqual({
      name: 'AlertsSkipped',
      dimensions: { kind: 'dispute_deadline', reason: 'no_reminder_scheduler' },
    });
  });

  it('computes the time from the deadline, the lead and the clock', () => {
    const now = new Date(startMs);
    const due = (iso: string) => Date.parse(iso) / 1000;
    expect(reminderTime(due('2026-12-10T00:00:00Z'), 72, now)?.toISOString()).toBe('2026-12-07T00:00:00.000Z');
    expect(reminderTime(due('2026-12-02T00:00:00Z'), 72, now)?.toISOString()).toBe('2026-12-01T10:01:00.000Z');
    expect(reminderTime(due('2026-12-01T10:00:30Z'), 72, now)).toBeUndefined();
  });
});

describe('removing on charge.dispute.closed', () => {
  it('removes the reminder once, even when the event is delivered again', async () => {
    // Prepare
    const { consume, scheduled, calls } = harness();
    await consume(disputeEvent('charge.dispute.created'));
    const closed = disputeEvent('charge.dispute.closed', { status: 'won' });
    // Act
    await consume(closed);
    await consume(closed);
    // Assess
    expect(scheduled.size).toBe(0);
    expect(calls).toEqual(['schedule dp_test_reminder1', 'cancel dp_test_reminder1']);
  });
});

describe('eventBridgeDisputeReminderScheduler', () => {
  const target = {
    functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:dispute-reminder',
    roleArn: 'arn:aws:iam::123456789012:role/dispute-reminder-scheduler',
    groupName: 'stripe-dispute-reminders',
  };

  function fakeClient(failures: Array<Error | undefined> = []) {
    const sent: Array<{ command: string; input: Loose }> = [];
    const client = {
      send: async (command: { constructor: { name: string }; input: Loose }) => {
        sent.push({ command: command.constructor.name, input: command.input });
        const failure = failures.shift();
        if (failure !== undefined) throw failure;
        return {};
      },
    } as unknown as SchedulerClient;
    return { client, sent };
  }

  it('creates a one-time schedule in UTC, deleted after it runs, invoking the reminder with the input', async () => {
    // Prepare
    const { client, sent } = fakeClient();
    const scheduler = eventBridgeDisputeReminderScheduler({ client, target });
    // Act
    await scheduler.schedule(
      { disputeId: 'dp_test_1', eventId: 'evt_test_1', account: 'acct_1' },
      new Date('2026-12-07T23:59:59.400Z'),
    );
    // Assess
    expect(sent).toEqual([
      {
        command: CreateScheduleCommand.name,
        input: expect.objectContaining({
          Name: 'dispute-reminder-dp_test_1',
          GroupName: 'stripe-dispute-reminders',
          ScheduleExpression: 'at(2026-12-07T23:59:59)',
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Target: expect.objectContaining({
            Arn: target.functionArn,
            RoleArn: target.roleArn,
            Input: '{"disputeId":"dp_test_1","eventId":"evt_test_1","account":"acct_1"}',
          }),
        }),
      },
    ]);
  });

  it('updates a schedule that exists instead of failing', async () => {
    // Prepare
    const { client, sent } = fakeClient([
      new ConflictException({ message: 'exists', $metadata: {}, Message: 'exists' }),
    ]);
    const scheduler = eventBridgeDisputeReminderScheduler({ client, target });
    // Act
    await scheduler.schedule({ disputeId: 'dp_test_1', eventId: 'evt_test_1' }, new Date(startMs));
    // Assess
    expect(sent.map((entry) => entry.command)).toEqual([CreateScheduleCommand.name, UpdateScheduleCommand.name]);
    expect(JSON.parse(String((sent[1]?.input.Target as Loose | undefined)?.Input))).toEqual({
      disputeId: 'dp_test_1',
      eventId: 'evt_test_1',
    });
  });

  it('removes a schedule, and takes one that no longer exists as removed', async () => {
    // Prepare
    const { client, sent } = fakeClient([
      undefined,
      new ResourceNotFoundException({ message: 'gone', $metadata: {}, Message: 'gone' }),
    ]);
    const scheduler = eventBridgeDisputeReminderScheduler({ client, target });
    // Act
    await scheduler.cancel('dp_test_1');
    await scheduler.cancel('dp_test_1');
    // Assess
    expect(sent).toEqual([
      {
        command: DeleteScheduleCommand.name,
        input: { Name: 'dispute-reminder-dp_test_1', GroupName: target.groupName },
      },
      {
        command: DeleteScheduleCommand.name,
        input: { Name: 'dispute-reminder-dp_test_1', GroupName: target.groupName },
      },
    ]);
  });

  it('passes on any other error', async () => {
    // Prepare
    const { client } = fakeClient([new Error('AccessDeniedException')]);
    // Act & Assess
    await expect(eventBridgeDisputeReminderScheduler({ client, target }).cancel('dp_test_1')).rejects.toThrow(
      'AccessDeniedException',
    );
  });
});

describe('runDisputeReminder against the fake Stripe API', () => {
  let fake: FakeStripeApi;
  const stripe = () => createStripeApi({ apiKey: async () => 'rk_test_reminder_key', apiUrl: fake.url, maxRetries: 0 });

  beforeAll(async () => {
    fake = await startFakeStripeApi({ port: 0 });
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => fake.reset());

  function run(input: DisputeReminderInput) {
    const sent: BusinessAlert[] = [];
    const counted: string[] = [];
    const result = runDisputeReminder(input, {
      stripe: stripe(),
      destinations: [{ name: 'sns', send: async (alert) => void sent.push(alert) }],
      now: () => new Date('2026-12-07T23:59:59Z'),
      logger: new RecordingLogger(),
      metrics: {
        count: (name, _value, dimensions) => void counted.push(`${name}:${dimensions?.reason ?? dimensions?.kind}`),
      },
    });
    return { result, sent, counted };
  }

  it('alerts on a dispute the fake learned from its event, still needing a response', async () => {
    // Prepare
    const created = disputeEvent('charge.dispute.created', { id: 'dp_test_learned1' }, { account: 'acct_1Learned' });
    fake.observeEvent(created);
    // Act
    const { result, sent, counted } = run({
      disputeId: 'dp_test_learned1',
      eventId: created.id,
      account: 'acct_1Learned',
    });
    // Assess
    expect(await result).toBe('alerted');
    expect(sent).toEqual([
      expect.objectContaining({
        kind: 'dispute_deadline',
        eventId: created.id,
        subject: 'Dispute evidence due in 3 days: $75.00',
        dashboardUrl: 'https://dashboard.stripe.com/acct_1Learned/test/disputes/dp_test_learned1',
      }),
    ]);
    expect(sent[0]?.text).toContain('evidence is due by December 10, 2026 at 23:59 UTC');
    expect(counted).toEqual(['AlertsSent:dispute_deadline']);
    expect(fake.requests()).toEqual([
      expect.objectContaining({ method: 'GET', path: '/v1/disputes/dp_test_learned1', stripeAccount: 'acct_1Learned' }),
    ]);
  });

  it('sends nothing once the dispute was answered (under review) in Stripe', async () => {
    // Prepare
    const created = disputeEvent('charge.dispute.created', { id: 'dp_test_answered1' });
    fake.observeEvent(created);
    fake.setObject({ ...(created.data.object as Loose), status: 'under_review' });
    // Act
    const { result, sent, counted } = run({ disputeId: 'dp_test_answered1', eventId: created.id });
    // Assess
    expect(await result).toBe('answered');
    expect(sent).toEqual([]);
    expect(counted).toEqual(['DisputeRemindersSkipped:answered']);
  });

  it('sends nothing for a closed dispute, as the latest event has it', async () => {
    // Prepare
    const created = disputeEvent('charge.dispute.created', { id: 'dp_test_closed1' });
    const closed = {
      ...disputeEvent('charge.dispute.closed', { id: 'dp_test_closed1', status: 'lost' }),
      created: created.created + 60,
    };
    fake.observeEvent(created);
    fake.observeEvent(closed);
    // Act
    const { result } = run({ disputeId: 'dp_test_closed1', eventId: created.id });
    // Assess
    expect(await result).toBe('answered');
  });

  it('answers not_found for a dispute Stripe does not have, without throwing', async () => {
    // Act
    const { result, sent } = run({ disputeId: 'dp_missing1', eventId: 'evt_test_1' });
    // Assess
    expect(await result).toBe('not_found');
    expect(sent).toEqual([]);
  });

  it('throws on a Stripe failure, so the invocation is retried', async () => {
    // Prepare
    fake.injectFaults({ status: 503, count: 1, path: '/v1/disputes/' });
    // Act & Assess
    await expect(run({ disputeId: 'dp_test_1', eventId: 'evt_test_1' }).result).rejects.toThrow(/503/);
  });

  it('checks the input a schedule hands over', () => {
    expect(parseDisputeReminderInput({ disputeId: 'dp_1', eventId: 'evt_1' })).toEqual({
      disputeId: 'dp_1',
      eventId: 'evt_1',
    });
    expect(() => parseDisputeReminderInput({ disputeId: 'dp_1' })).toThrow(InvalidDisputeReminderInputError);
    expect(() => parseDisputeReminderInput({ disputeId: 'dp 1', eventId: 'evt_1' })).toThrow(/disputeId/);
    expect(() => parseDisputeReminderInput({ disputeId: 'dp_1', eventId: 'evt_1', account: 'x' })).toThrow(/account/);
    expect(() => parseDisputeReminderInput('dp_1')).toThrow(/not an object/);
  });
});

describe("the fake Stripe API's GET /v1/disputes/:id", () => {
  let fake: FakeStripeApi;
  const get = async (path: string, account?: string) => {
    const response = await fetch(`${fake.url}${path}`, {
      headers: {
        authorization: 'Bearer rk_test_disputes',
        ...(account === undefined ? {} : { 'stripe-account': account }),
      },
    });
    return { status: response.status, body: (await response.json()) as Loose };
  };

  beforeAll(async () => {
    fake = await startFakeStripeApi({ port: 0 });
  });
  afterAll(async () => {
    await fake.close();
  });

  it('serves the dispute of the latest charge.dispute.* event, in its account only', async () => {
    // Prepare
    const created = disputeEvent('charge.dispute.created', { id: 'dp_test_fake1' }, { account: 'acct_1Fake' });
    const updated = {
      ...disputeEvent(
        'charge.dispute.updated',
        { id: 'dp_test_fake1', status: 'under_review' },
        { account: 'acct_1Fake' },
      ),
      created: created.created + 5,
    };
    fake.observeEvent(updated);
    fake.observeEvent(created); // older, delivered late: does not replace it
    // Act
    const asAccount = await get('/v1/disputes/dp_test_fake1', 'acct_1Fake');
    const asPlatform = await get('/v1/disputes/dp_test_fake1');
    // Assess
    expect(asAccount.body).toMatchObject({ id: 'dp_test_fake1', object: 'dispute', status: 'under_review' });
    expect(asPlatform.body).toMatchObject({ id: 'dp_test_fake1', status: 'warning_needs_response' }); // Stripe's example
  });

  it("expands the charge as Stripe does, and answers Stripe's errors", async () => {
    // Prepare
    fake.setObject({ ...fixture<Loose>('charge'), id: 'ch_test_fake1', amount: 1234 });
    fake.setObject({ ...fixture<Loose>('dispute'), id: 'dp_test_fake2', charge: 'ch_test_fake1' });
    // Act
    const expanded = await get('/v1/disputes/dp_test_fake2?expand[]=charge');
    const missing = await get('/v1/disputes/dp_missing2');
    const unknown = await get('/v1/disputes/dp_test_fake2?status=lost');
    const notExpandable = await get('/v1/disputes/dp_test_fake2?expand[]=payment_intent');
    // Assess
    expect(expanded.body.charge).toMatchObject({ id: 'ch_test_fake1', object: 'charge', amount: 1234 });
    expect(missing).toEqual({
      status: 404,
      body: { error: expect.objectContaining({ code: 'resource_missing', message: "No such dispute: 'dp_missing2'" }) },
    });
    expect(unknown).toMatchObject({ status: 400, body: { error: { code: 'parameter_unknown', param: 'status' } } });
    expect(notExpandable).toMatchObject({ status: 400, body: { error: { param: 'expand[0]' } } });
  });
});
