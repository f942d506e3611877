import { largeEventKeyPrefix, messageAttributeNames } from '../../config/contract';
import { resolveSettings } from '../../config/settings';
import {
  ForeignBucketError,
  type QueuedRecord,
  queuedEventBodyResolver,
  StoredBodySizeMismatchError,
  UnknownBodyLocationError,
} from '../../functions/consumer/queued-event-body';
import {
  createEventQueue,
  EnqueueDeadlineError,
  needsLargeEventStore,
  type QueueMessage,
} from '../../functions/receiver/event-queue';
import { largeEventKey, type StoreLargeEvent } from '../../functions/receiver/large-event-store';
import type { QueuedEvent } from '../../functions/receiver/receive-webhook';
import { receiverAwsCallPolicy } from '../../functions/receiver/tuning';
import { boundedClientConfig, s3AddressingFor } from '../../functions/shared/aws-client-config';
import {
  type LargeEventPointer,
  MalformedLargeEventPointerError,
  parseLargeEventPointer,
  serializeLargeEventPointer,
} from '../../functions/shared/large-event-pointer';

const threshold = 100;
const bucket = 'large-events-bucket';

function queuedEvent(body: string): QueuedEvent {
  return {
    body,
    eventId: 'evt_test_large',
    eventType: 'invoice.paid',
    payload: 'snapshot',
    receivedAt: '2026-11-22T10:00:00.000Z',
  };
}

/** A queue whose S3 store and SQS send record what they get, in order, and can be made to fail or hang. */
function fakeQueue(options: { storeFails?: boolean; sendFails?: boolean; hang?: 'store' | 'send' } = {}) {
  const calls: string[] = [];
  const sent: QueueMessage[] = [];
  const signals: AbortSignal[] = [];
  const never = new Promise<never>(() => undefined);
  const store: StoreLargeEvent = async (event, signal) => {
    calls.push('store');
    signals.push(signal);
    if (options.hang === 'store') return never;
    if (options.storeFails) throw new Error('S3 unavailable (injected)');
    return { bucket, key: largeEventKey(event, 'uuid-1'), bytes: Buffer.byteLength(event.body) };
  };
  const send = async (message: QueueMessage, signal: AbortSignal) => {
    calls.push('send');
    signals.push(signal);
    // Ignores the signal on purpose: the deadline must hold even for a call that does not honour it.
    if (options.hang === 'send') return never;
    if (options.sendFails) throw new Error('SQS unavailable (injected)');
    sent.push(message);
  };
  return { calls, sent, signals, store, send };
}

describe('needsLargeEventStore', () => {
  it('keeps a body of exactly the threshold inline and stores one byte more', () => {
    // Assess
    expect(needsLargeEventStore('x'.repeat(threshold), threshold)).toBe(false);
    expect(needsLargeEventStore('x'.repeat(threshold + 1), threshold)).toBe(true);
  });

  it('counts UTF-8 bytes, not characters', () => {
    // Prepare: 50 characters of 2 bytes each is exactly the threshold; one more byte is over it
    const twoByteCharacters = 'é'.repeat(threshold / 2);
    // Assess
    expect(needsLargeEventStore(twoByteCharacters, threshold)).toBe(false);
    expect(needsLargeEventStore(`${twoByteCharacters}x`, threshold)).toBe(true);
  });

  it.each([
    ['U+FFFF', '\uFFFF'],
    ['U+FFFE', '\uFFFE'],
    ['a NUL', '\u0000'],
    ['a vertical tab', '\u000B'],
  ])('stores a small body holding %s, which SQS refuses in a message', (_name, character) => {
    // Assess
    expect(needsLargeEventStore(`{"id":"evt_1","x":"${character}"}`, threshold)).toBe(true);
  });

  it('keeps small bodies with tabs, newlines, non-Latin text and astral characters inline', () => {
    // Assess
    expect(needsLargeEventStore('{\n\t"name": "Zoë 株式会社 😀"\r\n}', threshold)).toBe(false);
  });
});

