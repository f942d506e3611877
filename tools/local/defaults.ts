/**
 * Defaults for the local pipeline (`npm start`), the trigger and the invoke tools.
 * The dev signing secret is deliberately fake and public, like the one `stripe listen` prints for
 * a session; it never verifies anything Stripe sends for real. Override with STRIPE_WEBHOOK_SECRET.
 */
import { localFakeStripeApiPort } from '../../lib/local-endpoints';

export const devSigningSecret = 'whsec_local_dev_secret_not_for_production';

/** Port of `npm start`, the same as the Stripe CLI's `--forward-to localhost:4242/webhook` examples. */
export const defaultLocalPort = 4242;

/** Sender address used by the local pipeline (a verified identity is created for it in moto). */
export const localSenderAddress = 'receipts@example.com';

/** Region the local pipeline and tests use against moto. */
export const localRegion = 'us-east-1';

/** Resource names in the local emulator (moto or LocalStack); `events/env.json` uses the same. */
export const localResourceNames = {
  queue: 'stripe-webhooks-local-events',
  deadLetterQueue: 'stripe-webhooks-local-dead-letter',
  idempotencyTable: 'stripe-webhooks-local-idempotency',
  signingSecret: 'stripe-webhooks/local/signing-secret',
  largeEventBucket: 'stripe-webhooks-local-large-events',
  stripeApiKey: 'stripe-webhooks/local/stripe-api-key',
  /** The billing state feature's table and sync queue (with its own dead-letter queue). */
  billingStateTable: 'stripe-webhooks-local-billing-state',
  billingSyncQueue: 'stripe-webhooks-local-billing-sync',
  billingSyncDeadLetterQueue: 'stripe-webhooks-local-billing-sync-dead-letter',
} as const;

/** Port of the fake Stripe API that `npm start` serves, the same as stripe-mock's, and the one a stack synthesized with `localEndpointUrl` names. */
export const defaultFakeStripePort = localFakeStripeApiPort;
