import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { serviceNames } from '../../config/contract';
import { createPowertoolsMetrics } from '../shared/metrics';
import type { RecordOutcome } from './outcome-listeners';

/** The consumer's Powertools Metrics instance (see functions/shared/metrics.ts). */
export function createConsumerMetrics(stage: string): Metrics {
  return createPowertoolsMetrics(serviceNames.consumer, stage);
}

/**
 * Counts what happened to one record: its outcome (`Processed`, `Duplicate`, `Unhandled`, `Filtered`,
 * `Throttled`, `Failed`), the emails sent, the steps a retry skipped, events older than the state they
 * would update (`StaleEvents`) and ids that came back with another payload (`PayloadMismatches`).
 */
export function countRecordOutcome(metrics: Metrics, outcome: RecordOutcome): void {
  const name = outcome.status.charAt(0).toUpperCase() + outcome.status.slice(1);
  metrics.addMetric(name, MetricUnit.Count, 1);
  if (outcome.status === 'processed') {
    metrics.addMetric('EmailsSent', MetricUnit.Count, outcome.emails.length);
    if (outcome.skippedSteps.length > 0)
      metrics.addMetric('StepsSkipped', MetricUnit.Count, outcome.skippedSteps.length);
    if (outcome.staleObjects.length > 0)
      metrics.addMetric('StaleEvents', MetricUnit.Count, outcome.staleObjects.length);
  }
  if ((outcome.status === 'processed' || outcome.status === 'duplicate') && outcome.payloadMismatch) {
    metrics.addMetric('PayloadMismatches', MetricUnit.Count, 1);
  }
}
