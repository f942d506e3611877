import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { type MotoCommand, type MotoProvisioningOptions, resolveMotoCommand } from './moto-provisioning';

export class MotoNotInstalledError extends Error {
  constructor(file = 'moto_server') {
    super(
      `${file} could not be run. The local pipeline emulates SQS, DynamoDB, SES and Secrets Manager with moto; ` +
        'delete .local/moto-venv and start again to reinstall it there, or set AWS_ENDPOINT_URL to a running LocalStack or moto.',
    );
    this.name = 'MotoNotInstalledError';
  }
}

export class MotoStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MotoStartError';
  }
}

export interface RunningMoto {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Asks the kernel for a free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function waitUntilReady(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new MotoStartError(`moto_server exited with code ${child.exitCode} while starting.`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new MotoStartError(`moto_server did not answer at ${endpoint} within ${timeoutMs / 1000} s.`);
}

export interface StartMotoOptions
  extends Pick<MotoProvisioningOptions, 'print' | 'venvDirectory' | 'systemSitePackages'> {
  readonly port?: number;
  readonly host?: string;
  readonly timeoutMs?: number;
  /** @default moto_server on PATH, else the project's virtual environment, installed first if need be */
  readonly command?: MotoCommand;
}

/**
 * Starts moto's server on a free loopback port; `stop()` ends it (it is also killed when this process exits).
 * Without moto_server on PATH it provisions moto into `.local/moto-venv` first (see moto-provisioning.ts).
 */
export async function startMoto(options: StartMotoOptions = {}): Promise<RunningMoto> {
  const command = options.command ?? (await resolveMotoCommand(options));
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  // Loopback only by default; containers started by `sam local` need 0.0.0.0 to reach it.
  const child = spawn(command.file, [...command.args, '-H', options.host ?? '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const spawnError = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new MotoNotInstalledError(command.file) : error),
    );
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  try {
    await Promise.race([waitUntilReady(endpoint, child, options.timeoutMs ?? 20_000), spawnError]);
  } catch (error) {
    child.kill('SIGKILL');
    if (error instanceof MotoStartError && stderr) error.message += `\nmoto_server said:\n${stderr}`;
    throw error;
  }
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        process.removeListener('exit', killOnExit);
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
