/** Entry point of `npm run smoke -- ...`; see tools/run-smoke.ts. */
import { endQuietlyOnClosedPipe } from './cli';
import { quietSdkNodeVersionWarning } from './local/resources';
import { runSmoke } from './run-smoke';

quietSdkNodeVersionWarning();
endQuietlyOnClosedPipe();

runSmoke(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
}).then(
  (result) => {
    process.exitCode = result.exitCode;
    // The DynamoDB client keeps sockets open; the command is done.
    process.exit();
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
