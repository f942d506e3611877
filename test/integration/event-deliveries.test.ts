import { buildThinEvent, eventBridgeEnvelope } from '../../tools/event-deliveries';
import { runTrigger } from '../../tools/run-trigger';
import { buildStripeEvent } from '../../tools/stripe-events';
import { localPipelineClient, sesMessagesTo } from '../support/local-pipeline-client';
import { useTestPipeline } from '../support/test-pipeline';
import { requireMotoEndpoint, waitFor } from '../support/wait-for';

const signingSecret = 'whsec_integration_test_secret_not_real';
const endpoint = requireMotoEndpoint();
jest.setTimeout(60_000);

const { pipeline, printed } = useTestPipeline({
  signingSecret,
  resourceNameSuffix: 'event-deliveries',
});

const { post, eventWhen } = localPipelineClient(pipeline, signingSecret);
const putOnEventBridge = (body: unknown) =>
  fetch(`${pipeline().url}/_local/eventbridge`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('EventBridge and thin events on the local pipeline', () => {
  it('sends one receipt for an invoice.paid that arrives through EventBridge', async () => {
    // Prepare
    const email = 'eventbridge.buyer@example.com';
    const event = buildStripeEvent('invoice.paid', { object: { customer_email: email } });
    // Act
    const response = await putOnEventBridge(eventBridgeEnvelope(event));
    // Assess
    expect(await response.json()).toMatchObject({ status: 'queued', id: event.id });
    await eventWhen(event.id, (e) => e.status === 'processed');
    const sent = await sesMessagesTo(endpoint, email);
    expect(sent.map((message) => message.subject)).toEqual([expect.stringMatching(/^Receipt for invoice/)]);
  });

  it('sends one email when the same event comes by webhook and by EventBridge', async () => {
    // Prepare
    const email = 'both.ways@example.com';
    const event = buildStripeEvent('invoice.paid', { object: { customer_email: email } });
    // Act
    expect((await post(JSON.stringify(event))).status).toBe(200);
    await eventWhen(event.id, (e) => e.status === 'processed');
    await putOnEventBridge(eventBridgeEnvelope(event));
    await waitFor(
      'the EventBridge copy to be skipped as a duplicate',
      () =>
        printed.some((line) => line.endsWith(`= duplicate invoice.paid [${event.id}]: already processed, skipped`)) ||
        undefined,
    );
    // Assess
    expect(await sesMessagesTo(endpoint, email)).toHaveLength(1);
  });

  it('runs `npm run trigger -- <type> --via eventbridge` end to end', async () => {
    // Prepare
    const out: string[] = [];
    const email = 'trigger.eventbridge@example.com';
    // Act
    const result = await runTrigger(
      ['invoice.paid', '--via', 'eventbridge', '--email', email, '--url', pipeline().webhookUrl],
      {
        out: (line) => out.push(line),
        err: (line) => out.push(line),
        env: {},
      },
    );
    // Assess
    expect(result.exitCode).toBe(0);
    expect(out.join('\n')).toMatch(/_local\/eventbridge : 200 .*"queued"/);
    await eventWhen(result.sent?.event.id ?? '', (e) => e.status === 'processed');
    expect(await sesMessagesTo(endpoint, email)).toHaveLength(1);
  });

  it('does not queue an envelope the rule would not match, and refuses one that is not an envelope', async () => {
    // Prepare
    const event = buildStripeEvent('invoice.paid');
    const foreign = { ...eventBridgeEnvelope(event), source: 'my.app' };
    // Act
    const notMatched = await putOnEventBridge(foreign);
    const invalid = await putOnEventBridge({ hello: 'world' });
    // Assess
    expect(await notMatched.json()).toMatchObject({ status: 'not_matched' });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: { code: 'invalid_eventbridge_event' } });
  });

  it('acknowledges a validly signed thin event that no handler subscribes to, with 200 ignored', async () => {
    // Prepare
    const thin = buildThinEvent('v1.billing.meter.error_report_triggered');
    // Act
    const response = await post(JSON.stringify(thin));
    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ received: true, ignored: true, id: thin.id });
    const ignored = `<-- [200] ignored v1.billing.meter.error_report_triggered [${String(thin.id)}]: no handler subscribes to it, not queued`;
    expect(printed.filter((line) => line.endsWith(ignored))).toHaveLength(1);
  });
});
