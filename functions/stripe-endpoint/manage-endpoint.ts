/**
 * The managed endpoint's custom resource, as a pure function of the CloudFormation request: Create and
 * Update make Stripe's endpoint match (adopting one this stack already owns, so a retried Create does not
 * make a second), Delete deletes it or leaves it disabled. The signing secret of a new endpoint goes
 * only into the stack's secret; the response holds the endpoint id and nothing else.
 *
 * CloudFormation's own idempotency: when an Update replaces the endpoint (a new API version), the
 * physical id changes and CloudFormation then sends a Delete for the old id, which is already gone: a
 * Delete of an endpoint Stripe no longer has succeeds.
 */

import type { LoggerPort } from '../shared/logger';
import type { StripeAdminApi } from '../shared/stripe-api/admin';
import { StripeApiError, StripeObjectNotFoundError } from '../shared/stripe-api/port';
import type { DesiredEndpoint } from './endpoint-drift';
import { syncEndpoint } from './sync-endpoint';

export type OnStackDelete = 'delete' | 'disable';

/** The custom resource's properties, as CloudFormation passes them (strings, and a list). */
export interface ManagedEndpointProperties {
  readonly Url: string;
  readonly EnabledEvents: readonly string[];
  readonly ApiVersion: string;
  readonly Owner: string;
  /** `'true'` or `'false'` (CloudFormation passes strings). */
  readonly Connect?: string;
  readonly OnDelete?: string;
}

export type ManagedEndpointRequest =
  | { readonly RequestType: 'Create'; readonly ResourceProperties: ManagedEndpointProperties }
  | {
      readonly RequestType: 'Update' | 'Delete';
      readonly PhysicalResourceId: string;
      readonly ResourceProperties: ManagedEndpointProperties;
    };

export interface ManagedEndpointResponse {
  /** The endpoint id (`we_...`): not a secret. No `Data`: nothing else ever leaves the function. */
  readonly PhysicalResourceId: string;
}

export interface ManageEndpointDependencies {
  readonly stripe: StripeAdminApi;
  readonly storeSigningSecret: (secret: string, options: { readonly keepPrevious: boolean }) => Promise<void>;
  readonly logger: LoggerPort;
  /** Where the key comes from, for the messages. */
  readonly apiKeySecretId: string;
  readonly signingSecretId: string;
}

export class InvalidManagedEndpointPropertiesError extends Error {
  constructor(problem: string) {
    super(
      `The managed Stripe endpoint's properties are invalid: ${problem}. This is set by the construct; check the stack's stripeEndpoint settings.`,
    );
    this.name = 'InvalidManagedEndpointPropertiesError';
  }
}

/** A failed Stripe call, said so that the operator knows what to fix before retrying the deployment. */
export class ManagedEndpointError extends Error {
  constructor(
    action: string,
    url: string,
    cause: unknown,
    deps: Pick<ManageEndpointDependencies, 'apiKeySecretId' | 'signingSecretId'>,
  ) {
    const status = cause instanceof StripeApiError ? cause.status : undefined;
    const fix =
      status === 401
        ? `Stripe refused the API key in Secrets Manager secret ${deps.apiKeySecretId}: store a valid key of this account and mode there.`
        : status === 403
          ? `The API key in ${deps.apiKeySecretId} may not manage webhook endpoints: give the restricted key "Webhook Endpoints: Write" (Dashboard > Developers > API keys).`
          : status === 400
            ? 'Stripe refused the endpoint settings: check that the URL is public https and that every subscribed event type exists in the declared API version.'
            : cause instanceof Error && cause.name.includes('ApiKey')
              ? `Store the Stripe API key itself in Secrets Manager secret ${deps.apiKeySecretId}.`
              : cause instanceof Error && cause.name.startsWith('ResourceNotFound')
                ? `Secrets Manager secret ${deps.signingSecretId} was not found: it is the stack's signing secret, which must exist.`
                : 'Retry the deployment once Stripe answers (status.stripe.com).';
    const summary = cause instanceof Error ? cause.message : String(cause);
    super(`Could not ${action} the Stripe webhook endpoint for ${url}: ${summary} ${fix}`, { cause });
    this.name = 'ManagedEndpointError';
  }
}

function desiredOf(properties: ManagedEndpointProperties): {
  desired: DesiredEndpoint;
  connect: boolean;
  onDelete: OnStackDelete;
} {
  const { Url, EnabledEvents, ApiVersion, Owner } = properties;
  if (typeof Url !== 'string' || !/^https?:\/\//.test(Url))
    throw new InvalidManagedEndpointPropertiesError(`Url must be an http(s) URL, got ${JSON.stringify(Url)}`);
  if (!Array.isArray(EnabledEvents) || EnabledEvents.length === 0)
    throw new InvalidManagedEndpointPropertiesError('EnabledEvents must be a non-empty list');
  if (typeof ApiVersion !== 'string' || ApiVersion === '')
    throw new InvalidManagedEndpointPropertiesError('ApiVersion is missing');
  if (typeof Owner !== 'string' || Owner === '') throw new InvalidManagedEndpointPropertiesError('Owner is missing');
  const onDelete = properties.OnDelete ?? 'disable';
  if (onDelete !== 'delete' && onDelete !== 'disable')
    throw new InvalidManagedEndpointPropertiesError(
      `OnDelete must be delete or disable, got ${JSON.stringify(onDelete)}`,
    );
  return {
    desired: { url: Url, enabledEvents: EnabledEvents, apiVersion: ApiVersion, owner: Owner },
    connect: properties.Connect === 'true',
    onDelete,
  };
}

export async function manageEndpoint(
  request: ManagedEndpointRequest,
  deps: ManageEndpointDependencies,
): Promise<ManagedEndpointResponse> {
  const { desired, connect, onDelete } = desiredOf(request.ResourceProperties);
  if (request.RequestType === 'Delete') {
    const id = request.PhysicalResourceId;
    // A Create that failed before Stripe made anything has no endpoint id to clean up.
    if (!id.startsWith('we_')) return { PhysicalResourceId: id };
    try {
      if (onDelete === 'delete') await deps.stripe.deleteWebhookEndpoint(id);
      else await deps.stripe.updateWebhookEndpoint(id, { disabled: true });
    } catch (error) {
      if (error instanceof StripeObjectNotFoundError) {
        deps.logger.info('The webhook endpoint was already gone', { endpointId: id });
        return { PhysicalResourceId: id };
      }
      throw new ManagedEndpointError(onDelete === 'delete' ? 'delete' : 'disable', desired.url, error, deps);
    }
    deps.logger.info(onDelete === 'delete' ? 'Deleted the webhook endpoint' : 'Disabled the webhook endpoint', {
      endpointId: id,
    });
    return { PhysicalResourceId: id };
  }
  try {
    const result = await syncEndpoint(desired, deps, {
      connect,
      ...(request.RequestType === 'Update' ? { knownEndpointId: request.PhysicalResourceId } : {}),
    });
    // Identifiers and the plan only: never the secret.
    deps.logger.info('Webhook endpoint in place', {
      endpointId: result.endpointId,
      plan: result.plan,
      url: desired.url,
      events: desired.enabledEvents.length,
    });
    return { PhysicalResourceId: result.endpointId };
  } catch (error) {
    if (error instanceof InvalidManagedEndpointPropertiesError) throw error;
    throw new ManagedEndpointError(request.RequestType === 'Create' ? 'create' : 'update', desired.url, error, deps);
  }
}
