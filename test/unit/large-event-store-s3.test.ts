/** The receiver's S3 PutObject of a large body, with the HTTP client faked: where it goes and what it sends. */
import {
  LargeEventStoreError,
  s3LargeEventStore,
  s3LocationFromEnvironment,
} from '../../functions/receiver/large-event-store';
import type { QueuedEvent } from '../../functions/receiver/receive-webhook';
import { AwsCallError, type AwsHttpCall, type AwsHttpClient } from '../../functions/shared/aws-json-client';

const event: QueuedEvent = {
  body: '{"id":"evt_large","object":"event","note":"café"}',
  eventId: 'evt_large',
  eventType: 'invoice.paid',
  payload: 'snapshot',
  receivedAt: '2026-11-22T10:00:00.000Z',
};

function recordingClient(fail?: Error): { client: AwsHttpClient; calls: AwsHttpCall[] } {
  const calls: AwsHttpCall[] = [];
  const client: AwsHttpClient = async (call) => {
    calls.push(call);
    if (fail) throw fail;
    return { statusCode: 200, text: '' };
  };
  return { client, calls };
}

describe('s3LargeEventStore', () => {
  it('puts the exact bytes path-style to an emulator, and returns the pointer', async () => {
    // Prepare
    const { client, calls } = recordingClient();
    const location = s3LocationFromEnvironment('us-east-1', { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' });
    const store = s3LargeEventStore(
      client,
      'large-events',
      () => location,
      () => 'u-1',
    );
    // Act
    const pointer = await store(event, new AbortController().signal);
    // Assess
    const key = 'events/2026-11-22/evt_large/u-1.json';
    expect(pointer).toEqual({ bucket: 'large-events', key, bytes: Buffer.byteLength(event.body) });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      service: 's3',
      operation: 'PutObject',
      method: 'PUT',
      path: `/large-events/${key}`,
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(calls[0]?.endpoint.href).toBe('http://127.0.0.1:5000/');
    expect(Buffer.from(calls[0]?.body ?? '').equals(Buffer.from(event.body, 'utf8'))).toBe(true);
  });

  it('uses the bucket in the host name on AWS, and encodes the key', async () => {
    // Prepare
    const { client, calls } = recordingClient();
    const store = s3LargeEventStore(
      client,
      'large-events',
      () => s3LocationFromEnvironment('eu-west-1', {}),
      () => 'u 2',
    );
    // Act
    await store({ ...event, eventId: 'evt_a/b' }, new AbortController().signal);
    // Assess
    expect(calls[0]?.endpoint.href).toBe('https://large-events.s3.eu-west-1.amazonaws.com/');
    expect(calls[0]?.path).toBe('/events/2026-11-22/evt_a%252Fb/u%202.json');
  });

  it('wraps a failed put in LargeEventStoreError naming the object', async () => {
    // Prepare
    const failure = new AwsCallError('s3', 'PutObject', {
      code: 'AccessDenied',
      message: 'no',
      statusCode: 403,
      retryable: false,
    });
    const { client } = recordingClient(failure);
    const store = s3LargeEventStore(
      client,
      'b',
      () => s3LocationFromEnvironment('us-east-1', {}),
      () => 'u',
    );
    // Act
    const error = await store(event, new AbortController().signal).catch((caught: unknown) => caught);
    // Assess
    expect(error).toBeInstanceOf(LargeEventStoreError);
    expect(String(error)).toContain('s3://b/events/2026-11-22/evt_large/u.json');
    expect((error as Error).cause).toBe(failure);
  });
});
