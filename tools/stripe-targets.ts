/**
 * Where the Stripe tools (`npm run stripe:replay`, `npm run stripe:endpoint`) find the pipeline and the
 * Stripe API: the running `npm start` (its `.local/pipeline.json`: the emulator, the fake Stripe API, the
 * queue and table), or a deployed stack through the outputs file that `cdk deploy --outputs-file` writes.
 */
import { readFileSync } from 'node:fs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseStripeApiKey } from '../functions/shared/stripe-api/api-key';
import { endQuietlyOnClosedPipe, isUsageError as isCommandLineError } from './cli';
import { localResourceNames } from './local/defaults';
import { type LocalPipelineState, localPipelineStatePath } from './local/state';
import { localStripeApiKey } from './local/stripe-api';

export class StripeToolUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StripeToolUsageError';
  }
}

/** Whether `error` is the user's to fix (exit 2, its message alone) rather than a failure (exit 1, in full). */
function isUsageError(error: unknown, usageErrorNames: readonly string[]): boolean {
  if (error instanceof StripeToolUsageError || isCommandLineError(error)) return true;
  if (error instanceof Error && usageErrorNames.includes(error.name)) return true;
  return false;
}

/** Runs a Stripe tool's `main` as a command: its code is the exit code; a usage error exits 2 with its message. */
export function runStripeTool(
  main: (args: string[]) => Promise<number>,
  options: { readonly usageErrorNames?: readonly string[] } = {},
): void {
  endQuietlyOnClosedPipe();
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const usage = isUsageError(error, options.usageErrorNames ?? []);
      console.error(usage ? (error as Error).message : error);
      process.exit(usage ? 2 : 1);
    },
  );
}

export interface LocalTarget {
  readonly kind: 'local';
  readonly emulatorEndpoint: string;
  readonly stripeApiUrl: string;
  readonly apiKey: string;
  readonly queueUrl: string;
  readonly tableName: string;
  readonly largeEventBucket: string;
  /** The local endpoint's URL, the one `stripe:endpoint` registers. */
  readonly webhookUrl: string;
  /** The types its handlers subscribe to (comma-separated), when the running `npm start` recorded them. */
  readonly subscribedTypes?: string;
}

/** The running `npm start`, from the file it writes; an error that says to start it when there is none. */
export function localTarget(statePath = localPipelineStatePath): LocalTarget {
  let state: LocalPipelineState;
  try {
    state = JSON.parse(readFileSync(statePath, 'utf8')) as LocalPipelineState;
  } catch {
    throw new StripeToolUsageError(
      'No local pipeline found: start it with `npm start` (in another terminal), or give a deployed stack with --outputs cdk-outputs.json.',
    );
  }
  if (state.stripeApiUrl === undefined) {
    throw new StripeToolUsageError(
      `${statePath} was written by an older \`npm start\` that did not record its fake Stripe API: restart \`npm start\`.`,
    );
  }
  return {
    kind: 'local',
    emulatorEndpoint: state.emulatorEndpoint,
    stripeApiUrl: state.stripeApiUrl,
    apiKey: localStripeApiKey,
    queueUrl: state.queueUrl ?? '',
    tableName: state.tableName ?? localResourceNames.idempotencyTable,
    largeEventBucket: localResourceNames.largeEventBucket,
    webhookUrl: state.webhookUrl,
    ...(state.subscribedTypes === undefined ? {} : { subscribedTypes: state.subscribedTypes }),
  };
}

/** One stack's outputs from `cdk deploy --outputs-file`: `{ "<stack>": { "<output>": "<value>" } }`. */
export function stackOutputs(file: string, stack: string | undefined): Readonly<Record<string, string>> {
  return stackOutputsWithName(file, stack).outputs;
}

/** {@link stackOutputs} and the stack's name (the file's key). */
export function stackOutputsWithName(
  file: string,
  stack: string | undefined,
): { readonly name: string; readonly outputs: Readonly<Record<string, string>> } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new StripeToolUsageError(
      `Could not read ${file} as JSON (${(error as Error).message}): write it with \`npx cdk deploy --outputs-file ${file}\`.`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null) throw new StripeToolUsageError(`${file} holds no stack outputs.`);
  const stacks = Object.keys(parsed);
  const name = stack ?? (stacks.length === 1 ? stacks[0] : undefined);
  if (name === undefined) {
    throw new StripeToolUsageError(
      `${file} has the outputs of ${stacks.length} stacks (${stacks.join(', ')}): choose one with --stack.`,
    );
  }
  const outputs = (parsed as Record<string, unknown>)[name];
  if (typeof outputs !== 'object' || outputs === null) {
    throw new StripeToolUsageError(`${file} has no outputs for stack ${name}; it has ${stacks.join(', ') || 'none'}.`);
  }
  return { name, outputs: outputs as Record<string, string> };
}

export function requiredOutput(outputs: Readonly<Record<string, string>>, name: string, file: string): string {
  const value = outputs[name];
  if (typeof value !== 'string' || value === '') {
    throw new StripeToolUsageError(
      `The stack outputs in ${file} have no ${name}: deploy the current version of the stack and write the file again.`,
    );
  }
  return value;
}

/**
 * The Stripe API key for a deployed stack: `STRIPE_API_KEY` from the environment, else the Secrets Manager
 * secret named by --api-key-secret. Never printed.
 */
export async function deployedApiKey(secretName: string | undefined, env = process.env): Promise<string> {
  const fromEnv = env.STRIPE_API_KEY?.trim();
  if (fromEnv) return parseStripeApiKey('STRIPE_API_KEY', fromEnv).key;
  if (secretName === undefined) {
    throw new StripeToolUsageError(
      'No Stripe API key: set STRIPE_API_KEY, or name the Secrets Manager secret that holds one with --api-key-secret.',
    );
  }
  const client = new SecretsManagerClient({});
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretName }));
    return parseStripeApiKey(secretName, SecretString).key;
  } finally {
    client.destroy();
  }
}

/**
 * Accepts an ISO 8601 time (`2026-12-01T08:00:00Z`, `2026-12-01`) or a duration before now (`90m`, `6h`, `3d`).
 */
export function parseTime(flag: string, value: string, now: Date): Date {
  const relative = /^(\d+)([mhd])$/.exec(value.trim());
  if (relative !== null) {
    const unitMs = { m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(relative[1]) * unitMs);
  }
  const time = new Date(value);
  if (Number.isNaN(time.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(value.trim())) {
    throw new StripeToolUsageError(
      `${flag} ${JSON.stringify(value)} is not a time: give an ISO time such as 2026-12-01T08:00:00Z, or a duration before now such as 6h or 3d.`,
    );
  }
  return time;
}

/** A text progress bar, redrawn in place on a terminal. */
export function progressBar(fraction: number, width = 24): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}%`;
}
