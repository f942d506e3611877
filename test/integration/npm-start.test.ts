import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devSigningSecret } from '../../tools/local/defaults';
import { runTrigger } from '../../tools/run-trigger';
import { waitFor } from '../support/wait-for';

jest.setTimeout(60_000);
const root = `${__dirname}/../..`;

// What package.json's start script runs (`tsx --conditions=source tools/local/start.ts`), as node arguments.
const startArgs = ['--conditions=source', '--import', 'tsx', 'tools/local/start.ts'];

/** Runs the same entry point as `npm start`, in its own process, with its own moto_server. */
function startCli(
  env: NodeJS.ProcessEnv,
  args: readonly string[] = [],
): { child: ChildProcessWithoutNullStreams; output: () => string } {
  const { AWS_ENDPOINT_URL, STRIPE_WEBHOOK_SECRET, MOTO_ENDPOINT, SUBSCRIPTIONS, ...rest } = env;
  const child = spawn(process.execPath, [...startArgs, ...args], { cwd: root, env: rest });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return { child, output: () => output };
}

function exitCode(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('npm start', () => {
  it('prints the endpoint and secret, then one line per step as an event flows to a sent email', async () => {
    // Prepare
    const { child, output } = startCli({ ...process.env, PORT: '0' });
    const exited = exitCode(child);
    try {
      const url = await waitFor('the Ready line', () => output().match(/Webhook endpoint: POST (\S+)/)?.[1]);
      // Act
      const result = await runTrigger(['invoice.paid', '--url', url], {
        out: () => undefined,
        err: () => undefined,
        env: {},
      });
      await waitFor('the sent line', () => (output().includes('✉ sent') ? true : undefined));
      child.kill('SIGINT');
      // Assess
      expect(await exited).toBe(0);
      expect(result.exitCode).toBe(0);
      const text = output();
      expect(text).toContain(`Signing secret: ${devSigningSecret}`);
      expect(text).toMatch(/Console: http:\/\/127\.0\.0\.1:\d+\//);
      expect(text).toMatch(/--> invoice\.paid \[evt_/);
      expect(text).toMatch(/<-- \[200\] queued invoice\.paid/);
      expect(text).toMatch(/✔ processed invoice\.paid \[evt_\S+\] \(attempt 1\)/);
      expect(text).toMatch(/✉ sent "[^"]+" to jenny\.rosen@example\.com/);
      expect(text).not.toContain('NodeVersionSupportWarning');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('runs a team subscriptions module given with --subscriptions: its own handlers, beside the built-in ones it includes', async () => {
    // Prepare: the example's module sends finance a notice for each refund, beside the customer's email
    const { child, output } = startCli({ ...process.env, PORT: '0', FINANCE_ADDRESS: 'finance@example.org' }, [
      '--subscriptions',
      'examples/custom-handlers/subscriptions.ts',
    ]);
    const exited = exitCode(child);
    try {
      const url = await waitFor('the Ready line', () => output().match(/Webhook endpoint: POST (\S+)/)?.[1]);
      // Act
      const result = await runTrigger(['charge.refunded', '--url', url], {
        out: () => undefined,
        err: () => undefined,
        env: {},
      });
      await waitFor('both sent lines', () => ((output().match(/✉ sent/g) ?? []).length >= 2 ? true : undefined));
      child.kill('SIGINT');
      // Assess
      expect(await exited).toBe(0);
      expect(result.exitCode).toBe(0);
      const text = output();
      expect(text).toContain('Handlers: examples/custom-handlers/subscriptions.ts');
      expect(text).toMatch(/✉ sent "Refund: [^"]+" to finance@example\.org/);
      expect(text).toMatch(/✉ sent "[^"]+" to jenny\.rosen@example\.com/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it.each([
    [['--subscriptions', 'examples/no-such-module.ts'], /no-such-module\.ts does not exist/],
    [
      ['--subscriptions', 'config/contract.ts'],
      /is not a set of subscriptions: a subscriptions module must `export default defineSubscriptions/,
    ],
    [['--subscriptions'], /--subscriptions takes the path of a subscriptions module/],
    [['--subscription=x'], /Unknown option "--subscription=x"/],
  ])('refuses %j with what to fix, and starts nothing', async (args, message) => {
    // Act
    const { child, output } = startCli({ ...process.env, PORT: '0' }, args);
    const code = await exitCode(child);
    // Assess
    expect(code).toBe(1);
    expect(output()).toMatch(message);
    expect(output()).not.toContain('Starting the local pipeline');
  });

  it('is what the start script runs', () => {
    const scripts = (JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { scripts: Record<string, string> })
      .scripts;
    expect(scripts.start).toBe('tsx --conditions=source tools/local/start.ts');
  });

  it('says to install Python 3 when neither moto_server nor python3 is there to provision moto with', async () => {
    // Prepare: a PATH with node only (its own directory may hold python3 too), and no provisioned virtual environment
    const scratch = mkdtempSync(join(tmpdir(), 'npm-start-no-python-'));
    symlinkSync(process.execPath, join(scratch, 'node'));
    const venv = join(scratch, 'moto-venv');
    const { child, output } = startCli({ ...process.env, PATH: scratch, PORT: '0', MOTO_VENV: venv });
    // Act
    const code = await exitCode(child);
    // Assess
    expect(code).toBe(1);
    expect(output()).toContain('moto_server is not on PATH, and there is no python3 to install moto with');
    expect(output()).toContain('apt-get install -y python3 python3-venv');
    rmSync(scratch, { recursive: true, force: true });
  });

  it('prints its usage with the environment variables for --help, and starts nothing', async () => {
    // Prepare
    const child = spawn(process.execPath, [...startArgs, '--help'], { cwd: root });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    // Act
    const code = await exitCode(child);
    // Assess
    expect(code).toBe(0);
    expect(output).toMatch(/^Usage: npm start/);
    for (const name of [
      'PORT',
      'FAKE_STRIPE_PORT',
      'MOTO_PORT',
      'MOTO_HOST',
      'AWS_ENDPOINT_URL',
      'STRIPE_WEBHOOK_SECRET',
      'SUBSCRIPTIONS',
    ])
      expect(output).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(output).toMatch(/^ {2}--subscriptions PATH /m);
    expect(output).not.toContain('Ready!');
  });
});
