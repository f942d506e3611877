import type { EmailLanguage } from '../locales';
import { de } from './de';
import { en } from './en';
import { es } from './es';
import { fr } from './fr';
import { ja } from './ja';
import type { EmailMessages } from './types';

export { type CheckoutPaymentStatus, type EmailMessages, type RecurringInterval, recurringIntervals } from './types';

/** The words of the emails in every supported language; a language without them is a type error. */
export const emailMessages: { readonly [L in EmailLanguage]: EmailMessages } = { en, fr, de, es, ja };
