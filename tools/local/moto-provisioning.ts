/**
 * Finds moto for `npm start` and the test suite, and installs it when it is missing: `moto_server` on
 * PATH if there is one, else a project-local virtual environment (`.local/moto-venv`, git-ignored)
 * made with whatever `python3` is present and filled by pip, once; later starts reuse it. A virtual
 * environment because Debian 12 and Ubuntu 24.04 refuse `pip install` into the system Python (PEP 668).
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** How to run moto's server; it takes `-H host -p port` either way. */
export interface MotoCommand {
  readonly file: string;
  readonly args: readonly string[];
  /** `path`: moto_server was on PATH; `venv`: the project's virtual environment. */
  readonly source: 'path' | 'venv';
}

export interface MotoProvisioningOptions {
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default $MOTO_VENV, else `.local/moto-venv` in the project */
  readonly venvDirectory?: string;
  /**
   * Let the virtual environment see the interpreter's own packages (`--system-site-packages`), so a
   * moto installed there satisfies pip offline. @default false: a clean environment, pip downloads moto
   */
  readonly systemSitePackages?: boolean;
  /** Receives the progress lines. @default silent */
  readonly print?: (line: string) => void;
}

export const defaultMotoVenvDirectory = join(__dirname, '..', '..', '.local', 'moto-venv');
/** Written last: a virtual environment without it was interrupted and is made again. */
const provisionedMarker = '.moto-provisioned';
export const motoRequirement = 'moto[server]';

export class PythonNotFoundError extends Error {
  constructor() {
    super(
      'moto_server is not on PATH, and there is no python3 to install moto with. Install Python 3 ' +
        '(Debian/Ubuntu: sudo apt-get install -y python3 python3-venv; macOS: brew install python), then run npm start ' +
        'again: it installs moto into .local/moto-venv by itself. Or set AWS_ENDPOINT_URL to a running moto or LocalStack.',
    );
    this.name = 'PythonNotFoundError';
  }
}

export class MotoProvisioningError extends Error {
  constructor(step: string, hint: string, output: string) {
    super(`${step} failed. ${hint}${output ? `\nIt said:\n${output}` : ''}`);
    this.name = 'MotoProvisioningError';
  }
}

/** The executable `name` on PATH, or undefined. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const directory of (env.PATH ?? '').split(delimiter)) {
    if (!directory) continue;
    const candidate = join(directory, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Runs a command, passing each output line to `print`; resolves with the exit code and the last lines. */
function run(
  file: string,
  args: readonly string[],
  print: (line: string) => void,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; tail: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    const lines: string[] = [];
    let pending = '';
    const onData = (chunk: Buffer) => {
      const parts = (pending + chunk.toString()).split(/\r?\n/);
      pending = parts.pop() ?? '';
      for (const line of parts) {
        if (!line.trim()) continue;
        lines.push(line);
        if (lines.length > 12) lines.shift();
        print(`    ${line}`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (error) => resolve({ code: 127, tail: String(error) }));
    child.once('close', (code) => {
      if (pending.trim()) lines.push(pending);
      resolve({ code: code ?? 1, tail: lines.join('\n') });
    });
  });
}

/**
 * Returns how to run moto, installing it into the project's virtual environment first when needed.
 * Throws {@link PythonNotFoundError} or {@link MotoProvisioningError} with what to do.
 */
export async function resolveMotoCommand(options: MotoProvisioningOptions = {}): Promise<MotoCommand> {
  const env = options.env ?? process.env;
  const print = options.print ?? (() => undefined);
  const onPath = findOnPath('moto_server', env);
  if (onPath) return { file: onPath, args: [], source: 'path' };

  const venv = options.venvDirectory ?? (env.MOTO_VENV?.trim() || defaultMotoVenvDirectory);
  const python = join(venv, 'bin', 'python');
  // `python -m moto.server` rather than bin/moto_server: pip writes no script for a moto it found in the system site.
  const command: MotoCommand = { file: python, args: ['-m', 'moto.server'], source: 'venv' };
  if (existsSync(join(venv, provisionedMarker)) && existsSync(python)) return command;

  const python3 = findOnPath('python3', env);
  if (!python3) throw new PythonNotFoundError();
  print(`moto_server is not on PATH: installing ${motoRequirement} into ${venv} (once; later starts reuse it)`);
  rmSync(venv, { recursive: true, force: true });

  // With the system site visible, the interpreter's own pip serves; ensurepip would only copy it (seconds).
  const systemPip =
    options.systemSitePackages === true &&
    (await run(python3, ['-m', 'pip', '--version'], () => undefined, env)).code === 0;
  const venvArgs = [
    '-m',
    'venv',
    ...(options.systemSitePackages ? ['--system-site-packages'] : []),
    ...(systemPip ? ['--without-pip'] : []),
    venv,
  ];
  print(`  [1/2] python3 ${venvArgs.join(' ')}`);
  const created = await run(python3, venvArgs, print, env);
  if (created.code !== 0) {
    rmSync(venv, { recursive: true, force: true });
    throw new MotoProvisioningError(
      'Creating the virtual environment',
      'On Debian/Ubuntu install the venv module: sudo apt-get install -y python3-venv. Then run npm start again.',
      created.tail,
    );
  }

  const pipArgs = ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', motoRequirement];
  print(`  [2/2] pip install ${motoRequirement} (downloads moto and its dependencies, about 100 MB, the first time)`);
  const installed = await run(python, pipArgs, print, { ...env, PIP_PROGRESS_BAR: 'off' });
  if (installed.code !== 0) {
    rmSync(venv, { recursive: true, force: true });
    throw new MotoProvisioningError(
      `pip install ${motoRequirement}`,
      'This machine may not reach the Python package index (a proxy needs HTTPS_PROXY, a mirror PIP_INDEX_URL). ' +
        'Or install moto yourself (pipx install "moto[server]") so that moto_server is on PATH, or set AWS_ENDPOINT_URL to a running emulator.',
      installed.tail,
    );
  }
  const importable = await run(python, ['-c', 'import moto.server'], print, env);
  if (importable.code !== 0) {
    throw new MotoProvisioningError(
      `Importing moto.server from ${venv}`,
      `Delete ${venv} and start again.`,
      importable.tail,
    );
  }
  writeFileSync(join(venv, provisionedMarker), `${motoRequirement}\n`);
  print(`  moto is ready in ${venv}`);
  return command;
}
