/**
 * `npm run fuzz:consumer -- [--runs N] [--seed S]`: runs the consumer's fuzzing property (see
 * consumer-properties.ts) on N cases (default 100,000), each a realistic event of a type a built-in
 * handler subscribes to with fields dropped, nulled or retyped, and prints what happened. Exits 1 if a
 * handler threw anything but an injected outage or an email lost its key facts (the shrunk case is
 * printed), 2 on bad usage; the seed reproduces the run.
 */
import { parseArgs } from 'node:util';
import { fuzzConsumer } from './consumer-properties';

const usage = `Usage: npm run fuzz:consumer -- [--runs N] [--seed S]

Fuzzes the consumer's built-in handlers (customer emails, billing sync and business alerts) with mutated Stripe events.
  --runs N   cases to run (default 100000)
  --seed S   fast-check seed, to repeat a run (default: random, printed)
  --help     this text`;

class FuzzUsageError extends Error {
  constructor(problem: string) {
    super(`${problem}.\n${usage}`);
    this.name = 'FuzzUsageError';
  }
}

function integerOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(parsed) || (name === 'runs' && parsed < 1)) {
    throw new FuzzUsageError(`--${name} ${value} is not ${name === 'runs' ? 'a positive integer' : 'an integer'}`);
  }
  return parsed;
}

async function main(): Promise<number> {
  let values: { runs?: string; seed?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: { runs: { type: 'string' }, seed: { type: 'string' }, help: { type: 'boolean' } },
      strict: true,
    }));
  } catch (error) {
    throw new FuzzUsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const numRuns = integerOption('runs', values.runs) ?? 100_000;
  const seed = integerOption('seed', values.seed);
  console.log(`Fuzzing the consumer with ${numRuns} cases${seed === undefined ? '' : ` (seed ${seed})`}…`);
  const report = await fuzzConsumer({
    numRuns,
    ...(seed === undefined ? {} : { seed }),
    onProgress: (cases, elapsedMs) =>
      console.log(
        `  ${cases} cases in ${(elapsedMs / 1000).toFixed(0)} s (${Math.round((cases / elapsedMs) * 1000)}/s)`,
      ),
  });

  console.log('\nCases by event type:');
  for (const [type, count] of Object.entries(report.byType).sort()) console.log(`  ${type.padEnd(48)}  ${count}`);
  console.log('\nWhat the email handlers did (billing-only types count as "billing only"):');
  for (const [result, count] of Object.entries(report.byResult).sort((a, b) => b[1] - a[1])) {
    console.log(`  ${result.padEnd(48)}  ${count}`);
  }
  console.log(`
Cases run:   ${report.runs}
Failures:    ${report.failure === undefined ? 0 : 1}
Time:        ${(report.durationMs / 1000).toFixed(1)} s
Seed:        ${report.seed}   (repeat with: npm run fuzz:consumer -- --runs ${numRuns} --seed ${report.seed})`);
  if (report.failure !== undefined) {
    console.log(`\nFAILED: ${report.failure}`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof FuzzUsageError ? error.message : error);
    process.exitCode = 2;
  },
);
