import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, type IMetric, MathExpression, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type AlarmThresholds, type ResolvedAlarmThresholds, resolveAlarmThresholds } from './alarm-thresholds';
import type { AlarmTopic } from './alarm-topic';
import {
  metricPeriod,
  pipelineMetric,
  receiverOtherOutcomes,
  receiverServerErrorOutcomes,
  sesReputationMetric,
} from './pipeline-metrics';

/** Properties of {@link PipelineAlarms}. */
export interface PipelineAlarmsProps {
  /**
   * The topic every alarm sends to, on ALARM and on OK.
   * @default - required
   */
  readonly alarmTopic: AlarmTopic;
  /**
   * The stage, a dimension of the pipeline's own metrics.
   * @default - required
   */
  readonly stage: string;
  /**
   * When the alarms go off.
   * @default - the defaults of {@link AlarmThresholds}
   */
  readonly thresholds?: AlarmThresholds;
  /**
   * The event queue whose oldest message is watched.
   * @default - required
   */
  readonly eventQueue: IQueue;
  /**
   * The consumer function (errors, throttles).
   * @default - required
   */
  readonly consumerFunction: IFunction;
  /**
   * The receiver function (5xx rate, signature mismatches, throttles).
   * @default - none: no receiver alarms (ingress `eventbridge`)
   */
  readonly receiverFunction?: IFunction;
  /**
   * The HTTP API (its 5xx).
   * @default - none: no API alarm (ingress `eventbridge`)
   */
  readonly api?: IHttpApi;
  /**
   * Alarms made elsewhere that must send to the topic too: the dead-letter alarms of the event queue and
   * of the EventBridge ingress.
   * @default - none
   */
  readonly otherAlarms?: readonly Alarm[];
}

const description = (meaning: string, runbook: string) =>
  `${meaning} Runbook: docs/operations.md, "Alarms", "${runbook}".`;

/**
 * The pipeline's alarms, each sending to the alarm topic on ALARM and on OK, with the thresholds of
 * {@link AlarmThresholds}. Add an alarm of your own (or of a later feature) with {@link add}, so that it
 * reaches the same people.
 */
export class PipelineAlarms extends Construct {
  /** The thresholds in use, defaults filled in. */
  public readonly thresholds: ResolvedAlarmThresholds;
  /** The oldest message on the event queue is older than `oldestEventAgeMinutes`: the queue is backing up. */
  public readonly oldestEventAge: Alarm;
  /** At least `receiverServerErrorRatePercent` % of the receiver's answers were 5xx, two periods in a row. */
  public readonly receiverServerErrorRate: Alarm | undefined;
  /** More than `signatureMismatchesPer5Minutes` signature mismatches: a rolled or mistyped signing secret. */
  public readonly signatureMismatches: Alarm | undefined;
  /** At least `consumerErrorsPer5Minutes` records or invocations of the consumer failed. */
  public readonly consumerErrors: Alarm;
  /** At least `throttledRequeuesPer5Minutes` events were requeued because SES throttled. */
  public readonly throttledRequeues: Alarm;
  /** Lambda throttled the receiver. */
  public readonly receiverThrottles: Alarm | undefined;
  /** Lambda throttled the consumer. */
  public readonly consumerThrottles: Alarm;
  /** The HTTP API answered 5xx at least `apiServerErrorsPer5Minutes` times. */
  public readonly apiServerErrors: Alarm | undefined;
  /** The SES account's bounce rate reached `sesBounceRatePercent`. */
  public readonly sesBounceRate: Alarm;
  /** The SES account's complaint rate reached `sesComplaintRatePercent`. */
  public readonly sesComplaintRate: Alarm;
  private readonly topic: AlarmTopic;
  private readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    this.topic = props.alarmTopic;
    const t = resolveAlarmThresholds(props.thresholds);
    this.thresholds = t;
    const { stage } = props;
    for (const alarm of props.otherAlarms ?? []) this.add(alarm);

