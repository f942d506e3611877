import { join } from 'node:path';
import { type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { envVarNames, largeEventKeyPrefix, serviceNames } from '../config/contract';
import { grantLargeEventObjectAction } from './large-event-bucket';
import { createPipelineFunction } from './pipeline-function';

/** Properties of {@link StripeReconciler}. */
export interface StripeReconcilerProps {
  /**
   * The event queue the consumer reads; recovered events are sent to it.
   * @default - required
   */
  readonly queue: IQueue;
  /**
   * The consumer's idempotency table, read (GetItem only) to skip events already done.
   * @default - required
   */
  readonly table: ITable;
  /**
   * The large-event bucket, for events too large for SQS.
   * @default - required
   */
  readonly largeEventBucket: IBucket;
  /**
   * The secret holding the Stripe API key; it needs read access to events.
   * @default - required
   */
  readonly apiKeySecret: ISecret;
  /**
   * The receiver's `SUBSCRIBED_EVENT_TYPES` value: only those types are recovered.
   * @default - required
   */
  readonly subscribedEventTypes: string;
  /**
   * Stage, for the metrics' dimension.
   * @default - required
   */
  readonly stage: string;
  /**
   * How often it runs.
   * @default Duration.hours(1)
   */
  readonly interval?: Duration;
  /**
   * How long the function's logs are kept.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Further environment variables of the function (`AWS_ENDPOINT_URL` and `STRIPE_API_URL` for `sam local invoke`).
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
}

/**
 * Recovers undelivered Stripe events on a schedule (EventBridge Scheduler → Lambda): lists Stripe's
 * events of the last day whose delivery has not succeeded and queues those the consumer has not done
 * (functions/reconciler/reconcile.ts), counting `RecoveredEvents`.
 */
export class StripeReconciler extends Construct {
  /** The reconciler function. */
  public readonly fn: NodejsFunction;
  /** The schedule that invokes it. */
  public readonly schedule: Schedule;

  constructor(scope: Construct, id: string, props: StripeReconcilerProps) {
    super(scope, id);
    const { fn } = createPipelineFunction(this, 'StripeReconcilerFunction', {
      entry: join(__dirname, '..', 'functions', 'reconciler', 'handler.ts'),
      description: 'Queues Stripe events whose delivery failed and that the consumer has not done',
      // Paging at 5 calls/s through a day of undelivered events; far less in practice.
      timeout: Duration.minutes(5),
      logRetention: props.logRetention,
      environment: {
        ...props.environment,
        [envVarNames.queueUrl]: props.queue.queueUrl,
        [envVarNames.idempotencyTableName]: props.table.tableName,
        [envVarNames.largeEventBucketName]: props.largeEventBucket.bucketName,
        [envVarNames.subscribedEventTypes]: props.subscribedEventTypes,
        [envVarNames.stripeApiKeySecretId]: props.apiKeySecret.secretName,
        [envVarNames.stage]: props.stage,
        POWERTOOLS_SERVICE_NAME: serviceNames.reconciler,
      },
    });
    this.fn = fn;
    props.queue.grantSendMessages(fn);
    props.table.grant(fn, 'dynamodb:GetItem');
    grantLargeEventObjectAction(props.largeEventBucket, fn, largeEventKeyPrefix, 's3:PutObject');
    props.apiKeySecret.grantRead(fn);

    this.schedule = new Schedule(this, 'Schedule', {
      schedule: ScheduleExpression.rate(props.interval ?? Duration.hours(1)),
      target: new LambdaInvoke(fn, { retryAttempts: 2, maxEventAge: Duration.hours(1) }),
      description: 'Runs the Stripe reconciler',
    });
    // The scheduler's role may invoke the function and its versions: Scheduler's own grant, on this function only.
    const schedulerRole = Stack.of(this).node.children.find((child) =>
      child.node.id.startsWith('SchedulerRoleForTarget-'),
    );
    if (schedulerRole !== undefined) {
      Validations.of(schedulerRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(fn.node.defaultChild as CfnElement)}.Arn>:*]`,
        reason: 'EventBridge Scheduler invokes this one function (and its versions); nothing else.',
      });
    }
  }
}