describe('largeEventKey', () => {
  it('is events/<day of receipt>/<event id>/<unique>.json', () => {
    // Act
    const key = largeEventKey({ eventId: 'evt_1NvXyZ', receivedAt: '2026-11-22T23:59:59.999Z' }, 'abc');
    // Assess
    expect(key).toBe(`${largeEventKeyPrefix}2026-11-22/evt_1NvXyZ/abc.json`);
  });

  it('gives a resent event another key, so an earlier body is never overwritten', () => {
    // Prepare
    const event = { eventId: 'evt_1', receivedAt: '2026-11-22T10:00:00.000Z' };
    // Assess
    expect(largeEventKey(event, 'first')).not.toBe(largeEventKey(event, 'second'));
  });

  it('cannot be steered out of its folder by the event id', () => {
    // Act
    const key = largeEventKey({ eventId: 'evt_../../x y', receivedAt: '2026-11-22T10:00:00.000Z' }, 'u');
    // Assess
    expect(key).toBe(`${largeEventKeyPrefix}2026-11-22/evt_..%2F..%2Fx%20y/u.json`);
    expect(key.split('/')).toHaveLength(4);
  });
});

describe('createEventQueue', () => {
  it('sends a body at the threshold inline, with the event attributes, and stores nothing', async () => {
    // Prepare
    const fake = fakeQueue();
    const enqueue = createEventQueue({
      send: fake.send,
      largeEvents: { store: fake.store, thresholdBytes: threshold },
    });
    const body = 'x'.repeat(threshold);
    // Act
    await enqueue(queuedEvent(body));
    // Assess
    expect(fake.calls).toEqual(['send']);
    expect(fake.sent).toEqual([
      {
        body,
        attributes: {
          [messageAttributeNames.eventId]: 'evt_test_large',
          [messageAttributeNames.eventType]: 'invoice.paid',
          [messageAttributeNames.receivedAt]: '2026-11-22T10:00:00.000Z',
          [messageAttributeNames.eventPayload]: 'snapshot',
        },
      },
    ]);
  });

  it('stores a body above the threshold first, then sends a pointer marked body-location=s3', async () => {
    // Prepare
    const fake = fakeQueue();
    const enqueue = createEventQueue({
      send: fake.send,
      largeEvents: { store: fake.store, thresholdBytes: threshold },
    });
    const body = 'x'.repeat(threshold + 1);
    // Act
    await enqueue(queuedEvent(body));
    // Assess
    expect(fake.calls).toEqual(['store', 'send']);
    expect(fake.sent).toHaveLength(1);
    expect(fake.sent[0]?.attributes).toEqual({
      [messageAttributeNames.eventId]: 'evt_test_large',
      [messageAttributeNames.eventType]: 'invoice.paid',
      [messageAttributeNames.receivedAt]: '2026-11-22T10:00:00.000Z',
      [messageAttributeNames.eventPayload]: 'snapshot',
      [messageAttributeNames.bodyLocation]: 's3',
    });
    expect(parseLargeEventPointer(fake.sent[0]?.body ?? '')).toEqual({
      bucket,
      key: `${largeEventKeyPrefix}2026-11-22/evt_test_large/uuid-1.json`,
      bytes: threshold + 1,
    });
  });

  it('sends nothing when S3 refuses the body, and fails so that the receiver answers 5xx', async () => {
    // Prepare
    const fake = fakeQueue({ storeFails: true });
    const enqueue = createEventQueue({
      send: fake.send,
      largeEvents: { store: fake.store, thresholdBytes: threshold },
    });
    // Act + Assess
    await expect(enqueue(queuedEvent('x'.repeat(threshold + 1)))).rejects.toThrow('S3 unavailable');
    expect(fake.calls).toEqual(['store']);
  });

  it('fails when SQS refuses the pointer after S3 stored the body', async () => {
    // Prepare
    const fake = fakeQueue({ sendFails: true });
    const enqueue = createEventQueue({
      send: fake.send,
      largeEvents: { store: fake.store, thresholdBytes: threshold },
    });
    // Act + Assess
    await expect(enqueue(queuedEvent('x'.repeat(threshold + 1)))).rejects.toThrow('SQS unavailable');
    expect(fake.calls).toEqual(['store', 'send']);
  });

  it('sends every body inline when no large-event store is configured', async () => {
    // Prepare
    const fake = fakeQueue();
    const enqueue = createEventQueue({ send: fake.send });
    // Act
    await enqueue(queuedEvent('x'.repeat(10_000)));
    // Assess
    expect(fake.calls).toEqual(['send']);
  });

  it.each([
    ['S3 hangs', 'store', threshold + 1, ['store']],
    ['SQS hangs and ignores the abort signal', 'send', 1, ['send']],
  ] as const)('gives up at the deadline when %s, and aborts the calls', async (_name, hang, size, calls) => {
    // Prepare
    const deadlineMs = 100;
    const fake = fakeQueue({ hang });
    const enqueue = createEventQueue({
      send: fake.send,
      largeEvents: { store: fake.store, thresholdBytes: threshold },
      deadlineMs,
    });
    const started = performance.now();
    // Act
    const outcome = enqueue(queuedEvent('x'.repeat(size)));
    // Assess
    await expect(outcome).rejects.toThrow(EnqueueDeadlineError);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(deadlineMs - 5);
    expect(elapsed).toBeLessThan(deadlineMs + 500);
    expect(fake.calls).toEqual(calls);
    expect(fake.signals.every((signal) => signal.aborted)).toBe(true);
    expect(fake.sent).toEqual([]);
  });
});

