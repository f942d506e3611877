import { sqsSender } from '../../functions/receiver/event-queue';
import type { AwsJsonClient } from '../../functions/shared/aws-json-client';

function recordingClient() {
  const calls: Parameters<AwsJsonClient>[0][] = [];
  const client: AwsJsonClient = async (call) => {
    calls.push(call);
    return {};
  };
  return { client, calls };
}

const queueUrl = 'http://127.0.0.1:5000/123456789012/stripe-webhooks-local-events';
const message = { body: '{"id":"evt_test_1"}', attributes: { 'stripe-event-id': 'evt_test_1' } };

describe('sqsSender', () => {
  it('sends SendMessage to the queue URL’s host with the attributes as String attributes, and no trace header by default', async () => {
    const { client, calls } = recordingClient();
    await sqsSender(client, queueUrl, { env: {} })(message, new AbortController().signal);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ service: 'sqs', target: 'AmazonSQS.SendMessage' });
    expect(String(calls[0]?.endpoint)).toBe('http://127.0.0.1:5000/');
    expect(calls[0]?.payload).toEqual({
      QueueUrl: queueUrl,
      MessageBody: message.body,
      MessageAttributes: { 'stripe-event-id': { DataType: 'String', StringValue: 'evt_test_1' } },
    });
  });

  it('sends to the configured endpoint when there is one, as the SDK does (a stack deployed into an emulator)', async () => {
    // Prepare: the AWS-style URL CloudFormation gives a queue, wherever it runs
    const deployedUrl = 'https://sqs.us-east-1.amazonaws.com/123456789012/StripeWebhooks-dev-Events';
    const { client, calls } = recordingClient();
    // Act
    for (const env of [
      { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' },
      { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566', AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9324' },
      {},
    ]) {
      await sqsSender(client, deployedUrl, { env })(message, new AbortController().signal);
    }
    // Assess: the queue URL stays the message's QueueUrl; only the host the request goes to changes
    expect(calls.map((call) => String(call.endpoint))).toEqual([
      'http://127.0.0.1:4566/',
      'http://127.0.0.1:9324/',
      'https://sqs.us-east-1.amazonaws.com/',
    ]);
    expect(calls.every((call) => (call.payload as { QueueUrl: string }).QueueUrl === deployedUrl)).toBe(true);
  });

  it('carries the X-Ray trace header as AWSTraceHeader when tracing gives one, and leaves it out when there is none', async () => {
    const { client, calls } = recordingClient();
    let header: string | undefined = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    const send = sqsSender(client, queueUrl, { traceHeader: () => header });
    await send(message, new AbortController().signal);
    header = undefined;
    await send(message, new AbortController().signal);
    expect(calls[0]?.payload).toMatchObject({
      MessageSystemAttributes: {
        AWSTraceHeader: {
          DataType: 'String',
          StringValue: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
        },
      },
    });
    expect(calls[1]?.payload).not.toHaveProperty('MessageSystemAttributes');
  });
});
