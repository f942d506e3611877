import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  type Alarm,
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  type IMetric,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { metricPeriod, pipelineMetric, receiverOtherOutcomes, receiverServerErrorOutcomes } from './pipeline-metrics';

/** Properties of {@link PipelineDashboard}. */
export interface PipelineDashboardProps {
  /**
   * The stage, a dimension of the pipeline's own metrics.
   * @default - required
   */
  readonly stage: string;
  /**
   * The event queue (depth and age).
   * @default - required
   */
  readonly eventQueue: IQueue;
  /**
   * The dead-letter queues shown (the event queue's, and the EventBridge ingress's).
   * @default - required
   */
  readonly deadLetterQueues: readonly IQueue[];
  /**
   * The consumer function (duration, errors, throttles).
   * @default - required
   */
  readonly consumerFunction: IFunction;
  /**
   * The receiver function (latency).
   * @default - none (ingress `eventbridge`): no request widgets
   */
  readonly receiverFunction?: IFunction;
  /**
   * The HTTP API (requests, 4xx, 5xx, latency).
   * @default - none (ingress `eventbridge`)
   */
  readonly api?: IHttpApi;
  /**
   * The alarms whose state the dashboard shows at the top, read when the template is written: a list that still
   * grows (`PipelineAlarms.live`) puts later alarms on it too.
   * @default - none: no alarm widget
   */
  readonly alarms?: readonly Alarm[];
}

const graph = (title: string, left: IMetric[], right: IMetric[] = []) =>
  new GraphWidget({ title, left, right, width: 12, height: 6, period: metricPeriod });

/**
 * One CloudWatch dashboard for the pipeline: alarm states; requests and status classes and the receiver's
 * latency (p50, p99); queue depth and age; events processed, duplicate, failed, ignored; emails sent,
 * suppressed, rejected and throttled; the dead-letter queues.
 */
export class PipelineDashboard extends Construct {
  /** The dashboard. */
  public readonly dashboard: Dashboard;
  /** The alarms of the status widget: CDK renders the widget when the template is synthesized, so later ones show too. */

  constructor(scope: Construct, id: string, props: PipelineDashboardProps) {
    super(scope, id);
    const { stage } = props;
    const receiver = (name: string, label = name) => pipelineMetric('receiver', stage, name, { label });
    const consumer = (name: string, label = name) => pipelineMetric('consumer', stage, name, { label });
    this.dashboard = new Dashboard(this, 'Dashboard');
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# Stripe webhooks (${stage})\nEvery count is per 5 minutes. Runbooks: docs/operations.md, "Alarms".`,
        width: 24,
        height: 2,
      }),
    );
    if (props.alarms !== undefined) {
      this.dashboard.addWidgets(
        new AlarmStatusWidget({
          title: 'Alarms',
          // The list itself, not a copy: the widget reads it when the template is written, so alarms added to
          // it after the dashboard (the optional features') are shown too. The widget only reads it.
          alarms: props.alarms as Alarm[],
          width: 24,
          height: 4,
        }),
      );
    }
    if (props.api !== undefined && props.receiverFunction !== undefined) {
      const api = props.api;
      const stat = (statistic: string) => ({ period: metricPeriod, statistic });
      this.dashboard.addWidgets(
        graph(
          'Requests and status classes',
          [
            api.metricCount({ ...stat('Sum'), label: 'Requests' }),
            api.metricClientError({ ...stat('Sum'), label: '4xx' }),
            api.metricServerError({ ...stat('Sum'), label: '5xx' }),
          ],
          [...receiverOtherOutcomes, ...receiverServerErrorOutcomes].map((name) => receiver(name)),
        ),
        graph('Receiver latency (ms)', [
          api.metricLatency({ ...stat('p50'), label: 'API p50' }),
          api.metricLatency({ ...stat('p99'), label: 'API p99' }),
          props.receiverFunction.metricDuration({ ...stat('p50'), label: 'Function p50' }),
          props.receiverFunction.metricDuration({ ...stat('p99'), label: 'Function p99' }),
        ]),
        graph('Signature problems', [
          pipelineMetric('receiver', stage, 'Rejected', { reason: 'signature_mismatch', label: 'signature_mismatch' }),
          pipelineMetric('receiver', stage, 'Rejected', {
            reason: 'timestamp_out_of_tolerance',
            label: 'timestamp_out_of_tolerance',
          }),
          pipelineMetric('receiver', stage, 'Rejected', { reason: 'missing_signature', label: 'missing_signature' }),
        ]),
      );
    }
    const queue = props.eventQueue;
    this.dashboard.addWidgets(
      graph(
        'Event queue: depth and age',
        [
          queue.metricApproximateNumberOfMessagesVisible({
            period: metricPeriod,
            statistic: 'Maximum',
            label: 'Waiting',
          }),
          queue.metricApproximateNumberOfMessagesNotVisible({
            period: metricPeriod,
            statistic: 'Maximum',
            label: 'In flight',
          }),
          queue.metricApproximateNumberOfMessagesDelayed({
            period: metricPeriod,
            statistic: 'Maximum',
            label: 'Delayed (requeued)',
          }),
        ],
        [
          queue.metricApproximateAgeOfOldestMessage({
            period: metricPeriod,
            statistic: 'Maximum',
            label: 'Oldest (s)',
          }),
        ],
      ),
      graph(
        'Events',
        [
          consumer('Processed'),
          consumer('Duplicate'),
          consumer('Failed'),
          consumer('Unhandled'),
          consumer('Filtered'),
          ...(props.receiverFunction === undefined ? [] : [receiver('Ignored', 'Ignored (receiver)')]),
        ],
        [
          props.consumerFunction.metricErrors({ period: metricPeriod, statistic: 'Sum', label: 'Invocation errors' }),
          props.consumerFunction.metricThrottles({ period: metricPeriod, statistic: 'Sum', label: 'Throttles' }),
        ],
      ),
      graph('Emails', [
        consumer('EmailsSent', 'Sent'),
        consumer('EmailsSuppressed', 'Suppressed'),
        consumer('EmailsRejected', 'Rejected'),
        consumer('EmailsSkipped', 'Skipped'),
        consumer('Throttled', 'Throttled (requeued)'),
      ]),
      graph(
        'Dead-letter queues',
        props.deadLetterQueues.map((dlq, index) =>
          dlq.metricApproximateNumberOfMessagesVisible({
            period: metricPeriod,
            statistic: 'Maximum',
            label: index === 0 ? 'Events DLQ' : 'EventBridge DLQ',
          }),
        ),
      ),
    );
  }
}