    this.oldestEventAge = this.alarm('OldestEventAge', {
      alarmDescription: description(
        `The oldest Stripe event on the event queue has waited more than ${t.oldestEventAgeMinutes} minutes: the consumer is not keeping up, or not running.`,
        'Event queue backing up',
      ),
      metric: props.eventQueue.metricApproximateAgeOfOldestMessage({ period: metricPeriod, statistic: 'Maximum' }),
      threshold: t.oldestEventAgeMinutes * 60,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    });

    if (props.receiverFunction !== undefined) {
      const usingMetrics: Record<string, IMetric> = {};
      for (const name of [...receiverServerErrorOutcomes, ...receiverOtherOutcomes]) {
        usingMetrics[name.charAt(0).toLowerCase() + name.slice(1)] = pipelineMetric('receiver', stage, name);
      }
      const filled = (names: readonly string[]) =>
        names.map((name) => `FILL(${name.charAt(0).toLowerCase() + name.slice(1)}, 0)`).join(' + ');
      this.receiverServerErrorRate = this.alarm('ReceiverServerErrorRate', {
        alarmDescription: description(
          `At least ${t.receiverServerErrorRatePercent} % of the receiver's answers were 5xx for 10 minutes (queue refused the event, signing secret unavailable, or a bug). Stripe retries them, and disables an endpoint that keeps failing.`,
          'Receiver 5xx rate',
        ),
        metric: new MathExpression({
          expression: `100 * (${filled(receiverServerErrorOutcomes)}) / (${filled([...receiverServerErrorOutcomes, ...receiverOtherOutcomes])})`,
          usingMetrics,
          label: 'Receiver 5xx answers (%)',
          period: metricPeriod,
        }),
        threshold: t.receiverServerErrorRatePercent,
        evaluationPeriods: 2,
      });
      this.signatureMismatches = this.alarm('SignatureMismatches', {
        alarmDescription: description(
          `More than ${t.signatureMismatchesPer5Minutes} webhook requests in 5 minutes had a well-formed Stripe-Signature that matched no signing secret: the secret was rolled in Stripe, or the stored one is mistyped.`,
          'Signature mismatches',
        ),
        metric: pipelineMetric('receiver', stage, 'Rejected', { reason: 'signature_mismatch' }),
        threshold: t.signatureMismatchesPer5Minutes,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
      this.receiverThrottles = this.alarm('ReceiverThrottles', {
        alarmDescription: description(
          "Lambda throttled the receiver: the account's or the reserved concurrency is used up, and API Gateway answers 5xx (Stripe retries).",
          'Lambda throttles',
        ),
        metric: props.receiverFunction.metricThrottles({ period: metricPeriod, statistic: 'Sum' }),
        threshold: t.lambdaThrottlesPer5Minutes,
      });
    }

    this.consumerErrors = this.alarm('ConsumerErrors', {
      alarmDescription: description(
        `At least ${t.consumerErrorsPer5Minutes} consumer errors in 5 minutes (failed records, which go back to the queue and end in the DLQ after maxReceiveCount, or failed invocations).`,
        'Consumer errors',
      ),
      metric: new MathExpression({
        expression: 'FILL(failed, 0) + FILL(errors, 0)',
        usingMetrics: {
          failed: pipelineMetric('consumer', stage, 'Failed'),
          errors: props.consumerFunction.metricErrors({ period: metricPeriod, statistic: 'Sum' }),
        },
        label: 'Consumer errors',
        period: metricPeriod,
      }),
      threshold: t.consumerErrorsPer5Minutes,
    });
    this.throttledRequeues = this.alarm('ThrottledRequeues', {
      alarmDescription: description(
        `SES throttled at least ${t.throttledRequeuesPer5Minutes} sends in 5 minutes, and their events were queued again with a delay: the SES sending rate or daily quota is too small.`,
        'Throttled requeues',
      ),
      metric: pipelineMetric('consumer', stage, 'Throttled'),
      threshold: t.throttledRequeuesPer5Minutes,
    });
    this.consumerThrottles = this.alarm('ConsumerThrottles', {
      alarmDescription: description(
        "Lambda throttled the consumer: the account's concurrency is used up; events wait on the queue.",
        'Lambda throttles',
      ),
      metric: props.consumerFunction.metricThrottles({ period: metricPeriod, statistic: 'Sum' }),
      threshold: t.lambdaThrottlesPer5Minutes,
    });

    this.apiServerErrors =
      props.api === undefined
        ? undefined
        : this.alarm('ApiServerErrors', {
            alarmDescription: description(
              `The webhook API answered 5xx at least ${t.apiServerErrorsPer5Minutes} times in 5 minutes (the receiver's own 5xx, its throttles, timeouts or crashes).`,
              'API 5xx',
            ),
            metric: props.api.metricServerError({ period: metricPeriod, statistic: 'Sum' }),
            threshold: t.apiServerErrorsPer5Minutes,
          });

    this.sesBounceRate = this.alarm('SesBounceRate', {
      alarmDescription: description(
        `The SES account's bounce rate reached ${t.sesBounceRatePercent} %. AWS reviews an account at 5 % and may pause its sending at 10 %.`,
        'SES bounce and complaint rates',
      ),
      metric: sesReputationMetric('BounceRate'),
      threshold: t.sesBounceRatePercent / 100,
    });
    this.sesComplaintRate = this.alarm('SesComplaintRate', {
      alarmDescription: description(
        `The SES account's complaint rate reached ${t.sesComplaintRatePercent} %. AWS reviews an account at 0.1 % and may pause its sending at 0.5 %.`,
        'SES bounce and complaint rates',
      ),
      metric: sesReputationMetric('ComplaintRate'),
      threshold: t.sesComplaintRatePercent / 100,
    });
  }

  /**
   * The pipeline's alarms as one list that grows with each {@link add}: what the dashboard's status widget
   * shows, so that an alarm added after the dashboard (an optional feature's) is on it without more wiring.
   */
  public get live(): readonly Alarm[] {
    return this.alarms;
  }

  /** Every alarm of the pipeline, the dead-letter alarms and the ones added with {@link add} included. */
  public get all(): readonly Alarm[] {
    return [...this.alarms];
  }

  /** Sends `alarm` to the alarm topic on ALARM and on OK, and lists it in {@link all}. */
  public add<T extends Alarm>(alarm: T): T {
    this.alarms.push(this.topic.notify(alarm));
    return alarm;
  }

  /**
   * A new alarm in this construct, with the pipeline's conventions (≥ threshold by default, missing data
   * not breaching, the runbook in docs/operations.md named in its description), sent to the topic like the others.
   */
  public addAlarm(
    id: string,
    options: {
      readonly meaning: string;
      readonly runbook: string;
      readonly metric: IMetric;
      readonly threshold: number;
    },
  ): Alarm {
    return this.alarm(id, {
      alarmDescription: description(options.meaning, options.runbook),
      metric: options.metric,
      threshold: options.threshold,
    });
  }

  private alarm(
    id: string,
    options: {
      readonly alarmDescription: string;
      readonly metric: IMetric;
      readonly threshold: number;
      readonly comparisonOperator?: ComparisonOperator;
      readonly evaluationPeriods?: number;
    },
  ): Alarm {
    const evaluationPeriods = options.evaluationPeriods ?? 1;
    return this.add(
      new Alarm(this, id, {
        alarmDescription: options.alarmDescription,
        metric: options.metric,
        threshold: options.threshold,
        evaluationPeriods,
        datapointsToAlarm: evaluationPeriods,
        comparisonOperator: options.comparisonOperator ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // No traffic is no problem: a quiet night must not page anyone.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
  }
}
