/**
 * What `npm run deploy:rehearsal -- --all-features` deploys: every optional feature of the context table
 * (docs/deploy.md), each with how the rehearsal checks it on the emulator or why it cannot. Data only; the
 * steps are in tools/deploy-rehearsal/feature-steps.ts.
 */

/** The stripeApiKeySecretName the rehearsal creates before the deploy (the operator's step in AWS). */
export const rehearsalApiKeySecretName = 'stripe-webhooks/dev/stripe-api-key';
/** A test key in the shape the fake Stripe API accepts; nothing real accepts it. */
export const rehearsalApiKey = 'rk_test_deployrehearsal';
/** The partner event source the rehearsal creates as Stripe would (CreatePartnerEventSource). */
export const rehearsalEventSourceName = 'aws.partner/stripe.com/ed_test_DeployRehearsalSource';
export const rehearsalSenderAddress = 'receipts@example.org';
export const rehearsalSesIdentity = 'example.org';
export const rehearsalAlarmEmail = 'ops@example.com';
export const rehearsalAlertEmail = 'disputes@example.com';
/** The alertWebhookSecretName the rehearsal creates before the deploy; its URL is set once its server listens. */
export const rehearsalAlertWebhookSecretName = 'stripe-webhooks/dev/alert-webhook';

/** How far the emulator holds a feature. */
export type FeatureSupport =
  /** Deployed, and the rehearsal checks what it does. */
  | 'rehearsed'
  /** Deployed, but part of it is not modelled by the emulator (the note says which part). */
  | 'partly'
  /** Not deployed by the rehearsal (the note says why). */
  | 'not deployed';

export interface RehearsalFeature {
  /** The feature, as docs/deploy.md's context table names it. */
  readonly name: string;
  /** The context keys and values the rehearsal deploys with (empty when not deployed). */
  readonly context: Readonly<Record<string, string>>;
  readonly support: FeatureSupport;
  /** How the rehearsal checks it, or what the emulator cannot hold and why. */
  readonly note: string;
}

