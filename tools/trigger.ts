/** Entry point of `npm run trigger -- <event-type> ...`; see tools/run-trigger.ts. */
import { runTrigger } from './run-trigger';

runTrigger(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
}).then(
  (result) => {
    process.exitCode = result.exitCode;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
