/**
 * `npm run stripe:replay` and `npm run stripe:endpoint` as processes: their help, and the exit code 2
 * with what to fix for bad usage, before they touch any AWS or Stripe API. What they do against the local
 * pipeline is in test/integration/stripe-replay.test.ts and test/unit/endpoint-drift.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

jest.setTimeout(60_000);
const root = join(__dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'stripe-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(tool: 'stripe-replay' | 'stripe-endpoint', args: readonly string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', `tools/${tool}.ts`, ...args], {
    cwd: root,
    encoding: 'utf8',
    // No AWS or Stripe credentials: a bad usage must be refused before any would be needed.
    env: { PATH: process.env.PATH ?? '', HOME: scratch },
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

describe('npm run stripe:replay', () => {
  it('prints its usage for --help, with the thin-event note', () => {
    const { code, out } = run('stripe-replay', ['--help']);
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: npm run stripe:replay -- --since TIME/);
    expect(out).toContain('GET /v2/core/events');
  });

  it.each([
    [[], /--since is required/],
    [['--since', 'yesterday'], /--since/],
    [['--since', '40d'], /30 days/],
    [['--since', '1h', '--bogus'], /bogus/],
  ])('exits 2 and says what to fix for %j', (args, message) => {
    const { code, err } = run('stripe-replay', args);
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });

  it('names the output a deployed stack lacks, from the outputs file', () => {
    // Prepare: an outputs file of a stack deployed before the queue's output existed
    const outputs = join(scratch, 'cdk-outputs.json');
    writeFileSync(outputs, JSON.stringify({ StripeWebhooks: { WebhookUrl: 'https://example.invalid/webhook' } }));
    // Act
    const { code, err } = run('stripe-replay', ['--since', '1h', '--outputs', outputs]);
    // Assess
    expect(code).toBe(2);
    expect(err).toContain(`The stack outputs in ${outputs} have no EventQueueName`);
  });
});

describe('npm run stripe:endpoint', () => {
  it('prints its usage for --help', () => {
    const { code, out } = run('stripe-endpoint', ['--help']);
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: npm run stripe:endpoint -- list\|check\|sync/);
  });

  it('exits 2 without a command, saying which ones there are', () => {
    const { code, err } = run('stripe-endpoint', []);
    expect(code).toBe(2);
    expect(err).toContain('Give one of list, check or sync.');
  });
});
