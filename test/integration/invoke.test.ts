import { spawnSync } from 'node:child_process';

jest.setTimeout(60_000);
const root = `${__dirname}/../..`;

/** `npm run invoke` as a user runs it: its own process and its own moto_server. */
function invoke(...args: string[]) {
  const { AWS_ENDPOINT_URL, MOTO_ENDPOINT, STRIPE_WEBHOOK_SECRET, ...env } = process.env;
  return spawnSync(process.execPath, ['--import', 'tsx', 'tools/invoke.ts', ...args], {
    cwd: root,
    env,
    encoding: 'utf8',
  });
}

describe('npm run invoke', () => {
  it.each(['events/receiver-http-api-v2.json', 'events/receiver-rest-api-v1.json'])(
    're-signs the captured receiver event %s and queues it',
    (file) => {
      // Act
      const result = invoke('receiver', file);
      // Assess
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toContain('"statusCode": 200');
      expect(result.stdout).toMatch(/Queued: 1 message\(s\)\n {2}\{"stripe-event-id":"evt_/);
    },
  );

  it('processes the captured SQS event with the real consumer and sends the receipt', () => {
    // Act
    const result = invoke('consumer', 'events/consumer-sqs.json');
    // Assess
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /processed invoice\.paid \[evt_\S+\]\n {2}email "Receipt for invoice [^"]+" to jenny\.rosen@example\.com/,
    );
    expect(result.stdout).toContain('Batch response: {"batchItemFailures":[]}');
  });

  it('prints its usage for a wrong target', () => {
    const result = invoke('sender', 'events/consumer-sqs.json');
    expect(result.status).toBe(2);
    expect(result.stdout).toContain('Usage: npm run invoke -- receiver|consumer <event file>');
  });
});
