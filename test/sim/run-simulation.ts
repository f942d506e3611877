import { parseArgs } from 'node:util';
import { defaultSimulation, runConsumerSimulation } from './consumer-simulation';

/** `npm run sim -- [--events N] [--seed S]`: the full simulation, with its counts. */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: String(defaultSimulation.events) },
      seed: { type: 'string', default: '1' },
    },
  });
  const options = { ...defaultSimulation, events: Number(values.events), seed: Number(values.seed) };
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

main().then((code) => process.exit(code));