describe('large event pointer', () => {
  it('round-trips through the message body', () => {
    // Prepare
    const pointer: LargeEventPointer = { bucket, key: 'events/2026-11-22/evt_1/u.json', bytes: 1_500_000 };
    // Act + Assess
    expect(parseLargeEventPointer(serializeLargeEventPointer(pointer))).toEqual(pointer);
  });

  it.each([
    ['not JSON', '{"id":"evt_1"'],
    ['a Stripe event', '{"id":"evt_1","object":"event","type":"invoice.paid"}'],
    ['a pointer without bytes', '{"bucket":"b","key":"k"}'],
    ['a pointer with a negative size', '{"bucket":"b","key":"k","bytes":-1}'],
    ['null', 'null'],
  ])('refuses %s', (_name, body) => {
    // Act + Assess
    expect(() => parseLargeEventPointer(body)).toThrow(MalformedLargeEventPointerError);
  });
});

describe('queuedEventBodyResolver', () => {
  const stored = '{"id":"evt_test_large","object":"event","type":"invoice.paid","data":{"object":{"n":"Zoë"}}}';
  const pointer = { bucket, key: 'events/2026-11-22/evt_test_large/u.json', bytes: Buffer.byteLength(stored) };

  function pointerRecord(body: string, location = 's3'): QueuedRecord {
    return { body, messageAttributes: { [messageAttributeNames.bodyLocation]: { stringValue: location } } };
  }
  function fakeReader(content = stored) {
    const reads: LargeEventPointer[] = [];
    const read = async (requested: LargeEventPointer) => {
      reads.push(requested);
      return content;
    };
    return { reads, read };
  }

  it('returns an inline body as it is, without reading S3', async () => {
    // Prepare
    const reader = fakeReader();
    const resolve = queuedEventBodyResolver(reader.read, bucket);
    // Act
    const body = await resolve({ body: stored, messageAttributes: {} });
    // Assess
    expect(body).toBe(stored);
    expect(reader.reads).toEqual([]);
  });

  it('reads the body a pointer refers to', async () => {
    // Prepare
    const reader = fakeReader();
    const resolve = queuedEventBodyResolver(reader.read, bucket);
    // Act
    const body = await resolve(pointerRecord(serializeLargeEventPointer(pointer)));
    // Assess
    expect(body).toBe(stored);
    expect(reader.reads).toEqual([pointer]);
  });

  it('refuses an unknown body location', async () => {
    // Prepare
    const resolve = queuedEventBodyResolver(fakeReader().read, bucket);
    // Act + Assess
    await expect(resolve(pointerRecord(serializeLargeEventPointer(pointer), 'dynamodb'))).rejects.toThrow(
      UnknownBodyLocationError,
    );
  });

  it('refuses a body-location=s3 message whose body is not a pointer', async () => {
    // Prepare
    const resolve = queuedEventBodyResolver(fakeReader().read, bucket);
    // Act + Assess
    await expect(resolve(pointerRecord(stored))).rejects.toThrow(MalformedLargeEventPointerError);
  });

  it('refuses a pointer to another bucket, naming both and the variable to check', async () => {
    // Prepare
    const reader = fakeReader();
    const resolve = queuedEventBodyResolver(reader.read, bucket);
    // Act
    const outcome = resolve(pointerRecord(serializeLargeEventPointer({ ...pointer, bucket: 'someone-elses' })));
    // Assess
    await expect(outcome).rejects.toThrow(ForeignBucketError);
    await expect(outcome).rejects.toThrow(/someone-elses.*large-events-bucket.*LARGE_EVENT_BUCKET_NAME/);
    expect(reader.reads).toEqual([]);
  });

  it('refuses a stored body whose size differs from what the receiver stored', async () => {
    // Prepare
    const resolve = queuedEventBodyResolver(fakeReader(stored.slice(0, -1)).read, bucket);
    // Act + Assess
    await expect(resolve(pointerRecord(serializeLargeEventPointer(pointer)))).rejects.toThrow(
      StoredBodySizeMismatchError,
    );
  });
});

