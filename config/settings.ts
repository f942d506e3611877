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
} as const;

/** SQS message attribute names that carry event metadata beside the raw body. */
export const messageAttributeNames = {
  eventId: 'stripe-event-id',
  eventType: 'stripe-event-type',
  receivedAt: 'received-at',
} as const;

/** HTTP path that Stripe posts to, on API Gateway and on the local pipeline. */
export const webhookPath = '/webhook';

/** Stripe's own default: a signature older than this many seconds is refused (replay protection). */
export const signatureToleranceSeconds = 300;

/** Settings that the operator may change (CDK context on AWS, environment variables locally). */
export interface PipelineSettingsInput {
  /** Deployment stage name. @default 'dev' */
  readonly stage?: string;
  /** Consumer Lambda timeout in seconds. @default 30 */
  readonly consumerTimeoutSeconds?: number;
  /** Records handed to one consumer invocation (1-10). @default 10 */
  readonly consumerBatchSize?: number;
  /** Upper bound on concurrent consumer invocations (2-1000). @default 5 */
  readonly consumerMaxConcurrency?: number;
  /** Deliveries of one message before it moves to the dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
  /** Days a done event id is remembered; Stripe resends for up to 30 days. @default 30 */
  readonly idempotencyRetentionDays?: number;
}

/** The resolved settings, with every derived value computed in one place. */
export interface PipelineSettings {
  readonly stage: string;
  readonly receiverTimeoutSeconds: number;
  readonly consumerTimeoutSeconds: number;
  readonly consumerBatchSize: number;
  readonly consumerMaxConcurrency: number;
  /** Six times the consumer timeout, as AWS recommends for SQS event sources. */
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
  readonly queueRetentionDays: number;
  readonly deadLetterRetentionDays: number;
  readonly idempotencyRetentionDays: number;
  /** How long an in-progress claim blocks other attempts: past it, a crashed attempt is presumed dead. */
  readonly inProgressExpirySeconds: number;
}

export class InvalidSettingError extends Error {
  constructor(name: string, value: unknown, rule: string) {
    super(`Setting "${name}" is ${JSON.stringify(value)}, but it must be ${rule}.`);
    this.name = 'InvalidSettingError';
  }
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
  return {
    stage,
    receiverTimeoutSeconds: 10,
    consumerTimeoutSeconds,
    consumerBatchSize: integerIn('consumerBatchSize', input.consumerBatchSize ?? 10, 1, 10),
    consumerMaxConcurrency: integerIn('consumerMaxConcurrency', input.consumerMaxConcurrency ?? 5, 2, 1000),
    visibilityTimeoutSeconds: 6 * consumerTimeoutSeconds,
    maxReceiveCount: integerIn('maxReceiveCount', input.maxReceiveCount ?? 5, 1, 1000),
    queueRetentionDays: 4,
    deadLetterRetentionDays: 14,
    idempotencyRetentionDays,
    inProgressExpirySeconds: consumerTimeoutSeconds + 30,
  };
}
