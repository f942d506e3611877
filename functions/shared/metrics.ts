import { Metrics } from '@aws-lambda-powertools/metrics';
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
