import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { ConnectedAccountEmailInput, EmailSettingsInput } from '../config/email-settings';
import type { PipelineSettings } from '../config/settings';
import { ingressConfigOf } from './app-context';
import type { BillingStateOptions } from './billing-state';
import { billingStateContextOf } from './billing-state-context';
import type { BusinessAlertsOptions } from './business-alerts';
import { businessAlertsContextOf } from './business-alerts-context';
import { operationsContextOf } from './operations/operations-props';
import { type StripeIngress, usesWebhook } from './pipeline-props';
import { addStripeRecovery } from './stripe-recovery';
import { StripeWebhookPipeline } from './stripe-webhook-pipeline';

/** Properties of {@link StripeWebhooksStack}. */
export interface StripeWebhooksStackProps extends StackProps {
  /**
   * Resolved pipeline settings: every timeout, retry, batch and retention value comes from here.
   * @default - required: `resolveSettings(...)` from `config/settings.ts`
   */
  readonly settings: PipelineSettings;
  /**
   * The address e-mails are sent from.
   * @default - required
   */
  readonly senderAddress: string;
  /**
   * The verified SES identity the sender address belongs to: the address itself or its domain.
   * @default - required
   */
  readonly sesIdentity: string;
  /**
   * Name of the Secrets Manager secret created for the Stripe signing secret (unused with ingress `eventbridge`).
   * @default - required
   */
  readonly signingSecretName: string;
  /**
   * Endpoint given to every function as `AWS_ENDPOINT_URL` (and `STRIPE_API_URL`, the fake Stripe API on its
   * host, to those calling Stripe: lib/local-endpoints.ts). Only for a template run with `sam local invoke`
   * (SAM overrides only variables the template declares): never deploy a stack with it.
   * @default - not set, the functions use the real AWS endpoints
   */
  readonly localEndpointUrl?: string;
  /**
   * Accept webhooks only from Stripe's published webhook IP addresses (`config/stripe-webhook-ips.ts`);
   * other sources get 403. The signature check stays the real protection; this adds a network filter
   * that needs its list kept current.
   * @default false (the app sets it from `-c stripeIpAllowlist=true`)
   */
  readonly stripeIpAllowlist?: boolean;
  /**
   * Retention of the functions' logs and of the API access logs.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * What every email shows of the business (name, support address, logo) and its fallback language.
   * @default - no business name, English
   */
  readonly emails?: EmailSettingsInput;
  /**
   * Connect: what a connected account's customers see instead of the defaults, by account id.
   * @default - none (the app sets it from `-c connectedAccountEmails='{"acct_...": {...}}'`)
   */
  readonly connectedAccountEmails?: Readonly<Record<string, ConnectedAccountEmailInput>>;
  /**
   * Name of an existing Secrets Manager secret holding a restricted Stripe API key.
   * @default - none: emails that need a customer lookup are skipped
   */
  readonly stripeApiKeySecretName?: string;
  /**
   * Stripe API calls per second per consumer instance.
   * @default 25
   */
  readonly stripeApiRatePerSecond?: number;
  /**
   * Turn on SES's account-level suppression list for bounces and complaints. Account-wide (per region,
   * every sender of the account) and left as it is when the stack is deleted.
   * @default - the context value `accountLevelSuppression`, else false
   */
  readonly accountLevelSuppression?: boolean;
  /**
   * How Stripe's events reach the queue: `webhook`, `eventbridge` (no API, receiver or signing secret) or `both`.
   * Given together with `stripeEventSourceName`, or neither.
   * @default - the context values `ingress` and `stripeEventSourceName` (`lib/app-context.ts`), else 'webhook'
   */
  readonly ingress?: StripeIngress;
  /**
   * The Stripe partner event source (`aws.partner/stripe.com/ed_...`); required with ingress `eventbridge` or `both`.
   * @default - the context value `stripeEventSourceName` when `ingress` is not given, else none
   */
  readonly stripeEventSourceName?: string;
  /**
   * Keep each customer's billing state in a table synced from Stripe's API (see the pipeline's prop of the
   * same name); needs `stripeApiKeySecretName`.
   * @default - the context values `billingState`, `billingStatePastDueAccess`, `billingStateOff` and
   * `billingStateSyncDelaySeconds` (`lib/billing-state-context.ts`), else off
   */
  readonly billingState?: boolean | BillingStateOptions;
  /**
   * Alert a person on the events a business must act on, and remind before a dispute's evidence is due (see
   * the pipeline's prop of the same name); needs `stripeApiKeySecretName`.
   * @default - the context values `businessAlerts`, `alertEmail`, `alertTopicArn`, `alertWebhookSecretName`,
   * `businessAlertsOff` and `disputeReminderLeadHours` (`lib/business-alerts-context.ts`), else off
   */
  readonly businessAlerts?: boolean | BusinessAlertsOptions;
}

