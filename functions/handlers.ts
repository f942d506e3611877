/**
 * The runtime API for a team's handlers (`stripe-webhooks-aws/handlers`): declare subscriptions,
 * include the built-in emails, and the types and helpers the built-ins use. Nothing here reaches AWS
 * when imported, so a subscriptions module can be loaded at synth to list its event types.
 */
export { type BusinessAlertKind, businessAlertEventTypes, businessAlertKinds } from './alerts/alert-kinds';
export type { AlertDestination, BusinessAlert } from './alerts/alert-ports';
export { type BuiltInBusinessAlertsOptions, builtInBusinessAlerts } from './alerts/business-alert-handlers';
export type { BusinessAlertsAccess } from './alerts/business-alerts-service';
export {
  defineSubscriptions,
  InvalidSubscriptionsError,
  type On,
  type SubscriptionBuilder,
  type Subscriptions,
} from './consumer/define-subscriptions';
export {
  type BuiltInEmailRules,
  type BuiltInEmailsOptions,
  type BuiltInEmailType,
  builtInEmails,
  builtInEmailTypes,
  checkoutConfirmation,
  invoiceReceipt,
  sendCheckoutConfirmation,
  sendInvoiceReceipt,
} from './consumer/emails/built-in-emails';
export { escapeHtml, safeHttpUrl } from './consumer/emails/html';
export { formatAmount, minorUnitExponent } from './consumer/emails/money';
export { type EmailContent, renderCheckoutConfirmation, renderInvoiceReceipt } from './consumer/emails/templates';
export type {
  EventFilter,
  EventHandler,
  EventOfType,
  EventsWithPrefix,
  StripeEventType,
  ThinEventFetchers,
  ThinEventOfType,
  ThinEventType,
} from './consumer/event-registry';
export type { HandlerContext, HandlerMetrics, SentEmail } from './consumer/handler-context';
export { HandlerFailedError, MissingFieldError } from './consumer/handler-failure';
export { invoicePaymentIntentId, invoiceSubscriptionId } from './consumer/invoice-fields';
export type { OutgoingEmail } from './consumer/mailer';
export type { LoggerPort } from './shared/logger';
