/**
 * Settings shared by the CDK stack (`lib/`) and the local pipeline (`tools/local/`), so that what
 * runs on a laptop is configured exactly like what runs in AWS. Nothing here imports aws-cdk-lib
 * or an AWS SDK: both sides import this file.
 */

/** Names of the environment variables the Lambda functions read (set by the stack and by `npm start`). */
export const envVarNames = {
  /** URL of the SQS queue that the receiver sends verified events to. */
  queueUrl: 'EVENT_QUEUE_URL',
  /** Name or ARN of the Secrets Manager secret holding the Stripe webhook signing secret(s). */
  signingSecretId: 'SIGNING_SECRET_ID',
  /** Name of the DynamoDB idempotency table. */
  idempotencyTableName: 'IDEMPOTENCY_TABLE_NAME',
  /** The address emails are sent from; must be a verified SES identity. */
  senderAddress: 'SENDER_ADDRESS',
  /** Deployment stage, e.g. `dev` or `prod`; used in logs and metrics. */
  stage: 'STAGE',
  /** Days a done event id is remembered (the `idempotencyRetentionDays` setting). */
  idempotencyRetentionDays: 'IDEMPOTENCY_RETENTION_DAYS',
  /** Which Stripe mode's events the consumer handles: `live`, `test` or `any` (the `livemode` setting). */
  acceptedLivemode: 'ACCEPTED_LIVEMODE',
  /** Least milliseconds between two emails sent by one consumer instance (derived from `sesSendRatePerSecond`). */
  emailSendIntervalMs: 'EMAIL_SEND_INTERVAL_MS',
  /** S3 bucket holding the raw bodies of events too large to queue inline (see `largeEventThresholdBytes`). */
  largeEventBucketName: 'LARGE_EVENT_BUCKET_NAME',
  /** `true` when the receiver accepts requests only from Stripe's webhook IP addresses (the `stripeIpAllowlist` setting). */
  stripeIpAllowlist: 'STRIPE_IP_ALLOWLIST',
} as const;

/** SQS message attribute names that carry event metadata beside the raw body. */
export const messageAttributeNames = {
  eventId: 'stripe-event-id',
  eventType: 'stripe-event-type',
  receivedAt: 'received-at',
  /**
   * Where the raw body is: absent means the message body is the event itself; `s3` means the message
   * body is a pointer to the S3 object that holds it (see `largeEventThresholdBytes`).
   */
  bodyLocation: 'body-location',
  /** How many times SES throttled this event; a throttled event is queued again as a fresh, delayed copy. */
  throttleRetries: 'throttle-retries',
} as const;

/**
 * Raw bodies larger than this (in UTF-8 bytes) are stored in S3 and queued as a small pointer.
 * SQS itself takes up to 1 MiB, attributes included, but 256 KiB (the classic SQS limit) is what
 * keeps a full batch deliverable: Lambda's SQS event source hands the consumer up to 10 records in
 * one invocation of at most 6 MB, and each body is JSON-escaped once more inside that event, so
 * 10 × 256 KiB (plus escaping) fits where 10 × 1 MiB would not.
 */
export const largeEventThresholdBytes = 256 * 1024;

/** Key prefix of the stored bodies: the receiver writes and the consumer reads only under it (IAM says so too). */
export const largeEventKeyPrefix = 'events/';

/**
 * Timeouts and retries of the receiver's AWS calls (Secrets Manager, S3, SQS). Stripe waits for an
 * answer and API Gateway gives up after 30 s, and the receiver function itself stops after
 * `receiverTimeoutSeconds` (10 s): a call that hangs must fail early enough for the receiver to answer
 * 5xx itself (Stripe then retries), never leave Stripe waiting. Worst case of one call, all attempts
 * timing out: `maxAttempts × requestTimeoutMs` (3 × 3 s = 9 s; the connection timeout runs inside
 * the request timeout) plus the SDK's backoff between the attempts (at most 50 + 100 ms in this SDK
 * version; 1 + 2 s when throttled, and up to 5 s more each when told to Retry-After). The backoff
 * depends on SDK internals and the receiver may make two calls for one event (S3, then SQS), so
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

/** HTTP path that Stripe posts to, on API Gateway and on the local pipeline. */
export const webhookPath = '/webhook';

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

/** Settings that the operator may change (CDK context on AWS, environment variables locally). */
export interface PipelineSettingsInput {
  /** Deployment stage name. @default 'dev' */
  readonly stage?: string;
  /** Consumer Lambda timeout in seconds. @default 30 */
  readonly consumerTimeoutSeconds?: number;
  /** Records handed to one consumer invocation (1-10). @default 10 */
  readonly consumerBatchSize?: number;
  /**
   * Upper bound on concurrent consumer invocations (2-1000).
   * @default derived from `sesSendRatePerSecond`: one instance per 2 emails/s, at least 2
   */
  readonly consumerMaxConcurrency?: number;
  /**
   * The account's SES sending rate (`aws sesv2 get-account --query SendQuota.MaxSendRate`): 1 in the
   * sandbox, often 14 in production. Sets the consumer's concurrency and paces each instance's sends.
   * @default 14
   */
  readonly sesSendRatePerSecond?: number;
  /** Deliveries of one message before it moves to the dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
  /** Days a done event id is remembered; Stripe resends for up to 30 days. @default 30 */
  readonly idempotencyRetentionDays?: number;
  /**
   * Which Stripe mode's events to handle: `live` (a production stage), `test`, or `any`. Events of the
   * other mode are acknowledged, logged and counted, not handled.
   * @default 'any'
   */
  readonly livemode?: string;
}

