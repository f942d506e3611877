/** The rehearsal's steps (timed, with a summary table) and how it runs a deployed function's code. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sampledTraceHeader } from './xray-listener';

export const account = '123456789012';
export const region = 'us-east-1';

export interface StepResult {
  readonly step: string;
  readonly ok: boolean;
  readonly seconds: number;
  readonly detail: string;
}

export class StepFailure extends Error {}

export class Rehearsal {
  readonly results: StepResult[] = [];
  readonly notModelled: string[] = [];
  /** With --all-features: one line per feature, rehearsed or not and why (tools/deploy-rehearsal/features.ts). */
  readonly features: string[] = [];
  failed = false;

  constructor(private readonly out: (line: string) => void) {}

  /** Runs one step, timed; a failure is recorded and stops the steps that follow. */
  async step(name: string, run: () => Promise<string>): Promise<boolean> {
    if (this.failed) {
      this.results.push({ step: name, ok: false, seconds: 0, detail: 'skipped (an earlier step failed)' });
      return false;
    }
    const started = Date.now();
    this.out(`▶ ${name}`);
    try {
      const detail = await run();
      const seconds = (Date.now() - started) / 1000;
      this.results.push({ step: name, ok: true, seconds, detail });
      this.out(`  ✓ ${name} (${seconds.toFixed(1)} s): ${detail}`);
      return true;
    } catch (error) {
      const seconds = (Date.now() - started) / 1000;
      const message = error instanceof Error ? error.message : String(error);
      this.results.push({ step: name, ok: false, seconds, detail: message });
      this.out(`  ✗ ${name} (${seconds.toFixed(1)} s): ${message}`);
      this.failed = true;
      return false;
    }
  }

  summary(): string {
    const width = Math.max(...this.results.map((r) => r.step.length), 4);
    const lines = [
      `| ${'Step'.padEnd(width)} | Result | Time    | Detail`,
      `|${'-'.repeat(width + 2)}|--------|---------|-------`,
      ...this.results.map(
        (r) =>
          `| ${r.step.padEnd(width)} | ${r.ok ? 'ok    ' : r.detail.startsWith('skipped') ? 'skip  ' : 'FAIL  '} | ${`${r.seconds.toFixed(1)} s`.padStart(7)} | ${r.detail.replace(/\s+/g, ' ').slice(0, 160)}`,
      ),
    ];
    const total = this.results.reduce((sum, r) => sum + r.seconds, 0);
    lines.push(`Total ${total.toFixed(1)} s; ${this.failed ? 'FAILED' : 'all steps passed'}.`);
    if (this.features.length > 0) {
      lines.push('Features (--all-features):');
      for (const line of this.features) lines.push(`  - ${line}`);
    }
    if (this.notModelled.length > 0) {
      lines.push('Not modelled by the emulator:');
      for (const line of this.notModelled) lines.push(`  - ${line}`);
    }
    return lines.join('\n');
  }
}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new StepFailure(message);
}

export interface ChildResult {
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: string;
  readonly stderr: string;
}

/** Runs `handler` of the unzipped package in `directory` in its own Node process, with `env` only. */
export function invokeInChild(
  directory: string,
  handler: string,
  event: unknown,
  env: Record<string, string>,
  timeoutSeconds: number,
  work: string,
): Promise<ChildResult> {
  const eventFile = join(work, `event-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  const resultFile = `${eventFile}.result`;
  writeFileSync(eventFile, JSON.stringify(event));
  const dot = handler.lastIndexOf('.');
  const script = `
const fs = require('node:fs');
const [dir, file, name, eventFile, resultFile, fnName, timeout] = process.argv.slice(1);
const deadline = Date.now() + Number(timeout) * 1000;
const context = {
  callbackWaitsForEmptyEventLoop: true, functionName: fnName, functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:${region}:${account}:function:' + fnName, memoryLimitInMB: '256',
  awsRequestId: require('node:crypto').randomUUID(), logGroupName: '/aws/lambda/' + fnName, logStreamName: 'rehearsal',
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()), done() {}, fail() {}, succeed() {},
};
// Exit shortly after the answer, not at once: what the handler sent without waiting (the X-Ray SDK's UDP
// segments) still leaves, as it does from Lambda's process, which is frozen rather than ended.
const write = (value) => { fs.writeFileSync(resultFile, JSON.stringify(value)); setTimeout(() => process.exit(0), 50); };
Promise.resolve()
  .then(() => require(require('node:path').join(dir, file))[name](JSON.parse(fs.readFileSync(eventFile, 'utf8')), context))
  .then((result) => write({ ok: true, result: result === undefined ? null : result }),
        (error) => write({ ok: false, error: String(error && error.stack || error) }));
`;
  return new Promise((resolve) => {
    const child: ChildProcess = spawn(
      process.execPath,
      [
        '-e',
        script,
        directory,
        handler.slice(0, dot),
        handler.slice(dot + 1),
        eventFile,
        resultFile,
        env.AWS_LAMBDA_FUNCTION_NAME ?? 'function',
        String(timeoutSeconds),
      ],
      {
        // A traced function (AWS_XRAY_DAEMON_ADDRESS set) gets a sampled trace header per invocation, as Lambda
        // gives one with TracingConfig Active.
        env: env.AWS_XRAY_DAEMON_ADDRESS ? { ...env, _X_AMZN_TRACE_ID: sampledTraceHeader() } : env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stdout?.on('data', () => undefined);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), (timeoutSeconds + 5) * 1000);
    child.on('close', () => {
      clearTimeout(timer);
      try {
        const parsed = JSON.parse(readFileSync(resultFile, 'utf8')) as {
          ok: boolean;
          result?: unknown;
          error?: string;
        };
        resolve({ ...parsed, stderr });
      } catch {
        resolve({ ok: false, error: `the process ended without a result (timeout ${timeoutSeconds} s?)`, stderr });
      }
    });
  });
}

export interface DeployedFunction {
  readonly name: string;
  readonly directory: string;
  readonly handler: string;
  readonly timeout: number;
  readonly env: Record<string, string>;
}
