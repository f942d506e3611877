import {
  formatAmount,
  InvalidAmountError,
  InvalidCurrencyError,
  minorUnitExponent,
} from '../../functions/consumer/emails/money';

// Intl puts a no-break space between an ISO code and the number ("ISK 123.45").
const nbsp = '\u00a0';

// Stripe's zero-decimal list, https://docs.stripe.com/currencies#zero-decimal
const stripeZeroDecimalCurrencies = [
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
];

describe('formatAmount', () => {
  it('formats a two-decimal currency from cents', () => {
    // Prepare
    const amount = 2000;

    // Act
    const formatted = formatAmount(amount, 'usd');

    // Assess
    expect(formatted).toBe('$20.00');
  });

  it('formats a zero-decimal currency without dividing', () => {
    // Prepare
    const amount = 1500;

    // Act
    const formatted = formatAmount(amount, 'jpy');

    // Assess
    expect(formatted).toBe('¥1,500');
  });

  it('formats a three-decimal currency from thousandths', () => {
    // Prepare
    const amount = 1234;

    // Act
    const formatted = formatAmount(amount, 'kwd');

    // Assess
    expect(formatted).toBe(`KWD${nbsp}1.234`);
  });

  it('keeps the three decimals of a whole three-decimal amount', () => {
    // Prepare
    const amount = 5000;

    // Act
    const formatted = formatAmount(amount, 'bhd');

    // Assess
    expect(formatted).toBe(`BHD${nbsp}5.000`);
  });

  it('treats ISK as two-decimal, as the Stripe API does, without losing the minor unit', () => {
    // Prepare
    const fractional = 12345;
    const whole = 12300;

    // Act
    const formattedFractional = formatAmount(fractional, 'isk');
    const formattedWhole = formatAmount(whole, 'isk');

    // Assess
    expect(formattedFractional).toBe(`ISK${nbsp}123.45`);
    expect(formattedWhole).toBe(`ISK${nbsp}123`);
  });

  it('treats HUF as two-decimal, showing decimals only when there are some', () => {
    // Prepare
    const whole = 150000;
    const fractional = 150050;

    // Act
    const formattedWhole = formatAmount(whole, 'huf');
    const formattedFractional = formatAmount(fractional, 'huf');

    // Assess
    expect(formattedWhole).toBe(`HUF${nbsp}1,500`);
    expect(formattedFractional).toBe(`HUF${nbsp}1,500.50`);
  });

  it('treats TWD as two-decimal', () => {
    // Prepare
    const amount = 10000;

    // Act
    const formatted = formatAmount(amount, 'twd');

    // Assess
    expect(formatted).toBe('NT$100.00');
  });

  it('treats UGX as zero-decimal', () => {
    // Prepare
    const amount = 50000;

    // Act
    const formatted = formatAmount(amount, 'ugx');

    // Assess
    expect(formatted).toBe(`UGX${nbsp}50,000`);
  });

  it('keeps the sign of a negative amount (refunds, credits)', () => {
    // Prepare
    const amount = -2005;

    // Act
    const formatted = formatAmount(amount, 'usd');

    // Assess
    expect(formatted).toBe('-$20.05');
  });

  it('reads the currency case-insensitively', () => {
    // Prepare
    const codes = ['usd', 'USD', 'uSd'];

    // Act
    const formatted = codes.map((code) => formatAmount(2000, code));

    // Assess
    expect(formatted).toEqual(['$20.00', '$20.00', '$20.00']);
  });

  it('formats the largest safe integer exactly', () => {
    // Prepare
    const amount = Number.MAX_SAFE_INTEGER;

    // Act
    const formatted = formatAmount(amount, 'usd');

    // Assess
    expect(formatted).toBe('$90,071,992,547,409.91');
  });

  it('uses the locale for symbol placement, grouping and decimal separator', () => {
    // Prepare
    const amount = 123456;

    // Act
    const formatted = formatAmount(amount, 'eur', 'de-DE');

    // Assess
    expect(formatted).toBe(`1.234,56${nbsp}€`);
  });

  it.each(['us', 'usdx', '', '12$', 'us d'])('refuses the malformed currency code %j', (code) => {
    // Prepare
    const amount = 2000;

    // Act
    const format = () => formatAmount(amount, code);

    // Assess
    expect(format).toThrow(InvalidCurrencyError);
    expect(format).toThrow(/three-letter ISO 4217 code/);
  });

  it.each([20.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('refuses the non-integer amount %p', (amount) => {
    // Prepare
    const currency = 'usd';

    // Act
    const format = () => formatAmount(amount, currency);

    // Assess
    expect(format).toThrow(InvalidAmountError);
    expect(format).toThrow(/safe integer count of the currency's minor unit/);
  });

  it('shows no fraction digits for any of Stripe’s zero-decimal currencies', () => {
    // Prepare
    const amount = 123456;

    // Act
    const results = stripeZeroDecimalCurrencies.map((code) => ({
      code,
      exponent: minorUnitExponent(code),
      formatted: formatAmount(amount, code),
    }));

    // Assess
    for (const { code, exponent, formatted } of results) {
      expect({ code, exponent }).toEqual({ code, exponent: 0 });
      expect({ code, formatted }).toEqual({ code, formatted: expect.stringMatching(/123,456$/) });
      expect({ code, formatted }).toEqual({ code, formatted: expect.not.stringContaining('.') });
    }
  });
});

describe('minorUnitExponent', () => {
  it.each([
    ['usd', 2],
    ['JPY', 0],
    ['ugx', 0],
    ['kwd', 3],
    ['TND', 3],
    ['isk', 2],
    ['huf', 2],
    ['twd', 2],
    ['eur', 2],
  ])('gives Stripe’s exponent for %s', (currency, expected) => {
    // Prepare
    const code = currency;

    // Act
    const exponent = minorUnitExponent(code);

    // Assess
    expect(exponent).toBe(expected);
  });

  it('refuses a malformed currency code', () => {
    // Prepare
    const code = 'dollars';

    // Act
    const read = () => minorUnitExponent(code);

    // Assess
    expect(read).toThrow(InvalidCurrencyError);
  });
});
