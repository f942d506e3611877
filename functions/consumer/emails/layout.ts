/**
 * The one layout of every customer email: the business's name (and logo) at the top, the email's
 * model in the middle, the support address at the bottom. Each template fills an `EmailModel`; the
 * two renderers here turn that same model into the text and the HTML version, so both say the same
 * thing, and every value (Stripe's, the business's, the translations) is escaped here and only here.
 */
import { escapeHtml, safeHttpUrl, singleLine } from './html';
import type { EmailMessages } from './messages';

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

export interface EmailBrand {
  /** Shown in the header and the footer. */
  readonly businessName: string;
  /** Address customers can write to, in the footer. */
  readonly supportAddress?: string;
  /** Absolute https URL of a logo image at the top; anything else is ignored. */
  readonly logoUrl?: string;
}

export interface EmailLink {
  readonly label: string;
  /** As Stripe gave it: the renderers keep it only if `safeHttpUrl` accepts it. */
  readonly url: string | null | undefined;
}

export interface EmailModel {
  readonly subject: string;
  readonly greeting: string;
  /** Paragraphs before the details. */
  readonly lead: readonly string[];
  readonly details: ReadonlyArray<readonly [label: string, value: string]>;
  readonly items: ReadonlyArray<{ readonly description: string; readonly amount: string }>;
  /** Paragraphs after the details and items. */
  readonly notes: readonly string[];
  /** The first is the call to action (a button); the others are plain links. */
  readonly links: readonly EmailLink[];
  readonly closing: string;
}

export interface LayoutOptions {
  /** The canonical BCP 47 tag the email is written in, for `<html lang>`. */
  readonly locale: string;
  readonly messages: EmailMessages;
  readonly brand: EmailBrand;
}

export function renderEmail(model: EmailModel, options: LayoutOptions): EmailContent {
  const subject = singleLine(model.subject);
  const links = model.links.flatMap((link) => {
    const url = safeHttpUrl(link.url);
    return url ? [{ label: link.label, url }] : [];
  });
  const brand = normalizeBrand(options.brand);
  return {
    subject,
    text: renderText(model, links, brand, options.messages),
    html: renderHtml(model, links, brand, subject, options),
  };
}

interface SafeLink {
  readonly label: string;
  readonly url: string;
}

interface NormalizedBrand {
  readonly businessName: string | undefined;
  readonly supportAddress: string | undefined;
  readonly logoUrl: string | undefined;
}

// A name or an address on several lines would break the header and the text version's footer.
function normalizeBrand(brand: EmailBrand): NormalizedBrand {
  const businessName = singleLine(brand.businessName ?? '') || undefined;
  const supportAddress = singleLine(brand.supportAddress ?? '') || undefined;
  const logo = safeHttpUrl(brand.logoUrl?.trim());
  // Mail clients block plain-http images, and an https page showing one warns the reader.
  const logoUrl = logo && new URL(logo).protocol === 'https:' ? logo : undefined;
  return { businessName, supportAddress, logoUrl };
}

