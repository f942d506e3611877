/**
 * `npm run fuzz [-- --runs N] [-- --seed S]`: runs the receiver's fuzzing property (see
 * receiver-properties.ts) on N cases (default 100,000), each an untouched signed request and one
 * mutation of it, and prints what happened. Exits 1 if any mutated request was accepted or any
 * untouched one refused; the seed reproduces the run.
 */
import { parseCommandLine, runCommand, UsageError, wantsHelp } from '../../tools/cli';
import { fuzzReceiver } from './receiver-properties';

const usage = `Usage: npm run fuzz -- [--runs N] [--seed S]

Runs the receiver's fuzzing property on N cases, each an untouched signed request and one mutation of it,
and prints what happened. Exits 1 if any mutated request was accepted or any untouched one refused.

Options:
  --runs N     cases to run (default 100,000)
  --seed S     the seed of a run to repeat (printed at the end of every run)
  -h, --help   show this help`;

export class FuzzUsageError extends UsageError {
  constructor(problem: string) {
    super(`${problem}.\n\n${usage}`);
    this.name = 'FuzzUsageError';
  }
}

function integerOption(name: string, value: string | undefined, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || (name === 'runs' && parsed < 1)) {
    throw new FuzzUsageError(`--${name} ${value} is not ${name === 'runs' ? 'a positive integer' : 'an integer'}`);
  }
  return parsed;
}

async function main(argv: readonly string[]): Promise<number> {
  if (wantsHelp(argv)) {
    console.log(usage);
    return 0;
  }
  const { values } = parseCommandLine(argv, { options: { runs: { type: 'string' }, seed: { type: 'string' } } }, usage);
  const numRuns = integerOption('runs', values.runs, 100_000) ?? 100_000;
  const seed = integerOption('seed', values.seed, undefined);
  console.log(`Fuzzing the receiver with ${numRuns} cases${seed === undefined ? '' : ` (seed ${seed})`}…`);
  const report = await fuzzReceiver({ numRuns, ...(seed === undefined ? {} : { seed }) });

  const width = Math.max(...Object.keys(report.byKind).map((kind) => kind.length));
  console.log('\nMutations (cases each):');
  for (const [kind, count] of Object.entries(report.byKind).sort()) console.log(`  ${kind.padEnd(width)}  ${count}`);
  console.log('\nAnswers to the mutated requests:');
  for (const [outcome, count] of Object.entries(report.byOutcome).sort((a, b) => b[1] - a[1])) {
    console.log(`  ${outcome.padEnd(34)}  ${count}`);
  }
  console.log(`
Cases run:                     ${report.runs} (plus ${report.skipped} skipped: mutations that did not apply)
Untouched requests accepted:   ${report.untouchedAccepted} of ${report.runs}
Mutated requests accepted:     ${report.mutatedAccepted} (must be 0)
Mutated requests refused:      ${report.mutatedRejected}
Time:                          ${(report.durationMs / 1000).toFixed(1)} s
Seed:                          ${report.seed}   (repeat with: npm run fuzz -- --runs ${numRuns} --seed ${report.seed})`);
  if (report.failure !== undefined) {
    console.log(`\nFAILED: ${report.failure}`);
    return 1;
  }
  return 0;
}

runCommand(main);
