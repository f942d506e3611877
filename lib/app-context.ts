/**
 * Reads the CDK context (`cdk.json`, `cdk.context.json` or `-c key=value`) into typed stack inputs.
 * Values given with `-c` always arrive as strings, values from `cdk.json` may be numbers: both are accepted.
 * Range checks on the pipeline settings stay in `config/settings.ts`, shared with the local pipeline.
 */
import type { Node } from 'constructs';
import {
  type ConnectedAccountEmailInput,
  connectedAccountEmailsEnvironment,
  type EmailSettingsInput,
  resolveConnectedAccountEmails,
  resolveEmailSettings,
} from '../config/email-settings';
import { booleanSetting, type PipelineSettings, type PipelineSettingsInput, resolveSettings } from '../config/settings';
import {
  ingressRule,
  isStripeIngress,
  localEndpointUrlRule,
  type StripeIngress,
  senderAddressRule,
  sesIdentityRule,
  signingSecretNameRule,
  stripeApiRateRule,
  stripeEventSourceNameRule,
  stripeEventSourceRequiredRule,
  usesEventBridge,
} from './pipeline-props';

/** Names of the context keys the app reads. */
export const contextKeys = {
  stage: 'stage',
  senderAddress: 'senderAddress',
  sesIdentity: 'sesIdentity',
  signingSecretName: 'signingSecretName',
  consumerTimeoutSeconds: 'consumerTimeoutSeconds',
  consumerBatchSize: 'consumerBatchSize',
  consumerMaxConcurrency: 'consumerMaxConcurrency',
  sesSendRatePerSecond: 'sesSendRatePerSecond',
  maxReceiveCount: 'maxReceiveCount',
  idempotencyRetentionDays: 'idempotencyRetentionDays',
  localEndpointUrl: 'localEndpointUrl',
  stripeIpAllowlist: 'stripeIpAllowlist',
  livemode: 'livemode',
  emailBusinessName: 'emailBusinessName',
  emailSupportAddress: 'emailSupportAddress',
  emailLogoUrl: 'emailLogoUrl',
  emailDefaultLocale: 'emailDefaultLocale',
  stripeApiKeySecretName: 'stripeApiKeySecretName',
  stripeApiRatePerSecond: 'stripeApiRatePerSecond',
  accountLevelSuppression: 'accountLevelSuppression',
  ingress: 'ingress',
  stripeEventSourceName: 'stripeEventSourceName',
  connectedAccountEmails: 'connectedAccountEmails',
  stripeEndpoint: 'stripeEndpoint',
  stripeEndpointOnDelete: 'stripeEndpointOnDelete',
  stripeEndpointConnect: 'stripeEndpointConnect',
  reconciler: 'reconciler',
  reconcilerIntervalMinutes: 'reconcilerIntervalMinutes',
  billingState: 'billingState',
  billingStatePastDueAccess: 'billingStatePastDueAccess',
  billingStateOff: 'billingStateOff',
  billingStateSyncDelaySeconds: 'billingStateSyncDelaySeconds',
  businessAlerts: 'businessAlerts',
  alertEmail: 'alertEmail',
  alertTopicArn: 'alertTopicArn',
  alertWebhookSecretName: 'alertWebhookSecretName',
  businessAlertsOff: 'businessAlertsOff',
  disputeReminderLeadHours: 'disputeReminderLeadHours',
} as const;

/** Sender used when `senderAddress` is not given: synth works, but nothing can be sent from it. */
export const placeholderSenderAddress = 'no-reply@example.com';

/** Default name of the Secrets Manager secret that holds the Stripe signing secret of a stage. */
export function defaultSigningSecretName(stage: string): string {
  return `stripe-webhooks/${stage}/signing-secret`;
}

/** Name of the CloudFormation stack of a stage. */
export function stackNameFor(stage: string): string {
  return `StripeWebhooks-${stage}`;
}

export class InvalidContextError extends Error {
  constructor(key: string, value: unknown, rule: string) {
    super(`Context value "${key}" is ${JSON.stringify(value)}, but it must be ${rule}.`);
    this.name = 'InvalidContextError';
  }
}

