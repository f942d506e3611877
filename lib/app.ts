import { Annotations, type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { contextKeys, readAppConfig, stackNameFor } from './app-context';
import { StripeWebhooksStack } from './stripe-webhooks-stack';

/**
 * Adds the stack of the stage given in the context to `app`, and the cdk-nag AWS Solutions checks.
 * `bin/stripe-webhooks.ts` calls this with a fresh `App`; tests call it with an `App` carrying test context.
 */
export function addStripeWebhooks(app: App): StripeWebhooksStack {
  const config = readAppConfig(app.node);
  // Environment-agnostic on purpose: synth needs no credentials, deploy targets the CLI's account and region.
  const stack = new StripeWebhooksStack(app, stackNameFor(config.settings.stage), {
    description: `Stripe webhooks pipeline (${config.settings.stage}): HTTP API, SQS, Lambda, DynamoDB, SES`,
    settings: config.settings,
    senderAddress: config.senderAddress,
    sesIdentity: config.sesIdentity,
    signingSecretName: config.signingSecretName,
    localEndpointUrl: config.localEndpointUrl,
    stripeIpAllowlist: config.stripeIpAllowlist,
    emails: config.emails,
    connectedAccountEmails: config.connectedAccountEmails,
    stripeApiKeySecretName: config.stripeApiKeySecretName,
    stripeApiRatePerSecond: config.stripeApiRatePerSecond,
    accountLevelSuppression: config.accountLevelSuppression,
    ingress: config.ingress,
    stripeEventSourceName: config.stripeEventSourceName,
  });
  if (config.senderAddressIsPlaceholder) {
    Annotations.of(stack).addWarningV2(
      'stripe-webhooks:placeholder-sender',
      `No sender address given, so e-mails would be sent from the placeholder ${config.senderAddress}, which SES will refuse. Set -c ${contextKeys.senderAddress}=receipts@your-domain (and -c ${contextKeys.sesIdentity}=your-domain if the domain is the verified identity).`,
    );
  }
  // Violations fail the synth; accepted ones are acknowledged, with reasons, next to the resources.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
