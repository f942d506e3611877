import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Properties of {@link EventQueue}. */
export interface EventQueueProps {
  /**
   * Visibility timeout of the event queue; AWS recommends six times the consumer's timeout.
   * @default - no default: take `visibilityTimeoutSeconds` from `resolveSettings()`
   */
  readonly visibilityTimeout: Duration;
  /**
   * How long an undelivered event stays in the event queue.
   * @default - no default: take `queueRetentionDays` from `resolveSettings()`
   */
  readonly retentionPeriod: Duration;
  /**
   * Receives of one message before SQS moves it to the dead-letter queue.
   * @default - no default: take `maxReceiveCount` from `resolveSettings()`
   */
  readonly maxReceiveCount: number;
  /**
   * How long a message stays in the dead-letter queue.
   * @default - no default: take `deadLetterRetentionDays` from `resolveSettings()`
   */
  readonly deadLetterRetentionPeriod: Duration;
}

/**
 * The queue between the receiver and the consumer, its dead-letter queue, and an alarm that goes off
 * as soon as one event lands in the dead-letter queue. Both queues are encrypted with SQS-managed keys
 * and refuse requests that are not made over TLS.
 */
export class EventQueue extends Construct {
  /** Queue the receiver sends verified events to. */
  public readonly queue: Queue;
  /** Where events go after `maxReceiveCount` failed deliveries. */
  public readonly deadLetterQueue: Queue;
  /** In ALARM while at least one message is visible in the dead-letter queue. No action of its own: the pipeline sends it to its alarm topic (lib/operations/alarms.ts). */
  public readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: EventQueueProps) {
    super(scope, id);

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.deadLetterRetentionPeriod,
    });

    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: props.retentionPeriod,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });

    this.deadLetterAlarm = deadLetterAlarm(
      this,
      this.deadLetterQueue,
      'Stripe events failed processing and were moved to the dead-letter queue. Inspect them, fix the cause, then redrive them to the event queue.',
    );
  }
}

/** An alarm as soon as one message is visible in a dead-letter queue: any message there is an event not handled. */
export function deadLetterAlarm(scope: Construct, queue: Queue, description: string): Alarm {
  return new Alarm(scope, 'DeadLetterAlarm', {
    alarmDescription: description,
    metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
}
