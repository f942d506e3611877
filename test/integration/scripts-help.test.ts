/**
 * Every `npm run` script that takes arguments behaves as a command: `--help` prints its usage and exits 0
 * within seconds, with no side effect (no process started, no request sent, no file written); an unknown
 * option exits 2 with what to fix and no stack trace; a closed pipe ends it quietly. The scripts are read
 * from package.json, so a new one is covered (or has to be excluded here, with its reason).
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

jest.setTimeout(120_000);

const root = join(__dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');

/** The scripts that take no arguments of ours, and why. */
const excluded: Record<string, string> = {
  test: 'typecheck, lint and jest: jest has its own --help',
  'test:unit': 'jest --selectProjects unit: jest has its own --help',
  'test:integration': 'jest --selectProjects integration: jest has its own --help',
  'test:infra': 'jest --selectProjects infra: jest has its own --help',
  'test:browser': 'jest --selectProjects browser: jest has its own --help',
  typecheck: 'tsc over both projects; takes no arguments',
  lint: 'biome check .; takes no arguments',
  format: 'biome check --write .; takes no arguments',
  build: 'tsc -p tsconfig.build.json; takes no arguments',
  prepack: 'npm run build, run by npm pack; takes no arguments',
  synth: "cdk synth: the AWS CDK's own command line",
  cdk: "the AWS CDK's own command line (npm run cdk -- --help is cdk's)",
  bench: 'runs the five benchmarks in a row; takes no arguments (each bench:* has its own --help)',
};

interface Script {
  readonly name: string;
  /** The arguments after `tsx`: its flags and the entry file. */
  readonly tsxArgs: readonly string[];
}

function scriptsOfPackage(): { covered: Script[]; uncovered: string[] } {
  const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const covered: Script[] = [];
  const uncovered: string[] = [];
  for (const [name, command] of Object.entries(scripts)) {
    if (name in excluded) continue;
    const match = /^tsx((?: --[\w-]+=\S+)*) (\S+\.ts)$/.exec(command);
    if (match === null) {
      uncovered.push(`${name}: ${command}`);
      continue;
    }
    const flags = (match[1] ?? '').trim().split(' ').filter(Boolean);
    covered.push({ name, tsxArgs: [...flags, join(root, match[2] ?? '')] });
  }
  return { covered, uncovered };
}

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Where the commands run: an empty working directory, shims that record a process start, a server that records requests. */
interface Sandbox {
  readonly dir: string;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly requests: string[];
  spawned(): string[];
  close(): Promise<void>;
}

async function startSandbox(): Promise<Sandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'scripts-help-'));
  const bin = join(dir, 'bin');
  const cwd = join(dir, 'cwd');
  const tmp = join(dir, 'tmp');
  const marks = join(dir, 'spawned');
  for (const folder of [bin, cwd, tmp, marks]) mkdirSync(folder);
  // What a command would start for real: each records that it was started and fails.
  for (const program of ['moto_server', 'python3', 'python', 'stripe', 'sam', 'docker', 'aws', 'cdk']) {
    const shim = join(bin, program);
    writeFileSync(shim, `#!/bin/sh\necho "$0 $*" > "${marks}/${program}"\nexit 1\n`);
    chmodSync(shim, 0o755);
  }
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    response.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { AWS_PROFILE, MOTO_ENDPOINT, ...rest } = process.env;
  const env: NodeJS.ProcessEnv = {
    ...rest,
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    TMPDIR: tmp,
    // Anything a command would reach goes to the recording server.
    PORT: String((server.address() as AddressInfo).port),
    AWS_ENDPOINT_URL: url,
    STRIPE_API_URL: url,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    // No running npm start to find, and none replaced.
    LOCAL_PIPELINE_STATE: join(dir, 'pipeline.json'),
    MOTO_VENV: join(dir, 'moto-venv'),
  };
  return {
    dir,
    cwd,
    env,
    requests,
    spawned: () => readdirSync(marks),
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function run(
  script: Script,
  args: readonly string[],
  sandbox: Sandbox,
  options: { closeStdout?: boolean } = {},
): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [...script.tsxArgs, ...args], {
      cwd: sandbox.cwd,
      env: sandbox.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    let stdout = '';
    let stderr = '';
    // The reader of stdout gone, as when `| head -3` has read its lines.
    if (options.closeStdout) child.stdout.destroy();
    else child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
  });
}

