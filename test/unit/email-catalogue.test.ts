import { buildSync } from 'esbuild';
import type { DefaultTreeAdapterMap } from 'parse5';
import type Stripe from 'stripe';
import { formatAmount } from '../../functions/consumer/emails/money';
import {
  type EmailBrand,
  type EmailContent,
  formatStripeDate,
  type RenderOptions,
  renderCheckoutConfirmation,
  renderInvoiceReceipt,
  renderPaymentActionRequired,
  renderPaymentFailed,
  renderRefundNotice,
  renderRenewalReminder,
  renderSubscriptionEnded,
  renderTrialEnding,
  resolveEmailLocale,
  supportedEmailLanguages,
} from '../../functions/consumer/emails/templates';
import {
  partOf,
  sampleActionRequiredInvoice,
  sampleCheckoutSession,
  sampleEndedSubscription,
  sampleFailedInvoice,
  sampleFinalFailedInvoice,
  samplePaidInvoice,
  sampleRefundedCharge,
  sampleTrialingSubscription,
  sampleUpcomingInvoice,
} from '../../tools/email-samples';

/*
 * parse5 8 is ESM-only, and Jest 30 on Node 20 loads no ESM from node_modules without a config
 * change (it intercepts require, createRequire and import alike). esbuild, already a dependency,
 * bundles it into one script that runs here as is.
 */
type Parse5 = typeof import('parse5');
let parse5: Parse5;

