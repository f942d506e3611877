import { runSmoke } from '../../tools/run-smoke';
import { useTestPipeline } from '../support/test-pipeline';
import { requireMotoEndpoint } from '../support/wait-for';

const signingSecret = 'whsec_smoke_test_secret_not_real';
const endpoint = requireMotoEndpoint();
jest.setTimeout(60_000);

const { pipeline } = useTestPipeline({
  signingSecret,
  resourceNameSuffix: '-smoke',
});

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env: {} } };
}

describe('npm run smoke against the local pipeline', () => {
  it('sends a signed test event, waits until its idempotency record is done, and prints the timings', async () => {
    // Prepare
    const { out, err, io: smokeIo } = io();
    const target = ['--url', pipeline().webhookUrl, '--table', pipeline().resources.tableName, '--endpoint', endpoint];
    // Act
    const result = await runSmoke([...target, '--secret', signingSecret, '--timeout', '30'], smokeIo);
    // Assess
    expect(err).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(out).toEqual([
      `Smoke test: ${pipeline().webhookUrl} (idempotency table ${pipeline().resources.tableName})`,
      `→ invoice.paid ${result.eventId} (test mode, amount 0: no email)`,
      expect.stringMatching(/^✔ 200 in \d+ ms$/),
      '… waiting for its idempotency record to be done (up to 30 s)',
      expect.stringMatching(/^✔ done \d+ ms after sending$/),
      `Timings: answer ${result.answerMs} ms, done ${result.doneMs} ms (event ${result.eventId})`,
    ]);
    expect(result.doneMs).toBeGreaterThanOrEqual(result.answerMs ?? Number.POSITIVE_INFINITY);
    // The pipeline did process it, and sent nothing (amount 0: no receipt)
    expect(
      pipeline()
        .events()
        .find((event) => event.id === result.eventId)?.status,
    ).toBe('processed');
    expect((await pipeline().emails()).filter((email) => email.eventId === result.eventId)).toEqual([]);
  });

  it('fails with exit code 1 and says what to check when the endpoint refuses the signature', async () => {
    // Prepare
    const { err, io: smokeIo } = io();
    const target = ['--url', pipeline().webhookUrl, '--table', pipeline().resources.tableName, '--endpoint', endpoint];
    // Act
    const result = await runSmoke([...target, '--secret', 'whsec_other_secret_not_a_real_key'], smokeIo);
    // Assess
    expect(result.exitCode).toBe(1);
    expect(err.join('\n')).toMatch(/✗ 400 after \d+ ms: .*signature_mismatch[\s\S]*pass --secret/);
  });

  it('has --help, and refuses a half-given target with exit code 2', async () => {
    const help = io();
    expect((await runSmoke(['--help'], help.io)).exitCode).toBe(0);
    expect(help.out.join('\n')).toMatch(/^Usage: npm run smoke -- \[--stack NAME/);
    const half = io();
    expect((await runSmoke(['--url', 'http://127.0.0.1:1/webhook'], half.io)).exitCode).toBe(2);
    expect(half.err.join('\n')).toContain('--url and --table go together');
    const both = io();
    expect((await runSmoke(['--stack', 'S', '--url', 'http://x/webhook'], both.io)).exitCode).toBe(2);
    expect(both.err.join('\n')).toContain('either --stack or --url');
  });

  it('reads a deployed stack’s URL, table and secret through --stack', async () => {
    // Prepare: the stack reader stands for CloudFormation and Secrets Manager, the pipeline for AWS
    const { out, io: smokeIo } = io();
    const stacks: string[] = [];
    // Act
    const result = await runSmoke(['--stack', 'StripeWebhooks-dev', '--region', 'us-east-1'], {
      ...smokeIo,
      readStack: async (name, region) => {
        stacks.push(`${name} ${region}`);
        return {
          url: pipeline().webhookUrl,
          table: pipeline().resources.tableName,
          secret: signingSecret,
          endpoint,
          region,
        };
      },
    });
    // Assess
    expect(stacks).toEqual(['StripeWebhooks-dev us-east-1']);
    expect(result.exitCode).toBe(0);
    expect(out.at(-1)).toMatch(/^Timings: answer \d+ ms, done \d+ ms/);
  });
});
