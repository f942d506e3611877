import { envVarNames } from '../../config/contract';
import {
  type ConnectedAccountEmails,
  connectedAccountEmailsFromEnvironment,
  type EmailSettings,
  emailSettingsFromEnvironment,
} from '../../config/email-settings';
import { type PipelineSettings, resolveSettings } from '../../config/settings';
import { MissingEnvironmentVariableError, optionalIntegerEnv, requireEnv } from '../shared/env';

/** Everything the consumer reads from its environment, read once per container. */
export interface ConsumerConfig {
  readonly tableName: string;
  readonly senderAddress: string;
  readonly largeEventBucket: string;
  /** Its own queue: a throttled event goes back there as a fresh, delayed copy. */
  readonly queueUrl: string;
  /**
   * The event queue's dead-letter queue and `maxReceiveCount`: on the last attempt the consumer moves a
   * failing event there itself, with the reason. Unset (a stack from before): SQS moves it, without one.
   */
  readonly deadLetter?: { readonly queueUrl: string; readonly maxReceiveCount: number };
  /** Least milliseconds between two sends of this instance; 0 (unset, the local pipeline) paces nothing. */
  readonly emailSendIntervalMs: number;
  /** Resolved with the function's real timeout, so claims expire when the attempt is really dead. */
  readonly settings: PipelineSettings;
  /** What every email shows of the business, and the language it falls back to. */
  readonly emailSettings: EmailSettings;
  /** Per connected account (Connect): its sender and what its emails show. */
  readonly connectedAccountEmails: ConnectedAccountEmails;
}

/** The dead-letter queue and the receive count of the last attempt: both or neither. */
function readDeadLetter(env: NodeJS.ProcessEnv): ConsumerConfig['deadLetter'] {
  const queueUrl = env[envVarNames.deadLetterQueueUrl]?.trim();
  if (queueUrl === undefined || queueUrl === '') return undefined;
  const maxReceiveCount = optionalIntegerEnv(envVarNames.maxReceiveCount, env);
  if (maxReceiveCount === undefined) throw new MissingEnvironmentVariableError(envVarNames.maxReceiveCount);
  return { queueUrl, maxReceiveCount };
}

export function readConsumerConfig(env: NodeJS.ProcessEnv = process.env): ConsumerConfig {
  const deadLetter = readDeadLetter(env);
  return {
    ...(deadLetter === undefined ? {} : { deadLetter }),
    tableName: requireEnv(envVarNames.idempotencyTableName, env),
    senderAddress: requireEnv(envVarNames.senderAddress, env),
    largeEventBucket: requireEnv(envVarNames.largeEventBucketName, env),
    queueUrl: requireEnv(envVarNames.queueUrl, env),
    emailSendIntervalMs: optionalIntegerEnv(envVarNames.emailSendIntervalMs, env) ?? 0,
    emailSettings: emailSettingsFromEnvironment(env),
    connectedAccountEmails: connectedAccountEmailsFromEnvironment(env),
    settings: resolveSettings({
      stage: env[envVarNames.stage],
      livemode: env[envVarNames.acceptedLivemode],
      idempotencyRetentionDays: optionalIntegerEnv(envVarNames.idempotencyRetentionDays, env),
      consumerTimeoutSeconds: optionalIntegerEnv(envVarNames.consumerTimeoutSeconds, env),
    }),
  };
}
