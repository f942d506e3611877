/**
 * The context keys of the business alerts, read by the stack itself (like `billingState`), so that they work
 * without being passed down by the app:
 *
 * - `businessAlerts=true|false` (default false): alert a person on the events a business must act on, and
 *   remind before a dispute's evidence is due; needs `stripeApiKeySecretName`.
 * - `alertEmail=<address>`: subscribe an address to the alert topic by e-mail.
 * - `alertTopicArn=<arn>`: publish to an existing SNS topic instead of creating one.
 * - `alertWebhookSecretName=<name>`: a Secrets Manager secret whose SecretString is an https URL (Slack, Teams)
 *   every alert is also posted to.
 * - `businessAlertsOff=<kind>,<kind>`: alert kinds switched off (see `businessAlertKinds`).
 * - `disputeReminderLeadHours=<1..720>` (default 72): how long before a dispute's evidence is due its reminder fires.
 *
 * The options keys are refused without `businessAlerts=true`, as the billing state's are without `billingState=true`.
 */
import type { Node } from 'constructs';
import { maxDisputeReminderLeadHours } from '../functions/alerts/business-alerts-config';
import { contextKeys, InvalidContextError } from './app-context';
import {
  alertEmailRule,
  alertTopicArnRule,
  type BusinessAlertsOptions,
  businessAlertsKeyRequiredRule,
  businessAlertsOffRule,
  disputeReminderLeadHoursRule,
} from './business-alerts';
import { contextBoolean, contextList, refuseOptionsWithoutFeature, requireStripeApiKeyFor } from './feature-context';
import { contextInteger } from './operations/operations-props';
import { signingSecretNameRule } from './pipeline-props';

function contextString(node: Node, key: string, rule: (value: string) => string | undefined): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InvalidContextError(key, value, 'a string');
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  const broken = rule(trimmed);
  if (broken !== undefined) throw new InvalidContextError(key, trimmed, broken);
  return trimmed;
}

/**
 * The `businessAlerts` prop as the context gives it: `undefined` when `-c businessAlerts` is not true, else
 * its options. Throws `InvalidContextError` on a bad value, on `businessAlerts=true` without
 * `stripeApiKeySecretName`, and on an options key without `businessAlerts=true`.
 */
export function businessAlertsContextOf(
  node: Node,
  stripeApiKeySecretName: string | undefined,
): BusinessAlertsOptions | undefined {
  const on = contextBoolean(node, contextKeys.businessAlerts) ?? false;
  const alertEmail = contextString(node, contextKeys.alertEmail, alertEmailRule);
  const alertTopicArn = contextString(node, contextKeys.alertTopicArn, alertTopicArnRule);
  const alertWebhookSecretName = contextString(node, contextKeys.alertWebhookSecretName, signingSecretNameRule);
  const off = contextList(node, contextKeys.businessAlertsOff, 'alert kinds');
  const leadRule = disputeReminderLeadHoursRule(maxDisputeReminderLeadHours + 1) ?? '';
  const disputeReminderLeadHours = contextInteger(node, contextKeys.disputeReminderLeadHours, leadRule);
  if (!on) {
    refuseOptionsWithoutFeature(node, contextKeys.businessAlerts, {
      [contextKeys.alertEmail]: alertEmail,
      [contextKeys.alertTopicArn]: alertTopicArn,
      [contextKeys.alertWebhookSecretName]: alertWebhookSecretName,
      [contextKeys.businessAlertsOff]: off,
      [contextKeys.disputeReminderLeadHours]: disputeReminderLeadHours,
    });
    return undefined;
  }
  requireStripeApiKeyFor(node, contextKeys.businessAlerts, stripeApiKeySecretName, businessAlertsKeyRequiredRule);
  if (off !== undefined) {
    const rule = businessAlertsOffRule(off);
    if (rule !== undefined) {
      throw new InvalidContextError(
        contextKeys.businessAlertsOff,
        off.join(','),
        `a list of business alert kinds: ${rule.replace(/\.$/, '')}`,
      );
    }
  }
  if (disputeReminderLeadHours !== undefined && disputeReminderLeadHoursRule(disputeReminderLeadHours) !== undefined) {
    throw new InvalidContextError(contextKeys.disputeReminderLeadHours, disputeReminderLeadHours, leadRule);
  }
  return {
    ...(alertEmail === undefined ? {} : { alertEmail }),
    ...(alertTopicArn === undefined ? {} : { alertTopicArn }),
    ...(alertWebhookSecretName === undefined ? {} : { alertWebhookSecretName }),
    ...(off === undefined ? {} : { off }),
    ...(disputeReminderLeadHours === undefined ? {} : { disputeReminderLeadHours }),
  };
}
