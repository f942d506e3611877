import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  InvalidSubscriptionsError,
  isSubscriptions,
  type Subscriptions,
} from '../../functions/consumer/define-subscriptions';

/** Why a team's subscriptions module could not be loaded for `npm start`; says what to fix. */
export class SubscriptionsModuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SubscriptionsModuleError';
  }
}

/**
 * Loads a team's subscriptions module (what the construct's `subscriptionsEntry` names) into this
 * process, for the local pipeline. `npm start` runs under `tsx --conditions=source`, so the module's
 * `stripe-webhooks-aws/handlers` import resolves to this repository's TypeScript, the same copy the
 * local consumer runs, rather than to a stale `dist/`.
 */
export async function loadSubscriptionsModule(modulePath: string): Promise<Subscriptions> {
  const absolute = resolve(modulePath);
  if (!existsSync(absolute)) {
    throw new SubscriptionsModuleError(
      `The subscriptions module ${absolute} does not exist. Give the path of a .ts or .js file whose default export is defineSubscriptions(...), e.g. --subscriptions examples/custom-handlers/subscriptions.ts`,
    );
  }
  let loaded: unknown;
  try {
    loaded = await import(pathToFileURL(absolute).href);
  } catch (error) {
    throw new SubscriptionsModuleError(
      `The subscriptions module ${absolute} failed to load: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  // An ES module gives its default export as `default`; a CommonJS one (TypeScript compiled by tsx)
  // gives its exports object there, whose own `default` is the value.
  const outer = (loaded as { default?: unknown }).default;
  const inner = (outer as { default?: unknown } | undefined)?.default;
  for (const candidate of [outer, inner]) if (isSubscriptions(candidate)) return candidate;
  throw new SubscriptionsModuleError(new InvalidSubscriptionsError(`The default export of ${absolute}`).message);
}
