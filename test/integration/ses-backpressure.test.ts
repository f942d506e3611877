import { SQSClient } from '@aws-sdk/client-sqs';
import { envVarNames } from '../../config/contract';
import { resolveSettings } from '../../config/settings';
import { type LocalPipeline, startLocalPipeline } from '../../tools/local/pipeline';
import { localClientConfig } from '../../tools/local/resources';
import { buildStripeEvent } from '../../tools/stripe-events';
import { localPipelineClient, queueDepth, sesMessagesTo } from '../support/local-pipeline-client';
import { requireMotoEndpoint } from '../support/wait-for';

const signingSecret = 'whsec_backpressure_test_secret_not_real';
const endpoint = requireMotoEndpoint();
const sqs = new SQSClient(localClientConfig(endpoint));
jest.setTimeout(60_000);
let pipeline: LocalPipeline;
const printed: string[] = [];
const client = localPipelineClient(() => pipeline, signingSecret);

beforeAll(async () => {
  // One email per 10 minutes per instance: the second send cannot wait that long within an invocation.
  process.env[envVarNames.emailSendIntervalMs] = '600000';
  pipeline = await startLocalPipeline({
    port: 0,
    signingSecret,
    emulatorEndpoint: endpoint,
    settings: resolveSettings({ stage: 'local' }),
    resourceNameSuffix: 'backpressure',
    print: (line) => printed.push(line),
  });
});
afterAll(async () => {
  await pipeline.stop();
  sqs.destroy();
});

describe('SES backpressure through the real consumer handler (moto)', () => {
  it('queues a send it cannot pace as a delayed copy instead of failing it toward the DLQ', async () => {
    // Prepare
    const first = buildStripeEvent('invoice.paid', { email: 'first@backpressure.example.com' });
    const second = buildStripeEvent('invoice.paid', { email: 'second@backpressure.example.com' });
    // Act
    expect((await client.post(JSON.stringify(first))).status).toBe(200);
    await client.eventWhen(first.id, (event) => event.status === 'processed');
    expect((await client.post(JSON.stringify(second))).status).toBe(200);
    const throttled = await client.eventWhen(second.id, (event) => event.status === 'throttled');
    // Assess: no email yet, nothing failed, and exactly one (delayed) copy waits in the queue
    expect(throttled.attempts).toBe(1);
    expect(await sesMessagesTo(endpoint, 'first@backpressure.example.com')).toHaveLength(1);
    expect(await sesMessagesTo(endpoint, 'second@backpressure.example.com')).toHaveLength(0);
    expect(
      printed.some((line) => line.includes(`SES throttled invoice.paid [${second.id}]: queued again in 10 s`)),
    ).toBe(true);
    expect(await queueDepth(sqs, pipeline.resources.queueUrl)).toBe(1);
    expect(await queueDepth(sqs, pipeline.resources.deadLetterQueueUrl)).toBe(0);
  });
});
