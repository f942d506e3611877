/**
 * Escaping for the email templates. Every value that comes from Stripe (names, descriptions,
 * invoice numbers, URLs) is text typed by a customer or a merchant, so it goes through here before
 * it reaches HTML.
 */

const htmlEntities: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for use in HTML element content and in double- or single-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => htmlEntities[character] ?? character);
}

/**
 * Returns `value` if it is an absolute http(s) URL, else `undefined`: escaping alone would still let
 * a `javascript:` URL through into an `href`.
 */
export function safeHttpUrl(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Collapses line breaks and other control characters, for text that must stay on one line (a subject). */
export function singleLine(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  return value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}
