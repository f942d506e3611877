#!/usr/bin/env node
/**
 * A team's own CDK app using the pipeline as a construct: the built-in emails minus the checkout
 * confirmation, plus a handler of its own (`../subscriptions.ts`). Only the package's public entry
 * points are imported. `npx cdk synth` works offline, with no AWS credentials.
 */
import * as path from 'node:path';
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
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
});

if (pipeline.webhookUrl !== undefined) new CfnOutput(stack, 'WebhookUrl', { value: pipeline.webhookUrl });
// Stripe sends snapshot and thin events to different destinations: enable each list on its own, same URL.
new CfnOutput(stack, 'EnabledEvents', { value: pipeline.enabledEvents.snapshot.join(',') });
new CfnOutput(stack, 'EnabledThinEvents', { value: pipeline.enabledEvents.thin.join(',') });
