/**
 * What every `npm run` command of this project does the same way: `--help` prints the usage and exits 0
 * before anything else happens; a bad command line prints what to fix and exits 2, without a stack trace;
 * a closed pipe (`npm run trigger -- --list | head -3`) ends the command quietly with exit 0.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** A command line the user has to fix: the command prints its message (which says what to fix) and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Whether `error` is the user's to fix (exit 2, its message alone): a {@link UsageError} or node's parseArgs refusal. */
export function isUsageError(error: unknown): boolean {
  if (error instanceof UsageError) return true;
  return (error as { code?: unknown } | null)?.code?.toString().startsWith('ERR_PARSE_ARGS') === true;
}

/** Whether the command line asks for help: `--help` or `-h` anywhere in it. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/**
 * `parseArgs` (strict) whose refusals are {@link UsageError}s naming the problem, followed by the usage.
 * Unknown options, a missing value and unexpected positionals are refused rather than ignored.
 */
export function parseCommandLine<T extends Omit<ParseArgsConfig, 'args' | 'strict'>>(
  argv: readonly string[],
  config: T,
  usage: string,
) {
  try {
    return parseArgs({ ...config, args: [...argv], strict: true as const });
  } catch (error) {
    if (!isUsageError(error)) throw error;
    throw new UsageError(`${(error as Error).message}\n\n${usage}`);
  }
}

/**
 * Ends the process quietly with exit 0 when the reader of stdout or stderr goes away (EPIPE: `| head`),
 * instead of node's `Error: write EPIPE` and its stack trace; any other stream error is thrown as before.
 */
export function endQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0);
      throw error;
    });
  }
}

/** How {@link runCommand} ends a command. */
export interface RunCommandOptions {
  /**
   * Exit as soon as `main` resolves, rather than when the event loop empties (for commands whose AWS
   * clients keep sockets open). @default false
   */
  readonly exit?: boolean;
  /** Error names, besides {@link UsageError}, that are the user's to fix (exit 2 with their message). */
  readonly usageErrorNames?: readonly string[];
  /** Prints an error that is not a usage error; @default its stack, as node would */
  readonly describeFailure?: (error: unknown) => string;
}

/**
 * Runs a command's `main` with the arguments after the script name. The number it returns or resolves to
 * is the exit code (else process.exitCode, else 0); a usage error prints its message and exits 2; any other
 * error prints and exits 1. A closed pipe ends it quietly.
 */
export function runCommand(main: (argv: string[]) => unknown, options: RunCommandOptions = {}): void {
  endQuietlyOnClosedPipe();
  const end = (code: number) => {
    if (options.exit) process.exit(code);
    process.exitCode = code;
  };
  Promise.resolve()
    .then(() => main(process.argv.slice(2)))
    .then(
      // Without a number, the exit code `main` may have set (process.exitCode) stands.
      (code) => end(typeof code === 'number' ? code : Number(process.exitCode ?? 0)),
      (error: unknown) => {
        const usage =
          isUsageError(error) || (error instanceof Error && (options.usageErrorNames ?? []).includes(error.name));
        if (usage) {
          process.stderr.write(`${(error as Error).message}\n`);
          end(2);
          return;
        }
        const describe =
          options.describeFailure ??
          ((value: unknown) => (value instanceof Error ? (value.stack ?? value.message) : String(value)));
        process.stderr.write(`${describe(error)}\n`);
        end(1);
      },
    );
}
