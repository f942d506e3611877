import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { serviceNames } from '../../config/contract';
import { createPowertoolsMetrics } from '../shared/metrics';

/** What the receiver counts: one outcome per request, and the reason of each refusal. */
export type ReceiverMetricName =
  /** Verified and accepted by the queue (200). */
  | 'Accepted'
  /** Verified, of a type no handler subscribes to: acknowledged (200), not queued. */
  | 'Ignored'
  /** Refused with a 4xx; the `reason` dimension holds the error code. */
  | 'Rejected'
  /** The queue did not accept a verified event (503). */
  | 'EnqueueFailed'
  /** No signing secret could be loaded (500). */
  | 'SecretUnavailable'
  /** Something unexpected failed (500). */
  | 'InternalError';

/** The receiver's view of metrics, so that its core stays free of Powertools and testable. */
export interface ReceiverMetrics {
  count(name: ReceiverMetricName, reason?: string): void;
}

/** The receiver's Powertools Metrics instance (see functions/shared/metrics.ts). */
export function createReceiverMetrics(stage: string): Metrics {
  return createPowertoolsMetrics(serviceNames.receiver, stage);
}

/**
 * Counts into Powertools Metrics. A count with a reason is published twice: without the reason,
 * where it adds up with the other counts of the request (one alarm on all rejections), and at once
 * as a single metric with a `reason` dimension (which rejections). A dimension added to the shared
 * instance would be attached to every metric of the invocation instead.
 */
export function powertoolsReceiverMetrics(metrics: Metrics): ReceiverMetrics {
  return {
    count(name, reason) {
      metrics.addMetric(name, MetricUnit.Count, 1);
      if (reason !== undefined) {
        const single = metrics.singleMetric();
        single.addDimension('reason', reason);
        single.addMetric(name, MetricUnit.Count, 1);
      }
    },
  };
}
