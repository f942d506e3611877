/**
 * Makes Stripe's webhook endpoint what {@link DesiredEndpoint} says, and puts a new endpoint's signing
 * secret where the receiver reads it. Used by `npm run stripe:endpoint -- sync` and by the managed
 * endpoint's custom resource. The secret goes only to `storeSigningSecret`: never in the result, never
 * in a log line.
 */
import type { StripeAdminApi } from '../shared/stripe-api/admin';
import { type DesiredEndpoint, findEndpoint, managedByMetadataKey, type SyncPlan, syncPlan } from './endpoint-drift';

export interface SyncEndpointDependencies {
  readonly stripe: StripeAdminApi;
  /**
   * Stores a new endpoint's signing secret for the receiver. When an endpoint is replaced, `previous`
   * says the old one still delivers until it is deleted, so the store should keep accepting the old
   * secret too (the receiver takes several, comma-separated).
   */
  readonly storeSigningSecret: (secret: string, options: { readonly keepPrevious: boolean }) => Promise<void>;
}

export interface SyncEndpointResult {
  readonly plan: SyncPlan['kind'];
  /** The endpoint now in place. */
  readonly endpointId: string;
}

export class EndpointSecretMissingError extends Error {
  constructor() {
    super(
      'Stripe created the webhook endpoint but its answer had no signing secret: check the API key may write webhook endpoints (Webhook Endpoints: write).',
    );
    this.name = 'EndpointSecretMissingError';
  }
}

export async function syncEndpoint(
  desired: DesiredEndpoint,
  deps: SyncEndpointDependencies,
  options: { readonly connect?: boolean; readonly knownEndpointId?: string } = {},
): Promise<SyncEndpointResult> {
  const endpoints = await deps.stripe.listWebhookEndpoints();
  const actual =
    (options.knownEndpointId === undefined ? undefined : endpoints.find((e) => e.id === options.knownEndpointId)) ??
    findEndpoint(endpoints, desired);
  const plan = syncPlan(desired, actual);
  const create = async (keepPrevious: boolean): Promise<string> => {
    const created = await deps.stripe.createWebhookEndpoint({
      url: desired.url,
      enabledEvents: desired.enabledEvents,
      apiVersion: desired.apiVersion,
      description: `Stripe webhooks pipeline (${desired.owner}), managed by stripe-webhooks-aws`,
      metadata: { [managedByMetadataKey]: desired.owner },
      ...(options.connect === undefined ? {} : { connect: options.connect }),
    });
    if (created.secret === undefined || created.secret === '') throw new EndpointSecretMissingError();
    await deps.storeSigningSecret(created.secret, { keepPrevious });
    return created.id;
  };
  switch (plan.kind) {
    case 'none':
      return { plan: plan.kind, endpointId: plan.id };
    case 'create':
      return { plan: plan.kind, endpointId: await create(false) };
    case 'update':
      await deps.stripe.updateWebhookEndpoint(plan.id, plan.changes);
      return { plan: plan.kind, endpointId: plan.id };
    case 'replace': {
      const id = await create(true);
      await deps.stripe.deleteWebhookEndpoint(plan.id);
      return { plan: plan.kind, endpointId: id };
    }
  }
}
