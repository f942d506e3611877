import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { devSigningSecret } from '../../tools/local/defaults';
import { localClientConfig } from '../../tools/local/resources';
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
  // Its state file apart, so that a developer's running npm start is neither found nor replaced.
  const child = spawn(process.execPath, [...startArgs, ...args], {
    cwd: root,
    env: { LOCAL_PIPELINE_STATE: join(mkdtempSync(join(tmpdir(), 'npm-start-state-')), 'pipeline.json'), ...rest },
  });
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

  it('retries as --retry-delay and MAX_ATTEMPTS say, and tells npm run trigger where it listens', async () => {
    // Prepare: the dead-letter path in seconds, not 15 minutes
    const state = join(mkdtempSync(join(tmpdir(), 'npm-start-retries-')), 'pipeline.json');
    const { child, output } = startCli({ ...process.env, PORT: '0', MAX_ATTEMPTS: '2', LOCAL_PIPELINE_STATE: state }, [
      '--retry-delay',
      '3',
    ]);
    const exited = exitCode(child);
    try {
      const url = await waitFor('the Ready line', () => output().match(/Webhook endpoint: POST (\S+)/)?.[1]);
      const running = JSON.parse(readFileSync(state, 'utf8')) as { emulatorEndpoint: string; queueUrl: string };
      const sqs = new SQSClient(localClientConfig(running.emulatorEndpoint));
      // Act
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: running.queueUrl, AttributeNames: ['All'] }),
      );
      sqs.destroy();
      // npm run trigger as typed, without --url or PORT: it finds the running pipeline in its state file
      const { PORT, ...env } = process.env;
      const trigger = spawnSync(process.execPath, ['--import', 'tsx', 'tools/trigger.ts', 'invoice.paid'], {
        cwd: root,
        env: { ...env, LOCAL_PIPELINE_STATE: state },
        encoding: 'utf8',
      });
      child.kill('SIGINT');
      // Assess
      expect(await exited).toBe(0);
      expect(output()).toMatch(
        /^Retries: 2 attempts, 3 s apart, then the dead-letter queue {2}\(deployed: 5 attempts, 180 s apart\)$/m,
      );
      expect(Attributes.VisibilityTimeout).toBe('3');
      expect(JSON.parse(Attributes.RedrivePolicy ?? '{}')).toMatchObject({ maxReceiveCount: 2 });
      expect(trigger.status).toBe(0);
      expect(trigger.stdout).toContain(`to ${url} : 200`);
      expect(existsSync(state)).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it.each([
    [['--subscriptions', 'examples/no-such-module.ts'], {}, 1, /no-such-module\.ts does not exist/],
    [
      ['--subscriptions', 'config/contract.ts'],
      {},
      1,
      /is not a set of subscriptions: a subscriptions module must `export default defineSubscriptions/,
    ],
    [['--subscriptions'], {}, 2, /--subscriptions takes the path of a subscriptions module/],
    [['--subscription=x'], {}, 2, /Unknown option "--subscription=x"/],
    [['--retry-delay', 'soon'], {}, 2, /--retry-delay "soon" is not a whole number from 0 to 43200/],
    [['--max-attempts=0'], {}, 2, /--max-attempts "0" is not a whole number from 1 to 1000/],
    [[], { MAX_ATTEMPTS: 'many' }, 2, /MAX_ATTEMPTS=many is not a whole number from 1 to 1000/],
  ])('refuses %j %j with exit %d and what to fix, and starts nothing', async (args, env, expectedCode, message) => {
    // Act
    const { child, output } = startCli({ ...process.env, PORT: '0', ...env }, args);
    const code = await exitCode(child);
    // Assess
    expect(code).toBe(expectedCode);
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
    expect(output).toMatch(/^ {2}--retry-delay SECONDS /m);
    expect(output).toMatch(/^ {2}--max-attempts N /m);
    expect(output).toMatch(/^ {2}RETRY_DELAY_SECONDS /m);
    expect(output).toMatch(/^ {2}MAX_ATTEMPTS /m);
    expect(output).not.toContain('Ready!');
  });
});
