/**
 * `radar.early_fraud_warning.created`: a card issuer reported a payment as fraudulent, which often
 * becomes a dispute weeks later. Refunding it before then avoids the dispute and its fee, so the alert
 * says whether that can still be done: the warning's `actionable` ("not received a dispute and not been
 * fully refunded", the `stripe` package's `Radar.EarlyFraudWarning`) and, when the charge could be read,
 * its refunded state now.
 *
 * The warning names its charge by id; the amount is on the charge. The handler reads the charge with
 * Stripe's API (`ctx.stripe.retrieveCharge`) only when the event did not carry it expanded, and without
 * it (no API key, a failure) the alert still goes out, saying the amount could not be read.
 */
import type { AlertContent, AlertEventFacts } from './alert-content';
import { skip } from './alert-content';
import {
  dashboardUrl,
  eventObject,
  idOf,
  isLive,
  type Loose,
  lines,
  moneyText,
  plainWords,
  recordOf,
  shown,
  textOf,
} from './alert-text';
import { withUrl } from './dispute-alerts';

/** The charge as the handler found it: read, or why not (for the text). */
export type ChargeLookup =
  | { readonly found: Loose }
  | { readonly unavailable: 'no_charge_id' | 'stripe_api_not_configured' | 'not_found' | 'stripe_api_error' };

/** The warning's charge as the event carries it: expanded (an object) or only its id. */
export function chargeOfWarning(event: unknown): { readonly id?: string; readonly expanded?: Loose } {
  const warning = eventObject(event);
  const charge = warning?.charge;
  const expanded = recordOf(charge);
  const id = idOf(charge, 'ch_') ?? idOf(charge, 'py_');
  return { ...(id === undefined ? {} : { id }), ...(expanded?.object === 'charge' ? { expanded } : {}) };
}

const unavailableWords: Record<Extract<ChargeLookup, { unavailable: string }>['unavailable'], string> = {
  no_charge_id: 'the warning names no charge',
  stripe_api_not_configured: 'no Stripe API key is configured to read the charge',
  not_found: 'Stripe has no such charge for this key',
  stripe_api_error: "Stripe's API did not answer",
};

function refundState(
  actionable: unknown,
  charge: Loose | undefined,
): { readonly refundable: boolean | null; readonly line: string } {
  if (charge?.refunded === true) return { refundable: false, line: 'Already refunded in full.' };
  if (charge?.disputed === true) return { refundable: false, line: 'Already disputed: answer the dispute instead.' };
  if (actionable === false) {
    return { refundable: false, line: 'Not actionable: the charge was already disputed or fully refunded.' };
  }
  if (actionable === true) {
    return {
      refundable: true,
      line: 'Still refundable: refunding it now avoids a likely dispute and its fee.',
    };
  }
  return {
    refundable: null,
    line: 'Whether it can still be refunded is not known: check the charge in the Dashboard.',
  };
}

export function earlyFraudWarningAlert(event: unknown, facts: AlertEventFacts, lookup: ChargeLookup): AlertContent {
  const warning = eventObject(event);
  if (warning === undefined) {
    return skip('early_fraud_warning', 'no_object', 'The event has no early fraud warning in data.object');
  }
  const charge = 'found' in lookup ? lookup.found : undefined;
  const chargeId = idOf(charge?.id, 'ch_') ?? idOf(charge?.id, 'py_') ?? chargeOfWarning(event).id;
  const livemode = isLive(event, warning);
  const amount = charge === undefined ? null : moneyText(charge.amount, charge.currency);
  const refunded =
    charge === undefined || charge.refunded === true || charge.amount_refunded === 0
      ? null
      : moneyText(charge.amount_refunded, charge.currency);
  const state = refundState(warning.actionable, charge);
  const fraudType = textOf(warning.fraud_type);
  const url =
    chargeId === undefined ? undefined : dashboardUrl(`payments/${chargeId}`, { livemode, account: facts.account });
  const subject = [
    `Early fraud warning: ${amount ?? 'a payment'}`,
    state.refundable === true ? 'still refundable' : state.refundable === false ? 'not refundable' : null,
  ]
    .filter((part) => part !== null)
    .join(', ');
  const text = lines(
    `A card issuer reported a payment${amount === null ? '' : ` of ${amount}`} as fraudulent${fraudType === null ? '' : ` (${plainWords(shown(fraudType, 60))})`}.`,
    state.line,
    refunded === null ? null : `Refunded so far: ${refunded}.`,
    'unavailable' in lookup ? `The amount could not be read: ${unavailableWords[lookup.unavailable]}.` : null,
    chargeId === undefined ? null : `Charge: ${chargeId}`,
    facts.account === undefined ? null : `Connected account: ${facts.account}`,
    url === undefined ? null : `Dashboard: ${url}`,
    `Event: ${facts.eventId}`,
  );
  return { alert: withUrl({ kind: 'early_fraud_warning', eventId: facts.eventId, subject, text }, url) };
}
