/**
 * The settings an operator may change (CDK construct props or context on AWS, environment variables
 * locally), checked and resolved with every derived value in one place, so that what runs on a laptop
 * is configured exactly like what runs in AWS. Nothing here imports aws-cdk-lib or an AWS SDK.
 */

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
