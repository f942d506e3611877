import { randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { largeEventKeyPrefix } from '../../config/contract';
import { errorSummary } from '../shared/errors';
import type { LargeEventPointer } from '../shared/large-event-pointer';
import type { QueuedEvent } from './receive-webhook';

/** Stores an event's raw body and resolves to where it is, only once the store has durably accepted it. */
export type StoreLargeEvent = (event: QueuedEvent, signal: AbortSignal) => Promise<LargeEventPointer>;

export class LargeEventStoreError extends Error {
  constructor(bucket: string, key: string, cause: unknown) {
    super(`Could not store the event body as s3://${bucket}/${key} (${errorSummary(cause)}); nothing was queued.`, {
      cause,
    });
    this.name = 'LargeEventStoreError';
  }
}

/**
 * `events/<yyyy-mm-dd>/<event id>/<unique>.json`. The day (UTC, of receipt) lets an operator find and
 * list a day's bodies; the unique part keeps a resent event (same id, maybe another body) from
 * overwriting the body an earlier pointer still refers to. The id is URI-encoded because it comes from
 * the request: Stripe's ids are `evt_` and letters, digits and underscores, left as they are.
 */
export function largeEventKey(event: Pick<QueuedEvent, 'eventId' | 'receivedAt'>, unique: string): string {
  const day = /^\d{4}-\d{2}-\d{2}/.exec(event.receivedAt)?.[0] ?? new Date().toISOString().slice(0, 10);
  return `${largeEventKeyPrefix}${day}/${encodeURIComponent(event.eventId)}/${unique}.json`;
}

/** An S3 client, or a function that creates one when the first large event comes. */
export type S3ClientSource = S3Client | (() => Promise<S3Client>);

/**
 * Stores raw bodies in `bucket` with PutObject, the only S3 action the receiver is granted. The S3
 * SDK is loaded on first use: most events are small, and loading it costs every cold start ~25 ms.
 */
export function s3LargeEventStore(
  client: S3ClientSource,
  bucket: string,
  newUnique: () => string = randomUUID,
): StoreLargeEvent {
  let ready: Promise<S3Client> | undefined;
  const s3 = () => {
    ready ??= (typeof client === 'function' ? client() : Promise.resolve(client)).catch((error: unknown) => {
      ready = undefined; // let the next event try again
      throw error;
    });
    return ready;
  };
  return async (event, signal) => {
    const [s3Client, { PutObjectCommand }] = await Promise.all([s3(), import('@aws-sdk/client-s3')]);
    // The bytes Stripe signed: the receiver decoded them as strict UTF-8, which re-encodes to the same bytes.
    const body = Buffer.from(event.body, 'utf8');
    const key = largeEventKey(event, newUnique());
    try {
      await s3Client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentLength: body.length,
          ContentType: 'application/json; charset=utf-8',
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      throw new LargeEventStoreError(bucket, key, error);
    }
    return { bucket, key, bytes: body.length };
  };
}
