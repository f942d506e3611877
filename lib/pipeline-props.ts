/**
 * The checks on the construct's props that `resolveSettings` does not make (addresses, names, URLs),
 * each as the rule a value breaks, so that the construct and the app's context reader say the same thing.
 */
import { envVarNames } from '../config/contract';
import { enabledBillingSyncTypes } from '../functions/billing-state/billing-sync-types';
import { type BillingStateOptions, billingStateOptionsOf } from './billing-state';

const emailAddressPattern = /^[^\s@]+@([^\s@]+\.[^\s@]+)$/;

/** The rule `senderAddress` breaks, if any. */
export function senderAddressRule(senderAddress: string): string | undefined {
  return emailAddressPattern.test(senderAddress) ? undefined : 'an e-mail address like receipts@example.com';
}

/** The rule `sesIdentity` breaks, if any: it must be the sender address, or its domain or a parent domain. */
export function sesIdentityRule(senderAddress: string, sesIdentity: string): string | undefined {
  const senderDomain = (emailAddressPattern.exec(senderAddress)?.[1] ?? '').toLowerCase();
  const identity = sesIdentity.toLowerCase();
  const covers =
    identity === senderAddress.toLowerCase() || identity === senderDomain || senderDomain.endsWith(`.${identity}`);
  return covers
    ? undefined
    : `the sender address "${senderAddress}" or its domain "${senderDomain}", since SES authorizes the send against that identity`;
}

/**
 * The SES identities a consumer sending from `sesIdentity`'s sender and from `otherSenders` must be allowed
 * to use. A connected account's sender that `sesIdentity` does not cover adds its own address and its domain:
 * SES authorizes against whichever of the two is verified, which the stack cannot know.
 */
export function sendingIdentitiesOf(sesIdentity: string, otherSenders: readonly string[]): string[] {
  const identities = new Set([sesIdentity]);
  for (const sender of otherSenders) {
    if (sesIdentityRule(sender, sesIdentity) === undefined) continue;
    identities.add(sender);
    identities.add((emailAddressPattern.exec(sender)?.[1] ?? sender).toLowerCase());
  }
  return [...identities];
}

/** The rule `localEndpointUrl` breaks, if any. */
export function localEndpointUrlRule(url: string): string | undefined {
  return /^https?:\/\/\S+$/.test(url) ? undefined : 'an http(s) URL';
}

/** Secrets Manager's rule for names: 1 to 512 of letters, digits and /_+=.@- */
export function signingSecretNameRule(name: string): string | undefined {
  return /^[A-Za-z0-9/_+=.@-]{1,512}$/.test(name)
    ? undefined
    : '1 to 512 letters, digits and the characters /_+=.@- (a Secrets Manager name)';
}

/** The rule `stripeApiRatePerSecond` breaks, if any: Stripe's live-mode limit is 100 requests/s for the whole account. */
export function stripeApiRateRule(rate: number): string | undefined {
  return Number.isInteger(rate) && rate >= 1 && rate <= 100 ? undefined : 'an integer from 1 to 100';
}

/** How Stripe's events reach the queue: Stripe's HTTPS webhook, an Amazon EventBridge event destination, or both. */
export type StripeIngress = 'webhook' | 'eventbridge' | 'both';

/** Every value `ingress` may take. */
export const stripeIngressValues: readonly StripeIngress[] = ['webhook', 'eventbridge', 'both'];

/** Whether `ingress` is one of {@link stripeIngressValues} (a narrowing check for values from JavaScript or the context). */
export function isStripeIngress(value: string): value is StripeIngress {
  return (stripeIngressValues as readonly string[]).includes(value);
}

/** The rule `ingress` breaks, if any. */
export function ingressRule(ingress: string): string | undefined {
  return isStripeIngress(ingress) ? undefined : 'one of "webhook", "eventbridge" or "both"';
}

/** Whether events come through EventBridge, so that the partner event source's name is needed. */
export function usesEventBridge(ingress: StripeIngress): boolean {
  return ingress !== 'webhook';
}

/** Whether events come through the webhook, so that the receiver, its API and the signing secret exist. */
export function usesWebhook(ingress: StripeIngress): boolean {
  return ingress !== 'eventbridge';
}

const stripeEventSourcePattern = /^aws\.partner\/stripe\.com\/[A-Za-z0-9_./-]+$/;

/**
 * The rule `stripeEventSourceName` breaks, if any: the name of the partner event source Stripe created
 * for an event destination. It also names the event bus, so it must fit EventBridge's bus names (at most
 * 256 characters, no empty segment), which CDK would otherwise reject with a less helpful message.
 */
export function stripeEventSourceNameRule(name: string): string | undefined {
  const fits = stripeEventSourcePattern.test(name) && name.length <= 256 && !name.includes('//') && !name.endsWith('/');
  return fits
    ? undefined
    : 'the name of the partner event source Stripe created for the event destination, like aws.partner/stripe.com/ed_61Rk... (letters, digits and _ . - / after aws.partner/stripe.com/, at most 256 characters)';
}

/** The rule a missing `stripeEventSourceName` breaks; the construct and the app's context reader share it. */
export function stripeEventSourceRequiredRule(ingress: StripeIngress): string {
  return `the name of the partner event source Stripe created for the Amazon EventBridge event destination (aws.partner/stripe.com/ed_..., listed in the AWS console under EventBridge → Partner event sources), which ingress "${ingress}" needs`;
}

