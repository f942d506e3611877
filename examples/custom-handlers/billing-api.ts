/**
 * The team's own API Lambda answering "what does this customer have?" from the pipeline's billing state
 * (`GET /billing/<customer id>`), and "sync now" for the checkout success page (`POST /billing/<id>/sync`),
 * which the customer reaches before the webhooks. The app grants it `billingState.grantSync` (read +
 * write + the Stripe key); a function that only reads gets `grantRead`.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createBillingStateReader } from 'stripe-webhooks-aws/billing-state';

function requiredEnv(name: string): string {
  const value = process.env[name]?.trim();
  if (!value) throw new Error(`Environment variable ${name} is not set: the example app sets it from the pipeline.`);
  return value;
}

// Once per container: the table's name and the key's secret come from the app (bin/app.ts).
const billing = createBillingStateReader({
  tableName: requiredEnv('BILLING_STATE_TABLE_NAME'),
  stripeApiKeySecretId: requiredEnv('STRIPE_API_KEY_SECRET_ID'),
});

const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const match = /^\/billing\/(cus_[A-Za-z0-9_]+)(\/sync)?$/.exec(event.rawPath);
  const customerId = match?.[1];
  if (customerId === undefined) return json(404, { error: 'Use GET /billing/cus_... or POST /billing/cus_.../sync.' });
  const sync = match?.[2] !== undefined;
  if (sync !== (event.requestContext.http.method === 'POST')) {
    return json(405, { error: 'GET reads the state; POST .../sync fetches it from Stripe now.' });
  }
  const state = sync ? (await billing.syncCustomer(customerId)).state : await billing.getCustomer(customerId);
  if (state === null) return json(404, { error: `No billing state for ${customerId} yet.` });
  return json(200, {
    customerId,
    access: billing.hasAccess(state),
    premiumSupport: billing.hasEntitlement(state, 'premium_support'),
    plans: state.subscriptions.flatMap((subscription) => subscription.items.map((item) => item.lookupKey)),
    syncedAt: state.syncedAt,
  });
}
