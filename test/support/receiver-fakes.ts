/** Fakes and helpers for the receiver's tests (not a test file: jest only runs `*.test.ts`). */
import type { ReceiverMetricName, ReceiverMetrics } from '../../functions/receiver/receiver-metrics';
import type { ReadSecretString } from '../../functions/receiver/signing-secrets';

export class RecordingMetrics implements ReceiverMetrics {
  readonly counts: { name: ReceiverMetricName; reason?: string }[] = [];
  count(name: ReceiverMetricName, reason?: string): void {
    this.counts.push(reason === undefined ? { name } : { name, reason });
  }
}

/** A Secrets Manager GetSecretValue that answers `value` (or throws it, if it is an Error). */
export function fakeSecretsManager(value: string | Error): { client: ReadSecretString; reads: () => number } {
  let reads = 0;
  const client: ReadSecretString = async () => {
    reads += 1;
    if (value instanceof Error) throw value;
    return value;
  };
  return { client, reads: () => reads };
}

/**
 * Captures what is written to stdout and stderr (Powertools writes its JSON logs and EMF metrics
 * there directly, past Jest's console) until `restore()`; nothing reaches the terminal meanwhile.
 */
export function captureStdio(): { output: () => string; restore: () => void } {
  const chunks: string[] = [];
  const capture = (chunk: string | Uint8Array): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  return {
    output: () => chunks.join(''),
    restore: () => {
      stdout.mockRestore();
      stderr.mockRestore();
    },
  };
}

/** What a stack trace looks like in a response body: "    at fn (/path/file.ts:12:3)", or a bare source path. */
export const stackTracePattern =
  /\n\s+at\s|\bat\s+\S+\s+\(|[/\\][\w.-]+\.(?:ts|js|mjs|cjs):\d+|node_modules|Error:\s.*\n/;