/** SQS's longest per-message delay, the most a sync request can wait (`BILLING_SYNC_DELAY_SECONDS`). */
export const maxBillingSyncDelaySeconds = 900;

/**
 * The rule a missing `stripeApiKeySecretName` breaks when the billing state is on; the construct and the
 * app's context reader share it.
 */
export const billingStateKeyRequiredRule =
  'the name of a Secrets Manager secret holding a restricted Stripe API key (rk_...) with read access to customers, subscriptions and entitlements, which the billing sync reads each customer with';

/** The rule `billingState.off` breaks, if any: the `UnknownBillingSyncTypeError` message of its first unknown type. */
export function billingSyncOffRule(off: readonly string[]): string | undefined {
  try {
    enabledBillingSyncTypes(off);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** The rule `billingState.syncDelaySeconds` breaks, if any. */
export function billingSyncDelayRule(seconds: number): string | undefined {
  return Number.isInteger(seconds) && seconds >= 0 && seconds <= maxBillingSyncDelaySeconds
    ? undefined
    : `a whole number of seconds from 0 to ${maxBillingSyncDelaySeconds} (SQS's longest delay)`;
}

/** Every problem with the `billingState` prop (and the API key it needs), as sentences that say what to change. */
export function billingStatePropProblems(props: {
  readonly billingState?: boolean | BillingStateOptions;
  readonly stripeApiKeySecretName?: string;
}): string[] {
  const options = billingStateOptionsOf(props.billingState);
  if (options === undefined) return [];
  const problems: string[] = [];
  if (props.stripeApiKeySecretName === undefined) {
    problems.push(
      `prop "billingState" is on, but it needs prop "stripeApiKeySecretName": ${billingStateKeyRequiredRule}. Set stripeApiKeySecretName, or turn billingState off.`,
    );
  }
  const offRule = options.off === undefined ? undefined : billingSyncOffRule(options.off);
  if (offRule !== undefined) {
    problems.push(`prop "billingState.off" is ${JSON.stringify(options.off)}, but ${offRule}`);
  }
  if (options.syncDelaySeconds !== undefined) {
    const rule = billingSyncDelayRule(options.syncDelaySeconds);
    if (rule !== undefined) {
      problems.push(
        `prop "billingState.syncDelaySeconds" is ${JSON.stringify(options.syncDelaySeconds)}, but it must be ${rule}.`,
      );
    }
  }
  return problems;
}

const reservedNames = new Set<string>([...Object.values(envVarNames), 'AWS_ENDPOINT_URL', 'POWERTOOLS_SERVICE_NAME']);

/** Every problem with the props, as sentences that say what to change; empty when they are fine. */
export function pipelinePropProblems(props: {
  readonly senderAddress: string;
  readonly sesIdentity?: string;
  readonly signingSecretName?: string;
  readonly localEndpointUrl?: string;
  readonly consumerEnvironment?: Readonly<Record<string, string>>;
  readonly stripeApiKeySecretName?: string;
  readonly stripeApiRatePerSecond?: number;
  readonly ingress?: string;
  readonly stripeEventSourceName?: string;
}): string[] {
  const problems: string[] = [];
  const problem = (name: string, value: unknown, rule: string | undefined) => {
    if (rule !== undefined) problems.push(`prop "${name}" is ${JSON.stringify(value)}, but it must be ${rule}.`);
  };
  problem('senderAddress', props.senderAddress, senderAddressRule(props.senderAddress));
  if (props.sesIdentity !== undefined) {
    problem('sesIdentity', props.sesIdentity, sesIdentityRule(props.senderAddress, props.sesIdentity));
  }
  if (props.signingSecretName !== undefined) {
    problem('signingSecretName', props.signingSecretName, signingSecretNameRule(props.signingSecretName));
  }
  if (props.localEndpointUrl !== undefined) {
    problem('localEndpointUrl', props.localEndpointUrl, localEndpointUrlRule(props.localEndpointUrl));
  }
  if (props.stripeApiKeySecretName !== undefined) {
    problem(
      'stripeApiKeySecretName',
      props.stripeApiKeySecretName,
      signingSecretNameRule(props.stripeApiKeySecretName),
    );
  }
  if (props.stripeApiRatePerSecond !== undefined) {
    problem('stripeApiRatePerSecond', props.stripeApiRatePerSecond, stripeApiRateRule(props.stripeApiRatePerSecond));
  }
  const ingress = props.ingress ?? 'webhook';
  if (!isStripeIngress(ingress)) {
    problem('ingress', ingress, ingressRule(ingress));
  } else if (usesEventBridge(ingress)) {
    if (props.stripeEventSourceName === undefined) {
      problems.push(
        `prop "stripeEventSourceName" is missing, but it must be ${stripeEventSourceRequiredRule(ingress)}.`,
      );
    } else {
      problem(
        'stripeEventSourceName',
        props.stripeEventSourceName,
        stripeEventSourceNameRule(props.stripeEventSourceName),
      );
    }
  } else if (props.stripeEventSourceName !== undefined) {
    problems.push(
      'prop "stripeEventSourceName" is set, but ingress is "webhook", which does not use it: set ingress to "eventbridge" or "both", or leave the name out.',
    );
  }
  const clashes = Object.keys(props.consumerEnvironment ?? {}).filter((name) => reservedNames.has(name));
  if (clashes.length > 0) {
    problems.push(
      `prop "consumerEnvironment" sets ${clashes.join(', ')}, which the pipeline sets itself: choose other names.`,
    );
  }
  return problems;
}