beforeAll(() => {
  const bundle = buildSync({
    entryPoints: [require.resolve('parse5')],
    bundle: true,
    format: 'iife',
    globalName: 'parse5Bundle',
    platform: 'neutral',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const code = bundle.outputFiles[0]?.text;
  if (!code) throw new Error('esbuild produced no bundle of parse5; check that node_modules/parse5 is installed');
  // Runs only the bundle of the installed parse5 built just above.
  parse5 = new Function(`${code}\nreturn parse5Bundle;`)() as Parse5;
});

type ParsedNode = DefaultTreeAdapterMap['node'];

interface Parsed {
  readonly document: DefaultTreeAdapterMap['document'];
  readonly errors: readonly string[];
}

// Parsing is most of this file's time: each HTML is parsed once, for its errors and its tree together.
const parsedHtml = new Map<string, Parsed>();

function parsed(html: string): Parsed {
  const cached = parsedHtml.get(html);
  if (cached) return cached;
  const errors: string[] = [];
  const document = parse5.parse(html, {
    onParseError: (error) => errors.push(`${error.code} at ${error.startLine}:${error.startCol}`),
  });
  const result = { document, errors };
  parsedHtml.set(html, result);
  return result;
}

function parseErrors(html: string): readonly string[] {
  return parsed(html).errors;
}

function elements(node: ParsedNode): ParsedNode[] {
  const children = 'childNodes' in node ? node.childNodes : [];
  return children.flatMap((child) => [child, ...elements(child)]);
}

function documentOf(html: string): DefaultTreeAdapterMap['document'] {
  return parsed(html).document;
}

function attribute(node: ParsedNode, name: string): string | undefined {
  return 'attrs' in node ? node.attrs.find((attr) => attr.name === name)?.value : undefined;
}

function tagged(html: string, tagName: string): ParsedNode[] {
  return elements(documentOf(html)).filter((node) => 'tagName' in node && node.tagName === tagName);
}

/** The text a reader sees in the body, one line per text node, entities decoded. */
function bodyText(html: string): string {
  const [body] = tagged(html, 'body');
  if (!body) throw new Error('The HTML has no <body>');
  return elements(body)
    .flatMap((node) => ('value' in node && node.nodeName === '#text' ? [node.value] : []))
    .join('\n');
}

const voidElements = new Set(['meta', 'img', 'br', 'hr', 'link', 'input', 'col', 'area', 'base', 'source', 'wbr']);

/**
 * parse5 reports only some tree errors (a stray `</b>` passes), so every non-void element must also
 * be closed explicitly and in order: mail clients are less forgiving than browsers.
 */
function unbalancedTags(html: string): string[] {
  const stack: string[] = [];
  const problems: string[] = [];
  for (const match of html.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>/g)) {
    const [, closing, rawName] = match;
    const name = (rawName ?? '').toLowerCase();
    if (voidElements.has(name)) continue;
    if (!closing) stack.push(name);
    else if (stack.pop() !== name) problems.push(`</${name}> at ${match.index}`);
  }
  return [...problems, ...stack.map((name) => `<${name}> never closed`)];
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Every amount in `text` formatted in `currency` for `locale`, in order: the currency's symbol as
 * Intl writes it for that locale ($, $US, US$, ￥, KWD…) before or after a number, joined by at most
 * a (no-break) space.
 */
function amountsIn(text: string, locale: string, currency: string): string[] {
  const symbol = new Intl.NumberFormat(locale, { style: 'currency', currency })
    .formatToParts(1)
    .find((part) => part.type === 'currency')?.value;
  if (!symbol) throw new Error(`Intl has no currency symbol for ${currency} in ${locale}`);
  const sym = escapeRegExp(symbol);
  const number = '\\d(?:[\\d.,\\u00a0\\u202f]*\\d)?';
  const gap = '[ \\u00a0\\u202f]?';
  const pattern = new RegExp(`(?<![\\p{L}\\p{Sc}])${sym}${gap}${number}|${number}${gap}${sym}(?![\\p{L}])`, 'gu');
  return [...text.matchAll(pattern)].map((match) => match[0].replace(/[ \u00a0\u202f]/g, ' '));
}

const brand: EmailBrand = { businessName: 'Northwind Coffee Roasters', supportAddress: 'support@example.com' };
const currencies = ['usd', 'jpy', 'kwd'] as const;
const locales = supportedEmailLanguages;

interface CatalogueCase {
  readonly id: string;
  readonly render: (currency: string, options: RenderOptions) => { email: EmailContent; facts: FactSet };
}

interface FactSet {
  /** Formatted amounts the email must show, in text and HTML. */
  readonly amounts: readonly string[];
  /** Other values it must show (dates, numbers, URLs). */
  readonly values: readonly string[];
  /** What the subject must contain. */
  readonly subject: readonly string[];
}

function money(locale: string) {
  return (amount: number, currency: string) => formatAmount(amount, currency, locale);
}

function date(locale: string) {
  return (epochSeconds: number | null) => {
    if (epochSeconds === null) throw new Error('The sample lacks a date the test expects');
    return formatStripeDate(epochSeconds, locale);
  };
}

const at = (options: RenderOptions) => options.locale ?? 'en';

const catalogue: readonly CatalogueCase[] = [
  {
    id: 'invoice-receipt',
    render: (currency, options) => {
      const invoice = samplePaidInvoice({ currency });
      const fmt = money(at(options));
      return {
        email: renderInvoiceReceipt(invoice, options),
        facts: {
          amounts: [fmt(invoice.amount_paid, currency), ...invoice.lines.data.map((l) => fmt(l.amount, l.currency))],
          values: [
            invoice.number ?? '',
            date(at(options))(invoice.status_transitions.paid_at),
            invoice.hosted_invoice_url ?? '',
            invoice.invoice_pdf ?? '',
          ],
          subject: [fmt(invoice.amount_paid, currency), invoice.number ?? ''],
        },
      };
    },
  },
  {
    id: 'checkout-confirmation',
    render: (currency, options) => {
      const session = sampleCheckoutSession({ currency });
      const fmt = money(at(options));
      const items = session.line_items?.data ?? [];
      return {
        email: renderCheckoutConfirmation(session, options),
        facts: {
          amounts: [fmt(session.amount_total ?? 0, currency), ...items.map((i) => fmt(i.amount_total, i.currency))],
          values: [date(at(options))(session.created), ...items.map((i) => i.description ?? '')],
          subject: [fmt(session.amount_total ?? 0, currency)],
        },
      };
    },
  },
  {
    id: 'payment-failed',
    render: (currency, options) => {
      const invoice = sampleFailedInvoice({ currency });
      const fmt = money(at(options));
      return {
        email: renderPaymentFailed(invoice, options),
        facts: {
          amounts: [fmt(invoice.amount_due, currency)],
          values: [
            invoice.number ?? '',
            String(invoice.attempt_count),
            date(at(options))(invoice.next_payment_attempt),
            invoice.hosted_invoice_url ?? '',
          ],
          subject: [fmt(invoice.amount_due, currency)],
        },
      };
    },
  },
  {
    id: 'payment-failed-final',
    render: (currency, options) => {
      const invoice = sampleFinalFailedInvoice({ currency });
      const fmt = money(at(options));
      return {
        email: renderPaymentFailed(invoice, options),
        facts: {
          amounts: [fmt(invoice.amount_due, currency)],
          values: [invoice.number ?? '', String(invoice.attempt_count), invoice.hosted_invoice_url ?? ''],
          subject: [fmt(invoice.amount_due, currency)],
        },
      };
    },
  },
  {
    id: 'payment-action-required',
    render: (currency, options) => {
      const invoice = sampleActionRequiredInvoice({ currency });
      const fmt = money(at(options));
      return {
        email: renderPaymentActionRequired(invoice, options),
        facts: {
          amounts: [fmt(invoice.amount_due, currency)],
          values: [invoice.number ?? '', invoice.hosted_invoice_url ?? ''],
          subject: [fmt(invoice.amount_due, currency)],
        },
      };
    },
  },
  {
    id: 'refund-full',
    render: (currency, options) => {
      const charge = sampleRefundedCharge({ currency });
      const fmt = money(at(options));
      return {
        email: renderRefundNotice(charge, options),
        facts: {
          amounts: [fmt(charge.amount_refunded, currency), fmt(charge.amount, currency)],
          values: [date(at(options))(charge.created), charge.receipt_url ?? ''],
          subject: [fmt(charge.amount_refunded, currency)],
        },
      };
    },
  },
  {
    id: 'refund-partial',
    render: (currency, options) => {
      const charge = sampleRefundedCharge({ currency, refunded: partOf(sampleRefundedCharge({ currency })) });
      const fmt = money(at(options));
      return {
        email: renderRefundNotice(charge, options),
        facts: {
          amounts: [fmt(charge.amount_refunded, currency), fmt(charge.amount, currency)],
          values: [date(at(options))(charge.created), charge.receipt_url ?? ''],
          subject: [fmt(charge.amount_refunded, currency)],
        },
      };
    },
  },
  {
    id: 'trial-ending',
    render: (currency, options) => {
      const subscription = sampleTrialingSubscription({ currency });
      const fmt = money(at(options));
      // Computed here from the items, not by the template's code: plan + seats, per month.
      const monthly = subscription.items.data.reduce(
        (sum, item) => sum + (item.price.unit_amount ?? Number.NaN) * (item.quantity ?? Number.NaN),
        0,
      );
      return {
        email: renderTrialEnding(subscription, options),
        facts: {
          amounts: [fmt(monthly, currency)],
          values: [date(at(options))(subscription.trial_end)],
          subject: [date(at(options))(subscription.trial_end)],
        },
      };
    },
  },
  {
    id: 'subscription-ended',
    render: (currency, options) => {
      const subscription = sampleEndedSubscription({ currency });
      return {
        email: renderSubscriptionEnded(subscription, options),
        facts: { amounts: [], values: [date(at(options))(subscription.ended_at), 'Pro plan'], subject: [] },
      };
    },
  },
  {
    id: 'renewal-reminder',
    render: (currency, options) => {
      const invoice = sampleUpcomingInvoice({ currency });
      const fmt = money(at(options));
      const renewal = date(at(options))(invoice.next_payment_attempt);
      return {
        email: renderRenewalReminder(invoice, options),
        facts: {
          amounts: [fmt(invoice.amount_due, currency), ...invoice.lines.data.map((l) => fmt(l.amount, l.currency))],
          values: [renewal],
          subject: [fmt(invoice.amount_due, currency), renewal],
        },
      };
    },
  },
];

/** Words that only the right email in the right language says, typed here rather than taken from the messages. */
const wording: Readonly<Record<string, Readonly<Record<'en' | 'fr' | 'ja', string>>>> = {
  'invoice-receipt': { en: 'Amount paid', fr: 'Montant payé', ja: 'お支払い金額' },
  'checkout-confirmation': {
    en: 'Your payment was successful.',
    fr: 'Votre paiement a bien été effectué.',
    ja: 'お支払いが完了しました',
  },
  'payment-failed': { en: 'Next attempt', fr: 'Prochaine tentative', ja: '次回の決済日' },
  'payment-failed-final': {
    en: 'We will not try to collect this payment again automatically.',
    fr: 'Aucune nouvelle tentative automatique',
    ja: '自動でのお支払いの再試行は行われません',
  },
  'payment-action-required': { en: 'Complete payment', fr: 'Finaliser le paiement', ja: 'お支払いを完了する' },
  'refund-full': { en: 'in full', fr: 'l’intégralité', ja: '全額' },
  'refund-partial': { en: 'of your payment of', fr: 'sur votre paiement de', ja: 'のうち' },
  'trial-ending': { en: 'per month', fr: 'par mois', ja: '／月' },
  'subscription-ended': { en: 'Your subscription ended on', fr: 'Votre abonnement a pris fin le', ja: '終了しました' },
  'renewal-reminder': { en: 'Renewal date', fr: 'Date de renouvellement', ja: '更新日' },
};

/** One render per cell, shared by the cell's three tests: the templates are pure, so a second render would say the same. */
function memoized(entry: CatalogueCase): CatalogueCase {
  const renders = new Map<string, ReturnType<CatalogueCase['render']>>();
  return {
    id: entry.id,
    render: (currency, options) => {
      const key = JSON.stringify([currency, options.locale, options.brand]);
      const cached = renders.get(key);
      if (cached) return cached;
      const result = entry.render(currency, options);
      renders.set(key, result);
      return result;
    },
  };
}

const matrix = catalogue.flatMap((plain) => {
  const entry = memoized(plain);
  return currencies.flatMap((currency) => locales.map((locale) => [entry.id, currency, locale, entry] as const));
});

describe('every email × currency × language', () => {
  it('covers every template', () => {
    // Assess: a template left out of the catalogue would go untested
    expect(new Set(catalogue.map((entry) => entry.id)).size).toBe(10);
    expect(matrix).toHaveLength(10 * 3 * 5);
  });

  it.each(matrix)(
    '%s in %s, %s: states its facts in the subject, the text and the HTML',
    (_id, currency, locale, entry) => {
      // Act
      const { email, facts } = entry.render(currency, { locale, brand });

      // Assess
      const shown = bodyText(email.html);
      for (const value of [...facts.amounts, ...facts.values]) {
        expect(value).not.toBe('');
        expect(email.text).toContain(value);
        if (!value.startsWith('https://')) expect(shown).toContain(value);
      }
      for (const value of facts.values.filter((v) => v.startsWith('https://'))) {
        expect(tagged(email.html, 'a').map((a) => attribute(a, 'href'))).toContain(value);
      }
      for (const value of facts.subject) expect(email.subject).toContain(value);
    },
  );

  it.each(matrix)('%s in %s, %s: text and HTML show the same amounts', (_id, currency, locale, entry) => {
    // Act
    const { email, facts } = entry.render(currency, { locale, brand });

    // Assess
    const inText = amountsIn(email.text, locale, currency);
    const inHtml = amountsIn(bodyText(email.html), locale, currency);
    expect(inText).toEqual(inHtml);
    for (const amount of facts.amounts) expect(inText).toContain(amount.replace(/[\u00a0\u202f]/g, ' '));
    if (facts.amounts.length > 0) expect(inText.length).toBeGreaterThanOrEqual(facts.amounts.length);
  });

  it.each(matrix)('%s in %s, %s: is well-formed HTML in its language', (_id, currency, locale, entry) => {
    // Act
    const { email } = entry.render(currency, { locale, brand });

    // Assess
    expect(parseErrors(email.html)).toEqual([]);
    expect(unbalancedTags(email.html)).toEqual([]);
    expect(tagged(email.html, 'html').map((html) => attribute(html, 'lang'))).toEqual([locale]);
    expect(email.html).not.toMatch(/<script|<style|<link|<iframe|<img|\son\w+=|url\(/i);
    for (const a of tagged(email.html, 'a')) expect(attribute(a, 'href')).toMatch(/^(https:\/\/|mailto:)/);
    for (const part of [email.subject, email.text, email.html]) expect(part).not.toMatch(/undefined|null|NaN/);
    expect(email.subject).not.toMatch(/[\r\n]/);
    expect(email.subject.trim()).toBe(email.subject);
  });

  it.each(
    catalogue.flatMap((entry) => (['en', 'fr', 'ja'] as const).map((locale) => [entry.id, locale, entry] as const)),
  )('%s in %s is written in that language', (id, locale, entry) => {
    // Prepare
    const words = wording[id];
    if (!words) throw new Error(`No wording for ${id} in this test`);

    // Act
    const { email } = entry.render('usd', { locale, brand });

    // Assess
    expect(email.text).toContain(words[locale]);
    expect(bodyText(email.html)).toContain(words[locale]);
    for (const other of (['en', 'fr', 'ja'] as const).filter((l) => l !== locale)) {
      expect(email.text).not.toContain(words[other]);
    }
  });

  it.each(catalogue.map((entry) => [entry.id, entry] as const))(
    '%s in de and es is translated, not English',
    (id, entry) => {
      // Prepare
      const english = wording[id]?.en;
      if (!english) throw new Error(`No wording for ${id} in this test`);

      // Act
      const german = entry.render('eur', { locale: 'de', brand });
      const spanish = entry.render('eur', { locale: 'es', brand });

      // Assess
      expect(entry.render('eur', { locale: 'en', brand }).email.text).toContain(english);
      expect(german.email.text).not.toContain(english);
      expect(spanish.email.text).not.toContain(english);
      expect(german.email.html).toContain('<html lang="de">');
      expect(spanish.email.html).toContain('<html lang="es">');
    },
  );
});

describe('the checks themselves', () => {
  it('sees amounts that differ between text and HTML', () => {
    // Prepare
    const usd = renderInvoiceReceipt(samplePaidInvoice({ currency: 'usd' }), { locale: 'en' });
    const other = renderInvoiceReceipt(samplePaidInvoice({ currency: 'usd', amount: 2500 }), { locale: 'en' });

    // Act
    const inText = amountsIn(usd.text, 'en', 'usd');
    const inHtml = amountsIn(bodyText(other.html), 'en', 'usd');

    // Assess
    expect(inText).toEqual(['$30.00', '$20.00', '$10.00']);
    expect(inHtml).not.toEqual(inText);
  });

  it('finds amounts with the symbol before or after the number', () => {
    // Act & Assess
    expect(amountsIn('Total : 4\u202f500\u00a0JPY, puis 20,00\u00a0$US', 'fr', 'jpy')).toEqual(['4 500 JPY']);
    expect(amountsIn('Total: KWD\u00a09.760 and KWD 1.000.', 'en', 'kwd')).toEqual(['KWD 9.760', 'KWD 1.000']);
    expect(amountsIn('合計 ￥4,500／月', 'ja', 'jpy')).toEqual(['￥4,500']);
  });

  it('reports HTML that a parser would repair', () => {
    // Act & Assess
    expect(parseErrors('<html><body><p a="1" a="2">x</p></body></html>')).not.toEqual([]);
    expect(unbalancedTags('<!DOCTYPE html><html><body><p>x</b></p></body></html>')).not.toEqual([]);
    expect(unbalancedTags('<!DOCTYPE html><html><body><table><tr><td>x</td></tr></body></html>')).not.toEqual([]);
  });
});

const hostile = `<script>alert("x")</script> & 'Tom'`;
const hostileEscaped = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Tom&#39;';

function withHostileInvoice(invoice: Stripe.Invoice): Stripe.Invoice {
  const [line] = invoice.lines.data;
  if (line) line.description = hostile;
  return { ...invoice, customer_name: hostile, number: `INV-${hostile}` };
}

const hostileCases: ReadonlyArray<readonly [string, (options: RenderOptions) => EmailContent]> = [
  ['invoice-receipt', (o) => renderInvoiceReceipt(withHostileInvoice(samplePaidInvoice()), o)],
  ['payment-failed', (o) => renderPaymentFailed(withHostileInvoice(sampleFailedInvoice()), o)],
  ['payment-action-required', (o) => renderPaymentActionRequired(withHostileInvoice(sampleActionRequiredInvoice()), o)],
  ['renewal-reminder', (o) => renderRenewalReminder(withHostileInvoice(sampleUpcomingInvoice()), o)],
  [
    'checkout-confirmation',
    (o) => {
      const session = sampleCheckoutSession();
      const [item] = session.line_items?.data ?? [];
      if (item) item.description = hostile;
      return renderCheckoutConfirmation(
        { ...session, customer_details: session.customer_details && { ...session.customer_details, name: hostile } },
        o,
      );
    },
  ],
  [
    'refund',
    (o) => {
      const charge = sampleRefundedCharge();
      return renderRefundNotice(
        { ...charge, description: hostile, billing_details: { ...charge.billing_details, name: hostile } },
        o,
      );
    },
  ],
  [
    'trial-ending',
    (o) => {
      const subscription = sampleTrialingSubscription({ customer: 'expanded' });
      const customer = subscription.customer as Stripe.Customer;
      return renderTrialEnding({ ...subscription, description: hostile, customer: { ...customer, name: hostile } }, o);
    },
  ],
  [
    'subscription-ended',
    (o) => {
      const subscription = sampleEndedSubscription({ customer: 'expanded' });
      const customer = subscription.customer as Stripe.Customer;
      return renderSubscriptionEnded(
        { ...subscription, description: hostile, customer: { ...customer, name: hostile } },
        o,
      );
    },
  ],
];

describe('customer-controlled data', () => {
  it.each(hostileCases.flatMap(([id, render]) => (['en', 'fr', 'ja'] as const).map((l) => [id, l, render] as const)))(
    '%s in %s escapes names, descriptions and numbers in the HTML',
    (_id, locale, render) => {
      // Act
      const email = render({ locale, brand });

      // Assess
      expect(email.html).not.toContain('<script');
      expect(email.html).not.toContain(`'Tom'`);
      expect(email.html).toContain(hostileEscaped);
      expect(bodyText(email.html)).toContain(hostile);
      expect(email.text).toContain(hostile);
      expect(parseErrors(email.html)).toEqual([]);
      expect(unbalancedTags(email.html)).toEqual([]);
    },
  );

  it('greets a subscription customer by name only when Stripe gave the customer object', () => {
    // Act
    const byId = renderTrialEnding(sampleTrialingSubscription(), { locale: 'en' });
    const expanded = renderTrialEnding(sampleTrialingSubscription({ customer: 'expanded' }), { locale: 'en' });

    // Assess
    expect(byId.text.startsWith('Hello,\n')).toBe(true);
    expect(expanded.text.startsWith('Hi Jenny Rosen,\n')).toBe(true);
  });
});

const badUrls = ['javascript:alert(1)', ' JaVaScRiPt:alert(1)', 'data:text/html,<b>x</b>', 'not a url', ''];

const linkCases: ReadonlyArray<readonly [string, (url: string) => EmailContent]> = [
  [
    'invoice-receipt',
    (url) => renderInvoiceReceipt({ ...samplePaidInvoice(), hosted_invoice_url: url, invoice_pdf: url }, { brand }),
  ],
  ['payment-failed', (url) => renderPaymentFailed({ ...sampleFailedInvoice(), hosted_invoice_url: url }, { brand })],
  [
    'payment-action-required',
    (url) => renderPaymentActionRequired({ ...sampleActionRequiredInvoice(), hosted_invoice_url: url }, { brand }),
  ],
  ['refund', (url) => renderRefundNotice({ ...sampleRefundedCharge(), receipt_url: url }, { brand })],
  [
    'renewal-reminder',
    (url) => renderRenewalReminder({ ...sampleUpcomingInvoice(), hosted_invoice_url: url }, { brand }),
  ],
];

describe('links', () => {
  it.each(linkCases.flatMap(([id, render]) => badUrls.map((url) => [id, url, render] as const)))(
    '%s never links %j',
    (_id, url, render) => {
      // Act
      const email = render(url);

      // Assess: the only link left is the support address
      expect(tagged(email.html, 'a').map((a) => attribute(a, 'href'))).toEqual(['mailto:support@example.com']);
      expect(email.html.toLowerCase()).not.toContain('javascript:');
      expect(email.text.toLowerCase()).not.toContain('javascript:');
      expect(email.html).not.toContain('data:');
    },
  );

  it.each(linkCases)('%s links an https URL', (_id, render) => {
    // Act
    const email = render('https://example.com/pay/in_test_1?a=1&b=2');

    // Assess
    expect(email.html).toContain('href="https://example.com/pay/in_test_1?a=1&amp;b=2"');
    expect(email.text).toContain('https://example.com/pay/in_test_1?a=1&b=2');
  });

  it('asks to complete a 3-D Secure payment only when there is a link to do it with', () => {
    // Act
    const withLink = renderPaymentActionRequired(sampleActionRequiredInvoice(), { locale: 'en' });
    const without = renderPaymentActionRequired(
      { ...sampleActionRequiredInvoice(), hosted_invoice_url: 'javascript:alert(1)' },
      { locale: 'en' },
    );

    // Assess
    expect(withLink.text).toContain('open the invoice');
    expect(without.text).not.toContain('open the invoice');
  });
});

describe('the layout', () => {
  const invoice = samplePaidInvoice();

  it('shows the business name in the header and the footer, and the support address as a mailto link', () => {
    // Act
    const email = renderInvoiceReceipt(invoice, {
      brand: { businessName: 'Tom & Jerry <Ltd>', supportAddress: 'help@example.com' },
    });

    // Assess
    expect(email.html.match(/Tom &amp; Jerry &lt;Ltd&gt;/g)).toHaveLength(2);
    expect(email.html).toContain('<a href="mailto:help@example.com"');
    expect(email.text).toContain('This email was sent by Tom & Jerry <Ltd>.');
    expect(email.text).toContain('Questions? Write to us at help@example.com.');
    expect(parseErrors(email.html)).toEqual([]);
  });

  it('shows no business name, footer or link when the brand is left out', () => {
    // Act
    const email = renderInvoiceReceipt(invoice);

    // Assess
    expect(email.html).not.toContain('mailto:');
    expect(email.text).not.toContain('This email was sent by');
    expect(email.text).not.toContain('\n-- \n');
    expect(unbalancedTags(email.html)).toEqual([]);
  });

  it('does not link a support address that would add headers to the mailto link', () => {
    // Act
    const email = renderInvoiceReceipt(invoice, {
      brand: { businessName: 'Acme', supportAddress: 'help@example.com?bcc=evil@example.com' },
    });

    // Assess
    expect(email.html).not.toContain('mailto:');
    expect(bodyText(email.html)).toContain('help@example.com?bcc=evil@example.com');
  });

  it('shows an https logo with the business name as its alternative text', () => {
    // Act
    const email = renderInvoiceReceipt(invoice, {
      brand: { businessName: 'Acme "Coffee"', logoUrl: 'https://example.com/logo.png?v=1&s=2' },
    });

    // Assess
    const [img, ...others] = tagged(email.html, 'img');
    expect(others).toEqual([]);
    expect(img && attribute(img, 'src')).toBe('https://example.com/logo.png?v=1&s=2');
    expect(img && attribute(img, 'alt')).toBe('Acme "Coffee"');
    expect(parseErrors(email.html)).toEqual([]);
  });

  it.each(['http://example.com/logo.png', 'javascript:alert(1)', 'data:image/png;base64,AAAA', 'logo.png'])(
    'ignores the logo %s',
    (logoUrl) => {
      // Act
      const email = renderInvoiceReceipt(invoice, { brand: { businessName: 'Acme', logoUrl } });

      // Assess
      expect(email.html).not.toContain('<img');
      expect(email.html).not.toContain(logoUrl);
    },
  );
});

describe('locales', () => {
  it('keeps the region for Intl and names it in lang', () => {
    // Act
    const email = renderInvoiceReceipt(samplePaidInvoice({ currency: 'usd' }), { locale: 'fr-CA' });

    // Assess
    expect(email.html).toContain('<html lang="fr-CA">');
    expect(email.text).toContain(`Montant payé\u00a0: ${formatAmount(3000, 'usd', 'fr-CA')}`);
    expect(formatAmount(3000, 'usd', 'fr-CA')).not.toBe(formatAmount(3000, 'usd', 'fr'));
  });

  it.each(['zh-HK', 'auto', 'not a locale', ''])('writes English for %j', (locale) => {
    // Act
    const email = renderInvoiceReceipt(samplePaidInvoice(), { locale });

    // Assess
    expect(email.html).toContain('<html lang="en">');
    expect(email.text).toContain('Amount paid: $30.00');
  });

  it('renders with one argument, in English, as the existing callers call it', () => {
    // Act
    const emails = [
      renderInvoiceReceipt(samplePaidInvoice()),
      renderCheckoutConfirmation(sampleCheckoutSession()),
      renderPaymentFailed(sampleFailedInvoice()),
      renderPaymentActionRequired(sampleActionRequiredInvoice()),
      renderRefundNotice(sampleRefundedCharge()),
      renderTrialEnding(sampleTrialingSubscription()),
      renderSubscriptionEnded(sampleEndedSubscription()),
      renderRenewalReminder(sampleUpcomingInvoice()),
    ];

    // Assess
    for (const email of emails) expect(email.html).toContain('<html lang="en">');
    expect(emails.map((email) => email.subject)).toEqual([
      'Receipt for invoice INV-TEST-0001 — $30.00',
      'Order confirmation — $30.00',
      'Payment failed for invoice INV-TEST-0001 — $30.00',
      'Action required: confirm your payment of $30.00',
      'Refund of $30.00',
      'Your trial ends on November 25, 2026',
      'Your subscription has ended',
      'Your subscription renews on November 29, 2026 — $30.00',
    ]);
  });
});

describe('resolveEmailLocale', () => {
  it.each([
    [['fr-CA'], 'en', 'fr-CA'],
    [['zh-HK', 'ja'], 'en', 'ja'],
    [['auto', 'de'], 'en', 'de'],
    [['auto'], 'es', 'es'],
    [[], 'fr', 'fr'],
    [[null, undefined, ''], 'en', 'en'],
    [['EN-gb'], 'fr', 'en-GB'],
    [['FR'], 'en', 'fr'],
    [['zh-HK', 'pt-BR'], 'de-AT', 'de-AT'],
    [['es-419', 'fr'], 'en', 'es-419'],
  ] as const)('picks from %j with fallback %s: %s', (candidates, fallback, expected) => {
    // Act & Assess
    expect(resolveEmailLocale(candidates, fallback)).toBe(expected);
  });
});

describe('missing optional data', () => {
  it('leaves out the price after a trial when an item has no unit amount (tiered price)', () => {
    // Prepare
    const subscription = sampleTrialingSubscription();
    const [first] = subscription.items.data;
    if (first) first.price = { ...first.price, unit_amount: null, billing_scheme: 'tiered' };

    // Act
    const email = renderTrialEnding(subscription, { locale: 'en' });

    // Assess
    expect(email.text).not.toContain('Price after the trial');
    expect(email.text).toContain('After that, your subscription continues automatically.');
    expect(email.text).not.toMatch(/\$/);
  });

  it('bills a per-package price by packages, rounded as the price says', () => {
    // Prepare: 2 seats at $5.00 per package of 5 seats, rounded up, is one package
    const subscription = sampleTrialingSubscription({ currency: 'usd', amount: 2000, extraSeats: 2 });
    const [, seat] = subscription.items.data;
    if (seat) seat.price = { ...seat.price, transform_quantity: { divide_by: 5, round: 'up' } };

    // Act
    const email = renderTrialEnding(subscription, { locale: 'en' });

    // Assess
    expect(email.text).toContain('Price after the trial: $25.00 per month');
  });

  it('sums items billed on different intervals separately', () => {
    // Prepare
    const subscription = sampleTrialingSubscription({ currency: 'usd', amount: 2000, extraSeats: 1 });
    const [, seat] = subscription.items.data;
    if (seat?.price.recurring) seat.price.recurring = { ...seat.price.recurring, interval: 'year', interval_count: 1 };

    // Act
    const email = renderTrialEnding(subscription, { locale: 'en' });

    // Assess
    expect(email.text).toContain('Price after the trial: $20.00 per month + $5.00 per year');
  });

  it('copes with a trial without an end date and a subscription without any date', () => {
    // Act
    const trial = renderTrialEnding({ ...sampleTrialingSubscription(), trial_end: null }, { locale: 'fr' });
    const ended = renderSubscriptionEnded(
      { ...sampleEndedSubscription(), ended_at: null, canceled_at: null, cancel_at: null, description: null },
      { locale: 'en' },
    );

    // Assess
    expect(trial.subject).toBe('Votre période d’essai se termine bientôt');
    expect(ended.text).toContain('Your subscription has ended.');
    expect(ended.text).not.toContain('End date');
    expect(ended.text).toContain('Plan: Pro, Extra seat');
    for (const part of [trial.text, trial.html, ended.text, ended.html]) expect(part).not.toMatch(/undefined|null|NaN/);
  });

  it('dates a deleted subscription by canceled_at, then cancel_at, when it has no ended_at', () => {
    // Prepare
    const base = sampleEndedSubscription();
    const canceledAt = Date.UTC(2026, 0, 5) / 1000;
    const cancelAt = Date.UTC(2026, 1, 6) / 1000;

    // Act
    const byCanceled = renderSubscriptionEnded({ ...base, ended_at: null, canceled_at: canceledAt }, {});
    const byCancelAt = renderSubscriptionEnded({ ...base, ended_at: null, canceled_at: null, cancel_at: cancelAt }, {});

    // Assess
    expect(byCanceled.text).toContain('End date: January 5, 2026');
    expect(byCancelAt.text).toContain('End date: February 6, 2026');
  });

  it('renders a failed invoice without number, attempts or link', () => {
    // Act
    const email = renderPaymentFailed(
      {
        ...sampleFinalFailedInvoice(),
        number: null,
        id: '',
        attempt_count: 0,
        hosted_invoice_url: null,
        customer_name: null,
      },
      { locale: 'en' },
    );

    // Assess
    expect(email.subject).toBe('Payment failed — $30.00');
    expect(email.text).toContain('We were unable to collect your payment of $30.00.');
    expect(email.text).not.toContain('Invoice number');
    expect(email.text).not.toContain('Payment attempts');
    expect(email.html).not.toContain('Pay invoice');
    expect(email.text.startsWith('Hello,')).toBe(true);
  });

  it('renders a checkout without line items, and a refund without a receipt link', () => {
    // Act
    const checkout = renderCheckoutConfirmation(
      { ...sampleCheckoutSession(), line_items: undefined },
      { locale: 'ja' },
    );
    const refund = renderRefundNotice(
      { ...sampleRefundedCharge(), receipt_url: null, description: null },
      { locale: 'de' },
    );

    // Assess
    expect(checkout.text).not.toContain('明細');
    expect(refund.text).not.toContain('Beleg ansehen');
    expect(refund.text).not.toContain('Beschreibung');
    for (const part of [checkout.text, checkout.html, refund.text, refund.html]) {
      expect(part).not.toMatch(/undefined|null|NaN/);
    }
  });
});
