/**
 * `npm run bench:receiver` (issue 3): how fast the receiver verifies and prepares an event, and how
 * big and quick to load its bundle is, each against a stripe-sample receiver. Prints markdown to
 * stdout and writes nothing into the repository (bundles go to a temporary directory).
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { version as esbuildVersion } from 'esbuild';
import { parseCommandLine, runCommand, UsageError, wantsHelp } from '../tools/cli';
import { measureColdStart, renderColdStart } from './cold-start';
import { measureVerifyPathRuns, renderVerifyPath } from './verify-path';

function packageVersion(name: string): string {
  const file = path.resolve(__dirname, '..', 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

function machine(): string {
  const cpus = os.cpus();
  return [
    `node ${process.version}`,
    `${os.platform()} ${os.arch()}`,
    `${cpus.length} CPUs (${cpus[0]?.model.trim() ?? 'unknown model'})`,
    `stripe ${packageVersion('stripe')}`,
    `@aws-sdk/client-sqs ${packageVersion('@aws-sdk/client-sqs')}`,
    `aws4 ${packageVersion('aws4')}`,
    `@aws-lite/client ${packageVersion('@aws-lite/client')}`,
    `esbuild ${esbuildVersion}`,
    // Other work on the machine shows in every number below; the load average says how much there was.
    `load average ${os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(' ')}`,
  ].join(' · ');
}

const usage = `Usage: npm run bench:receiver -- [--only verify|cold-start]

Prints markdown to stdout (about a minute on 2 cores; progress on stderr):
  1. the verify path per event (3 KB, 100 KB): ours vs stripe's constructEvent, where the time goes
     (3 runs in fresh processes; the median one is shown, with every run's ratios);
  2. bundle size and module init of ours, the stripe sample and the SQS client alone, and the AWS
     client alternatives side by side (SDK v3, lazy SDK, @aws-lite, aws4 over node:https, the
     Parameters and Secrets Extension), each as init above bare node and against the sample.
Ratios are from one run (part 1: the median of its 3); on a shared machine compare several.
  --only verify       part 1 only
  --only cold-start   part 2 only
  -h, --help          show this help`;

/** Odd, so that one run is the median. */
const verifyRuns = 3;

async function main(argv: readonly string[]): Promise<void> {
  if (wantsHelp(argv)) {
    console.log(usage);
    return;
  }
  const { only } = parseCommandLine(argv, { options: { only: { type: 'string' } } }, usage).values;
  if (only !== undefined && only !== 'verify' && only !== 'cold-start') {
    throw new UsageError(`--only takes verify or cold-start, not ${JSON.stringify(only)}.\n\n${usage}`);
  }
  const started = performance.now();
  // The AWS SDK warns once on Node.js 20 when the sample's SQS client is created; Lambda runs 24.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  console.log(`# Receiver benchmark, ${new Date().toISOString()}\n\n${machine()}\n`);

  if (only !== 'cold-start') {
    console.error(`bench:receiver: timing the verify path, ${verifyRuns} runs in fresh processes (about 30 s)...`);
    const runs = await measureVerifyPathRuns(verifyRuns, (done) =>
      console.error(`bench:receiver: verify run ${done}/${verifyRuns} done`),
    );
    console.log(renderVerifyPath(runs.median, runs));
  }
  if (only !== 'verify') {
    console.error('bench:receiver: building the bundles and timing their init in fresh processes (about 45 s)...');
    const scratchDir = mkdtempSync(path.join(os.tmpdir(), 'receiver-bench-'));
    try {
      console.log(`\n${renderColdStart(await measureColdStart(scratchDir))}`);
    } finally {
      rmSync(scratchDir, { recursive: true, force: true });
    }
  }
  console.log(`\n_Benchmark took ${((performance.now() - started) / 1000).toFixed(1)} s._`);
}

runCommand(main);
