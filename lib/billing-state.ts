import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { billingStateTableSchema, envVarNames, serviceNames } from '../config/contract';
import { subscribedTypeMatcher } from '../config/subscribed-types';
import { billingSyncSubscribedTypes } from '../functions/billing-state/billing-sync-types';
import { deadLetterAlarm } from './event-queue';
import { createPipelineFunction } from './pipeline-function';
import { runtimeModule } from './pipeline-runtime';

/** The `billingState` options of the pipeline (`billingState: true` takes every default). */
export interface BillingStateOptions {
  /**
   * Event types the billing sync does not sync from, each one of `billingSyncEventTypes`
   * (`stripe-webhooks-aws/billing-state`), e.g. `invoice.payment_succeeded`.
   * They are then neither queued for the sync nor, unless a handler wants them, enabled on the endpoint.
   * @default - none: every type of `billingSyncEventTypes` is synced from
   */
  readonly off?: readonly string[];
  /**
   * Whether a `past_due` subscription gives access (`hasAccess`): Stripe is still retrying its payment.
   * @default true
   */
  readonly pastDueAccess?: boolean;
  /**
   * Seconds a sync request waits on the sync queue after its event was created, so that the burst of
   * events one checkout produces costs one sync; 0 to 900 (SQS's longest delay).
   * @default - the runtime's default, 5 (`BILLING_SYNC_DELAY_SECONDS` is then not set)
   */
  readonly syncDelaySeconds?: number;
}

/** The `billingState` prop as its options: `undefined` when the feature is off (`false` or not given). */
export function billingStateOptionsOf(
  value: boolean | BillingStateOptions | undefined,
): BillingStateOptions | undefined {
  if (value === undefined || value === false) return undefined;
  return value === true ? {} : value;
}

/**
 * The pipeline's subscribed types with the billing sync's added (in the receiver's format, deduplicated):
 * a billing type that the team's list already matches (`*`, `invoice.*`, the type itself) is not added
 * again, so a team subscribed to `*` keeps exactly `*`.
 */
export function withBillingSyncTypes(subscribed: readonly string[], off: readonly string[] = []): string[] {
  const matches = subscribedTypeMatcher(subscribed.join(','));
  const added = billingSyncSubscribedTypes(off).filter((type) => !matches(type));
  return [...new Set([...subscribed, ...added])];
}

/** Properties of {@link BillingStateSync}. */
export interface BillingStateSyncProps {
  /**
   * The stage, in the function's environment (the dimension of its metrics).
   * @default - required
   */
  readonly stage: string;
  /**
   * The secret holding the restricted Stripe API key the sync reads customers, subscriptions and active
   * entitlements with; its name goes to the function as `STRIPE_API_KEY_SECRET_ID`.
   * @default - required
   */
  readonly apiKeySecret: ISecret;
  /**
   * Receives of one sync request before SQS moves it to the dead-letter queue.
   * @default - required: `maxReceiveCount` from `resolveSettings()`
   */
  readonly maxReceiveCount: number;
  /**
   * Whether a `past_due` subscription gives access (`BILLING_STATE_PAST_DUE_ACCESS`).
   * @default true
   */
  readonly pastDueAccess?: boolean;
  /**
   * Timeout of the sync function; the sync queue's visibility timeout is six times it, as AWS recommends
   * for an SQS event source.
   * @default Duration.seconds(60)
   */
  readonly timeout?: Duration;
  /**
   * Upper bound on concurrent invocations by the SQS event source (2 to 1000). Stripe's rate limit is the
   * account's, shared with the consumer and everything else using the account's keys.
   * @default 2
   */
  readonly maxConcurrency?: number;
  /**
   * Stripe API calls per second one instance of the sync function may make (`STRIPE_API_RATE_PER_SECOND`).
   * @default 5
   */
  readonly stripeApiRatePerSecond?: number;
  /**
   * How long an unprocessed sync request stays on the sync queue.
   * @default Duration.days(4)
   */
  readonly retentionPeriod?: Duration;
  /**
   * How long a sync request stays in the dead-letter queue.
   * @default Duration.days(14) (SQS's maximum)
   */
  readonly deadLetterRetentionPeriod?: Duration;
  /**
   * Further environment variables of the sync function (`AWS_ENDPOINT_URL` for `sam local invoke`).
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Retention of the function's logs.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
}

/**
 * Each customer's billing state, as Stripe's API last described it: the table (one item per customer and
 * account, keyed as `billingStateTableSchema` says), the sync queue of delayed "sync this customer"
 * requests that the consumer's billing handlers send, its dead-letter queue and alarm, and the sync
 * function that reads the queue (partial batch responses) and writes the table. The table is encrypted
 * with the AWS managed key of DynamoDB, kept with point-in-time recovery, and retained on delete; both
 * queues use SQS-managed encryption and refuse requests not made over TLS. Teams read the table with
 * `createBillingStateReader` from `stripe-webhooks-aws/billing-state`, after {@link grantRead}.
 */
export class BillingStateSync extends Construct {
  /** One item per customer and account: what Stripe's API said of the customer when it was last synced. */
  public readonly table: Table;
  /** Delayed "sync this customer" requests, read by {@link syncFunction}. */
  public readonly syncQueue: Queue;
  /** Where a sync request goes after `maxReceiveCount` failed syncs. */
  public readonly syncDeadLetterQueue: Queue;
  /** In ALARM while at least one request is visible in {@link syncDeadLetterQueue}. No action of its own: the pipeline sends it to its alarm topic. */
  public readonly deadLetterAlarm: Alarm;
  /** The sync function, fed by {@link syncQueue}. */
  public readonly syncFunction: NodejsFunction;
  /** Logs of the sync function. */
  public readonly logGroup: LogGroup;
  /** The SQS event source mapping of the sync function (partial batch responses on). */
  public readonly eventSource: SqsEventSource;
  /** The secret holding the Stripe API key the sync reads with. */
  public readonly apiKeySecret: ISecret;

