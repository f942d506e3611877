import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { envVarNames, messageAttributeNames } from '../../config/contract';
import { errorSummary } from '../shared/errors';
import { type LargeEventPointer, parseLargeEventPointer, s3BodyLocation } from '../shared/large-event-pointer';

/** What the consumer needs of an SQS record to find the event's raw body (Lambda's `SQSRecord` has it). */
export interface QueuedRecord {
  readonly body: string;
  readonly messageAttributes: Readonly<Record<string, { readonly stringValue?: string } | undefined>>;
}

/** Reads a stored body as a UTF-8 string. */
export type ReadStoredBody = (pointer: LargeEventPointer) => Promise<string>;

export class UnknownBodyLocationError extends Error {
  constructor(location: string) {
    super(
      `The queued message says its body is in "${location}", but this consumer only knows inline bodies and "${s3BodyLocation}"; check that the receiver and the consumer are deployed from the same version.`,
    );
    this.name = 'UnknownBodyLocationError';
  }
}

export class ForeignBucketError extends Error {
  constructor(pointerBucket: string, configuredBucket: string) {
    super(
      `The queued message points to bucket ${pointerBucket}, but this consumer reads large events from ${configuredBucket}; check the ${envVarNames.largeEventBucketName} variable of the receiver and the consumer.`,
    );
    this.name = 'ForeignBucketError';
  }
}

export class StoredBodyMissingError extends Error {
  constructor(pointer: LargeEventPointer, cause: unknown) {
    super(
      `The event body s3://${pointer.bucket}/${pointer.key} is missing or not readable (${errorSummary(cause)}). Check that the object exists ` +
        '(the bucket expires bodies some days after the queue and the dead-letter queue drop their messages, so a message redriven later has lost its body) ' +
        'and that the consumer role may s3:GetObject it.',
      { cause },
    );
    this.name = 'StoredBodyMissingError';
  }
}

export class StoredBodySizeMismatchError extends Error {
  constructor(pointer: LargeEventPointer, actualBytes: number) {
    super(
      `The event body s3://${pointer.bucket}/${pointer.key} has ${actualBytes} bytes, but the receiver stored ${pointer.bytes}; it was changed or truncated, so it is not the body Stripe signed.`,
    );
    this.name = 'StoredBodySizeMismatchError';
  }
}

/**
 * Resolves a record to the raw event body: the message body itself, or, when the receiver stored a
 * large body in S3 (`body-location: s3`), the stored object the message points to. `consumeEvent` then
 * sees the same string either way.
 */
export function queuedEventBodyResolver(
  readStoredBody: ReadStoredBody,
  bucket: string,
): (record: QueuedRecord) => Promise<string> {
  return async (record) => {
    const location = record.messageAttributes[messageAttributeNames.bodyLocation]?.stringValue;
    if (location === undefined) return record.body;
    if (location !== s3BodyLocation) throw new UnknownBodyLocationError(location);
    const pointer = parseLargeEventPointer(record.body);
    // The consumer may only read its own bucket: a pointer elsewhere is a misconfiguration, said plainly.
    if (pointer.bucket !== bucket) throw new ForeignBucketError(pointer.bucket, bucket);
    const body = await readStoredBody(pointer);
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes !== pointer.bytes) throw new StoredBodySizeMismatchError(pointer, bytes);
    return body;
  };
}

/** Error names S3 gives a GetObject on a missing key: NoSuchKey, or AccessDenied without s3:ListBucket (as here). */
const missingObjectErrors = new Set(['NoSuchKey', 'NotFound', 'AccessDenied']);

/** Reads stored bodies with GetObject, the only S3 action the consumer is granted. */
export function s3StoredBodyReader(client: S3Client): ReadStoredBody {
  return async (pointer) => {
    try {
      const { Body } = await client.send(new GetObjectCommand({ Bucket: pointer.bucket, Key: pointer.key }));
      if (Body === undefined) throw new StoredBodyMissingError(pointer, 'GetObject returned no body');
      return await Body.transformToString('utf-8');
    } catch (error) {
      if (error instanceof Error && missingObjectErrors.has(error.name))
        throw new StoredBodyMissingError(pointer, error);
      throw error;
    }
  };
}
