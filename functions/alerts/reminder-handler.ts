/**
 * The dispute reminder function: EventBridge Scheduler invokes it with the schedule's input when a
 * dispute's reminder is due. Thin: it checks the input, then `runDisputeReminder` reads the dispute from
 * Stripe's API and alerts through the same destinations as the consumer (the topic, the webhook) only
 * if the dispute still needs a response.
 *
 * A malformed input is logged and counted, not thrown: a retry would not mend it. A Stripe or
 * destination failure is thrown, so that the invocation is retried (Lambda's asynchronous retries).
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { envVarNames, serviceNames } from '../../config/contract';
import { createLogger } from '../shared/logger';
import { createPowertoolsMetrics, dimensionedCounter } from '../shared/metrics';
import { stripeApiFromEnvironment } from '../shared/stripe-api/from-environment';
import { createTracing } from '../shared/tracing';
import type { DisputeReminderInput } from './alert-ports';
import { readBusinessAlertsConfig } from './business-alerts-config';
import { alertDestinationsFromConfig } from './from-environment';
import {
  type DisputeReminderResult,
  InvalidDisputeReminderInputError,
  parseDisputeReminderInput,
  runDisputeReminder,
} from './run-dispute-reminder';

export type { DisputeReminderInput } from './alert-ports';

const logger = createLogger(serviceNames.disputeReminder);
const metrics = createPowertoolsMetrics(serviceNames.disputeReminder, process.env[envVarNames.stage] ?? 'unknown');
const tracing = createTracing(serviceNames.disputeReminder, process.env);
const counter = dimensionedCounter(metrics);

// Read once per container; an unset ALERT_TOPIC_ARN here is a deployment mistake, said at the first invocation.
const config = readBusinessAlertsConfig(process.env);
const destinations =
  config === undefined
    ? []
    : alertDestinationsFromConfig(config, {
        logger,
        metrics: counter,
        captureClient: (client) => tracing.captureClient(client),
      });
const stripe = stripeApiFromEnvironment(process.env, {
  secretsManager: () => tracing.captureClient(new SecretsManagerClient({ maxAttempts: 3 })),
  logger,
});

export class BusinessAlertsNotDeployedError extends Error {
  constructor() {
    super(
      `The dispute reminder function has no ${envVarNames.alertTopicArn}: it is deployed by the businessAlerts feature, which sets it.`,
    );
    this.name = 'BusinessAlertsNotDeployedError';
  }
}

export async function handler(event: DisputeReminderInput): Promise<DisputeReminderResult | 'malformed'> {
  try {
    if (config === undefined) throw new BusinessAlertsNotDeployedError();
    let input: DisputeReminderInput;
    try {
      input = parseDisputeReminderInput(event);
    } catch (error) {
      if (!(error instanceof InvalidDisputeReminderInputError)) throw error;
      counter.count('DisputeRemindersSkipped', 1, { reason: 'malformed_input' });
      logger.error('Malformed dispute reminder input; nothing to do', { error: error.message, outcome: 'malformed' });
      return 'malformed';
    }
    const reminder = input;
    // Annotated like the consumer's records, so the reminder is found in X-Ray by its dispute's event id.
    return await tracing.inSubsegment('## dispute reminder', (annotate) => {
      annotate('eventId', reminder.eventId);
      annotate('disputeId', reminder.disputeId);
      return runDisputeReminder(reminder, { stripe, destinations, now: () => new Date(), logger, metrics: counter });
    });
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
