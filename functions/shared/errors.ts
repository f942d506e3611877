/**
 * What a log line or an error message may say about an error: its class and its message, with what must
 * never reach a log taken out. SES names the identities that failed a check (a recipient's address, often
 * with the display name: "Jenny Rosen <jenny@example.com>"), Stripe's validation errors may quote an
 * address, and Node's JSON.parse quotes the text it failed on.
 */
export function errorSummary(error: unknown): string {
  return sanitizeErrorText(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}

/** Placeholders that replace what {@link sanitizeErrorText} takes out. */
export const redactions = { address: '[address]', secret: '[secret]', quoted: '[text]' } as const;

// "Jenny Rosen <jenny@example.com>": the display name is everything back to the previous separator.
const namedAddress = /(?:"[^"\n]*"|[^\s,:;<>"()[\]][^,:;<>"()[\]\n]*)?\s*<[^<>\s@]+@[^<>\s]+>/g;
const bareAddress = /[^\s@<>"',;:()[\]]+@[^\s@<>"',;:()[\]]+\.[A-Za-z]{2,}/g;
// Stripe keys and signing secrets, also when only partly masked ("rk_test_****abcd" keeps its shape).
const secretShaped = /\b(?:whsec|sk|rk|pk)_[A-Za-z0-9_*]{6,}/g;
// Node 20's JSON.parse: `Unexpected token 'x', "...a slice of the body..." is not valid JSON`.
const jsonInputSlice = /"[^\n]*"(?:\.\.\.)? is not valid JSON/g;

/** `text` without e-mail addresses (and the display names before them), secrets or quoted JSON input. */
export function sanitizeErrorText(text: string): string {
  return text
    .replace(jsonInputSlice, `${redactions.quoted} is not valid JSON`)
    .replace(namedAddress, (match) => `${/^\s/.test(match) ? ' ' : ''}${redactions.address}`)
    .replace(bareAddress, redactions.address)
    .replace(secretShaped, redactions.secret);
}
