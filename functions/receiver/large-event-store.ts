import { randomUUID } from 'node:crypto';
import { largeEventKeyPrefix } from '../../config/contract';
import type { AwsHttpClient } from '../shared/aws-json-client';
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

/** Where S3 is: the endpoint, and whether buckets are in the path (emulators) or in the host name (AWS). */
export interface S3Location {
  readonly endpoint: URL;
  readonly forcePathStyle: boolean;
}

/**
 * S3's endpoint from the environment, read when the first large event comes (as the SDK reads its
 * configuration when its client is created): `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL` (moto,
 * LocalStack: path-style), else the regional AWS endpoint (virtual-hosted style).
 */
export function s3LocationFromEnvironment(region: string, env: NodeJS.ProcessEnv = process.env): S3Location {
  const override = (env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL)?.trim();
  if (override) return { endpoint: new URL(override), forcePathStyle: true };
  return { endpoint: new URL(`https://s3.${region}.amazonaws.com`), forcePathStyle: false };
}

/** Each segment of a key URI-encoded, the slashes kept, as S3 (and SigV4's canonical path) expect. */
function encodeKey(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    )
    .join('/');
}

/**
 * Stores raw bodies in `bucket` with PutObject, the only S3 action the receiver is granted, through
 * the receiver's light AWS client (functions/shared/aws-json-client.ts), with its retry, timeout and
 * abort policy. Not the S3 SDK: even loaded lazily, its code in the bundle cost every cold start
 * more than the rest of the receiver (bench/cold-start.ts).
 */
export function s3LargeEventStore(
  client: AwsHttpClient,
  bucket: string,
  location: () => S3Location,
  newUnique: () => string = randomUUID,
): StoreLargeEvent {
  let where: S3Location | undefined;
  return async (event, signal) => {
    where ??= location();
    // The bytes Stripe signed: the receiver decoded them as strict UTF-8, which re-encodes to the same bytes.
    const body = Buffer.from(event.body, 'utf8');
    const key = largeEventKey(event, newUnique());
    const endpoint = where.forcePathStyle
      ? where.endpoint
      : new URL(`${where.endpoint.protocol}//${bucket}.${where.endpoint.host}`);
    const path = where.forcePathStyle ? `/${encodeURIComponent(bucket)}/${encodeKey(key)}` : `/${encodeKey(key)}`;
    try {
      await client(
        {
          service: 's3',
          operation: 'PutObject',
          endpoint,
          method: 'PUT',
          path,
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body,
        },
        signal,
      );
    } catch (error) {
      throw new LargeEventStoreError(bucket, key, error);
    }
    return { bucket, key, bytes: body.length };
  };
}