  constructor(scope: Construct, id: string, props: BillingStateSyncProps) {
    super(scope, id);
    this.apiKeySecret = props.apiKeySecret;
    const timeout = props.timeout ?? Duration.seconds(60);

    this.table = new Table(this, 'Table', {
      partitionKey: { name: billingStateTableSchema.partitionKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      // Names, addresses and what each customer pays for are personal data: a KMS key whose every use
      // CloudTrail records, instead of the AWS owned one; AWS managed, so that readers need no key grant.
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The apps' access decisions read it: a stack deletion must not take it away (a backfill could rebuild it, slowly).
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.syncDeadLetterQueue = new Queue(this, 'SyncDeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.deadLetterRetentionPeriod ?? Duration.days(14),
    });
    this.syncQueue = new Queue(this, 'SyncQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's advice for an SQS event source: at least six times the function's timeout.
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6),
      retentionPeriod: props.retentionPeriod ?? Duration.days(4),
      deadLetterQueue: { queue: this.syncDeadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });
    this.deadLetterAlarm = deadLetterAlarm(
      this,
      this.syncDeadLetterQueue,
      'Billing sync requests failed every retry and were moved to the sync dead-letter queue: those customers\' billing state may be stale. Runbook: docs/operations.md, "Alarms", "Billing sync dead letters".',
    );

    const sync = createPipelineFunction(this, 'BillingSyncFunction', {
      entry: runtimeModule('billing-state/handler'),
      description: "Syncs customers' billing state from Stripe's API into the billing state table",
      timeout,
      logRetention: props.logRetention,
      environment: {
        ...props.environment,
        [envVarNames.stage]: props.stage,
        [envVarNames.billingStateTableName]: this.table.tableName,
        [envVarNames.billingStatePastDueAccess]: String(props.pastDueAccess ?? true),
        [envVarNames.stripeApiKeySecretId]: props.apiKeySecret.secretName,
        [envVarNames.stripeApiRatePerSecond]: String(props.stripeApiRatePerSecond ?? 5),
        POWERTOOLS_SERVICE_NAME: serviceNames.billingSync,
      },
    });
    this.syncFunction = sync.fn;
    this.logGroup = sync.logGroup;
    // Grants the receive/delete/change-visibility actions the event source mapping needs.
    this.eventSource = new SqsEventSource(this.syncQueue, {
      batchSize: 10,
      maxConcurrency: props.maxConcurrency ?? 2,
      reportBatchItemFailures: true,
    });
    this.syncFunction.addEventSource(this.eventSource);
    this.grantSync(this.syncFunction);
  }

  /**
   * Lets `grantee` read billing states: `dynamodb:GetItem` on the table, all that `getCustomer` of
   * `createBillingStateReader` (`stripe-webhooks-aws/billing-state`) does, with or without a consistent read.
   * Give it the table name ({@link table}`.tableName`, the stack output `BillingStateTableName`).
   */
  public grantRead(grantee: IGrantable): Grant {
    return this.table.grant(grantee, 'dynamodb:GetItem');
  }

  /**
   * Lets `grantee` sync customers itself: `dynamodb:GetItem` and `dynamodb:PutItem` on the table (a sync
   * reads the stored state, then writes the new one conditionally) and read access to the Stripe API key
   * secret. Queueing a delayed sync is `syncQueue.grantSendMessages(grantee)`.
   */
  public grantSync(grantee: IGrantable): Grant {
    return this.table
      .grant(grantee, 'dynamodb:GetItem', 'dynamodb:PutItem')
      .combine(this.apiKeySecret.grantRead(grantee));
  }
}
