import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  InvalidSubscriptionsError,
  type Subscriptions,
  subscriptionsOfModule,
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
  // import() gives an ES module's default export as `default`, and a CommonJS one's exports object
  // (TypeScript compiled by tsx) there too, whose own `default` subscriptionsOfModule then takes.
  try {
    return subscriptionsOfModule(
      (loaded as { default?: unknown }).default ?? loaded,
      `The default export of ${absolute}`,
    );
  } catch (error) {
    if (error instanceof InvalidSubscriptionsError) throw new SubscriptionsModuleError(error.message);
    throw error;
  }
}