/** Everything the app needs from the context, validated. */
export interface AppConfig {
  readonly settings: PipelineSettings;
  /** Accept webhooks only from Stripe's published IP addresses (`-c stripeIpAllowlist=true`). */
  readonly stripeIpAllowlist: boolean;
  readonly senderAddress: string;
  /** True when `senderAddress` was not given and the placeholder is used. */
  readonly senderAddressIsPlaceholder: boolean;
  readonly sesIdentity: string;
  readonly signingSecretName: string;
  /** Only for templates used with `sam local invoke`; never set for a deployment. */
  readonly localEndpointUrl: string | undefined;
  /** The email layout and fallback language, checked. */
  readonly emails: EmailSettingsInput;
  /** Secret holding a restricted Stripe API key (`-c stripeApiKeySecretName=...`). */
  readonly stripeApiKeySecretName: string | undefined;
  readonly stripeApiRatePerSecond: number | undefined;
  /** Turn on SES's account-wide suppression list for bounces and complaints (`-c accountLevelSuppression=true`). */
  readonly accountLevelSuppression: boolean;
  /** How events reach the queue (`-c ingress=webhook|eventbridge|both`), default `webhook`. */
  readonly ingress: StripeIngress;
  /** The Stripe partner event source (`-c stripeEventSourceName=aws.partner/stripe.com/ed_...`), with EventBridge only. */
  readonly stripeEventSourceName: string | undefined;
  /** Connect: emails per connected account, by `acct_...` id (a JSON object in cdk.json or `-c`). */
  readonly connectedAccountEmails: Readonly<Record<string, ConnectedAccountEmailInput>> | undefined;
}

/** The ingress and the partner event source name of {@link AppConfig}. */
export interface IngressConfig {
  readonly ingress: StripeIngress;
  readonly stripeEventSourceName: string | undefined;
}

function optionalString(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InvalidContextError(key, value, 'a string');
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function optionalNumber(node: Node, key: string): number | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  throw new InvalidContextError(key, value, 'a number');
}

/** An object in cdk.json's context, or the same as a JSON string on the command line (`-c key='{...}'`). */
function optionalObject(node: Node, key: string): Record<string, unknown> | undefined {
  let value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw new InvalidContextError(key, value, 'a JSON object (in cdk.json, or quoted on the command line)');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidContextError(key, value, 'a JSON object (in cdk.json, or quoted on the command line)');
  }
  return value as Record<string, unknown>;
}

function check(key: string, value: string, rule: string | undefined): void {
  if (rule !== undefined) throw new InvalidContextError(key, value, rule);
}

/**
 * `-c accountLevelSuppression=true|false`, default false. The pipeline construct reads it itself when its
 * prop is not given, so the context key works without being passed down through the stack.
 */
export function accountLevelSuppressionOf(node: Node): boolean {
  return booleanSetting(
    contextKeys.accountLevelSuppression,
    node.tryGetContext(contextKeys.accountLevelSuppression),
    false,
  );
}

/**
 * `-c ingress=webhook|eventbridge|both` (default `webhook`) and `-c stripeEventSourceName=...`, checked
 * together: the name is required with EventBridge and refused without it. The stack reads them itself when
 * its props do not give them, so the keys work without being passed down by the app.
 */
export function ingressConfigOf(node: Node): IngressConfig {
  const ingress = optionalString(node, contextKeys.ingress) ?? 'webhook';
  if (!isStripeIngress(ingress)) {
    throw new InvalidContextError(contextKeys.ingress, ingress, ingressRule(ingress) ?? '');
  }
  const stripeEventSourceName = optionalString(node, contextKeys.stripeEventSourceName);
  if (usesEventBridge(ingress)) {
    if (stripeEventSourceName === undefined) {
      throw new InvalidContextError(
        contextKeys.stripeEventSourceName,
        stripeEventSourceName,
        stripeEventSourceRequiredRule(ingress),
      );
    }
    check(contextKeys.stripeEventSourceName, stripeEventSourceName, stripeEventSourceNameRule(stripeEventSourceName));
  } else if (stripeEventSourceName !== undefined) {
    throw new InvalidContextError(
      contextKeys.stripeEventSourceName,
      stripeEventSourceName,
      `left out with ingress "webhook", which does not use it (or set -c ${contextKeys.ingress}=eventbridge or both)`,
    );
  }
  return { ingress, stripeEventSourceName };
}

