/**
 * The receiver's own tuning: request limits, signature tolerance, the large-event threshold and the time
 * budget of its AWS calls. Only the receiver (and the tests and benchmarks that check it) reads these;
 * operators change the pipeline through `config/settings.ts`.
 */

/**
 * Raw bodies larger than this (in UTF-8 bytes) are stored in S3 and queued as a small pointer.
 * SQS itself takes up to 1 MiB, attributes included, but 256 KiB (the classic SQS limit) is what
 * keeps a full batch deliverable: Lambda's SQS event source hands the consumer up to 10 records in
 * one invocation of at most 6 MB, and each body is JSON-escaped once more inside that event, so
 * 10 × 256 KiB (plus escaping) fits where 10 × 1 MiB would not.
 */
export const largeEventThresholdBytes = 256 * 1024;

/**
 * Timeouts and retries of the receiver's AWS calls (Secrets Manager, S3, SQS). Stripe waits for an
 * answer and API Gateway gives up after 30 s, and the receiver function itself stops after
 * `receiverTimeoutSeconds` (10 s): a call that hangs must fail early enough for the receiver to answer
 * 5xx itself (Stripe then retries), never leave Stripe waiting. Worst case of one call, all attempts
 * timing out: `maxAttempts × requestTimeoutMs` (3 × 3 s = 9 s; the connection timeout runs inside
 * the request timeout) plus the backoff between the attempts (at most 50 + 100 ms, full jitter, in
 * functions/shared/aws-json-client.ts, which makes these calls). The receiver may make two calls for
 * one event (S3, then SQS), so
 * `enqueueDeadlineMs` bounds the whole enqueue step (S3 put + SQS send, retries included) on its own:
 * 8 s, which leaves the receiver time to answer 503 before its 10 s timeout, and Stripe far inside
 * API Gateway's 30 s. Secrets Manager is read before that, when its cached value is refreshed, and is bounded
 * only per call (worst case above).
 */
export const receiverAwsCallPolicy = {
  /** Attempts per call, the first included (the SDK's standard retry mode). */
  maxAttempts: 3,
  /** Time to open a TCP/TLS connection before an attempt fails. */
  connectionTimeoutMs: 1_000,
  /** Hard limit on one attempt, from its start to the response headers (the SDK throws when it passes). */
  requestTimeoutMs: 3_000,
  /** Hard limit on the whole enqueue step: the S3 put of a large body and the SQS send, every attempt and backoff included. */
  enqueueDeadlineMs: 8_000,
} as const;

/** Stripe's own default: a signature older than this many seconds is refused (replay protection). */
export const signatureToleranceSeconds = 300;

/**
 * Size limits of the receiver, checked before anything else is done with a request.
 * - Body: Lambda takes at most 6 MB per synchronous invocation, and that counts the whole API
 *   Gateway event (headers, request context, a body grown by a third when base64-encoded), so a body
 *   near 6 MB never reaches the function: API Gateway answers for it. 5 MiB is the largest round size
 *   that does reach it, far above any Stripe event (typically a few KB; events above
 *   `largeEventThresholdBytes` go through S3), and the receiver answers 413 above it.
 * - Headers: API Gateway itself refuses more than 10 KB of request line and headers; 16 KiB (Node's
 *   default too) bounds what a REST API or the local endpoint may pass on. A `Stripe-Signature` header
 *   is about 150 bytes (t, and a v1 or two while a secret is rolled, plus v0 in test mode); 4 KiB
 *   leaves room for new schemes and keeps a hostile header from costing parse time.
 */
export const receiverLimits = {
  maxBodyBytes: 5 * 1024 * 1024,
  maxHeaderBytes: 16 * 1024,
  maxSignatureHeaderBytes: 4 * 1024,
} as const;
