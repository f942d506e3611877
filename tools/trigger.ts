/** Entry point of `npm run trigger -- <event-type> ...`; see tools/run-trigger.ts. */
import { runCommand } from './cli';
import { readLocalPipelineState } from './local/state';
import { runTrigger } from './run-trigger';

runCommand(async (argv) => {
  const { exitCode } = await runTrigger(argv, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    localPipeline: readLocalPipelineState,
  });
  return exitCode;
});
