/**
 * The reconciler: on a schedule, the same replay as `npm run stripe:replay --undelivered-only` over a
 * recent window, so an event whose delivery failed is processed without anyone running a command.
 *
 * - The window is the last {@link reconcilerWindowHours} hours: long enough that a run missed (a failed
 *   invocation, a paused schedule) is caught up by the next ones; each run lists only the undelivered
 *   events, a few pages at most, and the idempotency table skips any the consumer did meanwhile.
 * - Events younger than {@link reconcilerGraceMinutes} minutes are left to Stripe's first attempts, so the
 *   reconciler does not race a delivery in flight.
 * - It counts `RecoveredEvents` (queued by this run) and `ReconcileFailures`; alarms go on those.
 */
import type { ReplayDependencies, ReplaySummary } from '../replay/replay-events';
import { replayEvents } from '../replay/replay-events';

export const reconcilerWindowHours = 24;
export const reconcilerGraceMinutes = 10;

export interface ReconcilerMetrics {
  count(name: 'RecoveredEvents' | 'ReconcileFailures' | 'UndeliveredEvents', value: number): void;
}

export async function reconcile(
  deps: Omit<ReplayDependencies, 'onProgress'> & { readonly metrics: ReconcilerMetrics },
): Promise<ReplaySummary> {
  const now = deps.now().getTime();
  const summary = await replayEvents(
    {
      since: new Date(now - reconcilerWindowHours * 3_600_000),
      until: new Date(now - reconcilerGraceMinutes * 60_000),
      undeliveredOnly: true,
    },
    deps,
  );
  deps.metrics.count('UndeliveredEvents', summary.found);
  deps.metrics.count('RecoveredEvents', summary.queued);
  deps.metrics.count('ReconcileFailures', summary.failed);
  return summary;
}
