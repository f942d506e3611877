/**
 * The business alerts as a function's environment configures them (the consumer's `ctx.businessAlerts`
 * and the reminder function): undefined when the feature is off (`ALERT_TOPIC_ARN` unset and no
 * destinations given). The AWS clients are made here, once per container; the webhook URL is read from
 * Secrets Manager on the first alert and kept.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { LoggerPort } from '../shared/logger';
import type { DimensionedCounter } from '../shared/metrics';
import type { AlertDestination, DisputeReminderScheduler } from './alert-ports';
import { type BusinessAlertsConfig, readBusinessAlertsConfig } from './business-alerts-config';
import type { BusinessAlertsService } from './business-alerts-service';
import { eventBridgeDisputeReminderScheduler } from './eventbridge-reminder-scheduler';
import { snsAlertDestination } from './sns-destination';
import { secretsManagerWebhookUrl, webhookAlertDestination } from './webhook-destination';

export interface BusinessAlertsEnvironmentDeps {
  readonly logger: LoggerPort;
  readonly metrics: DimensionedCounter;
  readonly now: () => Date;
  /** Wraps each AWS client (X-Ray tracing, when on). @default unwrapped */
  readonly captureClient?: <T>(client: T) => T;
  /** Destinations instead of the topic and the webhook (the local pipeline's recorder); given, the feature is on. */
  readonly destinations?: readonly AlertDestination[];
  /** A scheduler instead of EventBridge Scheduler (the local pipeline's timers). */
  readonly reminders?: DisputeReminderScheduler;
}

/** The destinations the environment names: the topic, and the webhook when its secret is named. */
export function alertDestinationsFromConfig(
  config: BusinessAlertsConfig,
  deps: Pick<BusinessAlertsEnvironmentDeps, 'logger' | 'metrics' | 'captureClient'>,
): AlertDestination[] {
  const capture = deps.captureClient ?? (<T>(client: T) => client);
  const destinations: AlertDestination[] = [];
  if (config.topicArn !== undefined) {
    destinations.push(
      snsAlertDestination({
        // Made, and its module loaded, on the first alert: a consumer that never alerts pays nothing at cold start.
        client: async () => {
          const { SNSClient } = await import('@aws-sdk/client-sns');
          return capture(new SNSClient({ maxAttempts: 3 }));
        },
        topicArn: config.topicArn,
      }),
    );
  }
  if (config.webhookSecretId !== undefined) {
    const secretId = config.webhookSecretId;
    destinations.push(
      webhookAlertDestination({
        // The client too is made on the first alert only.
        url: secretsManagerWebhookUrl(() => capture(new SecretsManagerClient({ maxAttempts: 3 })), secretId),
        logger: deps.logger,
        metrics: deps.metrics,
      }),
    );
  }
  return destinations;
}

export function businessAlertsFromEnvironment(
  env: NodeJS.ProcessEnv,
  deps: BusinessAlertsEnvironmentDeps,
): { readonly config: BusinessAlertsConfig; readonly service: BusinessAlertsService } | undefined {
  const config = readBusinessAlertsConfig(env, { forceOn: deps.destinations !== undefined });
  if (config === undefined) return undefined;
  const capture = deps.captureClient ?? (<T>(client: T) => client);
  const target = config.reminderTarget;
  const reminders =
    deps.reminders ??
    (target === undefined
      ? undefined
      : eventBridgeDisputeReminderScheduler({
          client: async () => {
            const { SchedulerClient } = await import('@aws-sdk/client-scheduler');
            return capture(new SchedulerClient({ maxAttempts: 3 }));
          },
          target,
          logger: deps.logger,
        }));
  return {
    config,
    service: {
      destinations: deps.destinations ?? alertDestinationsFromConfig(config, deps),
      reminders,
      reminderLeadHours: config.reminderLeadHours,
      off: config.off,
      now: deps.now,
    },
  };
}
