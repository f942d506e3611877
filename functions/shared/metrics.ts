import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { metricsNamespace } from '../../config/contract';

export { metricsNamespace };

/**
 * Powertools Metrics (CloudWatch embedded metric format: JSON lines in the function's log) with the
 * dimensions `service` and `stage`. Call `publishStoredMetrics()` after each invocation.
 * `POWERTOOLS_METRICS_DISABLED=true` turns the output off (the local tools set it with silent logs).
 */
export function createPowertoolsMetrics(serviceName: string, stage: string): Metrics {
  return new Metrics({
    namespace: metricsNamespace,
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? serviceName,
    defaultDimensions: { stage },
  });
}

/** Counts with an optional breakdown: what the consumer's handlers and the dispute reminder count with. */
export interface DimensionedCounter {
  count(name: string, value?: number, dimensions?: Readonly<Record<string, string>>): void;
}

/**
 * Adds each count to the invocation's buffered metrics (the usual dimensions) and, with `dimensions`, again
 * on its own line as a single metric with those too: the total and the breakdown are both in CloudWatch,
 * and a dimension added to the shared instance would be attached to every metric of the invocation instead.
 */
export function dimensionedCounter(metrics: Metrics): DimensionedCounter {
  return {
    count: (name, value = 1, dimensions) => {
      metrics.addMetric(name, MetricUnit.Count, value);
      if (dimensions === undefined || Object.keys(dimensions).length === 0) return;
      const single = metrics.singleMetric();
      for (const [dimension, dimensionValue] of Object.entries(dimensions))
        single.addDimension(dimension, dimensionValue);
      single.addMetric(name, MetricUnit.Count, value);
    },
  };
}
