import { parseCommandLine, runCommand, UsageError, wantsHelp } from '../../tools/cli';
import { defaultSimulation, runConsumerSimulation } from './consumer-simulation';

const usage = `Usage: npm run sim -- [--events N] [--seed S]

Runs the seeded consumer simulation in this process: N events through the real processRecord and email
handlers under at-least-once delivery (a virtual SQS queue with duplicates, retries and a dead-letter
queue; failing table writes, SES throttling and errors, crashes), then checks the invariants and prints
the counts. Exits 1 if any invariant fails.

Options:
  --events N   events to simulate (default ${defaultSimulation.events})
  --seed S     the seed of the faults (default 1)
  -h, --help   show this help`;

function integerOption(name: string, value: string, min: number): number {
  const parsed = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min) {
    throw new UsageError(`--${name} ${JSON.stringify(value)} is not a whole number of at least ${min}.\n\n${usage}`);
  }
  return parsed;
}

/** `npm run sim -- [--events N] [--seed S]`: the full simulation, with its counts. */
async function main(argv: readonly string[]): Promise<number> {
  if (wantsHelp(argv)) {
    console.log(usage);
    return 0;
  }
  const { values } = parseCommandLine(
    argv,
    {
      options: {
        events: { type: 'string', default: String(defaultSimulation.events) },
        seed: { type: 'string', default: '1' },
      },
    },
    usage,
  );
  const options = {
    ...defaultSimulation,
    events: integerOption('events', values.events, 1),
    seed: integerOption('seed', values.seed, Number.MIN_SAFE_INTEGER),
  };
  const started = performance.now();
  const report = await runConsumerSimulation(options);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const { violations, ...counts } = report;
  console.log(
    `Consumer simulation: ${options.events} events, seed ${options.seed}, faults ${JSON.stringify(options.faults)}`,
  );
  for (const [name, value] of Object.entries(counts)) console.log(`  ${name.padEnd(26)} ${value}`);
  console.log(`  ${'wall time'.padEnd(26)} ${seconds} s`);
  console.log(
    violations.length === 0
      ? 'All invariants hold.'
      : `${violations.length} violations:\n  ${violations.slice(0, 20).join('\n  ')}`,
  );
  return violations.length === 0 ? 0 : 1;
}

runCommand(main, { exit: true });
