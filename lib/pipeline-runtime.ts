import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { runInThisContext } from 'node:vm';
import { buildSync } from 'esbuild';

/**
 * Where the Lambda code this construct deploys lives, and how to bundle it. The construct runs either
 * from this repository's TypeScript (tsx, ts-node, jest) or from the package's compiled `dist/`: the
 * handlers are taken from the same form, and a team's `stripe-webhooks-aws/handlers` import is resolved
 * to it too (the `source` export condition), so one copy of the runtime ends up in each bundle.
 */
const runningFromSource = path.extname(__filename) === '.ts';
const functionsDir = path.join(__dirname, '..', 'functions');
const extension = runningFromSource ? '.ts' : '.js';

/** The module id the consumer's entry imports its subscriptions from; bundling aliases it to the team's module. */
export const subscriptionsModuleId = 'stripe-webhooks-aws:subscriptions';

/** Absolute path of a runtime module, e.g. `runtimeModule('receiver/handler')`. */
export function runtimeModule(relativePath: string): string {
  return path.join(functionsDir, `${relativePath}${extension}`);
}

/** The project's own subscriptions (the built-in emails): the default `subscriptionsEntry`. */
export const defaultSubscriptionsEntry = runtimeModule('subscriptions');

/** esbuild's export conditions for the bundles: `source` while the construct itself runs from TypeScript. */
export const bundleConditions: readonly string[] = runningFromSource ? ['source'] : [];

export class SubscriptionsEntryError extends Error {
  constructor(entry: string, problem: string) {
    super(
      `StripeWebhookPipeline: subscriptionsEntry ${JSON.stringify(entry)} ${problem}. Give the path of a module whose default export is defineSubscriptions(...) from 'stripe-webhooks-aws/handlers'.`,
    );
    this.name = 'SubscriptionsEntryError';
  }
}

const cache = new Map<string, readonly string[]>();

/**
 * The event types a subscriptions module subscribes to (`invoice.paid`, `charge.dispute.*`, `*`), found
 * by bundling it exactly as the consumer's bundle includes it and running its registration. It runs in
 * this process at synth, so the module must keep its side effects inside its handlers.
 */
export function readSubscribedTypes(entry: string): readonly string[] {
  const absolute = path.resolve(entry);
  const cached = cache.get(absolute);
  if (cached !== undefined) return cached;
  if (!existsSync(absolute)) throw new SubscriptionsEntryError(entry, 'does not exist');
  let code: string;
  try {
    const result = buildSync({
      entryPoints: [runtimeModule('consumer/list-subscribed-types')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      write: false,
      logLevel: 'silent',
      alias: { [subscriptionsModuleId]: absolute },
      conditions: [...bundleConditions],
    });
    code = result.outputFiles[0]?.text ?? '';
  } catch (error) {
    throw new SubscriptionsEntryError(entry, `could not be bundled (${firstLine(error)})`);
  }
  // Not named `exports`: compiled to CommonJS, this module's own exports are reached through that name.
  const loaded: { subscribedTypes?: unknown } = {};
  try {
    const run = runInThisContext(`(function (exports, require, module, __filename, __dirname) {${code}\n})`, {
      filename: absolute,
    }) as (...args: unknown[]) => void;
    const module = { exports: loaded };
    run(loaded, createRequire(absolute), module, absolute, path.dirname(absolute));
    Object.assign(loaded, module.exports);
  } catch (error) {
    throw new SubscriptionsEntryError(entry, `failed while loading at synth (${firstLine(error)})`);
  }
  const types = loaded.subscribedTypes;
  if (!Array.isArray(types) || types.some((type) => typeof type !== 'string')) {
    throw new SubscriptionsEntryError(entry, 'did not yield a list of event types');
  }
  if (types.length === 0) {
    throw new SubscriptionsEntryError(entry, 'subscribes to no event type, so the receiver would drop every event');
  }
  const list = Object.freeze([...(types as string[])]);
  cache.set(absolute, list);
  return list;
}

function firstLine(error: unknown): string {
  // esbuild's own message is only "Build failed with N errors"; the first error says what is wrong.
  const esbuildError = (error as { errors?: { text?: string }[] } | null)?.errors?.[0]?.text;
  if (esbuildError !== undefined) return esbuildError;
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n').find((line) => line.trim() !== '') ?? message;
}
