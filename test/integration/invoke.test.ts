import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

jest.setTimeout(60_000);
const root = `${__dirname}/../..`;

const scratch = mkdtempSync(join(tmpdir(), 'invoke-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** `npm run invoke` as a user runs it: its own process and, with no npm start running, its own moto_server. */
function invoke(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const { AWS_ENDPOINT_URL, MOTO_ENDPOINT, STRIPE_WEBHOOK_SECRET, ...env } = process.env;
  return spawnSync(process.execPath, ['--import', 'tsx', 'tools/invoke.ts', ...args], {
    cwd: root,
    // A developer's running npm start is not the one these tests mean.
    env: { ...env, LOCAL_PIPELINE_STATE: join(scratch, 'no-pipeline.json'), ...extraEnv },
    encoding: 'utf8',
  });
}

describe('npm run invoke', () => {
  it.each(['events/receiver-http-api-v2.json', 'events/receiver-rest-api-v1.json'])(
    're-signs the captured receiver event %s and queues it',
    (file) => {
      // Act
      const result = invoke(['receiver', file]);
      // Assess
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toContain('"statusCode": 200');
      expect(result.stdout).toMatch(/Queued: 1 message\(s\)\n {2}\{"stripe-event-id":"evt_/);
    },
  );

  it('processes the captured SQS event with the real consumer and sends the receipt', () => {
    // Act
    const result = invoke(['consumer', 'events/consumer-sqs.json']);
    // Assess
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /processed invoice\.paid \[evt_\S+\]\n {2}email "Receipt for invoice [^"]+" to jenny\.rosen@example\.com/,
    );
    expect(result.stdout).toContain('Batch response: {"batchItemFailures":[]}');
  });

  it('prints what to fix and its usage for a wrong target, and exits 2', () => {
    const result = invoke(['sender', 'events/consumer-sqs.json']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Unknown function "sender": receiver or consumer.');
    expect(result.stderr).toContain('Usage: npm run invoke -- receiver|consumer <event file>');
    expect(result.stdout).toBe('');
  });

  it("uses the running npm start's emulator, found in its state file, and leaves the message to its consumer", () => {
    // Prepare: a running npm start's state file, naming the tests' moto_server
    const state = join(scratch, 'pipeline.json');
    writeFileSync(
      state,
      JSON.stringify({
        emulatorEndpoint: process.env.MOTO_ENDPOINT,
        webhookUrl: 'http://127.0.0.1:4999/webhook',
        pid: process.pid,
      }),
    );
    // Act
    const result = invoke(['receiver', 'events/receiver-http-api-v2.json'], { LOCAL_PIPELINE_STATE: state });
    // Assess
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`Using the running npm start's emulator at ${process.env.MOTO_ENDPOINT}`);
    expect(result.stdout).toContain('"statusCode": 200');
    expect(result.stdout).toMatch(/Queued to \S+ of the running npm start: its consumer processes it/);
  });
});
