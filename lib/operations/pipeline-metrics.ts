import { Duration } from 'aws-cdk-lib';
import { Metric, type MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import { metricsNamespace, serviceNames } from '../../config/contract';

/** The period every alarm and dashboard widget of the pipeline counts over. */
export const metricPeriod = Duration.minutes(5);

/**
 * One of the pipeline's own metrics (Powertools Metrics, namespace `StripeWebhooks`), as CloudWatch
 * stores it: dimensions `service` and `stage`, plus `reason` for the receiver's single metrics by reason.
 */
export function pipelineMetric(
  service: keyof typeof serviceNames,
  stage: string,
  metricName: string,
  options: MetricOptions & { readonly reason?: string } = {},
): Metric {
  const { reason, ...rest } = options;
  return new Metric({
    namespace: metricsNamespace,
    metricName,
    dimensionsMap: { service: serviceNames[service], stage, ...(reason === undefined ? {} : { reason }) },
    statistic: 'Sum',
    period: metricPeriod,
    ...rest,
  });
}

/** The receiver's outcomes that are 5xx answers (Stripe retries them) and those that are not. */
export const receiverServerErrorOutcomes = ['EnqueueFailed', 'SecretUnavailable', 'InternalError'] as const;
export const receiverOtherOutcomes = ['Accepted', 'Ignored', 'Rejected'] as const;

/** The SES account's reputation, which AWS reviews (bounce 5 %, complaint 0.1 %): a fraction, not a percentage. */
export function sesReputationMetric(name: 'BounceRate' | 'ComplaintRate', options: MetricOptions = {}): Metric {
  return new Metric({
    namespace: 'AWS/SES',
    metricName: `Reputation.${name}`,
    statistic: 'Maximum',
    period: Duration.minutes(15),
    ...options,
  });
}
