/**
 * Reading a Stripe object as it may really arrive. The `stripe` package's types describe the current
 * API version; an endpoint pinned to an older one, a hand-written test event or a trimmed payload
 * may leave a field out, send it as null, or send another type. The emails read every field through
 * these, so a missing or odd field means a row left out, never a `TypeError` or a `RangeError`.
 */

export type Loose = Readonly<Record<string, unknown>>;

/** A plain object (not null, not an array), else undefined. */
export function recordOf(value: unknown): Loose | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Loose) : undefined;
}

/** A string with something in it, trimmed; null for anything else. */
export function textOf(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** The items of a Stripe list (`{ data: [...] }`) or of an array, the ones that are objects; [] for anything else. */
export function itemsOf(value: unknown): Loose[] {
  const list = Array.isArray(value) ? value : recordOf(value)?.data;
  if (!Array.isArray(list)) return [];
  return list.flatMap((item) => {
    const found = recordOf(item);
    return found === undefined ? [] : [found];
  });
}

/** A Stripe amount: a safe integer count of the currency's minor unit; null for anything else. */
export function amountOf(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : null;
}

/** A three-letter currency code as Stripe writes it; null for anything else. */
export function currencyOf(value: unknown): string | null {
  return typeof value === 'string' && /^[A-Za-z]{3}$/.test(value) ? value : null;
}

/** Largest epoch second a JavaScript date can hold (ECMA-262: 8.64e15 ms). */
const maxEpochSeconds = 8.64e12;

/** A Stripe timestamp (epoch seconds) a date can be made of; null for a missing, zero or out-of-range value. */
export function timestampOf(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= maxEpochSeconds ? value : null;
}

/** A whole number (a count, a quantity); null for anything else. */
export function countOf(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : null;
}
