import { envVarNames } from '../../config/contract';

/** What the consumer reads from its environment to keep SES deliverability healthy; both are optional. */
export interface DeliverabilityConfig {
  /** SES configuration set named on every send (its event destination reports bounces and complaints). */
  readonly configurationSetName?: string;
  /** DynamoDB table of suppressed recipients, looked up before every send. */
  readonly suppressionTableName?: string;
}

const optional = (value: string | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
};

/**
 * Read once per container. Unset means the feature is off (a team's own stack without the
 * `EmailDeliverability` construct, older local setups): emails are still sent, without a configuration
 * set or suppression lookups.
 */
export function readDeliverabilityConfig(env: NodeJS.ProcessEnv = process.env): DeliverabilityConfig {
  const configurationSetName = optional(env[envVarNames.sesConfigurationSetName]);
  const suppressionTableName = optional(env[envVarNames.suppressionTableName]);
  return {
    ...(configurationSetName === undefined ? {} : { configurationSetName }),
    ...(suppressionTableName === undefined ? {} : { suppressionTableName }),
  };
}
