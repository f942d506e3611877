/**
 * The message the receiver queues in place of a body too large for SQS: the body itself is in S3, and
 * the queued message says where. The receiver writes it and the consumer reads it; this file is the
 * contract between the two.
 */

/** Value of the `body-location` message attribute when the message body is a {@link LargeEventPointer}. */
export const s3BodyLocation = 's3';

/** Where a large event's raw body is stored. */
export interface LargeEventPointer {
  readonly bucket: string;
  readonly key: string;
  /** Size of the stored body in bytes, so that the consumer can tell a truncated read from the real thing. */
  readonly bytes: number;
}

export class MalformedLargeEventPointerError extends Error {
  constructor(reason: string) {
    super(
      `The queued message says its body is in S3, but it is not a pointer to it (${reason}); the receiver queues {"bucket", "key", "bytes"}, so check what else sends to this queue.`,
    );
    this.name = 'MalformedLargeEventPointerError';
  }
}

export function serializeLargeEventPointer(pointer: LargeEventPointer): string {
  return JSON.stringify({ bucket: pointer.bucket, key: pointer.key, bytes: pointer.bytes });
}

export function parseLargeEventPointer(messageBody: string): LargeEventPointer {
  let value: unknown;
  try {
    value = JSON.parse(messageBody);
  } catch {
    throw new MalformedLargeEventPointerError('not JSON');
  }
  const candidate = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const { bucket, key, bytes } = candidate;
  if (typeof bucket !== 'string' || bucket === '' || typeof key !== 'string' || key === '') {
    throw new MalformedLargeEventPointerError('no string "bucket" and "key"');
  }
  if (typeof bytes !== 'number' || !Number.isInteger(bytes) || bytes < 0) {
    throw new MalformedLargeEventPointerError('"bytes" is not a byte count');
  }
  return { bucket, key, bytes };
}
