import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { splitSubscribedTypes, subscribedTypeMatcher } from '../../config/subscribed-types';
import exampleSubscriptions from '../../examples/custom-handlers/subscriptions';
import { subscribedTypesOf } from '../../functions/consumer/define-subscriptions';
import { isEventDone } from '../../functions/consumer/idempotency-store';
import { replayEvents } from '../../functions/replay/replay-events';
import { replayEventQueue } from '../../functions/replay/replay-queue';
import { sdkSqsSender } from '../../functions/replay/sdk-queue';
import { createStripeAdminApi } from '../../functions/shared/stripe-api/admin';
import { buildThinEvent } from '../../tools/event-deliveries';
import { localClientConfig } from '../../tools/local/resources';
import { localStripeApiKey } from '../../tools/local/stripe-api';
import { localPipelineClient, sesMessagesTo } from '../support/local-pipeline-client';
import { useTestPipeline } from '../support/test-pipeline';
import { requireMotoEndpoint, waitFor } from '../support/wait-for';

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

describe('replaying thin events the endpoint never got', () => {
  it('lists them from /v2/core/events, queues each as its notification, and the handler sends one notice each', async () => {
    // Prepare: two thin events Stripe sent while the endpoint was down, and one snapshot event
    const missed = [
      buildThinEvent('v1.billing.meter.error_report_triggered', { context: 'acct_1ReplayThinA' }),
      buildThinEvent('v1.billing.meter.error_report_triggered', { context: 'acct_1ReplayThinB' }),
    ];
    for (const event of missed) {
      const answer = await fetch(`${pipeline().stripeApiUrl}/_fake/events?delivered=false`, {
        method: 'POST',
        body: JSON.stringify(event),
      });
      expect(answer.status).toBe(200);
    }
    const sqs = new SQSClient(localClientConfig(endpoint));
    const dynamodb = new DynamoDBClient(localClientConfig(endpoint));
    const subscribed = subscribedTypesOf(exampleSubscriptions);
    const noticesBefore = (await sesMessagesTo(endpoint, financeAddress)).length;
    try {
      const replay = () =>
        replayEvents(
          {
            since: new Date(Date.now() - 3_600_000),
            thinTypes: splitSubscribedTypes(subscribed).thin,
            snapshots: false,
          },
          {
            stripe: createStripeAdminApi({ apiKey: async () => localStripeApiKey, apiUrl: pipeline().stripeApiUrl }),
            enqueue: replayEventQueue(sdkSqsSender(sqs, pipeline().resources.queueUrl), 'stripe:replay'),
            isDone: (id) => isEventDone(dynamodb, pipeline().resources.tableName, id),
            isSubscribed: subscribedTypeMatcher(subscribed.join(',')),
            now: () => new Date(),
          },
        );
      // Act
      const summary = await replay();
      for (const event of missed) {
        await waitFor(
          `${event.id} done`,
          async () => (await isEventDone(dynamodb, pipeline().resources.tableName, String(event.id))) || undefined,
          30_000,
        );
      }
      const again = await replay();
      // Assess: the thin event of the first test was delivered and done; the two missed ones are queued
      expect(summary).toMatchObject({ found: 3, alreadyDone: 1, queued: 2, failed: 0 });
      expect(again).toMatchObject({ found: 3, alreadyDone: 3, queued: 0 });
      const notices = await sesMessagesTo(endpoint, financeAddress);
      expect(notices.length - noticesBefore).toBe(2);
      const requests = (await (await fetch(`${pipeline().stripeApiUrl}/_fake/requests`)).json()) as FakeRequest[];
      const contexts = requests.filter((r) => r.path.startsWith('/v2/core/events/')).map((r) => r.stripeContext);
      expect(contexts).toEqual(expect.arrayContaining(['acct_1ReplayThinA', 'acct_1ReplayThinB']));
    } finally {
      sqs.destroy();
      dynamodb.destroy();
    }
  });
});