/** Whether an address can go into a `mailto:` link as is: one address, no `?cc=`, no spaces. */
function isPlainAddress(address: string): boolean {
  return /^[^\s@?&#%<>"'/\\]+@[^\s@?&#%<>"'/\\]+\.[^\s@?&#%<>"'/\\]+$/.test(address);
}

function renderText(
  model: EmailModel,
  links: readonly SafeLink[],
  brand: NormalizedBrand,
  messages: EmailMessages,
): string {
  const separator = messages.labelSeparator;
  const blocks: string[][] = [[model.greeting], ...model.lead.map((paragraph) => [paragraph])];
  if (model.details.length > 0) blocks.push(model.details.map(([label, value]) => `${label}${separator}${value}`));
  if (model.items.length > 0) {
    blocks.push([
      `${messages.itemsHeading}${separator.trimEnd()}`,
      ...model.items.map((item) => `- ${item.description}${separator}${item.amount}`),
    ]);
  }
  for (const note of model.notes) blocks.push([note]);
  if (links.length > 0) blocks.push(links.map((link) => `${link.label}${separator}${link.url}`));
  blocks.push([model.closing]);
  const footer = textFooter(brand, messages);
  // "-- " on a line of its own is the signature delimiter mail clients recognize.
  if (footer.length > 0) blocks.push(['-- ', ...footer]);
  return `${blocks.map((lines) => lines.join('\n')).join('\n\n')}\n`;
}

function textFooter(brand: NormalizedBrand, messages: EmailMessages): string[] {
  const lines: string[] = [];
  if (brand.businessName) lines.push(messages.footer.sentBy(brand.businessName));
  if (brand.supportAddress) {
    const [before, after] = messages.footer.contact;
    lines.push(`${before}${brand.supportAddress}${after}`);
  }
  return lines;
}

const colors = { text: '#1a1f36', muted: '#697386', line: '#e3e8ee', accent: '#635bff', page: '#f6f9fc' } as const;

const style = {
  body: `margin:0;padding:0;background-color:${colors.page};`,
  outer: `width:100%;background-color:${colors.page};`,
  outerCell: 'padding:24px 12px;',
  container: 'width:100%;max-width:560px;margin:0 auto;',
  // Set on each cell, not once: some clients (Outlook) do not let table cells inherit the font.
  font: "font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,'Hiragino Sans','Yu Gothic',sans-serif;",
  header: `padding:0 0 16px 0;text-align:center;color:${colors.text};`,
  logo: 'display:block;margin:0 auto 8px auto;max-width:200px;max-height:64px;width:auto;height:auto;border:0;',
  businessName: 'margin:0;font-size:20px;line-height:28px;font-weight:bold;',
  card: `padding:32px;background-color:#ffffff;border-radius:8px;color:${colors.text};`,
  paragraph: 'margin:0 0 16px 0;font-size:16px;line-height:24px;',
  table: 'width:100%;border-collapse:collapse;margin:0 0 24px 0;font-size:15px;line-height:22px;',
  heading: 'margin:0 0 8px 0;font-size:16px;line-height:24px;font-weight:bold;',
  label: `padding:8px 12px 8px 0;border-top:1px solid ${colors.line};color:${colors.muted};text-align:left;vertical-align:top;`,
  value: `padding:8px 0;border-top:1px solid ${colors.line};text-align:right;vertical-align:top;`,
  item: `padding:8px 12px 8px 0;border-top:1px solid ${colors.line};text-align:left;vertical-align:top;`,
  actions: 'margin:8px 0 24px 0;font-size:16px;line-height:24px;',
  button: `display:inline-block;padding:12px 20px;background-color:${colors.accent};color:#ffffff;text-decoration:none;border-radius:6px;font-weight:bold;`,
  secondaryLink: `color:${colors.accent};text-decoration:underline;`,
  footer: `padding:16px 8px 0 8px;text-align:center;font-size:13px;line-height:20px;color:${colors.muted};`,
  footerParagraph: 'margin:0 0 4px 0;',
  footerLink: `color:${colors.muted};text-decoration:underline;`,
} as const;

function paragraph(text: string): string {
  return `<p style="${style.paragraph}">${escapeHtml(text)}</p>`;
}

function rows(entries: ReadonlyArray<readonly [string, string]>, labelStyle: string): string {
  const cells = entries.map(
    ([label, value]) =>
      `<tr><td style="${labelStyle}">${escapeHtml(label)}</td><td style="${style.value}">${escapeHtml(value)}</td></tr>`,
  );
  return `<table role="presentation" cellpadding="0" cellspacing="0" style="${style.table}">${cells.join('')}</table>`;
}

function htmlHeader(brand: NormalizedBrand): string[] {
  if (!brand.businessName && !brand.logoUrl) return [];
  const parts: string[] = [];
  if (brand.logoUrl) {
    parts.push(
      `<img src="${escapeHtml(brand.logoUrl)}" alt="${escapeHtml(brand.businessName ?? '')}" style="${style.logo}">`,
    );
  }
  if (brand.businessName) parts.push(`<p style="${style.businessName}">${escapeHtml(brand.businessName)}</p>`);
  return [`<tr><td style="${style.header}${style.font}">${parts.join('')}</td></tr>`];
}

function htmlFooter(brand: NormalizedBrand, messages: EmailMessages): string[] {
  const parts: string[] = [];
  if (brand.businessName) {
    parts.push(`<p style="${style.footerParagraph}">${escapeHtml(messages.footer.sentBy(brand.businessName))}</p>`);
  }
  if (brand.supportAddress) {
    const [before, after] = messages.footer.contact;
    const address = escapeHtml(brand.supportAddress);
    const shown = isPlainAddress(brand.supportAddress)
      ? `<a href="mailto:${address}" style="${style.footerLink}">${address}</a>`
      : address;
    parts.push(`<p style="${style.footerParagraph}">${escapeHtml(before)}${shown}${escapeHtml(after)}</p>`);
  }
  return parts.length > 0 ? [`<tr><td style="${style.font}${style.footer}">${parts.join('')}</td></tr>`] : [];
}

function htmlLinks(links: readonly SafeLink[]): string[] {
  const [primary, ...others] = links;
  if (!primary) return [];
  const anchors = [
    `<a href="${escapeHtml(primary.url)}" style="${style.button}">${escapeHtml(primary.label)}</a>`,
    ...others.map(
      (link) => `<a href="${escapeHtml(link.url)}" style="${style.secondaryLink}">${escapeHtml(link.label)}</a>`,
    ),
  ];
  return [`<p style="${style.actions}">${anchors.join('&nbsp;&nbsp; ')}</p>`];
}

function renderHtml(
  model: EmailModel,
  links: readonly SafeLink[],
  brand: NormalizedBrand,
  subject: string,
  options: LayoutOptions,
): string {
  const { messages } = options;
  const body = [paragraph(model.greeting), ...model.lead.map(paragraph)];
  if (model.details.length > 0) body.push(rows(model.details, style.label));
  if (model.items.length > 0) {
    body.push(
      `<p style="${style.heading}">${escapeHtml(messages.itemsHeading)}</p>`,
      rows(
        model.items.map((item) => [item.description, item.amount] as const),
        style.item,
      ),
    );
  }
  body.push(...model.notes.map(paragraph), ...htmlLinks(links), paragraph(model.closing));
  return [
    '<!DOCTYPE html>',
    `<html lang="${escapeHtml(options.locale)}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(subject)}</title>`,
    '</head>',
    `<body style="${style.body}">`,
    `<table role="presentation" cellpadding="0" cellspacing="0" style="${style.outer}"><tr><td style="${style.outerCell}">`,
    `<table role="presentation" cellpadding="0" cellspacing="0" style="${style.container}">`,
    ...htmlHeader(brand),
    `<tr><td style="${style.card}${style.font}">`,
    ...body,
    '</td></tr>',
    ...htmlFooter(brand, messages),
    '</table>',
    '</td></tr></table>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
