import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { requireMotoEndpoint } from './wait-for';

/**
 * Runs `npm run redrive -- <args>` (tools/redrive.ts) in a process of its own against the tests' moto, as an
 * operator would: the endpoint and test credentials in the AWS SDK's own variables, no MOTO_ENDPOINT.
 */
export function runRedriveCli(args: readonly string[]): SpawnSyncReturns<string> {
  const { MOTO_ENDPOINT: _tests, ...env } = process.env;
  return spawnSync(process.execPath, ['--import', 'tsx', 'tools/redrive.ts', ...args], {
    cwd: join(__dirname, '..', '..'),
    encoding: 'utf8',
    env: {
      ...env,
      AWS_ENDPOINT_URL: requireMotoEndpoint(),
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    },
  });
}