export const rehearsalFeatures: readonly RehearsalFeature[] = [
  {
    name: 'senderAddress, sesIdentity (a domain)',
    context: { senderAddress: rehearsalSenderAddress, sesIdentity: rehearsalSesIdentity },
    support: 'rehearsed',
    note: 'the domain is verified in the emulated SES (VerifyDomainIdentity), the receipt is sent from the address',
  },
  {
    name: 'email layout, locale, Connect emails',
    context: {
      emailBusinessName: 'Example Shop',
      emailSupportAddress: 'help@example.org',
      emailLogoUrl: 'https://example.org/logo.png',
      emailDefaultLocale: 'fr',
      connectedAccountEmails: JSON.stringify({
        acct_1RehearsalShop: { senderAddress: 'billing@shop.example.net', emailBusinessName: 'Shop Test' },
      }),
    },
    support: 'rehearsed',
    note: "in the consumer's deployed environment; the receipt is sent with them (its content is not inspected: moto's only view of sent mail, its /moto-api/data.json dump, fails with this stack's resources in it)",
  },
  {
    name: 'livemode=live',
    context: { livemode: 'live' },
    support: 'rehearsed',
    note: 'the rehearsal sends a live-mode invoice.paid (a test-mode one would be acknowledged and not emailed)',
  },
  {
    name: 'stripeIpAllowlist',
    context: { stripeIpAllowlist: 'true' },
    support: 'rehearsed',
    note: 'the deployed receiver answers 403 to a request from a non-Stripe address and 200 from a Stripe one',
  },
  {
    name: 'stripeApiKeySecretName',
    context: { stripeApiKeySecretName: rehearsalApiKeySecretName, stripeApiRatePerSecond: '20' },
    support: 'rehearsed',
    note: 'created before the deploy with a test key of the fake Stripe API; the functions read it (STRIPE_API_URL added, as AWS_ENDPOINT_URL is, to reach the fake instead of api.stripe.com)',
  },
  {
    name: 'stripeEndpoint=managed',
    context: { stripeEndpoint: 'managed', stripeEndpointOnDelete: 'delete', stripeEndpointConnect: 'true' },
    support: 'partly',
    note: "moto creates a custom resource without waiting for it and calls its Lambda only in Docker: the rehearsal plays CloudFormation and the Provider framework (whose own function is not run), runs the deployed stripe-endpoint function with Create (after cdk deploy) and Delete (after cdk destroy) against the fake Stripe API and answers moto's response URL; the endpoint must exist for WebhookUrl, its secret must be the one the receiver verifies with, and it must be gone after the destroy",
  },
  {
    name: 'reconciler',
    context: { reconciler: 'true', reconcilerIntervalMinutes: '30' },
    support: 'partly',
    note: 'moto has no CloudFormation model for AWS::Scheduler::Schedule: the rehearsal invokes the deployed reconciler as the schedule would, with two undelivered events in the fake Stripe API (one already done, one missed); it must skip the first and queue the second, whose receipt the consumer then sends',
  },
  {
    name: 'billingState',
    context: { billingState: 'true', billingStatePastDueAccess: 'false', billingStateSyncDelaySeconds: '1' },
    support: 'rehearsed',
    note: "the consumer's sync request is read from the deployed sync queue and given to the deployed billing sync function (the event source mapping's batch), which must write the customer's item from the fake Stripe API",
  },
  {
    name: 'ingress=both, stripeEventSourceName',
    context: { ingress: 'both', stripeEventSourceName: rehearsalEventSourceName },
    support: 'rehearsed',
    note: 'the partner event source is created first, as Stripe does; the same event put on the deployed bus must reach the event queue through the deployed rule, and the consumer must skip it (already done: no second receipt)',
  },
  {
    name: 'accountLevelSuppression',
    context: { accountLevelSuppression: 'true' },
    support: 'partly',
    note: "its AwsCustomResource and provider function are deployed, but moto's SESv2 has no PutAccountSuppressionAttributes: the rehearsal answers the custom resource SUCCESS without making the call",
  },
  {
    name: 'tracing',
    context: { tracing: 'true' },
    support: 'rehearsed',
    note: "TracingConfig Active and POWERTOOLS_TRACE_ENABLED are read back; the traced functions run with what Lambda gives them (AWS_EXECUTION_ENV, LAMBDA_TASK_ROOT, a sampled _X_AMZN_TRACE_ID, AWS_XRAY_DAEMON_ADDRESS: the rehearsal's UDP listener, as moto has no X-Ray), and their segments must carry the eventId annotation of the delivered event",
  },
  {
    name: 'alarmEmail',
    context: { alarmEmail: rehearsalAlarmEmail },
    support: 'rehearsed',
    note: 'the e-mail subscription must be on the alarm topic (AWS::SNS::Subscription modelled by moto_server_cfn.py; moto sends no confirmation mail)',
  },
  {
    name: 'logLevel, logRetentionDays, receiverReservedConcurrency, limits',
    context: {
      logLevel: 'DEBUG',
      logRetentionDays: '90',
      receiverReservedConcurrency: '20',
      consumerBatchSize: '5',
      maxReceiveCount: '3',
    },
    support: 'rehearsed',
    note: "the receiver's reserved concurrency (20) and POWERTOOLS_LOG_LEVEL are read back; the consumer is given the event source mapping's batch size (5); log retention and maxReceiveCount are deployed, not checked",
  },
  {
    name: 'businessAlerts, alertEmail, alertWebhookSecretName',
    context: {
      businessAlerts: 'true',
      alertEmail: rehearsalAlertEmail,
      alertWebhookSecretName: rehearsalAlertWebhookSecretName,
    },
    support: 'partly',
    note: "the webhook secret is made before the deploy with the URL of the rehearsal's own HTTP server (http on 127.0.0.1, which the functions accept for loopback only), and a queue is subscribed to the deployed topic (its KmsMasterKeyId must be the stack's key, the e-mail subscribed); a signed charge.dispute.created through the receiver and the consumer must alert the topic and the webhook once (a duplicate delivery: no second alert) and create dispute-reminder-<id> in the deployed group with the deployed role, target and time; the deployed reminder function, given the schedule's input as Scheduler would, must alert (and be traced) while the dispute needs a response and not once the fake Stripe API has it under_review; charge.dispute.closed must delete the schedule. Not held by moto: Scheduler never fires a schedule (the rehearsal invokes the function instead, at once rather than 72 h before due_by); the reminder's AWS::Lambda::EventInvokeConfig (2 retries, then the reminder dead-letter queue) is not modelled, so that path is not run; the topic's key encrypts nothing and its TLS-only AWS::SNS::TopicPolicy is not modelled (moto enforces no policy); no e-mail is sent. AWS::Scheduler::ScheduleGroup is modelled by moto_server_cfn.py",
  },
  {
    name: 'alarmTopicArn',
    context: {},
    support: 'not deployed',
    note: "an alternative to the alarm topic the stack creates (the other features' alarms need that topic here): an existing topic's ARN; deploy-tested as the default's created topic",
  },
  {
    name: 'dashboard=false',
    context: {},
    support: 'not deployed',
    note: 'switches a feature off; the dashboard is on in both rehearsals (moto creates it; its widgets are not checked)',
  },
  {
    name: 'localEndpointUrl',
    context: {},
    support: 'not deployed',
    note: 'for sam local invoke only; a template synthesized with it must never be deployed',
  },
];

/** The `-c key=value` arguments of `cdk synth` for --all-features. */
export function allFeaturesContextArgs(features: readonly RehearsalFeature[] = rehearsalFeatures): string[] {
  const args: string[] = [];
  const seen = new Set<string>();
  for (const feature of features) {
    for (const [key, value] of Object.entries(feature.context)) {
      if (seen.has(key)) throw new Error(`context key ${key} is set by two features`);
      seen.add(key);
      args.push('-c', `${key}=${value}`);
    }
  }
  return args;
}

/** One line per feature for the summary: what is rehearsed and what is not, never silently. */
export function featureLines(features: readonly RehearsalFeature[] = rehearsalFeatures): string[] {
  return features.map((feature) => `${feature.name} [${feature.support}]: ${feature.note}`);
}
