import { Duration, Stack } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { fitSubscribedTypes } from '../config/subscribed-types';
import { contextKeys, InvalidContextError } from './app-context';
import { ManagedStripeEndpoint } from './managed-stripe-endpoint';
import { pipelineMetric } from './operations/pipeline-metrics';
import { StripeReconciler } from './stripe-reconciler';
import { stripeRecoveryConfigOf } from './stripe-recovery-context';
import type { StripeWebhookPipeline } from './stripe-webhook-pipeline';

/** What {@link addStripeRecovery} created. */
export interface StripeRecovery {
  readonly managedEndpoint: ManagedStripeEndpoint | undefined;
  readonly reconciler: StripeReconciler | undefined;
}

/** Adds to the pipeline's stack the managed endpoint and the reconciler that the context turns on. */
export function addStripeRecovery(
  stack: Stack,
  pipeline: StripeWebhookPipeline,
  options: { readonly stage: string; readonly stripeApiKeySecretName?: string; readonly logRetention?: RetentionDays },
): StripeRecovery {
  const { stripeApiKeySecretName, logRetention } = options;
  const config = stripeRecoveryConfigOf(stack.node, stripeApiKeySecretName);
  const apiKeySecret = pipeline.stripeApiKeySecret;
  let managedEndpoint: ManagedStripeEndpoint | undefined;
  if (config.managedEndpoint && apiKeySecret !== undefined) {
    if (pipeline.webhookUrl === undefined || pipeline.signingSecret === undefined) {
      throw new InvalidContextError(
        contextKeys.stripeEndpoint,
        'managed',
        'used with a webhook ingress (webhook or both): with eventbridge there is no webhook endpoint to manage',
      );
    }
    managedEndpoint = new ManagedStripeEndpoint(stack, 'StripeEndpoint', {
      webhookUrl: pipeline.webhookUrl,
      subscribedEventTypes: pipeline.subscribedEventTypes,
      apiKeySecret,
      signingSecret: pipeline.signingSecret,
      connect: config.endpointConnect,
      onDelete: config.endpointOnDelete,
      owner: Stack.of(stack).stackName,
      logRetention,
      // Both call AWS and Stripe: with localEndpointUrl, the emulator and the fake Stripe API instead.
      environment: pipeline.localEndpointEnvironment.awsAndStripe,
    });
  }
  const reconciler =
    config.reconciler && apiKeySecret !== undefined
      ? new StripeReconciler(stack, 'Reconciler', {
          queue: pipeline.queue,
          table: pipeline.table,
          largeEventBucket: pipeline.largeEventBucket,
          apiKeySecret,
          subscribedEventTypes: fitSubscribedTypes(pipeline.subscribedEventTypes).value,
          stage: options.stage,
          interval: Duration.minutes(config.reconcilerIntervalMinutes),
          logRetention,
          environment: pipeline.localEndpointEnvironment.awsAndStripe,
        })
      : undefined;
  if (reconciler !== undefined) {
    const metric = (name: string) => pipelineMetric('reconciler', options.stage, name);
    // Recovered events reached the queue late (hours): the webhook or the endpoint failed, which its own alarms may not show.
    pipeline.alarms.addAlarm('RecoveredEvents', {
      meaning: 'The reconciler queued Stripe events whose delivery had failed: find out why deliveries fail.',
      runbook: 'Recovered events',
      metric: metric('RecoveredEvents'),
      threshold: 1,
    });
    pipeline.alarms.addAlarm('ReconcileFailures', {
      meaning: 'The reconciler could not queue some undelivered Stripe events.',
      runbook: 'Recovered events',
      metric: metric('ReconcileFailures'),
      threshold: 1,
    });
  }
  return { managedEndpoint, reconciler };
}
