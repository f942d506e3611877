import * as path from 'node:path';
import { Annotations, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { HttpApi, ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import { type Alarm, MathExpression } from 'aws-cdk-lib/aws-cloudwatch';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ConfigurationSet } from 'aws-cdk-lib/aws-ses';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { envVarNames, largeEventKeyPrefix, serviceNames, webhookPath } from '../config/contract';
import {
  type ConnectedAccountEmailInput,
  connectedAccountEmailsEnvironment,
  type EmailSettingsInput,
  emailSettingsEnvironment,
  resolveConnectedAccountEmails,
  resolveEmailSettings,
} from '../config/email-settings';
import { type PipelineSettings, type PipelineSettingsInput, resolveSettings } from '../config/settings';
import { fitSubscribedTypes, splitSubscribedTypes } from '../config/subscribed-types';
import { accountLevelSuppressionOf } from './app-context';
import {
  type BillingStateOptions,
  BillingStateSync,
  billingStateOptionsOf,
  withBillingSyncTypes,
} from './billing-state';
import {
  BusinessAlerts,
  type BusinessAlertsOptions,
  businessAlertsOptionsOf,
  businessAlertsPropProblems,
  withBusinessAlertTypes,
} from './business-alerts';
import { EmailDeliverability } from './email-deliverability';
import { EventQueue } from './event-queue';
import { StripeEventBridgeIngress } from './eventbridge-ingress';
import { LargeEventBucket } from './large-event-bucket';
import { type LocalEndpointEnvironments, localEndpointEnvironments } from './local-endpoints';
import type { AlarmTopic } from './operations/alarm-topic';
import type { PipelineAlarms } from './operations/alarms';
import { type OperationsProps, operationsPropProblems } from './operations/operations-props';
import { metricPeriod, pipelineMetric } from './operations/pipeline-metrics';
import { PipelineOperations } from './operations/pipeline-operations';
import {
  billingStatePropProblems,
  pipelinePropProblems,
  type StripeIngress,
  usesEventBridge,
  usesWebhook,
} from './pipeline-props';
import { defaultSubscriptionsEntry, readSubscribedTypes } from './pipeline-runtime';
import { WebhookConsumer } from './webhook-consumer';
import { WebhookReceiver } from './webhook-receiver';

/** Name of the environment variable Powertools reads the service name from. */
const powertoolsServiceName = 'POWERTOOLS_SERVICE_NAME';

/** Properties of {@link StripeWebhookPipeline}; the settings (stage, timeouts, retries, rates, livemode) come from `PipelineSettingsInput`. */
export interface StripeWebhookPipelineProps extends PipelineSettingsInput, EmailSettingsInput, OperationsProps {
  /**
   * The From address of every email; the consumer may send from this address only.
   * @default - required
   */
  readonly senderAddress: string;
  /**
   * The verified SES identity that sends: the sender address itself, or its domain (or a parent domain).
   * @default - the value of `senderAddress`
   */
  readonly sesIdentity?: string;
  /**
   * Connect platforms: what the customers of a connected account see instead of the defaults, by account
   * id (`acct_...`): its own `senderAddress` (verified in SES, by address or domain; the consumer is allowed to
   * send from it), `emailBusinessName`, `emailSupportAddress`, `emailLogoUrl`, `emailDefaultLocale`. Unset
   * fields keep the pipeline's. It travels in the consumer's environment (at most 2,000 bytes of JSON): a
   * platform with more accounts looks them up in its own handler.
   * @default - none: every account's emails use the pipeline's sender and settings
   */
  readonly connectedAccountEmails?: Readonly<Record<string, ConnectedAccountEmailInput>>;
  /**
   * Name of the Secrets Manager secret created for the Stripe signing secret(s). It is created with a
   * random placeholder: store the endpoint's `whsec_...` value after the first deploy.
   * @default `stripe-webhooks/<stage>/signing-secret`
   */
  readonly signingSecretName?: string;
  /**
   * Path of the module that registers the handlers: its default export is
   * `defineSubscriptions(...)` from `stripe-webhooks-aws/handlers`. It is bundled into the consumer, and
   * loaded once at synth to tell the receiver which event types to queue (the others are acknowledged
   * and dropped), so keep its side effects inside the handlers.
   * @default - the built-in customer emails (`functions/subscriptions.ts`)
   */
  readonly subscriptionsEntry?: string;
  /**
   * Accept webhooks only from Stripe's published IP addresses (403 otherwise). The signature stays the
   * real protection; the list must be kept current (`functions/receiver/stripe-webhook-ips.ts`).
   * @default false
   */
  readonly stripeIpAllowlist?: boolean;
  /**
   * Bucket for the bodies of events too large for SQS (above 256 KiB): the receiver puts them under
   * `events/`, the consumer gets them. Bring one to share or to manage its lifecycle yourself.
   * @default - a new private bucket, SSE-S3, TLS only, bodies expiring after the queues can hold them, retained on delete
   */
  readonly largeEventBucket?: IBucket;
  /**
   * Throttling of the API stage. Stripe retries deliveries answered with 429, so throttling loses nothing.
   * @default { rateLimit: 100, burstLimit: 200 }
   */
  readonly apiThrottle?: ThrottleSettings;
  /**
   * Retention of the functions' logs and of the API access logs.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Name of an existing Secrets Manager secret holding a restricted Stripe API key (`rk_...`, with read
   * access to customers and subscriptions). The consumer reads it once per container, to find the
   * address and language of customers an event names only by id. Without it, those emails (trial
   * ending, subscription ended) are skipped with a warning and the `StripeApiNotConfigured` metric.
   * @default - none: no Stripe API calls
   */
  readonly stripeApiKeySecretName?: string;
  /**
   * Stripe API calls per second one consumer instance may make; Stripe allows 100/s in live mode.
   * @default 25
   */
  readonly stripeApiRatePerSecond?: number;
  /**
   * Environment variables for the consumer, for a team's handlers (the pipeline's own names are refused).
   * @default - none
   */
  readonly consumerEnvironment?: Readonly<Record<string, string>>;
  /**
   * Endpoint given to every function as `AWS_ENDPOINT_URL` (and, to those calling Stripe, the fake Stripe API
   * on its host as `STRIPE_API_URL`), only for a template run with `sam local invoke` against the local
   * pipeline's emulator. Never deploy a template with it.
   * @default - not set: the functions call AWS
   */
  readonly localEndpointUrl?: string;
  /**
   * Turn on SES's account-level suppression list for bounces and complaints. Account-wide (per region):
   * it applies to every email the account sends there, and stays when the stack is deleted. New SES
   * accounts already have it; the pipeline's own suppression table and configuration set work either way.
   * @default - the CDK context value `accountLevelSuppression` (`-c accountLevelSuppression=true`), else false
   */
  readonly accountLevelSuppression?: boolean;
  /**
   * How Stripe's events reach the event queue: `webhook`, Stripe's HTTPS webhook through the API and the
   * verifying receiver; `eventbridge`, an Amazon EventBridge event destination, with no receiver, API or
   * signing secret (no public endpoint at all); `both`, each feeding the same queue (the consumer's
   * idempotency makes an event that arrives both ways take effect once).
   * @default 'webhook'
   */
  readonly ingress?: StripeIngress;
  /**
   * Name of the partner event source Stripe created for the Amazon EventBridge event destination
   * (`aws.partner/stripe.com/ed_...`). The pipeline creates the event bus of that name, which associates the
   * source: deploy within 7 days of creating the destination, or AWS deletes the pending source.
   * @default - none; required when `ingress` is `eventbridge` or `both`
   */
  readonly stripeEventSourceName?: string;
  /**
   * Keep each customer's billing state (subscriptions, entitlements, access) in a DynamoDB table, synced
   * from Stripe's API after the billing events (`billingSyncEventTypes` of `stripe-webhooks-aws/billing-state`,
   * which are then subscribed to): the consumer queues a delayed sync per event, the sync function runs it.
   * Apps read the table with `createBillingStateReader` (after `pipeline.billingState.grantRead(fn)`), handlers
   * with `ctx.billingState`. `true` takes the defaults of {@link BillingStateOptions}. Needs
   * `stripeApiKeySecretName`, a restricted key with read access to customers, subscriptions and entitlements.
   * @default false
   */
  readonly billingState?: boolean | BillingStateOptions;
  /**
   * Alert a person on the events a business must act on (disputes opened and closed, early fraud warnings,
   * failed payouts, connected accounts with requirements past due, uncollectible invoices, subscriptions
   * ended unpaid), through an SNS topic (created, KMS-encrypted, TLS only; or `alertTopicArn`) and an
   * optional webhook URL in Secrets Manager; and remind before a dispute's evidence is due (an EventBridge
   * Scheduler schedule per dispute invokes a reminder function, which alerts if the dispute still needs a
   * response). Their event types are then subscribed to. `true` takes the defaults of
   * {@link BusinessAlertsOptions}. Needs `stripeApiKeySecretName`, a restricted key with read access to disputes.
   * @default false
   */
  readonly businessAlerts?: boolean | BusinessAlertsOptions;
}

export class InvalidPipelinePropsError extends Error {
  constructor(problems: readonly string[]) {
    super(`StripeWebhookPipeline: ${problems.join(' ')}`);
    this.name = 'InvalidPipelinePropsError';
  }
}

/**
 * Stripe webhooks on AWS: HTTP API → verifying receiver → SQS (+ DLQ and alarm) → idempotent
 * consumer running the subscriptions → SES, with the signing secret, the idempotency table and the
 * large-event bucket. With `ingress`, an Amazon EventBridge event destination feeds the same queue
 * instead of (`eventbridge`) or beside (`both`) the webhook. With `billingState`, each customer's billing
 * state is kept in a table that a sync function updates from Stripe's API after billing events. Secure by default: encrypted queues and
 * bucket, TLS only, least-privilege grants, retained data. The created resources are public fields, to
 * grant to, alarm on, or extend.
 */
export class StripeWebhookPipeline extends Construct {
  /** The resolved settings every timeout, retry, batch and retention value came from. */
  public readonly settings: PipelineSettings;
  /**
   * The event types the receiver queues and the EventBridge rule lets through (`prefix.*` and `*` included):
   * enable these on the Stripe endpoint or event destination.
   */
  public readonly subscribedEventTypes: readonly string[];
  /**
   * `subscribedEventTypes` split by where Stripe sends them: `snapshot`, the types to enable on the webhook
   * endpoint (or a snapshot event destination); `thin`, the thin types (`v1.…`, `v2.…`), to enable on a
   * second destination of payload style "thin" for the same URL (empty when no handler takes one).
   */
  public readonly enabledEvents: { readonly snapshot: readonly string[]; readonly thin: readonly string[] };
  /** How events reach the queue: `webhook`, `eventbridge` or `both`. */
  public readonly ingress: StripeIngress;
  /**
   * Holds the Stripe `whsec_...` signing secret(s); created with a random placeholder value.
   * `undefined` when `ingress` is `eventbridge` (no webhook to verify).
   */
  public readonly signingSecret: Secret | undefined;
  /** The queue, its dead-letter queue and the dead-letter alarm. */
  public readonly eventQueue: EventQueue;
  /** The created large-event bucket; `undefined` when `largeEventBucket` was given. */
  public readonly largeEvents: LargeEventBucket | undefined;
  /** The receiver function, its HTTP API and stage; `undefined` when `ingress` is `eventbridge`. */
  public readonly receiver: WebhookReceiver | undefined;
  /** The partner event bus, its rule, dead-letter queue and alarm; `undefined` when `ingress` is `webhook`. */
  public readonly eventBridgeIngress: StripeEventBridgeIngress | undefined;
  /** The consumer function, its event source and the idempotency table. */
  public readonly consumer: WebhookConsumer;
  /**
   * The billing state table, the sync queue, its dead-letter queue and alarm, and the sync function;
   * `undefined` unless `billingState` is on. `billingState.grantRead(fn)` lets a function of yours read it.
   */
  public readonly billingState: BillingStateSync | undefined;
  /**
   * The alert topic (and its key), the dispute reminder function, its schedule group, the scheduler role and
   * the reminder dead-letter queue; `undefined` unless `businessAlerts` is on.
   */
  public readonly businessAlerts: BusinessAlerts | undefined;

  /** The HTTP API Stripe posts to; `undefined` when `ingress` is `eventbridge`. */
  public readonly api: HttpApi | undefined;
  /** Full URL to register as the Stripe webhook endpoint; `undefined` when `ingress` is `eventbridge`. */
  public readonly webhookUrl: string | undefined;
  /** The receiver's function; `undefined` when `ingress` is `eventbridge`. */
  public readonly receiverFunction: NodejsFunction | undefined;
  public readonly consumerFunction: NodejsFunction;
  public readonly queue: Queue;
  public readonly deadLetterQueue: Queue;
  public readonly deadLetterAlarm: Alarm;
  /** The idempotency table (one item per event id). */
  public readonly table: Table;
  /** The bucket large event bodies go to, created or given. */
  public readonly largeEventBucket: IBucket;
  /** The secret holding the Stripe API key, when `stripeApiKeySecretName` was given. */
  public readonly stripeApiKeySecret: ISecret | undefined;
  /**
   * With `localEndpointUrl`, the variables that point a function at the local emulator (`aws`) and at the fake
   * Stripe API too (`awsAndStripe`): give them to a function of yours that `sam local invoke` runs. Both empty
   * without it.
   */
  public readonly localEndpointEnvironment: LocalEndpointEnvironments;
  /** The SES configuration set, its events topic and function, and the suppression table the consumer reads. */
  public readonly emailDeliverability: EmailDeliverability;
  /** Recipients never emailed again (permanent bounces, complaints); delete an item to erase or reinstate an address. */
  public readonly suppressionTable: Table;
  /** The SES configuration set the consumer names on every send. */
  public readonly configurationSet: ConfigurationSet;
  /** The alarm topic, the alarms and the dashboard, and the functions' log level, tracing and limits. */
  public readonly operations: PipelineOperations;
  /** Where every alarm sends, on ALARM and on OK (`alarmEmail`, `alarmTopicArn`). */
  public readonly alarmTopic: AlarmTopic;
  /** Every alarm, each with its threshold; `alarms.add(alarm)` sends one of your own to the same topic. */
  public readonly alarms: PipelineAlarms;

  constructor(scope: Construct, id: string, props: StripeWebhookPipelineProps) {
    super(scope, id);
    const problems = [
      ...pipelinePropProblems(props),
      ...billingStatePropProblems(props),
      ...businessAlertsPropProblems(props),
      ...operationsPropProblems(props),
    ];
    if (problems.length > 0) throw new InvalidPipelinePropsError(problems);
    const settings = resolveSettings(props);
    this.settings = settings;
    const ingress = props.ingress ?? 'webhook';
    this.ingress = ingress;
    const emailSettings = resolveEmailSettings(props);
    const accountSenders = [...resolveConnectedAccountEmails(props.connectedAccountEmails, props).values()].flatMap(
      (account) => (account.senderAddress === undefined ? [] : [account.senderAddress]),
    );
    const sesIdentity = props.sesIdentity ?? props.senderAddress;
    const signingSecretName = props.signingSecretName ?? `stripe-webhooks/${settings.stage}/signing-secret`;
    const subscriptionsEntry = path.resolve(props.subscriptionsEntry ?? defaultSubscriptionsEntry);
    const billingOptions = billingStateOptionsOf(props.billingState);
    // The billing sync's types are queued and enabled too: the consumer's built-in billing handlers take them.
    const withBilling =
      billingOptions === undefined
        ? readSubscribedTypes(subscriptionsEntry)
        : withBillingSyncTypes(readSubscribedTypes(subscriptionsEntry), billingOptions.off);
    // So are the business alerts' types: the consumer's built-in alert handlers take them.
    const alertOptions = businessAlertsOptionsOf(props.businessAlerts);
    this.subscribedEventTypes =
      alertOptions === undefined ? withBilling : withBusinessAlertTypes(withBilling, alertOptions.off);
    const split = splitSubscribedTypes(this.subscribedEventTypes);
    this.enabledEvents = {
      snapshot: split.snapshot,
      thin: split.thin.some((entry) => entry !== '*') ? split.thin : [],
    };
    const subscribed = fitSubscribedTypes(this.subscribedEventTypes);
    if (subscribed.widened && usesWebhook(ingress)) {
      Annotations.of(this).addWarningV2(
        'stripe-webhooks:subscribed-types-widened',
        `The subscriptions name too many event types for the receiver's environment (Lambda allows 4 KB): it queues ${subscribed.value} instead, and the consumer acknowledges the types no handler wants. Subscribe by prefix (on('invoice.', ...)) to keep the list short.`,
      );
    }
    // Every function calling AWS gets AWS_ENDPOINT_URL; every one calling Stripe, STRIPE_API_URL too (lib/local-endpoints.ts).
    this.localEndpointEnvironment = localEndpointEnvironments(props.localEndpointUrl);
    const localEndpoint = this.localEndpointEnvironment.aws;
    const localStripeEndpoints = this.localEndpointEnvironment.awsAndStripe;
    if (props.localEndpointUrl !== undefined) {
      Annotations.of(this).addWarningV2(
        'stripe-webhooks:local-endpoint',
        `localEndpointUrl is set: the functions will call ${props.localEndpointUrl} instead of AWS, and those calling Stripe ${localStripeEndpoints[envVarNames.stripeApiUrl]} instead of api.stripe.com. Use this template with sam local invoke only, never deploy it.`,
      );
    }

    if (!usesWebhook(ingress)) {
      const unused = [
        ...(props.signingSecretName === undefined ? [] : ['signingSecretName']),
        ...(props.stripeIpAllowlist === true ? ['stripeIpAllowlist'] : []),
        ...(props.apiThrottle === undefined ? [] : ['apiThrottle']),
      ];
      if (unused.length > 0) {
        Annotations.of(this).addWarningV2(
          'stripe-webhooks:webhook-props-unused',
          `ingress is "eventbridge", so there is no webhook receiver: ${unused.join(', ')} ${unused.length === 1 ? 'is' : 'are'} ignored.`,
        );
      }
    }

    // No value is given, so CloudFormation generates a random one and no secret ever appears in the template.
    // Only a webhook is signed: EventBridge delivers from the partner source inside AWS, with no secret to check.
    const signingSecret = usesWebhook(ingress)
      ? new Secret(this, 'SigningSecret', {
          secretName: signingSecretName,
          description: `Stripe webhook signing secret of stage ${settings.stage}; store the real value after the first deploy.`,
          removalPolicy: RemovalPolicy.RETAIN,
        })
      : undefined;
    this.signingSecret = signingSecret;
    if (signingSecret !== undefined) {
      Validations.of(signingSecret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Stripe issues and rolls the signing secret in its dashboard; the operator stores the new value. A rotation Lambda cannot rotate it.',
      });
    }

    this.eventQueue = new EventQueue(this, 'Events', {
      visibilityTimeout: Duration.seconds(settings.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(settings.queueRetentionDays),
      maxReceiveCount: settings.maxReceiveCount,
      deadLetterRetentionPeriod: Duration.days(settings.deadLetterRetentionDays),
    });

    this.eventBridgeIngress =
      usesEventBridge(ingress) && props.stripeEventSourceName !== undefined
        ? new StripeEventBridgeIngress(this, 'EventBridge', {
            eventSourceName: props.stripeEventSourceName,
            subscribedEventTypes: this.subscribedEventTypes,
            queue: this.eventQueue.queue,
            deadLetterRetentionPeriod: Duration.days(settings.deadLetterRetentionDays),
          })
        : undefined;

    this.largeEvents =
      props.largeEventBucket === undefined
        ? new LargeEventBucket(this, 'LargeEvents', {
            expiration: Duration.days(settings.largeEventRetentionDays),
            keyPrefix: largeEventKeyPrefix,
          })
        : undefined;
    const largeEventBucket = props.largeEventBucket ?? (this.largeEvents as LargeEventBucket).bucket;

    this.receiver =
      signingSecret === undefined
        ? undefined
        : new WebhookReceiver(this, 'Receiver', {
            queue: this.eventQueue.queue,
            signingSecret,
            largeEventBucket,
            largeEventKeyPrefix,
            path: webhookPath,
            timeout: Duration.seconds(settings.receiverTimeoutSeconds),
            logRetention: props.logRetention,
            throttle: props.apiThrottle,
            environment: {
              [envVarNames.queueUrl]: this.eventQueue.queue.queueUrl,
              [envVarNames.signingSecretId]: signingSecret.secretArn,
              [envVarNames.largeEventBucketName]: largeEventBucket.bucketName,
              [envVarNames.stage]: settings.stage,
              [envVarNames.subscribedEventTypes]: subscribed.value,
              [powertoolsServiceName]: serviceNames.receiver,
              ...(props.stripeIpAllowlist ? { [envVarNames.stripeIpAllowlist]: 'true' } : {}),
              ...localEndpoint,
            },
          });

    // The key stays the operator's: created in Stripe's dashboard, stored by hand, never in the template.
    this.stripeApiKeySecret =
      props.stripeApiKeySecretName === undefined
        ? undefined
        : Secret.fromSecretNameV2(this, 'StripeApiKey', props.stripeApiKeySecretName);

    const billingState =
      billingOptions === undefined || this.stripeApiKeySecret === undefined
        ? undefined
        : new BillingStateSync(this, 'BillingState', {
            stage: settings.stage,
            apiKeySecret: this.stripeApiKeySecret,
            maxReceiveCount: settings.maxReceiveCount,
            pastDueAccess: billingOptions.pastDueAccess,
            // A small share of Stripe's limit (100/s live, 25/s test) for the whole account: 2 instances × 5/s,
            // and never more than the consumer is allowed; the queue absorbs a burst instead.
            stripeApiRatePerSecond: Math.min(5, props.stripeApiRatePerSecond ?? 25),
            retentionPeriod: Duration.days(settings.queueRetentionDays),
            deadLetterRetentionPeriod: Duration.days(settings.deadLetterRetentionDays),
            logRetention: props.logRetention,
            environment: localStripeEndpoints,
          });
    this.billingState = billingState;

    const businessAlerts =
      alertOptions === undefined || this.stripeApiKeySecret === undefined
        ? undefined
        : new BusinessAlerts(this, 'BusinessAlerts', {
            ...alertOptions,
            stage: settings.stage,
            apiKeySecret: this.stripeApiKeySecret,
            deadLetterRetentionPeriod: Duration.days(settings.deadLetterRetentionDays),
            logRetention: props.logRetention,
            environment: localStripeEndpoints,
          });
    this.businessAlerts = businessAlerts;

    this.consumer = new WebhookConsumer(this, 'Consumer', {
      queue: this.eventQueue.queue,
      timeout: Duration.seconds(settings.consumerTimeoutSeconds),
      batchSize: settings.consumerBatchSize,
      maxConcurrency: settings.consumerMaxConcurrency,
      tableNameEnvVar: envVarNames.idempotencyTableName,
      senderAddress: props.senderAddress,
      sesIdentity,
      otherSenderAddresses: accountSenders,
      largeEventBucket,
      largeEventKeyPrefix,
      logRetention: props.logRetention,
      subscriptionsEntry,
      deadLetter: {
        queue: this.eventQueue.deadLetterQueue,
        maxReceiveCount: settings.maxReceiveCount,
        queueUrlEnvVar: envVarNames.deadLetterQueueUrl,
        maxReceiveCountEnvVar: envVarNames.maxReceiveCount,
      },
      environment: {
        ...props.consumerEnvironment,
        [envVarNames.senderAddress]: props.senderAddress,
        [envVarNames.largeEventBucketName]: largeEventBucket.bucketName,
        [envVarNames.stage]: settings.stage,
        [envVarNames.idempotencyRetentionDays]: String(settings.idempotencyRetentionDays),
        [envVarNames.consumerTimeoutSeconds]: String(settings.consumerTimeoutSeconds),
        [envVarNames.emailSendIntervalMs]: String(settings.emailSendIntervalMs),
        [envVarNames.acceptedLivemode]: settings.acceptedLivemode,
        ...emailSettingsEnvironment(emailSettings),
        ...connectedAccountEmailsEnvironment(props.connectedAccountEmails),
        ...(props.stripeApiKeySecretName === undefined
          ? {}
          : {
              [envVarNames.stripeApiKeySecretId]: props.stripeApiKeySecretName,
              [envVarNames.stripeApiRatePerSecond]: String(props.stripeApiRatePerSecond ?? 25),
            }),
        // The consumer puts a throttled event back on its own queue as a fresh, delayed copy.
        [envVarNames.queueUrl]: this.eventQueue.queue.queueUrl,
        [powertoolsServiceName]: serviceNames.consumer,
        ...(billingState === undefined || billingOptions === undefined
          ? {}
          : {
              [envVarNames.billingStateTableName]: billingState.table.tableName,
              [envVarNames.billingSyncQueueUrl]: billingState.syncQueue.queueUrl,
              [envVarNames.billingStatePastDueAccess]: String(billingOptions.pastDueAccess ?? true),
              ...(billingOptions.off === undefined || billingOptions.off.length === 0
                ? {}
                : { [envVarNames.billingSyncOffTypes]: billingOptions.off.join(',') }),
              ...(billingOptions.syncDelaySeconds === undefined
                ? {}
                : { [envVarNames.billingSyncDelaySeconds]: String(billingOptions.syncDelaySeconds) }),
            }),
        ...businessAlerts?.consumerEnvironment,
        // The consumer calls Stripe only with an API key (customer lookups, billing state, dispute reminders).
        ...(props.stripeApiKeySecretName === undefined ? localEndpoint : localStripeEndpoints),
      },
    });

    this.stripeApiKeySecret?.grantRead(this.consumer.fn);
    if (billingState !== undefined) {
      // The billing handlers queue delayed syncs, and ctx.billingState reads and syncs directly.
      billingState.grantSync(this.consumer.fn);
      billingState.syncQueue.grantSendMessages(this.consumer.fn);
    }
    // The alert handlers publish and post; the dispute handlers create and delete the reminder schedules.
    businessAlerts?.grantConsumer(this.consumer.fn);

    this.emailDeliverability = new EmailDeliverability(this, 'EmailDeliverability', {
      accountLevelSuppression: props.accountLevelSuppression ?? accountLevelSuppressionOf(this.node),
      logRetention: props.logRetention,
      environment: {
        [envVarNames.stage]: settings.stage,
        [powertoolsServiceName]: serviceNames.sesEvents,
        ...localEndpoint,
      },
    });
    this.emailDeliverability.grantSendingTo(this.consumer.fn, {
      fromAddresses: [props.senderAddress, ...accountSenders],
    });
    this.suppressionTable = this.emailDeliverability.table;
    this.configurationSet = this.emailDeliverability.configurationSet;

    if (this.receiver !== undefined) {
      Validations.of(this.receiver.api).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Stripe cannot send API Gateway credentials: every request is signed (Stripe-Signature, HMAC-SHA256 with the signing secret) and the receiver rejects any request whose signature or timestamp does not verify.',
      });
    }

    this.operations = new PipelineOperations(this, 'Operations', {
      ...props,
      stage: settings.stage,
      eventQueue: this.eventQueue.queue,
      deadLetterQueue: this.eventQueue.deadLetterQueue,
      eventBridgeDeadLetterQueue: this.eventBridgeIngress?.deadLetterQueue,
      consumer: this.consumer,
      receiver: this.receiver,
      functions: [
        this.consumer.fn,
        this.emailDeliverability.fn,
        ...(this.receiver === undefined ? [] : [this.receiver.fn]),
        ...(billingState === undefined ? [] : [billingState.syncFunction]),
        ...(businessAlerts === undefined ? [] : [businessAlerts.reminderFunction]),
      ],
      tracedFunctions: [
        ...(billingState === undefined ? [] : [billingState.syncFunction]),
        ...(businessAlerts === undefined ? [] : [businessAlerts.reminderFunction]),
      ],
      otherAlarms: [
        this.eventQueue.deadLetterAlarm,
        ...(this.eventBridgeIngress === undefined ? [] : [this.eventBridgeIngress.deadLetterAlarm]),
        ...(billingState === undefined ? [] : [billingState.deadLetterAlarm]),
        ...(businessAlerts === undefined ? [] : [businessAlerts.deadLetterAlarm]),
      ],
    });
    this.alarmTopic = this.operations.alarmTopic;
    this.alarms = this.operations.alarms;
    if (billingState !== undefined) {
      this.alarms.addAlarm('BillingSyncErrors', {
        meaning: `At least ${this.alarms.thresholds.billingSyncErrorsPer5Minutes} billing syncs or sync invocations failed in 5 minutes (Stripe's API or the table unavailable, a revoked or under-privileged API key): the requests are retried, then rest in the sync dead-letter queue.`,
        runbook: 'Billing sync errors',
        metric: new MathExpression({
          expression: 'FILL(failed, 0) + FILL(errors, 0)',
          usingMetrics: {
            failed: pipelineMetric('billingSync', settings.stage, 'BillingSyncFailed'),
            errors: billingState.syncFunction.metricErrors({ period: metricPeriod, statistic: 'Sum' }),
          },
          label: 'Billing sync errors',
          period: metricPeriod,
        }),
        threshold: this.alarms.thresholds.billingSyncErrorsPer5Minutes,
      });
    }
    if (businessAlerts !== undefined) {
      // Each failure is one dispute's reminder: alarm on the first, whether the function failed (Lambda retries
      // it twice) or Scheduler could not invoke it at all (the role, a throttle beyond its retries).
      this.alarms.addAlarm('DisputeReminderFailures', {
        meaning:
          'A dispute deadline reminder failed in the last 5 minutes (the reminder function failed, or EventBridge Scheduler dropped its invocation): a dispute may need evidence with no one reminded.',
        runbook: 'Dispute reminder failures',
        metric: new MathExpression({
          expression: 'FILL(errors, 0) + FILL(dropped, 0)',
          usingMetrics: {
            errors: businessAlerts.reminderFunction.metricErrors({ period: metricPeriod, statistic: 'Sum' }),
            dropped: businessAlerts.scheduleGroup.metricDropped({ period: metricPeriod, statistic: 'Sum' }),
          },
          label: 'Dispute reminder failures',
          period: metricPeriod,
        }),
        threshold: 1,
      });
    }

    this.api = this.receiver?.api;
    this.webhookUrl = this.receiver?.webhookUrl;
    this.receiverFunction = this.receiver?.fn;
    this.consumerFunction = this.consumer.fn;
    this.queue = this.eventQueue.queue;
    this.deadLetterQueue = this.eventQueue.deadLetterQueue;
    this.deadLetterAlarm = this.eventQueue.deadLetterAlarm;
    this.table = this.consumer.table;
    this.largeEventBucket = largeEventBucket;
  }
}
