/**
 * The context keys of the Stripe configuration and recovery features, read by the stack itself (like
 * `ingress`), so that they work without being passed down by the app:
 *
 * - `stripeEndpoint=managed|manual` (default `manual`): the stack manages its Stripe webhook endpoint;
 *   needs `stripeApiKeySecretName` and a webhook ingress. `stripeEndpointOnDelete=disable|delete`
 *   (default `disable`), `stripeEndpointConnect=true|false` (default false).
 * - `reconciler=true|false` (default false): the scheduled recovery of undelivered events; needs
 *   `stripeApiKeySecretName`. `reconcilerIntervalMinutes` (5 to 1440, default 60).
 */
import type { Node } from 'constructs';
import { booleanSetting } from '../config/settings';
import { contextKeys, InvalidContextError } from './app-context';
import type { ManagedEndpointOnDelete } from './managed-stripe-endpoint';

export interface StripeRecoveryConfig {
  readonly managedEndpoint: boolean;
  readonly endpointOnDelete: ManagedEndpointOnDelete;
  readonly endpointConnect: boolean;
  readonly reconciler: boolean;
  readonly reconcilerIntervalMinutes: number;
}

function text(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new InvalidContextError(key, value, 'a string');
  return value.trim();
}

export function stripeRecoveryConfigOf(node: Node, stripeApiKeySecretName: string | undefined): StripeRecoveryConfig {
  const endpoint = text(node, contextKeys.stripeEndpoint) ?? 'manual';
  if (endpoint !== 'managed' && endpoint !== 'manual') {
    throw new InvalidContextError(contextKeys.stripeEndpoint, endpoint, 'managed or manual');
  }
  const onDelete = text(node, contextKeys.stripeEndpointOnDelete) ?? 'disable';
  if (onDelete !== 'delete' && onDelete !== 'disable') {
    throw new InvalidContextError(
      contextKeys.stripeEndpointOnDelete,
      onDelete,
      'disable (keep the endpoint, disabled) or delete',
    );
  }
  const reconciler = booleanSetting(contextKeys.reconciler, node.tryGetContext(contextKeys.reconciler), false);
  const intervalValue: unknown = node.tryGetContext(contextKeys.reconcilerIntervalMinutes);
  const interval =
    intervalValue === undefined || intervalValue === null || intervalValue === '' ? 60 : Number(intervalValue);
  if (!Number.isInteger(interval) || interval < 5 || interval > 1440) {
    throw new InvalidContextError(
      contextKeys.reconcilerIntervalMinutes,
      intervalValue,
      'a whole number of minutes from 5 to 1440',
    );
  }
  const needsKey =
    endpoint === 'managed' ? contextKeys.stripeEndpoint : reconciler ? contextKeys.reconciler : undefined;
  if (needsKey !== undefined && stripeApiKeySecretName === undefined) {
    throw new InvalidContextError(
      needsKey,
      node.tryGetContext(needsKey),
      `used with -c ${contextKeys.stripeApiKeySecretName}=<secret name>: a Secrets Manager secret holding a Stripe key ` +
        (needsKey === contextKeys.stripeEndpoint ? 'with "Webhook Endpoints: Write"' : 'with "Events: Read"'),
    );
  }
  return {
    managedEndpoint: endpoint === 'managed',
    endpointOnDelete: onDelete,
    endpointConnect: booleanSetting(
      contextKeys.stripeEndpointConnect,
      node.tryGetContext(contextKeys.stripeEndpointConnect),
      false,
    ),
    reconciler,
    reconcilerIntervalMinutes: interval,
  };
}
