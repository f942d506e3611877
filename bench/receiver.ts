/**
 * `npm run bench:receiver` (issue 3): how fast the receiver verifies and prepares an event, and how
 * big and quick to load its bundle is, each against a stripe-sample receiver. Prints markdown to
 * stdout and writes nothing into the repository (bundles go to a temporary directory).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { version as esbuildVersion } from 'esbuild';
import { measureColdStart, renderColdStart } from './cold-start';
import { buildBenchEvents } from './events';
import { measureVerifyPath, renderVerifyPath } from './verify-path';

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
    `esbuild ${esbuildVersion}`,
    // Other work on the machine shows in every number below; the load average says how much there was.
    `load average ${os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(' ')}`,
  ].join(' · ');
}

async function main(): Promise<void> {
  const started = performance.now();
  // The AWS SDK warns once on Node.js 20 when the sample's SQS client is created; Lambda runs 24.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  console.log(`# Receiver benchmark, ${new Date().toISOString()}\n\n${machine()}\n`);

  console.log(renderVerifyPath(await measureVerifyPath(buildBenchEvents())));

  const scratchDir = mkdtempSync(path.join(os.tmpdir(), 'receiver-bench-'));
  try {
    console.log(`\n${renderColdStart(await measureColdStart(scratchDir))}`);
  } finally {
    rmSync(scratchDir, { recursive: true, force: true });
  }
  console.log(`\n_Benchmark took ${((performance.now() - started) / 1000).toFixed(1)} s._`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