/** Reads and validates the context of `node` (normally the app's). Throws on invalid values. */
export function readAppConfig(node: Node): AppConfig {
  const input: PipelineSettingsInput = {
    stage: optionalString(node, contextKeys.stage),
    consumerTimeoutSeconds: optionalNumber(node, contextKeys.consumerTimeoutSeconds),
    consumerBatchSize: optionalNumber(node, contextKeys.consumerBatchSize),
    consumerMaxConcurrency: optionalNumber(node, contextKeys.consumerMaxConcurrency),
    sesSendRatePerSecond: optionalNumber(node, contextKeys.sesSendRatePerSecond),
    maxReceiveCount: optionalNumber(node, contextKeys.maxReceiveCount),
    idempotencyRetentionDays: optionalNumber(node, contextKeys.idempotencyRetentionDays),
    livemode: optionalString(node, contextKeys.livemode),
  };
  const settings = resolveSettings(input);

  const givenSender = optionalString(node, contextKeys.senderAddress);
  const senderAddress = givenSender ?? placeholderSenderAddress;
  check(contextKeys.senderAddress, senderAddress, senderAddressRule(senderAddress));
  const sesIdentity = optionalString(node, contextKeys.sesIdentity) ?? senderAddress;
  check(contextKeys.sesIdentity, sesIdentity, sesIdentityRule(senderAddress, sesIdentity));

  const localEndpointUrl = optionalString(node, contextKeys.localEndpointUrl);
  if (localEndpointUrl !== undefined) {
    check(contextKeys.localEndpointUrl, localEndpointUrl, localEndpointUrlRule(localEndpointUrl));
  }

  const emails: EmailSettingsInput = {
    emailBusinessName: optionalString(node, contextKeys.emailBusinessName),
    emailSupportAddress: optionalString(node, contextKeys.emailSupportAddress),
    emailLogoUrl: optionalString(node, contextKeys.emailLogoUrl),
    emailDefaultLocale: optionalString(node, contextKeys.emailDefaultLocale),
  };
  resolveEmailSettings(emails);
  const connectedAccountEmails = optionalObject(node, contextKeys.connectedAccountEmails) as
    | Record<string, ConnectedAccountEmailInput>
    | undefined;
  resolveConnectedAccountEmails(connectedAccountEmails, emails);
  connectedAccountEmailsEnvironment(connectedAccountEmails);
  const stripeApiKeySecretName = optionalString(node, contextKeys.stripeApiKeySecretName);
  if (stripeApiKeySecretName !== undefined) {
    check(contextKeys.stripeApiKeySecretName, stripeApiKeySecretName, signingSecretNameRule(stripeApiKeySecretName));
  }
  const stripeApiRatePerSecond = optionalNumber(node, contextKeys.stripeApiRatePerSecond);
  if (stripeApiRatePerSecond !== undefined) {
    const rule = stripeApiRateRule(stripeApiRatePerSecond);
    if (rule !== undefined)
      throw new InvalidContextError(contextKeys.stripeApiRatePerSecond, stripeApiRatePerSecond, rule);
  }

  return {
    settings,
    emails,
    connectedAccountEmails,
    stripeApiKeySecretName,
    stripeApiRatePerSecond,
    senderAddress,
    senderAddressIsPlaceholder: givenSender === undefined,
    sesIdentity,
    signingSecretName: optionalString(node, contextKeys.signingSecretName) ?? defaultSigningSecretName(settings.stage),
    localEndpointUrl,
    accountLevelSuppression: accountLevelSuppressionOf(node),
    ...ingressConfigOf(node),
    stripeIpAllowlist: booleanSetting(
      contextKeys.stripeIpAllowlist,
      node.tryGetContext(contextKeys.stripeIpAllowlist),
      false,
    ),
  };
}
