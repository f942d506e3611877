import exampleSubscriptions from '../../examples/custom-handlers/subscriptions';
import { buildThinEvent } from '../../tools/event-deliveries';
import { localPipelineClient, sesMessagesTo } from '../support/local-pipeline-client';
import { useTestPipeline } from '../support/test-pipeline';
import { requireMotoEndpoint } from '../support/wait-for';

const signingSecret = 'whsec_integration_test_secret_not_real';
const endpoint = requireMotoEndpoint();
const financeAddress = 'finance.thin@example.org';
jest.setTimeout(60_000);

const { pipeline, printed } = useTestPipeline({
  signingSecret,
  resourceNameSuffix: 'thin-events',
  subscriptions: exampleSubscriptions,
});
beforeAll(async () => {
  process.env.FINANCE_ADDRESS = financeAddress;
});

const { post, eventWhen } = localPipelineClient(pipeline, signingSecret);

interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly stripeContext?: string;
}

describe('a thin event through the local pipeline, with a team’s thin handler', () => {
  it('queues it, fetches its meter and its data as its account, and sends finance one notice', async () => {
    // Prepare
    const thin = buildThinEvent('v1.billing.meter.error_report_triggered', { context: 'acct_1ThinTest' });
    const meterId = (thin.related_object as { id: string }).id;
    // Act: posted twice, as Stripe redelivers
    const first = await post(JSON.stringify(thin));
    await eventWhen(String(thin.id), (event) => event.status === 'processed');
    const again = await post(JSON.stringify(thin));
    // Assess
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    const requests = (await (await fetch(`${pipeline().stripeApiUrl}/_fake/requests`)).json()) as FakeRequest[];
    const fetched = requests.filter(
      (request) => request.path.includes(meterId) || request.path.includes(String(thin.id)),
    );
    expect(fetched).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: `/v1/billing/meters/${meterId}`,
        status: 200,
        stripeContext: 'acct_1ThinTest',
      }),
      expect.objectContaining({
        method: 'GET',
        path: `/v2/core/events/${thin.id}`,
        status: 200,
        stripeContext: 'acct_1ThinTest',
      }),
    ]);
    const sent = await sesMessagesTo(endpoint, financeAddress);
    // The meter's name comes from the fake's billing.meter, the count and summary from the v2 event's data.
    expect(sent.map((message) => message.subject)).toEqual(['Usage not recorded: test-meter']);
    expect(sent[0]?.body).toMatch(
      /1 usage event for meter &quot;test-meter&quot; could not be recorded between .+: There is 1 invalid event/,
    );
    expect(printed.join('\n')).toContain(`processed v1.billing.meter.error_report_triggered [${thin.id}]`);
  });
});
