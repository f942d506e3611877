import { type Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { idempotencyTableSchema } from '../config/contract';
import { fromAddressCondition } from './email-deliverability';
import { grantLargeEventObjectAction } from './large-event-bucket';
import { createPipelineFunction } from './pipeline-function';
import { sendingIdentitiesOf } from './pipeline-props';
import { runtimeModule, subscriptionsModuleId } from './pipeline-runtime';

/**
 * The only item-level DynamoDB actions the consumer needs: claims, steps, completion and release are
 * conditional updates; the in-order guard reads one item.
 */
export const idempotencyTableActions = ['dynamodb:GetItem', 'dynamodb:UpdateItem'] as const;

/** Properties of {@link WebhookConsumer}. */
export interface WebhookConsumerProps {
  /**
   * Queue the consumer reads events from.
   * @default - required
   */
  readonly queue: IQueue;
  /**
   * Consumer function timeout.
   * @default - required: `consumerTimeoutSeconds` from `resolveSettings()`
   */
  readonly timeout: Duration;
  /**
   * Records handed to one invocation.
   * @default - required: `consumerBatchSize` from `resolveSettings()`
   */
  readonly batchSize: number;
  /**
   * Upper bound on concurrent invocations by the SQS event source.
   * @default - required: `consumerMaxConcurrency` from `resolveSettings()`
   */
  readonly maxConcurrency: number;
  /**
   * Environment variables of the consumer function, except the table name that this construct adds.
   * @default - required
   */
  readonly environment: Record<string, string>;
  /**
   * Name of the environment variable that receives the idempotency table name.
   * @default - required: `envVarNames.idempotencyTableName`
   */
  readonly tableNameEnvVar: string;
  /**
   * Address the consumer sends from: the only `ses:FromAddress` it is allowed to use.
   * @default - required
   */
  readonly senderAddress: string;
  /**
   * Verified SES identity (the address itself or its domain) the consumer may send through.
   * @default - required
   */
  readonly sesIdentity: string;
  /**
   * Further From addresses the consumer may use: connected accounts' own senders. One that `sesIdentity`
   * does not cover is allowed through its own address or domain identity, whichever is verified.
   * @default - none: `senderAddress` only
   */
  readonly otherSenderAddresses?: readonly string[];
  /**
   * Bucket holding the bodies of large events; the function may only get objects under
   * `largeEventKeyPrefix`, never write, list or delete them.
   * @default - required
   */
  readonly largeEventBucket: IBucket;
  /**
   * Key prefix the function may read large event bodies from.
   * @default - required: `largeEventKeyPrefix` from `config/settings.ts`
   */
  readonly largeEventKeyPrefix: string;
  /**
   * Retention of the function's logs.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Absolute path of the module whose default export is the subscriptions the consumer runs.
   * @default - required
   */
  readonly subscriptionsEntry: string;
  /**
   * The queue's dead-letter queue and its `maxReceiveCount`: on an event's last attempt the consumer
   * sends it there itself with the reason as message attributes (SQS's redrive moves a message unchanged),
   * so it gets the queue's URL and the count in `environment` and may send to that queue only.
   * @default - none: SQS's redrive moves a failing event, without its reason
   */
  readonly deadLetter?: {
    readonly queue: IQueue;
    readonly maxReceiveCount: number;
    /** Variable that receives the queue's URL: `envVarNames.deadLetterQueueUrl`. */
    readonly queueUrlEnvVar: string;
    /** Variable that receives `maxReceiveCount`: `envVarNames.maxReceiveCount`. */
    readonly maxReceiveCountEnvVar: string;
  };
}

/**
 * The consumer function fed by the event queue, its idempotency table, and its permission to send e-mail
 * from one address through one SES identity.
 */
export class WebhookConsumer extends Construct {
  /** The consumer function. */
  public readonly fn: NodejsFunction;
  /** Logs of the consumer function. */
  public readonly logGroup: LogGroup;
  /** The SQS event source mapping (partial batch responses on). */
  public readonly eventSource: SqsEventSource;
  /** Idempotency records, keyed and expired (DynamoDB TTL) as `idempotencyTableSchema` says. */
  public readonly table: Table;

  constructor(scope: Construct, id: string, props: WebhookConsumerProps) {
    super(scope, id);

    this.table = new Table(this, 'IdempotencyTable', {
      partitionKey: { name: idempotencyTableSchema.partitionKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: idempotencyTableSchema.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const consumer = createPipelineFunction(this, 'ConsumerFunction', {
      entry: runtimeModule('consumer/lambda-entry'),
      alias: { [subscriptionsModuleId]: props.subscriptionsEntry },
      description: 'Processes queued Stripe events once each and sends the e-mails',
      timeout: props.timeout,
      environment: {
        ...props.environment,
        [props.tableNameEnvVar]: this.table.tableName,
        ...(props.deadLetter === undefined
          ? {}
          : {
              [props.deadLetter.queueUrlEnvVar]: props.deadLetter.queue.queueUrl,
              [props.deadLetter.maxReceiveCountEnvVar]: String(props.deadLetter.maxReceiveCount),
            }),
      },
      logRetention: props.logRetention,
    });
    this.fn = consumer.fn;
    this.logGroup = consumer.logGroup;

    // Grants the receive/delete/change-visibility actions the event source mapping needs.
    this.eventSource = new SqsEventSource(props.queue, {
      batchSize: props.batchSize,
      maxConcurrency: props.maxConcurrency,
      reportBatchItemFailures: true,
    });
    this.fn.addEventSource(this.eventSource);

    // Sending only to its own queue: a throttled event goes back as a fresh, delayed copy (see process-record.ts).
    props.queue.grantSendMessages(this.fn);
    // And to its dead-letter queue: an event failing its last attempt goes there with the reason (see dead-letter.ts).
    props.deadLetter?.queue.grantSendMessages(this.fn);
    this.table.grant(this.fn, ...idempotencyTableActions);
    // s3:GetObject alone: grantRead would add s3:List* and s3:GetBucket*, which reading a known key does not need.
    grantLargeEventObjectAction(props.largeEventBucket, this.fn, props.largeEventKeyPrefix, 's3:GetObject');

    const otherSenders = props.otherSenderAddresses ?? [];
    this.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: sendingIdentitiesOf(props.sesIdentity, otherSenders).map((identity) =>
          Stack.of(this).formatArn({ service: 'ses', resource: 'identity', resourceName: identity }),
        ),
        conditions: {
          StringEquals: { 'ses:FromAddress': fromAddressCondition([props.senderAddress, ...otherSenders]) },
        },
      }),
    );
  }
}
