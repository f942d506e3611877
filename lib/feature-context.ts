/**
 * Readers of an optional feature's context keys (`-c billingState=true`, `-c businessAlerts=true` and their
 * options), which the stack reads itself: the same values accepted, the same errors, for every feature.
 */
import type { Node } from 'constructs';
import { contextKeys, InvalidContextError } from './app-context';

/** `true`/`false` (`-c key=true` is a string, cdk.json may hold a boolean); undefined when unset. */
export function contextBoolean(node: Node, key: string): boolean | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^\s*(true|false)\s*$/i.test(value)) return value.trim().toLowerCase() === 'true';
  throw new InvalidContextError(key, value, 'true or false');
}

/**
 * A comma-separated list (`-c key=a,b`), or a JSON array of strings in cdk.json, trimmed, without empty
 * entries; undefined when unset. `entries` names them in the error ("event types").
 */
export function contextList(node: Node, key: string, entries: string): string[] | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  const given =
    Array.isArray(value) && value.every((entry) => typeof entry === 'string')
      ? value
      : typeof value === 'string'
        ? value.split(',')
        : undefined;
  if (given === undefined) {
    throw new InvalidContextError(
      key,
      value,
      `a comma-separated list of ${entries} (or a JSON array of them in cdk.json)`,
    );
  }
  return given.map((entry: string) => entry.trim()).filter((entry) => entry !== '');
}

/**
 * For a feature that is off: throws on the first of its options keys given (`options`: each context key with
 * the value read, undefined when unset), since it would configure nothing.
 */
export function refuseOptionsWithoutFeature(
  node: Node,
  featureKey: string,
  options: Readonly<Record<string, unknown>>,
): void {
  const given = Object.keys(options).find((key) => options[key] !== undefined);
  if (given !== undefined) {
    throw new InvalidContextError(
      given,
      node.tryGetContext(given),
      `left out without -c ${featureKey}=true, which it configures (or set -c ${featureKey}=true)`,
    );
  }
}

/** For a feature that is on and reads Stripe's API: throws without `stripeApiKeySecretName`, saying why it needs it. */
export function requireStripeApiKeyFor(
  node: Node,
  featureKey: string,
  stripeApiKeySecretName: string | undefined,
  keyRequiredRule: string,
): void {
  if (stripeApiKeySecretName !== undefined) return;
  throw new InvalidContextError(
    featureKey,
    node.tryGetContext(featureKey),
    `used with -c ${contextKeys.stripeApiKeySecretName}=<secret name>: ${keyRequiredRule}`,
  );
}