/** Runs `task` over `items`, `concurrency` at a time, keeping their order. */
async function inParallel<T, R>(items: readonly T[], concurrency: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

/** Name, size and time of every file under `dir` (the repository's folders the commands write to). */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (folder: string) => {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      return;
    }
    for (const name of names) {
      const file = join(folder, name);
      const stat = statSync(file);
      if (stat.isDirectory()) walk(file);
      else files[file] = `${stat.size} ${stat.mtimeMs}`;
    }
  };
  walk(dir);
  return files;
}

const stackTrace = /\n\s+at \S/;

describe('npm run scripts as commands', () => {
  const { covered, uncovered } = scriptsOfPackage();
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox();
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('covers every script: each runs one TypeScript file with tsx, or is excluded with its reason', () => {
    expect(uncovered).toEqual([]);
    expect(covered.length).toBeGreaterThan(15);
  });

  it('answers --help with its usage and exit 0, within seconds and without a side effect', async () => {
    // Prepare
    const watched = ['events', join('.local', 'previews')].map((folder) => join(root, folder));
    const before = watched.map(snapshot);

    // Act
    const runs = await inParallel(covered, 2, (script) => run(script, ['--help'], sandbox));

    // Assess
    const results = covered.map((script, i) => {
      const result = runs[i] as Run;
      return {
        script: script.name,
        code: result.code,
        usage: result.stdout.startsWith('Usage:') ? 'Usage:' : result.stdout.slice(0, 80),
        stackTrace: stackTrace.test(result.stderr),
        withinSeconds: result.ms < 20_000,
      };
    });
    expect(results).toEqual(
      covered.map((script) => ({
        script: script.name,
        code: 0,
        usage: 'Usage:',
        stackTrace: false,
        withinSeconds: true,
      })),
    );
    expect(sandbox.spawned()).toEqual([]);
    expect(sandbox.requests).toEqual([]);
    expect(readdirSync(sandbox.cwd)).toEqual([]);
    // tsx keeps its compile cache in the temporary directory; nothing else may be there.
    expect(readdirSync(join(sandbox.dir, 'tmp')).filter((name) => !name.startsWith('tsx-'))).toEqual([]);
    expect(readdirSync(sandbox.dir).sort()).toEqual(['bin', 'cwd', 'spawned', 'tmp']);
    expect(watched.map(snapshot)).toEqual(before);
  });

  it('refuses an unknown option with what to fix and exit 2, without a stack trace and before doing anything', async () => {
    // Prepare
    const names = ['start', 'trigger', 'invoke', 'events:sign', 'fuzz', 'sim', 'bench:consumer', 'redrive', 'cost'];
    const scripts = names.map((name) => covered.find((script) => script.name === name) as Script);

    // Act
    const runs = await inParallel(scripts, 2, (script) => run(script, ['--no-such-option'], sandbox));

    // Assess
    expect(
      runs.map((result, i) => ({
        script: names[i],
        code: result.code,
        says: /Unknown option ['"]--no-such-option['"]/.test(result.stderr),
        stackTrace: stackTrace.test(result.stderr),
      })),
    ).toEqual(names.map((script) => ({ script, code: 2, says: true, stackTrace: false })));
    expect(sandbox.spawned()).toEqual([]);
    expect(sandbox.requests).toEqual([]);
  });

  it('ends quietly with exit 0 when the reader of its output goes away (npm run trigger -- --list | head -3)', async () => {
    // Prepare
    const trigger = covered.find((script) => script.name === 'trigger') as Script;

    // Act
    const result = await run(trigger, ['--list'], sandbox, { closeStdout: true });

    // Assess
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  });
});
