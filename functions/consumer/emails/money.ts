/**
 * Formats Stripe amounts for people. Stripe sends every amount as an integer count of the
 * currency's minor unit *as Stripe defines it*, which is not always the ISO 4217 minor unit that
 * `Intl.NumberFormat` assumes. So the scale comes from Stripe's lists below, and Intl only supplies
 * the symbol, the grouping and how many decimals people are used to seeing.
 *
 * Sources (Stripe, "Supported currencies"): https://docs.stripe.com/currencies#zero-decimal,
 * https://docs.stripe.com/currencies#three-decimal and https://docs.stripe.com/currencies#special-cases.
 */

// Stripe: "the charge and the amount are the same, without requiring multiplication" (500 JPY = 500).
const zeroDecimalCurrencies: ReadonlySet<string> = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'JPY',
  'KMF',
  'KRW',
  'MGA',
  'PYG',
  'RWF',
  'UGX',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);

// Stripe: amounts in thousandths (5.124 KWD = 5124; Stripe requires the last digit to be 0 for payments).
const threeDecimalCurrencies: ReadonlySet<string> = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

/*
 * Special cases, where Stripe's API scale and what people expect to see disagree. None of them needs
 * an entry of its own: they are covered by "two-decimal unless listed above" plus the rule in
 * `formatAmount` that never drops a non-zero digit.
 * - ISK: card networks allow whole krónur only since 14 April 2023, and ISO 4217/Intl show no
 *   decimals, but "ISK will remain a two-decimal currency in the Stripe API, and an ISK amount of
 *   `100` will continue to represent 1 króna" (https://support.stripe.com/questions/deprecation-of-fractional-isk-charges-and-refunds).
 *   Scaling by Intl's 0 decimals would show 12345 as "ISK 12,345" instead of "ISK 123.45".
 * - HUF, TWD: Stripe treats them as zero-decimal for payouts only; charges, invoices and sessions
 *   carry two-decimal amounts (HUF 1,500 is 150000). Intl shows HUF without decimals.
 * - UGX: on Stripe's zero-decimal list for charges, which matches ISO 4217; its special handling
 *   concerns payouts, not the amounts in events.
 */

export class InvalidAmountError extends Error {
  constructor(amount: number, currency: string) {
    super(
      `Amount ${String(amount)} ${currency} is not a Stripe amount: pass a safe integer count of the currency's minor ` +
        'unit exactly as Stripe sent it (e.g. 2000 for USD 20.00, 1500 for JPY 1,500), not a converted decimal.',
    );
    this.name = 'InvalidAmountError';
  }
}

export class InvalidCurrencyError extends Error {
  constructor(currency: string) {
    super(
      `Currency ${JSON.stringify(currency)} is not a three-letter ISO 4217 code: pass Stripe's \`currency\` field as is ` +
        "(e.g. 'usd').",
    );
    this.name = 'InvalidCurrencyError';
  }
}

function normalizeCurrency(currency: string): string {
  if (!/^[A-Za-z]{3}$/.test(currency)) throw new InvalidCurrencyError(currency);
  return currency.toUpperCase();
}

/** Number of decimal places in Stripe's minor unit for `currency` (case-insensitive): 0, 2 or 3. */
export function minorUnitExponent(currency: string): 0 | 2 | 3 {
  const code = normalizeCurrency(currency);
  if (zeroDecimalCurrencies.has(code)) return 0;
  if (threeDecimalCurrencies.has(code)) return 3;
  return 2;
}

// Builds the exact decimal as a string: dividing in floating point could round large amounts.
function toDecimalString(amount: number, exponent: number): `${number}` {
  const sign = amount < 0 ? '-' : '';
  const digits = String(Math.abs(amount)).padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return `${sign}${whole}${exponent > 0 ? `.${fraction}` : ''}` as `${number}`;
}

// Building an Intl.NumberFormat costs far more than formatting with one, and an email formats several amounts.
const numberFormats = new Map<string, Intl.NumberFormat>();
const maxCachedFormats = 500;

function numberFormat(locale: string, code: string, minimumFractionDigits?: number, maximumFractionDigits?: number) {
  const key = `${locale}|${code}|${minimumFractionDigits ?? ''}|${maximumFractionDigits ?? ''}`;
  let format = numberFormats.get(key);
  if (format === undefined) {
    format = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: code,
      minimumFractionDigits,
      maximumFractionDigits,
    });
    // Locales come from customers' preferences: start over rather than grow without bound.
    if (numberFormats.size >= maxCachedFormats) numberFormats.clear();
    numberFormats.set(key, format);
  }
  return format;
}

/**
 * Formats a Stripe amount, e.g. `formatAmount(2000, 'usd')` is `$20.00`, `formatAmount(1500, 'jpy')`
 * is `¥1,500`. Negative amounts (refunds, credits) keep their sign. Shows at least the decimals
 * customary for the currency and never hides a non-zero minor unit.
 */
export function formatAmount(amountInMinorUnits: number, currency: string, locale = 'en-US'): string {
  const code = normalizeCurrency(currency);
  if (!Number.isSafeInteger(amountInMinorUnits)) throw new InvalidAmountError(amountInMinorUnits, code);
  const exponent = minorUnitExponent(code);
  const customaryDigits = numberFormat(locale, code).resolvedOptions().minimumFractionDigits ?? exponent;
  const hasMinorUnits = amountInMinorUnits % 10 ** exponent !== 0;
  const formatter = numberFormat(
    locale,
    code,
    hasMinorUnits ? exponent : Math.min(customaryDigits, exponent),
    exponent,
  );
  // Intl formats a decimal string exactly (ECMA-402 NumberFormat v3, Node 20+).
  return formatter.format(toDecimalString(amountInMinorUnits, exponent));
}
