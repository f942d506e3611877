#!/usr/bin/env node
/**
 * CDK app entry point (`cdk.json`: `npx tsx bin/stripe-webhooks.ts`). Context keys, all optional:
 *   stage, senderAddress, sesIdentity, signingSecretName, consumerTimeoutSeconds, consumerBatchSize,
 *   consumerMaxConcurrency, maxReceiveCount, idempotencyRetentionDays, localEndpointUrl (sam local only).
 * Example: npx cdk deploy -c stage=prod -c senderAddress=receipts@example.org
 */
import { App } from 'aws-cdk-lib';
import { addStripeWebhooks } from '../lib/app';

addStripeWebhooks(new App());
