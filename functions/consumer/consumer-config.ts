import { envVarNames } from '../../config/contract';
import {
  type ConnectedAccountEmails,
  connectedAccountEmailsFromEnvironment,
  type EmailSettings,
  emailSettingsFromEnvironment,
} from '../../config/email-settings';
import { type PipelineSettings, resolveSettings } from '../../config/settings';
import { optionalIntegerEnv, requireEnv } from '../shared/env';

/** Everything the consumer reads from its environment, read once per container. */
export interface ConsumerConfig {
  readonly tableName: string;
  readonly senderAddress: string;
  readonly largeEventBucket: string;
  /** Its own queue: a throttled event goes back there as a fresh, delayed copy. */
  readonly queueUrl: string;
  /** Least milliseconds between two sends of this instance; 0 (unset, the local pipeline) paces nothing. */
  readonly emailSendIntervalMs: number;
  /** Resolved with the function's real timeout, so claims expire when the attempt is really dead. */
  readonly settings: PipelineSettings;
  /** What every email shows of the business, and the language it falls back to. */
  readonly emailSettings: EmailSettings;
  /** Per connected account (Connect): its sender and what its emails show. */
  readonly connectedAccountEmails: ConnectedAccountEmails;
}

export function readConsumerConfig(env: NodeJS.ProcessEnv = process.env): ConsumerConfig {
  return {
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
