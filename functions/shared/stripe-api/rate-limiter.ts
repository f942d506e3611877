/**
 * Spaces calls evenly at a given rate, per container. Stripe limits an account's API calls (by default
 * 100 per second in live mode, 25 in test mode) across every caller of the key; a consumer that fans out
 * over many events could otherwise spend that budget in a burst and get 429s, for itself and for the
 * team's other code using the account. Each container takes its share (`stripeApiRatePerSecond`).
 *
 * Spacing rather than a bucket with burst: the budget is shared with others, so a container should never
 * burst above its share; callers wait their turn in arrival order.
 */

export interface RateLimiter {
  /** Resolves when the caller may make its call; reserves that slot. */
  acquire(): Promise<void>;
}

export class InvalidRateError extends Error {
  constructor(ratePerSecond: number) {
    super(
      `Stripe API rate must be a positive number of calls per second, got ${ratePerSecond}: set ` +
        'the stripeApiRatePerSecond setting (STRIPE_API_RATE_PER_SECOND) to e.g. 25.',
    );
    this.name = 'InvalidRateError';
  }
}

export interface RateLimiterOptions {
  ratePerSecond: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { ratePerSecond } = options;
  if (!Number.isFinite(ratePerSecond) || ratePerSecond <= 0) throw new InvalidRateError(ratePerSecond);
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const intervalMs = 1000 / ratePerSecond;
  // The earliest time the next call may start. Reserved synchronously in acquire, so concurrent callers
  // get distinct slots without a queue.
  let nextSlot = Number.NEGATIVE_INFINITY;
  return {
    async acquire() {
      const current = now();
      const slot = Math.max(current, nextSlot);
      nextSlot = slot + intervalMs;
      const wait = slot - current;
      if (wait > 0) await sleep(wait);
    },
  };
}
