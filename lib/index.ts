/**
 * The CDK side of the package (`stripe-webhooks-aws/cdk`): the pipeline construct and its parts. The
 * handlers' side is `stripe-webhooks-aws/handlers`.
 */

export { InvalidSettingError, type PipelineSettings, type PipelineSettingsInput } from '../config/settings';
export {
  type BillingStateOptions,
  BillingStateSync,
  type BillingStateSyncProps,
  withBillingSyncTypes,
} from './billing-state';
export {
  BusinessAlerts,
  type BusinessAlertsOptions,
  type BusinessAlertsProps,
  withBusinessAlertTypes,
} from './business-alerts';
export { EventQueue, type EventQueueProps } from './event-queue';
export {
  type DetailTypeMatcher,
  eventPatternMaxCharacters,
  StripeEventBridgeIngress,
  type StripeEventBridgeIngressProps,
  type StripeEventPattern,
  stripeEventPatternOf,
} from './eventbridge-ingress';
export { LargeEventBucket, type LargeEventBucketProps } from './large-event-bucket';
export {
  type AlarmThresholds,
  defaultAlarmThresholds,
  InvalidAlarmThresholdError,
  type ResolvedAlarmThresholds,
} from './operations/alarm-thresholds';
export { AlarmTopic, type AlarmTopicProps } from './operations/alarm-topic';
export { PipelineAlarms, type PipelineAlarmsProps } from './operations/alarms';
export { PipelineDashboard, type PipelineDashboardProps } from './operations/dashboard';
export { type LogLevel, logLevels, type OperationsProps } from './operations/operations-props';
export { PipelineOperations, type PipelineOperationsProps } from './operations/pipeline-operations';
export { type StripeIngress, stripeIngressValues } from './pipeline-props';
export { SubscriptionsEntryError } from './pipeline-runtime';
export {
  InvalidPipelinePropsError,
  StripeWebhookPipeline,
  type StripeWebhookPipelineProps,
} from './stripe-webhook-pipeline';
export { WebhookConsumer, type WebhookConsumerProps } from './webhook-consumer';
export { WebhookReceiver, type WebhookReceiverProps } from './webhook-receiver';
