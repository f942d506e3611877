/**
 * What every client of this project that retries an HTTP call does the same way: it reads `Retry-After`
 * and it backs off with jitter. Shared by the Stripe API client and the business alerts' webhook.
 */

/** `Retry-After` in milliseconds: either delta-seconds or an HTTP date (RFC 9110, 10.2.3); undefined without one. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === undefined || value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/**
 * The wait before retry `retry` (1 for the first): exponential from `baseMs`, capped at `maxMs`, with jitter in
 * [ceiling/2, ceiling), so that containers that failed together don't retry together.
 */
export function jitteredBackoffMs(retry: number, baseMs: number, maxMs: number, random: () => number): number {
  return Math.min(baseMs * 2 ** (retry - 1), maxMs) * (0.5 + 0.5 * random());
}
