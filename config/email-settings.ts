/**
 * What every customer email shows of the business (name, support address, logo) and the language it
 * falls back to, checked in one place: the construct passes them to the consumer as environment
 * variables, and the consumer and `npm start` read them back through here. Nothing here imports
 * aws-cdk-lib or an AWS SDK.
 */
import { envVarNames } from './contract';
import { InvalidSettingError } from './settings';

/** The languages the built-in emails are written in. */
export const emailLanguages = ['en', 'fr', 'de', 'es', 'ja'] as const;

export interface EmailSettingsInput {
  /** Shown in the header and the footer of every email. @default '' (no name shown) */
  readonly emailBusinessName?: string;
  /** Address customers can write to, in every email's footer. @default none */
  readonly emailSupportAddress?: string;
  /** Absolute https URL of a logo shown at the top of every email. @default none */
  readonly emailLogoUrl?: string;
  /**
   * Language of an email when the customer has no `preferred_locales` (and a Checkout no `locale`):
   * one of en, fr, de, es, ja, optionally with a region (`en-GB`, `fr-CA`) for dates and amounts.
   * @default 'en'
   */
  readonly emailDefaultLocale?: string;
}

export interface EmailSettings {
  readonly businessName: string;
  readonly supportAddress?: string;
  readonly logoUrl?: string;
  readonly defaultLocale: string;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** Checks the email settings; throws `InvalidSettingError` saying what a value must be. */
export function resolveEmailSettings(input: EmailSettingsInput = {}): EmailSettings {
  const businessName = nonEmpty(input.emailBusinessName) ?? '';
  if (businessName.length > 100 || /[\r\n]/.test(businessName)) {
    throw new InvalidSettingError('emailBusinessName', businessName, 'one line of at most 100 characters');
  }
  const supportAddress = nonEmpty(input.emailSupportAddress);
  if (supportAddress !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(supportAddress)) {
    throw new InvalidSettingError('emailSupportAddress', supportAddress, 'an e-mail address like help@example.com');
  }
  const logoUrl = nonEmpty(input.emailLogoUrl);
  if (logoUrl !== undefined && !isHttpsUrl(logoUrl)) {
    throw new InvalidSettingError(
      'emailLogoUrl',
      logoUrl,
      'an absolute https URL (mail clients block plain http images)',
    );
  }
  const defaultLocale = nonEmpty(input.emailDefaultLocale) ?? 'en';
  const canonical = canonicalLocale(defaultLocale);
  const language = canonical?.split('-')[0];
  if (canonical === undefined || !(emailLanguages as readonly string[]).includes(language ?? '')) {
    throw new InvalidSettingError(
      'emailDefaultLocale',
      defaultLocale,
      `a locale of one of the email languages (${emailLanguages.join(', ')}), e.g. 'en' or 'fr-CA'`,
    );
  }
  return {
    businessName,
    ...(supportAddress ? { supportAddress } : {}),
    ...(logoUrl ? { logoUrl } : {}),
    defaultLocale: canonical,
  };
}

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

function canonicalLocale(tag: string): string | undefined {
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    return undefined;
  }
}

/** The environment variables that carry the email settings to the consumer (unset ones left out). */
export function emailSettingsEnvironment(settings: EmailSettings): Record<string, string> {
  return {
    ...(settings.businessName ? { [envVarNames.emailBusinessName]: settings.businessName } : {}),
    ...(settings.supportAddress ? { [envVarNames.emailSupportAddress]: settings.supportAddress } : {}),
    ...(settings.logoUrl ? { [envVarNames.emailLogoUrl]: settings.logoUrl } : {}),
    [envVarNames.emailDefaultLocale]: settings.defaultLocale,
  };
}

/** Reads the email settings back from the consumer's environment. */
export function emailSettingsFromEnvironment(env: NodeJS.ProcessEnv): EmailSettings {
  return resolveEmailSettings({
    emailBusinessName: env[envVarNames.emailBusinessName],
    emailSupportAddress: env[envVarNames.emailSupportAddress],
    emailLogoUrl: env[envVarNames.emailLogoUrl],
    emailDefaultLocale: env[envVarNames.emailDefaultLocale],
  });
}
