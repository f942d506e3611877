/**
 * One run of the verify-path timing (bench/verify-path.ts) in a process of its own, printed as JSON on
 * stdout: bench/receiver.ts starts several and reports the median one, since V8 now and then settles
 * a whole process into slower code for one case, which no number of rounds inside it averages out.
 */
import { buildBenchEvents } from './events';
import { measureVerifyPath } from './verify-path';

measureVerifyPath(buildBenchEvents()).then(
  (results) => process.stdout.write(JSON.stringify(results)),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
