import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { devSigningSecret } from '../../tools/local/defaults';
import { runTrigger } from '../../tools/run-trigger';
import { waitFor } from '../support/wait-for';

jest.setTimeout(60_000);
const root = `${__dirname}/../..`;

/** Runs the same entry point as `npm start`, in its own process, with its own moto_server. */
function startCli(env: NodeJS.ProcessEnv): { child: ChildProcessWithoutNullStreams; output: () => string } {
  const { AWS_ENDPOINT_URL, STRIPE_WEBHOOK_SECRET, MOTO_ENDPOINT, ...rest } = env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/local/start.ts'], { cwd: root, env: rest });
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
      expect(text).toMatch(/--> invoice\.paid \[evt_/);
      expect(text).toMatch(/<-- \[200\] queued invoice\.paid/);
      expect(text).toMatch(/✔ processed invoice\.paid \[evt_\S+\] \(attempt 1\)/);
      expect(text).toMatch(/✉ sent "[^"]+" to jenny\.rosen@example\.com/);
      expect(text).not.toContain('NodeVersionSupportWarning');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('says how to install moto when moto_server is missing', async () => {
    // Prepare: a PATH with node but without moto_server
    const { child, output } = startCli({ ...process.env, PATH: dirname(process.execPath), PORT: '0' });
    // Act
    const code = await exitCode(child);
    // Assess
    expect(code).toBe(1);
    expect(output()).toContain('pip install "moto[server]"');
  });
});
