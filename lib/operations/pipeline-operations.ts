import { Validations } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { WebhookConsumer } from '../webhook-consumer';
import type { WebhookReceiver } from '../webhook-receiver';
import { AlarmTopic } from './alarm-topic';
import { PipelineAlarms } from './alarms';
import { PipelineDashboard } from './dashboard';
import type { OperationsProps } from './operations-props';

/** Name of the environment variable Powertools Logger reads its level from. */
const powertoolsLogLevel = 'POWERTOOLS_LOG_LEVEL';

/** Properties of {@link PipelineOperations}: the operations props, and what they watch. */
export interface PipelineOperationsProps extends OperationsProps {
  /**
   * The stage, a dimension of the pipeline's own metrics.
   * @default - required
   */
  readonly stage: string;
  /**
   * The event queue.
   * @default - required
   */
  readonly eventQueue: Queue;
  /**
   * The event queue's dead-letter queue (on the dashboard; its alarm comes in `otherAlarms`).
   * @default - required
   */
  readonly deadLetterQueue: Queue;
  /**
   * The consumer.
   * @default - required
   */
  readonly consumer: WebhookConsumer;
  /**
   * The receiver and its API.
   * @default - none (ingress `eventbridge`)
   */
  readonly receiver?: WebhookReceiver;
  /**
   * Every function of the pipeline, for the log level (and tracing).
   * @default - required
   */
  readonly functions: readonly LambdaFunction[];
  /**
   * Functions traced with `tracing` on, besides the receiver and the consumer (the billing sync function).
   * @default - none
   */
  readonly tracedFunctions?: readonly LambdaFunction[];
  /**
   * The EventBridge ingress's dead-letter queue, shown beside the event queue's.
   * @default - none
   */
  readonly eventBridgeDeadLetterQueue?: Queue;
  /**
   * Alarms made elsewhere that must reach the topic too (the dead-letter alarms).
   * @default - none
   */
  readonly otherAlarms?: readonly Alarm[];
}

/** The pipeline's operations: the alarm topic, the alarms, the dashboard, and the functions' log level and limits. */
export class PipelineOperations extends Construct {
  /** Where every alarm sends, on ALARM and on OK. */
  public readonly alarmTopic: AlarmTopic;
  /** Every alarm of the pipeline; add later ones with `alarms.add(alarm)`. */
  public readonly alarms: PipelineAlarms;
  /** The CloudWatch dashboard; `undefined` with `dashboard: false`. */
  public readonly dashboard: PipelineDashboard | undefined;

  constructor(scope: Construct, id: string, props: PipelineOperationsProps) {
    super(scope, id);
    this.alarmTopic = new AlarmTopic(this, 'AlarmTopic', { email: props.alarmEmail, topicArn: props.alarmTopicArn });
    this.alarms = new PipelineAlarms(this, 'Alarms', {
      alarmTopic: this.alarmTopic,
      stage: props.stage,
      thresholds: props.alarmThresholds,
      eventQueue: props.eventQueue,
      consumerFunction: props.consumer.fn,
      receiverFunction: props.receiver?.fn,
      api: props.receiver?.api,
      otherAlarms: props.otherAlarms,
    });

    this.dashboard =
      props.dashboard === false
        ? undefined
        : new PipelineDashboard(this, 'Dashboard', {
            stage: props.stage,
            eventQueue: props.eventQueue,
            deadLetterQueues: [
              props.deadLetterQueue,
              ...(props.eventBridgeDeadLetterQueue === undefined ? [] : [props.eventBridgeDeadLetterQueue]),
            ],
            consumerFunction: props.consumer.fn,
            receiverFunction: props.receiver?.fn,
            api: props.receiver?.api,
            alarms: this.alarms.live,
          });

    const logLevel = props.logLevel ?? 'INFO';
    for (const fn of props.functions) fn.addEnvironment(powertoolsLogLevel, logLevel);

    if (props.tracing === true) {
      const traced = [
        props.consumer.fn,
        ...(props.receiver === undefined ? [] : [props.receiver.fn]),
        ...(props.tracedFunctions ?? []),
      ];
      for (const fn of traced) enableTracing(fn);
    }

    if (props.receiverReservedConcurrency !== undefined && props.receiver !== undefined) {
      // Set on the L1 resource so that the receiver's construct (and its props) stay as they are.
      (props.receiver.fn.node.defaultChild as CfnFunction).reservedConcurrentExecutions =
        props.receiverReservedConcurrency;
    }
  }
}

/**
 * Active X-Ray tracing on `fn`, done as the function's own `tracing: Tracing.ACTIVE` would do it, and the
 * Powertools Tracer turned on (functions/shared/tracing.ts). Responses and errors are not recorded in the
 * trace: a response or an error text may hold customer data, and the sanitised logs have them.
 */
function enableTracing(fn: LambdaFunction): void {
  (fn.node.defaultChild as CfnFunction).tracingConfig = { mode: 'Active' };
  fn.addToRolePolicy(
    new PolicyStatement({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] }),
  );
  fn.addEnvironment('POWERTOOLS_TRACE_ENABLED', 'true');
  fn.addEnvironment('POWERTOOLS_TRACER_CAPTURE_RESPONSE', 'false');
  fn.addEnvironment('POWERTOOLS_TRACER_CAPTURE_ERROR', 'false');
  if (fn.role !== undefined) {
    Validations.of(fn.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'xray:PutTraceSegments and xray:PutTelemetryRecords have no resource type in IAM, so "*" is the only resource they can be granted on (as Lambda\'s own AWSXRayDaemonWriteAccess does); only with tracing on.',
    });
  }
}
