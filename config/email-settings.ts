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

/** What a connected account's customers see instead of the defaults; unset fields keep the default. */
export interface ConnectedAccountEmailInput extends EmailSettingsInput {
  /** The From address of this account's emails; it must be covered by a verified SES identity too. @default the pipeline's senderAddress */
  readonly senderAddress?: string;
}

/** A connected account's resolved email settings. */
export interface ConnectedAccountEmail {
  readonly senderAddress?: string;
  readonly settings: EmailSettings;
}

/** By connected account id (`acct_...`). */
export type ConnectedAccountEmails = ReadonlyMap<string, ConnectedAccountEmail>;

/**
 * Lambda allows 4 KB for all of a function's variables together; this leaves room for the others. A
 * platform with more accounts than fit should look the settings up in its own handler instead.
 */
export const connectedAccountEmailsBudgetBytes = 2_000;

/** The settings an account may give of its own, beside `senderAddress`. */
const connectedAccountEmailFields = [
  'emailBusinessName',
  'emailSupportAddress',
  'emailLogoUrl',
  'emailDefaultLocale',
] as const satisfies readonly (keyof EmailSettingsInput)[];

const accountIdPattern = /^acct_[A-Za-z0-9]{1,64}$/;
const addressPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Checks every account's settings, each merged over the defaults; throws `InvalidSettingError` saying what to fix. */
export function resolveConnectedAccountEmails(
  input: Readonly<Record<string, ConnectedAccountEmailInput>> | undefined,
  defaults: EmailSettingsInput = {},
): ConnectedAccountEmails {
  const resolved = new Map<string, ConnectedAccountEmail>();
  for (const [account, given] of Object.entries(input ?? {})) {
    if (!accountIdPattern.test(account)) {
      throw new InvalidSettingError(
        'connectedAccountEmails',
        account,
        'keyed by connected account ids like acct_1A2b3C4d',
      );
    }
    const fields = ['senderAddress', ...connectedAccountEmailFields] as const;
    if (typeof given !== 'object' || given === null || Array.isArray(given)) {
      throw new InvalidSettingError(
        `connectedAccountEmails.${account}`,
        JSON.stringify(given),
        `an object of some of ${fields.join(', ')}`,
      );
    }
    for (const [field, value] of Object.entries(given)) {
      if (!(fields as readonly string[]).includes(field) || (value !== undefined && typeof value !== 'string')) {
        throw new InvalidSettingError(
          `connectedAccountEmails.${account}.${field}`,
          JSON.stringify(value),
          `a string, and one of ${fields.join(', ')}`,
        );
      }
    }
    const senderAddress = nonEmpty(given.senderAddress);
    if (senderAddress !== undefined && !addressPattern.test(senderAddress)) {
      throw new InvalidSettingError(
        `connectedAccountEmails.${account}.senderAddress`,
        senderAddress,
        'an e-mail address like receipts@example.com',
      );
    }
    resolved.set(account, {
      ...(senderAddress === undefined ? {} : { senderAddress }),
      settings: resolveEmailSettings({ ...defaults, ...withoutUndefined(given) }),
    });
  }
  return resolved;
}

function withoutUndefined(input: EmailSettingsInput): EmailSettingsInput {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
}

/** The variable carrying the per-account settings (none when there are none); throws when it is over budget. */
export function connectedAccountEmailsEnvironment(
  input: Readonly<Record<string, ConnectedAccountEmailInput>> | undefined,
): Record<string, string> {
  if (input === undefined || Object.keys(input).length === 0) return {};
  const value = JSON.stringify(input);
  if (Buffer.byteLength(value) > connectedAccountEmailsBudgetBytes) {
    throw new InvalidSettingError(
      'connectedAccountEmails',
      `${Object.keys(input).length} accounts, ${Buffer.byteLength(value)} bytes of JSON`,
      `at most ${connectedAccountEmailsBudgetBytes} bytes (it travels in a Lambda environment variable); look many accounts up in your own handler instead`,
    );
  }
  return { [envVarNames.connectedAccountEmails]: value };
}

/** Reads the per-account settings back in the consumer, over the defaults it read from the same environment. */
export function connectedAccountEmailsFromEnvironment(env: NodeJS.ProcessEnv): ConnectedAccountEmails {
  const value = env[envVarNames.connectedAccountEmails];
  if (value === undefined || value.trim() === '') return new Map();
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidSettingError(envVarNames.connectedAccountEmails, value.slice(0, 80), 'a JSON object');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidSettingError(envVarNames.connectedAccountEmails, value.slice(0, 80), 'a JSON object');
  }
  return resolveConnectedAccountEmails(parsed as Record<string, ConnectedAccountEmailInput>, {
    emailBusinessName: env[envVarNames.emailBusinessName],
    emailSupportAddress: env[envVarNames.emailSupportAddress],
    emailLogoUrl: env[envVarNames.emailLogoUrl],
    emailDefaultLocale: env[envVarNames.emailDefaultLocale],
  });
}