/**
 * This project's deployable app: one {@link StripeWebhookPipeline} per stage, configured from the CDK
 * context (`lib/app-context.ts`), and the stack outputs an operator needs. Teams using the construct in
 * their own app do what this stack does.
 */
export class StripeWebhooksStack extends Stack {
  public readonly pipeline: StripeWebhookPipeline;

  constructor(scope: Construct, id: string, props: StripeWebhooksStackProps) {
    super(scope, id, props);
    const { settings } = props;
    // The app does not pass these down: read from the context, validated there, unless the props say otherwise.
    const { ingress, stripeEventSourceName } =
      props.ingress === undefined
        ? ingressConfigOf(this.node)
        : { ingress: props.ingress, stripeEventSourceName: props.stripeEventSourceName };
    const webhook = usesWebhook(ingress);
    const billingState = props.billingState ?? billingStateContextOf(this.node, props.stripeApiKeySecretName);
    const businessAlerts = props.businessAlerts ?? businessAlertsContextOf(this.node, props.stripeApiKeySecretName);
    // Id "Default" is left out of logical IDs, so the resources keep the IDs they had before the construct
    // existed: an existing stage updates in place instead of replacing its retained table and named secret.
    this.pipeline = new StripeWebhookPipeline(this, 'Default', {
      stage: settings.stage,
      consumerTimeoutSeconds: settings.consumerTimeoutSeconds,
      consumerBatchSize: settings.consumerBatchSize,
      consumerMaxConcurrency: settings.consumerMaxConcurrency,
      sesSendRatePerSecond: settings.sesSendRatePerSecond,
      maxReceiveCount: settings.maxReceiveCount,
      idempotencyRetentionDays: settings.idempotencyRetentionDays,
      livemode: settings.acceptedLivemode,
      senderAddress: props.senderAddress,
      sesIdentity: props.sesIdentity,
      // Webhook-only settings, left out when there is no webhook so that the pipeline does not warn about them.
      ...(webhook ? { signingSecretName: props.signingSecretName, stripeIpAllowlist: props.stripeIpAllowlist } : {}),
      localEndpointUrl: props.localEndpointUrl,
      logRetention: props.logRetention,
      ...props.emails,
      connectedAccountEmails: props.connectedAccountEmails,
      stripeApiKeySecretName: props.stripeApiKeySecretName,
      stripeApiRatePerSecond: props.stripeApiRatePerSecond,
      accountLevelSuppression: props.accountLevelSuppression,
      ingress,
      stripeEventSourceName,
      billingState,
      businessAlerts,
      // Alarms, dashboard, logs, tracing and limits: read from the context here, as the ingress is.
      ...operationsContextOf(this.node),
      ...(props.logRetention === undefined ? {} : { logRetention: props.logRetention }),
    });
    const { pipeline } = this;

    if (pipeline.webhookUrl !== undefined) {
      new CfnOutput(this, 'WebhookUrl', {
        value: pipeline.webhookUrl,
        description: 'Register this URL as the webhook endpoint in Stripe',
      });
    }
    const enabled = pipeline.enabledEvents;
    new CfnOutput(this, 'EnabledEvents', {
      value: enabled.snapshot.join(','),
      description:
        'The event types to enable on the Stripe endpoint or event destination (the pipeline acknowledges and drops any other)',
    });
    if (enabled.thin.length > 0) {
      new CfnOutput(this, 'EnabledThinEvents', {
        value: enabled.thin.join(','),
        description:
          'The thin event types to enable on a second Stripe event destination of payload style "thin", for the same URL',
      });
    }
    const { eventBridgeIngress } = pipeline;
    if (eventBridgeIngress !== undefined) {
      new CfnOutput(this, 'EventBusName', {
        value: eventBridgeIngress.eventBus.eventBusName,
        description: 'The partner event bus that associates the Stripe event source',
      });
      new CfnOutput(this, 'EventBridgeDeadLetterQueueUrl', {
        value: eventBridgeIngress.deadLetterQueue.queueUrl,
        description: 'Stripe events EventBridge could not deliver to the event queue within 24 hours',
      });
    }
    new CfnOutput(this, 'EventQueueName', { value: pipeline.queue.queueName });
    new CfnOutput(this, 'DeadLetterQueueName', { value: pipeline.deadLetterQueue.queueName });
    new CfnOutput(this, 'DeadLetterAlarmName', { value: pipeline.deadLetterAlarm.alarmName });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: pipeline.alarmTopic.topic.topicArn,
      description: 'Every alarm sends here on ALARM and OK: subscribe your paging tool (or -c alarmEmail=...)',
    });
    const dashboard = pipeline.operations.dashboard;
    if (dashboard !== undefined) {
      new CfnOutput(this, 'DashboardName', { value: dashboard.dashboard.dashboardName });
    }
    new CfnOutput(this, 'IdempotencyTableName', { value: pipeline.table.tableName });
    new CfnOutput(this, 'LargeEventBucketName', {
      value: pipeline.largeEventBucket.bucketName,
      description: 'Bodies of events too large for SQS; a queued message with body-location=s3 names the key',
    });
    if (pipeline.signingSecret !== undefined) {
      new CfnOutput(this, 'SigningSecretName', {
        value: props.signingSecretName,
        description:
          'Store the Stripe signing secret here: aws secretsmanager put-secret-value --secret-id <this name>',
      });
      new CfnOutput(this, 'SigningSecretArn', { value: pipeline.signingSecret.secretArn });
    }
    if (pipeline.billingState !== undefined) {
      new CfnOutput(this, 'BillingStateTableName', {
        value: pipeline.billingState.table.tableName,
        description:
          "Each customer's billing state: read it with createBillingStateReader from 'stripe-webhooks-aws/billing-state' (dynamodb:GetItem)",
      });
      new CfnOutput(this, 'BillingSyncDeadLetterQueueName', {
        value: pipeline.billingState.syncDeadLetterQueue.queueName,
        description: 'Billing sync requests that failed every retry; their customers may have a stale billing state',
      });
    }
    if (pipeline.businessAlerts !== undefined) {
      new CfnOutput(this, 'BusinessAlertTopicArn', {
        value: pipeline.businessAlerts.topic.topicArn,
        description:
          'Business alerts (disputes, fraud warnings, failed payouts...) are published here: subscribe an address, AWS Chatbot or your paging tool (or -c alertEmail=...)',
      });
      new CfnOutput(this, 'DisputeReminderScheduleGroupName', {
        value: pipeline.businessAlerts.scheduleGroup.scheduleGroupName,
        description:
          'The EventBridge Scheduler group holding one dispute-reminder-<dispute id> schedule per dispute awaiting its reminder',
      });
      new CfnOutput(this, 'DisputeReminderDeadLetterQueueName', {
        value: pipeline.businessAlerts.reminderDeadLetterQueue.queueName,
        description: 'Dispute reminders that failed every retry: their disputes may need evidence with no one reminded',
      });
    }
    // The managed Stripe endpoint and the reconciler, each opt-in by context (lib/stripe-recovery-context.ts).
    addStripeRecovery(this, pipeline, {
      stage: settings.stage,
      stripeApiKeySecretName: props.stripeApiKeySecretName,
      logRetention: props.logRetention,
    });
    new CfnOutput(this, 'SuppressionTableName', {
      value: pipeline.suppressionTable.tableName,
      description: 'Addresses that bounced or complained; delete an item to erase or reinstate an address',
    });
    new CfnOutput(this, 'SesConfigurationSetName', {
      value: pipeline.configurationSet.configurationSetName,
      description: 'Named on every send; npm run ses:check -- --configuration-set <this name>',
    });
  }
}