describe('large event settings', () => {
  it('keeps stored bodies longer than a message can live in the queue and then the dead-letter queue', () => {
    // Prepare
    const settings = resolveSettings();
    // Assess
    expect(settings.largeEventRetentionDays).toBe(21);
    expect(settings.largeEventRetentionDays).toBeGreaterThan(
      settings.queueRetentionDays + settings.deadLetterRetentionDays,
    );
  });
});

describe('receiver time budget', () => {
  it('lets two full attempts run, then ends the enqueue step before the function times out, far inside API Gateway 30 s', () => {
    // Prepare
    const { maxAttempts, connectionTimeoutMs, requestTimeoutMs, enqueueDeadlineMs } = receiverAwsCallPolicy;
    const functionTimeoutMs = resolveSettings().receiverTimeoutSeconds * 1000;
    // Assess
    expect(connectionTimeoutMs).toBeLessThan(requestTimeoutMs);
    expect(maxAttempts).toBeGreaterThanOrEqual(2);
    expect(enqueueDeadlineMs).toBeGreaterThan(2 * requestTimeoutMs);
    expect(enqueueDeadlineMs).toBeLessThan(functionTimeoutMs);
    expect(functionTimeoutMs).toBeLessThan(30_000);
  });

  it('configures the clients so that a request timeout is an error, not a warning', () => {
    // Act
    const config = boundedClientConfig();
    // Assess
    expect(config).toEqual({
      maxAttempts: receiverAwsCallPolicy.maxAttempts,
      requestHandler: {
        connectionTimeout: receiverAwsCallPolicy.connectionTimeoutMs,
        requestTimeout: receiverAwsCallPolicy.requestTimeoutMs,
        throwOnRequestTimeout: true,
      },
    });
  });

  it('addresses S3 buckets by path only behind an emulator endpoint', () => {
    // Assess
    expect(s3AddressingFor({ AWS_ENDPOINT_URL: 'http://host.docker.internal:5000' })).toEqual({ forcePathStyle: true });
    expect(s3AddressingFor({})).toEqual({ forcePathStyle: false });
  });
});
