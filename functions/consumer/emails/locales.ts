/**
 * Which language a customer email is written in. Stripe gives a customer's `preferred_locales`
 * (e.g. `en-GB`, `ja`, `zh-HK`) and a Checkout Session's `locale` (which may be `auto`); the first
 * one whose language the emails are written in wins, region kept, so that Intl formats dates and
 * amounts the way that customer expects (`fr-CA` writes `20,00 $ US`, `fr` writes `20,00 $US`).
 */

import { emailLanguages } from '../../../config/email-settings';

// The settings validate `emailDefaultLocale` against the same list, so there is one list to extend.
export const supportedEmailLanguages = emailLanguages;
export type EmailLanguage = (typeof supportedEmailLanguages)[number];

export function isEmailLanguage(value: string): value is EmailLanguage {
  return (supportedEmailLanguages as readonly string[]).includes(value);
}

/** The canonical form of a BCP 47 tag (`EN-gb` → `en-GB`), or `undefined` if it is not one (`auto`, ``). */
function canonicalLocale(tag: string): string | undefined {
  try {
    return Intl.getCanonicalLocales(tag.trim())[0];
  } catch {
    return undefined;
  }
}

/** The language subtag of a canonical tag: `fr` for `fr-CA`. */
function languageOf(canonicalTag: string): string {
  return new Intl.Locale(canonicalTag).language;
}

/**
 * The first candidate whose language is supported, as given but canonical (`fr-CA` stays `fr-CA`);
 * candidates that are empty, not BCP 47 (`auto`) or in another language (`zh-HK`) are skipped.
 * Else `fallback` (canonical when it is a valid tag).
 */
export function resolveEmailLocale(candidates: ReadonlyArray<string | null | undefined>, fallback: string): string {
  for (const candidate of candidates) {
    if (!candidate) continue;
    const tag = canonicalLocale(candidate);
    if (tag !== undefined && isEmailLanguage(languageOf(tag))) return tag;
  }
  return canonicalLocale(fallback) ?? fallback;
}

/** The language of a locale that {@link resolveEmailLocale} returned; English when it is not supported. */
export function emailLanguageOf(locale: string): EmailLanguage {
  const tag = canonicalLocale(locale);
  const language = tag === undefined ? undefined : languageOf(tag);
  return language !== undefined && isEmailLanguage(language) ? language : 'en';
}
