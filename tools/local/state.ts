import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where a running `npm start` says what it runs, so other tools (`npm run trigger`, `invoke`, `redrive`,
 * `smoke`, `stripe:replay`...) find it without being told its port or emulator. LOCAL_PIPELINE_STATE names
 * another file (tests, so that the pipelines they start do not replace a developer's).
 */
export const localPipelineStatePath =
  process.env.LOCAL_PIPELINE_STATE?.trim() || join(__dirname, '..', '..', '.local', 'pipeline.json');

export interface LocalPipelineState {
  readonly emulatorEndpoint: string;
  readonly webhookUrl: string;
  readonly pid: number;
  /** Base URL of the fake Stripe API (`npm run stripe:replay` and `stripe:endpoint` call it); absent in older files. */
  readonly stripeApiUrl?: string;
  /** The local queue and idempotency table, for the tools that replay events into them. */
  readonly queueUrl?: string;
  readonly tableName?: string;
  /** The types its handlers subscribe to, comma-separated (`npm start --subscriptions` may change them); absent in older files. */
  readonly subscribedTypes?: string;
  /** The billing state table (`npm start` runs the feature unless --no-billing-state); absent when off and in older files. */
  readonly billingStateTableName?: string;
  /** Its retries (`npm start --retry-delay`, `--max-attempts`), kept by the tools that bring its resources to their settings. */
  readonly retryDelaySeconds?: number;
  readonly maxAttempts?: number;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The running `npm start`'s state file, or undefined when there is none, it cannot be read, or the process
 * that wrote it is gone (an `npm start` killed without its Ctrl+C leaves the file behind).
 */
export function readLocalPipelineState(statePath = localPipelineStatePath): LocalPipelineState | undefined {
  let state: LocalPipelineState;
  try {
    state = JSON.parse(readFileSync(statePath, 'utf8')) as LocalPipelineState;
  } catch {
    return undefined;
  }
  if (typeof state?.webhookUrl !== 'string' || typeof state.emulatorEndpoint !== 'string') return undefined;
  if (Number.isInteger(state.pid) && state.pid > 0 && !isRunning(state.pid)) return undefined;
  return state;
}
