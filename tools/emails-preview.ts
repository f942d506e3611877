/**
 * `npm run emails:preview`: writes every customer email in every language and in a two-, a zero- and
 * a three-decimal currency to `.local/previews/` as HTML (and the text version beside each), with an
 * index.html linking them all, to look at in a browser before a change ships.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { escapeHtml } from '../functions/consumer/emails/html';
import { type EmailBrand, supportedEmailLanguages } from '../functions/consumer/emails/templates';
import { emailSamples } from './email-samples';

// USD for the common case, JPY (zero-decimal) and KWD (three-decimal) for the amounts that go wrong.
export const previewCurrencies = ['usd', 'jpy', 'kwd'] as const;

export const previewBrand: EmailBrand = {
  businessName: 'Northwind Coffee Roasters',
  supportAddress: 'support@example.com',
};

const defaultOut = path.join('.local', 'previews');

const usage = `Usage: npm run emails:preview -- [--out DIR] [--logo URL]

Writes every customer email × language (${supportedEmailLanguages.join(', ')}) × currency
(${previewCurrencies.join(', ')}) as HTML and text to DIR, with an index.html linking them all.

Options:
  --out DIR    Where to write the previews (default: ${defaultOut}).
  --logo URL   An https URL of a logo to show in the header (default: none, so nothing is fetched).
  --help       Show this help.`;

export interface PreviewFile {
  readonly sampleId: string;
  readonly title: string;
  readonly eventType: string;
  readonly locale: string;
  readonly currency: string;
  readonly subject: string;
  readonly htmlFile: string;
  readonly textFile: string;
}

/** Writes the previews into `outDir` and returns what it wrote, index last. */
export function writePreviews(outDir: string, brand: EmailBrand = previewBrand): PreviewFile[] {
  mkdirSync(outDir, { recursive: true });
  const files: PreviewFile[] = [];
  for (const sample of emailSamples) {
    for (const locale of supportedEmailLanguages) {
      for (const currency of previewCurrencies) {
        const email = sample.render({ currency }, { locale, brand });
        const base = `${sample.id}.${locale}.${currency}`;
        writeFileSync(path.join(outDir, `${base}.html`), email.html);
        writeFileSync(path.join(outDir, `${base}.txt`), `Subject: ${email.subject}\n\n${email.text}`);
        files.push({
          sampleId: sample.id,
          title: sample.title,
          eventType: sample.eventType,
          locale,
          currency,
          subject: email.subject,
          htmlFile: `${base}.html`,
          textFile: `${base}.txt`,
        });
      }
    }
  }
  writeFileSync(path.join(outDir, 'index.html'), renderIndex(files));
  return files;
}

function renderIndex(files: readonly PreviewFile[]): string {
  const cell = 'padding:6px 10px;border:1px solid #e3e8ee;vertical-align:top;';
  const sections = emailSamples.map((sample) => {
    const header = previewCurrencies.map((currency) => `<th style="${cell}">${currency.toUpperCase()}</th>`).join('');
    const rows = supportedEmailLanguages.map((locale) => {
      const cells = previewCurrencies.map((currency) => {
        const file = files.find((f) => f.sampleId === sample.id && f.locale === locale && f.currency === currency);
        if (!file) return `<td style="${cell}"></td>`;
        return (
          `<td style="${cell}"><a href="${escapeHtml(file.htmlFile)}">${escapeHtml(file.subject)}</a>` +
          ` <a href="${escapeHtml(file.textFile)}" style="color:#697386;">(text)</a></td>`
        );
      });
      return `<tr><th style="${cell}">${locale}</th>${cells.join('')}</tr>`;
    });
    return [
      `<h2 style="font-size:18px;margin:24px 0 8px 0;">${escapeHtml(sample.title)} <code style="font-size:13px;color:#697386;">${escapeHtml(sample.eventType)}</code></h2>`,
      `<table style="border-collapse:collapse;font-size:14px;"><tr><th style="${cell}"></th>${header}</tr>${rows.join('')}</table>`,
    ].join('\n');
  });
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head><meta charset="utf-8"><title>Email previews</title></head>',
    '<body style="margin:24px;font-family:Helvetica,Arial,sans-serif;color:#1a1f36;">',
    '<h1 style="font-size:22px;">Customer email previews</h1>',
    `<p>${files.length} previews: every email × ${supportedEmailLanguages.length} languages × ${previewCurrencies.length} currencies. Sample data only.</p>`,
    ...sections,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function main(argv: readonly string[]): number {
  let values: { out?: string; logo?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { out: { type: 'string' }, logo: { type: 'string' }, help: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    return 2;
  }
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (values.logo !== undefined && !/^https:\/\//i.test(values.logo)) {
    console.error(
      `--logo must be an absolute https URL (mail clients block other images), not ${JSON.stringify(values.logo)}.`,
    );
    return 2;
  }
  const outDir = values.out ?? defaultOut;
  const brand: EmailBrand = values.logo ? { ...previewBrand, logoUrl: values.logo } : previewBrand;
  const files = writePreviews(outDir, brand);
  // Relative when under the current directory (the usual .local/previews), else absolute, never ../../.
  const relative = path.relative(process.cwd(), path.resolve(outDir));
  const shown = relative === '' ? '.' : relative.startsWith('..') ? path.resolve(outDir) : relative;
  console.log(
    `Wrote ${files.length} previews (HTML and text) to ${shown}${path.sep} (index: ${path.join(shown, 'index.html')})`,
  );
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
