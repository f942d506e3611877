/**
 * The time window a replay covers, checked against what Stripe's Events API can return: events of the
 * last 30 days (https://docs.stripe.com/api/events: "we only guarantee access to events through the
 * Retrieve Event API for 30 days"). A window reaching further back would silently miss events, so it is
 * refused rather than clamped.
 */

/** How far back Stripe lists events. */
export const stripeEventRetentionSeconds = 30 * 24 * 60 * 60;

export class ReplayWindowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplayWindowError';
  }
}

export interface ReplayWindow {
  /** Epoch seconds, inclusive. */
  readonly sinceSeconds: number;
  /** Epoch seconds, inclusive. */
  readonly untilSeconds: number;
}

/** `until` defaults to now, and one in the future means now. */
export function replayWindow(since: Date, until: Date | undefined, now: Date): ReplayWindow {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const sinceSeconds = Math.floor(since.getTime() / 1000);
  const untilSeconds = Math.min(Math.floor((until ?? now).getTime() / 1000), nowSeconds);
  if (Number.isNaN(sinceSeconds) || Number.isNaN(untilSeconds)) {
    throw new ReplayWindowError('The replay window needs valid times, e.g. --since 2026-12-01T08:00:00Z.');
  }
  const oldest = nowSeconds - stripeEventRetentionSeconds;
  if (sinceSeconds < oldest) {
    throw new ReplayWindowError(
      `--since ${since.toISOString()} is more than 30 days ago: Stripe lists events for 30 days only, so events ` +
        `before ${new Date(oldest * 1000).toISOString()} cannot be replayed from Stripe. Use a later --since.`,
    );
  }
  if (sinceSeconds > untilSeconds) {
    throw new ReplayWindowError(
      `--since ${since.toISOString()} is after --until ${new Date(untilSeconds * 1000).toISOString()}: give a since before the until (and not in the future).`,
    );
  }
  return { sinceSeconds, untilSeconds };
}