export type AcceptedLivemode = 'live' | 'test' | 'any';

/** The resolved settings, with every derived value computed in one place. */
export interface PipelineSettings {
  readonly stage: string;
  readonly receiverTimeoutSeconds: number;
  readonly consumerTimeoutSeconds: number;
  readonly consumerBatchSize: number;
  readonly consumerMaxConcurrency: number;
  readonly sesSendRatePerSecond: number;
  readonly acceptedLivemode: AcceptedLivemode;
  /** Least time between two emails of one consumer instance, so all instances together stay under the SES rate. */
  readonly emailSendIntervalMs: number;
  /** Six times the consumer timeout, as AWS recommends for SQS event sources. */
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
  readonly queueRetentionDays: number;
  readonly deadLetterRetentionDays: number;
  readonly idempotencyRetentionDays: number;
  /**
   * Days a large event's stored body is kept: longer than a message can wait in the queue and then in
   * the dead-letter queue, plus a few days for an operator's redrive, so no pointer outlives its body.
   */
  readonly largeEventRetentionDays: number;
  /** How long an in-progress claim blocks other attempts: past it, a crashed attempt is presumed dead. */
  readonly inProgressExpirySeconds: number;
}

export class InvalidSettingError extends Error {
  constructor(name: string, value: unknown, rule: string) {
    super(`Setting "${name}" is ${JSON.stringify(value)}, but it must be ${rule}.`);
    this.name = 'InvalidSettingError';
  }
}

/**
 * Reads an on/off setting: `true` or `false`, as a boolean (`cdk.json`) or a string (`-c key=true`,
 * environment variables); unset means `fallback`. Anything else is refused rather than guessed.
 */
export function booleanSetting(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^\s*(true|false)\s*$/i.test(value)) return value.trim().toLowerCase() === 'true';
  throw new InvalidSettingError(name, value, 'true or false');
}

function integerIn(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidSettingError(name, value, `an integer from ${min} to ${max}`);
  }
  return value;
}

export function resolveSettings(input: PipelineSettingsInput = {}): PipelineSettings {
  const stage = input.stage ?? 'dev';
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(stage)) {
    throw new InvalidSettingError(
      'stage',
      stage,
      'lower-case letters, digits and dashes, starting with a letter, at most 20 characters',
    );
  }
  // Lambda's own maximum is 900 s; SQS caps the visibility timeout at 12 h, so 6 × 900 fits.
  const consumerTimeoutSeconds = integerIn('consumerTimeoutSeconds', input.consumerTimeoutSeconds ?? 30, 3, 900);
  const idempotencyRetentionDays = integerIn('idempotencyRetentionDays', input.idempotencyRetentionDays ?? 30, 30, 365);
  const queueRetentionDays = 4;
  const deadLetterRetentionDays = 14;
  const sesSendRatePerSecond = integerIn('sesSendRatePerSecond', input.sesSendRatePerSecond ?? 14, 1, 100_000);
  // Assumed, not measured on AWS: one instance gets through about 2 emails/s end to end (claim, send,
  // record, complete: 4 calls). A low guess only adds instances that wait on the pacing below, which
  // is what keeps all of them under the rate.
  const consumerMaxConcurrency = integerIn(
    'consumerMaxConcurrency',
    input.consumerMaxConcurrency ?? Math.min(1000, Math.max(2, Math.ceil(sesSendRatePerSecond / 2))),
    2,
    1000,
  );
  const acceptedLivemode = input.livemode ?? 'any';
  if (acceptedLivemode !== 'live' && acceptedLivemode !== 'test' && acceptedLivemode !== 'any') {
    throw new InvalidSettingError('livemode', acceptedLivemode, 'live, test or any');
  }
  return {
    stage,
    acceptedLivemode,
    receiverTimeoutSeconds: 10,
    consumerTimeoutSeconds,
    consumerBatchSize: integerIn('consumerBatchSize', input.consumerBatchSize ?? 10, 1, 10),
    consumerMaxConcurrency,
    sesSendRatePerSecond,
    emailSendIntervalMs: Math.ceil((1000 * consumerMaxConcurrency) / sesSendRatePerSecond),
    visibilityTimeoutSeconds: 6 * consumerTimeoutSeconds,
    maxReceiveCount: integerIn('maxReceiveCount', input.maxReceiveCount ?? 5, 1, 1000),
    queueRetentionDays,
    deadLetterRetentionDays,
    idempotencyRetentionDays,
    largeEventRetentionDays: queueRetentionDays + deadLetterRetentionDays + 3,
    inProgressExpirySeconds: consumerTimeoutSeconds + 30,
  };
}
