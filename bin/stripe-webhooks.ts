#!/usr/bin/env node
/**
 * CDK app entry point (`cdk.json`: `npx tsx bin/stripe-webhooks.ts`). Every context key is optional; they
 * are named in `contextKeys` (`lib/app-context.ts`), which validates them, and explained in the README's
 * "Context keys" table.
 * Example: npx cdk deploy -c stage=prod -c senderAddress=receipts@example.org
 */
import { App } from 'aws-cdk-lib';
import { addStripeWebhooks } from '../lib/app';

addStripeWebhooks(new App());
