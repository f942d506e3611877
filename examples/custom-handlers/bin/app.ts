#!/usr/bin/env node
/**
 * A team's own CDK app using the pipeline as a construct: the built-in emails minus the checkout
 * confirmation, plus a handler of its own (`../subscriptions.ts`), and the billing state read by an API
 * Lambda of the team's own (`../billing-api.ts`). Only the package's public entry points are imported.
 * `npx cdk synth` works offline, with no AWS credentials.
 */
import * as path from 'node:path';
import { App, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import { Architecture, FunctionUrlAuthType, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { StripeWebhookPipeline } from 'stripe-webhooks-aws/cdk';

const app = new App();
const stack = new Stack(app, 'PaymentsWebhooks', { description: 'Stripe webhooks with a custom refund handler' });

const pipeline = new StripeWebhookPipeline(stack, 'StripeWebhooks', {
  stage: 'example',
  senderAddress: 'receipts@example.org',
  sesIdentity: 'example.org',
  subscriptionsEntry: path.join(__dirname, '..', 'subscriptions.ts'),
  // Read by the refund handler when it runs, never at import.
  consumerEnvironment: { FINANCE_ADDRESS: 'finance@example.org' },
  livemode: 'live',
  // Each customer's subscriptions and entitlements, synced from Stripe's API; the key needs read access to
  // customers, subscriptions and entitlements.
  stripeApiKeySecretName: 'payments/stripe-restricted-key',
  billingState: true,
});

// The team's API: "what does this customer have?" and "sync now" for the checkout success page.
const billingState = pipeline.billingState;
if (billingState !== undefined) {
  const billingApi = new NodejsFunction(stack, 'BillingApi', {
    entry: path.join(__dirname, '..', 'billing-api.ts'),
    runtime: Runtime.NODEJS_24_X,
    architecture: Architecture.ARM_64,
    timeout: Duration.seconds(10),
    environment: {
      BILLING_STATE_TABLE_NAME: billingState.table.tableName,
      STRIPE_API_KEY_SECRET_ID: 'payments/stripe-restricted-key',
    },
    // `source`: the package's TypeScript, as this app runs from it (cdk.json); no Docker.
    bundling: { forceDockerBundling: false, format: OutputFormat.CJS, esbuildArgs: { '--conditions': 'source' } },
  });
  // Read and sync: a function that only reads would get billingState.grantRead(billingApi).
  billingState.grantSync(billingApi);
  // IAM-authenticated: the team's own front end signs its calls; never a public endpoint for billing data.
  const url = billingApi.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM });
  new CfnOutput(stack, 'BillingApiUrl', { value: url.url });
}

if (pipeline.webhookUrl !== undefined) new CfnOutput(stack, 'WebhookUrl', { value: pipeline.webhookUrl });
// Stripe sends snapshot and thin events to different destinations: enable each list on its own, same URL.
new CfnOutput(stack, 'EnabledEvents', { value: pipeline.enabledEvents.snapshot.join(',') });
new CfnOutput(stack, 'EnabledThinEvents', { value: pipeline.enabledEvents.thin.join(',') });
