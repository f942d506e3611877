/**
 * `npm run bench:tracing`: what opt-in tracing (`tracing=true`, Powertools Tracer) adds to each function's
 * cold start. Each function's Lambda bundle is required in fresh `node` processes, with tracing off and
 * on (`POWERTOOLS_TRACE_ENABLED`), interleaved so that the machine's load hits both alike; the result is
 * the ratio of the medians, on against off, measured in the same run. Writes nothing into the repository.
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { parseCommandLine, runCommand, UsageError, wantsHelp } from '../tools/cli';
import { kib, markdownTable, num, ratio } from '../tools/measure/format';
import { median } from '../tools/measure/timing';
import { childEnvironment, lambdaBuildOptions } from './cold-start';

const repoRoot = path.resolve(__dirname, '..');
const functions = [
  { name: 'receiver', entry: 'functions/receiver/handler.ts' },
  // The consumer with this project's subscriptions, as the construct bundles it by default.
  { name: 'consumer', entry: 'functions/consumer/handler.ts' },
] as const;

function usage(): string {
  return [
    'Usage: npm run bench:tracing -- [--runs N]',
    '',
    'Times requiring each function bundle in fresh node processes with tracing off and on, and prints the',
    'medians as markdown. Bundles go to a temporary directory; nothing is written into the repository.',
    '',
    'Options:',
    '  --runs N     runs of each bundle with tracing off and on (default 20, at least 3)',
    '  -h, --help   show this help',
  ].join('\n');
}

/** Wall time of the process and time of the require() alone, in ms. */
function timeRequire(file: string, env: NodeJS.ProcessEnv): { wallMs: number; requireMs: number } {
  const script = `const s=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(process.hrtime.bigint()-s))`;
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8', timeout: 20_000 });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0)
    throw new Error(`requiring ${file} failed (${child.status ?? child.signal}): ${child.stderr}`);
  return { wallMs, requireMs: Number(child.stdout) / 1e6 };
}

async function main(argv: readonly string[]): Promise<void> {
  if (wantsHelp(argv)) {
    console.log(usage());
    return;
  }
  const { values } = parseCommandLine(argv, { options: { runs: { type: 'string' } } }, usage());
  const runs = values.runs === undefined ? 20 : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 3) {
    throw new UsageError(`--runs ${values.runs}: give a whole number, at least 3.\n\n${usage()}`);
  }
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'bench-tracing-'));
  try {
    const env = childEnvironment(scratch);
    const rows: string[][] = [];
    console.log(`# Tracing cold-start benchmark, ${new Date().toISOString()}\n`);
    console.log(
      `node ${process.version} · ${os.cpus().length} CPUs · load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}\n`,
    );
    for (const fn of functions) {
      const file = path.join(scratch, `${fn.name}.js`);
      const result = await build({
        ...lambdaBuildOptions,
        entryPoints: [path.join(repoRoot, fn.entry)],
        outfile: file,
        absWorkingDir: repoRoot,
        metafile: true,
        logLevel: 'silent',
      });
      const bytes = Object.values(result.metafile.outputs)[0]?.bytes ?? 0;
      const off: { wallMs: number; requireMs: number }[] = [];
      const on: { wallMs: number; requireMs: number }[] = [];
      process.stderr.write(`${fn.name}: ${runs} runs each with tracing off and on `);
      for (let run = 0; run < runs; run += 1) {
        off.push(timeRequire(file, { ...env, POWERTOOLS_TRACE_ENABLED: 'false' }));
        on.push(timeRequire(file, { ...env, POWERTOOLS_TRACE_ENABLED: 'true' }));
        process.stderr.write('.');
      }
      process.stderr.write('\n');
      const offRequire = median(off.map((t) => t.requireMs));
      const onRequire = median(on.map((t) => t.requireMs));
      const offWall = median(off.map((t) => t.wallMs));
      const onWall = median(on.map((t) => t.wallMs));
      rows.push([
        fn.name,
        kib(bytes),
        num(offRequire),
        num(onRequire),
        ratio(onRequire / offRequire),
        num(offWall),
        num(onWall),
        ratio(onWall / offWall),
      ]);
    }
    console.log(
      markdownTable(
        [
          'function',
          'bundle (KiB)',
          'init off (ms)',
          'init on (ms)',
          'init on/off',
          'process off (ms)',
          'process on (ms)',
          'process on/off',
        ],
        rows,
        ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
      ),
    );
    console.log(
      `\nMedians of ${runs} runs each. "init" is the require() of the bundle inside the process (module init, what Lambda's Init Duration counts of our code); "process" is spawn to exit. Tracing off never loads the Tracer.`,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

runCommand(main, { describeFailure: (error) => (error instanceof Error ? error.message : String(error)) });
