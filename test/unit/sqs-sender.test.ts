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
    await sqsSender(client, queueUrl)(message, new AbortController().signal);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ service: 'sqs', target: 'AmazonSQS.SendMessage' });
    expect(String(calls[0]?.endpoint)).toBe('http://127.0.0.1:5000/');
    expect(calls[0]?.payload).toEqual({
      QueueUrl: queueUrl,
      MessageBody: message.body,
      MessageAttributes: { 'stripe-event-id': { DataType: 'String', StringValue: 'evt_test_1' } },
    });
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
