import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { SESClient, VerifyDomainIdentityCommand, VerifyEmailIdentityCommand } from '@aws-sdk/client-ses';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { ensureConfigurationSet, localClientConfig } from '../../tools/local/resources';
import { main } from '../../tools/ses-check';
import { requireMotoEndpoint } from '../support/wait-for';

const endpoint = requireMotoEndpoint();
const ses = new SESClient(localClientConfig(endpoint));
const sesv2 = new SESv2Client(localClientConfig(endpoint));
jest.setTimeout(30_000);

/** The environment of someone pointing the tool at moto. */
const env = {
  AWS_ENDPOINT_URL: endpoint,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
};
const unique = randomUUID().slice(0, 8);
const verifiedSender = `receipts@${unique}.ses-check.example.com`;
const configurationSet = `ses-check-${unique}`;

beforeAll(async () => {
  await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: verifiedSender }));
  // As `npm start` creates it: the construct's suppression and reputation settings.
  await ensureConfigurationSet(sesv2, configurationSet);
});
afterAll(() => {
  ses.destroy();
  sesv2.destroy();
});

async function check(argv: string[]): Promise<{ code: number; output: string }> {
  const printed: string[] = [];
  const code = await main(argv, env, (text) => printed.push(text));
  return { code, output: printed.join('\n') };
}

describe('npm run ses:check against moto', () => {
  it('passes a verified sender and an existing configuration set, and lists what to look at', async () => {
    // Act
    const { code, output } = await check(['--sender', verifiedSender, '--configuration-set', configurationSet]);
    // Assess
    expect(code).toBe(0);
    expect(output).toContain(`SES check (region us-east-1, endpoint ${endpoint})`);
    expect(output).toContain(`✓ Sender ${verifiedSender} is verified (as the address itself)`);
    expect(output).toContain(`✓ Configuration set ${configurationSet} exists`);
    expect(output).toContain(`✓ Configuration set ${configurationSet} suppresses BOUNCE and COMPLAINT`);
    expect(output).not.toContain('Reputation metrics are off');
    // moto keeps no event destinations for SES v2 and publishes none: said so, not hidden
    expect(output).toContain(`! Configuration set ${configurationSet} publishes no bounces and complaints`);
    // ✓, or ! once the other test files sent over 80 % of moto's sandbox quota
    expect(output).toMatch(/[✓!] Quota: \d+ emails per 24 h, \d+ per second/);
    // moto has no SES v2 GetAccount: said so, not a crash
    expect(output).toMatch(/! could not read the account \(SES v2 GetAccount.*\) from this endpoint/);
    // moto's quota is the sandbox's, and its DKIM for a domain that is no identity is NotStarted
    expect(output).toContain('! Probably in the sandbox');
    expect(output).toMatch(/! DKIM is not set up for [\w.-]+ \(status NotStarted\)/);
    expect(output).toMatch(/Nothing blocks sending; \d+ thing\(s\) to look at/);
  });

  it('accepts a sender whose domain is the verified identity', async () => {
    // Prepare
    const domain = `${unique}-domain.ses-check.example.com`;
    await ses.send(new VerifyDomainIdentityCommand({ Domain: domain }));
    // Act
    const { code, output } = await check(['--sender', `billing@${domain}`]);
    // Assess
    expect(code).toBe(0);
    expect(output).toContain(`✓ Sender billing@${domain} is verified (as its domain ${domain})`);
    expect(output).toContain('! No configuration set given');
  });

  it('exits 1 for an unverified sender and a configuration set that does not exist, saying what to fix', async () => {
    // Act
    const { code, output } = await check([
      '--sender',
      `nobody@${unique}-unverified.example.com`,
      '--configuration-set',
      `missing-${unique}`,
    ]);
    // Assess
    expect(code).toBe(1);
    expect(output).toMatch(/✗ Sender nobody@\S+ is not verified .*aws sesv2 create-email-identity/);
    expect(output).toContain(`✗ Configuration set missing-${unique} does not exist in this region`);
    expect(output).toContain('2 problem(s) block sending (✗)');
  });

  it('exits 1 when nothing can be read at all (no SES at that endpoint)', async () => {
    // Act
    const printed: string[] = [];
    const code = await main(['--sender', verifiedSender], { ...env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' }, (text) =>
      printed.push(text),
    );
    // Assess
    expect(code).toBe(1);
    expect(printed.join('\n')).toContain('✗ Nothing could be read from SES');
  });

  it('runs as `npm run ses:check` does: exit code, help, and the sender taken from SENDER_ADDRESS', async () => {
    // Prepare
    const run = (args: string[], extra: Record<string, string> = {}) =>
      promisify(execFile)(
        path.join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx'),
        [path.join(__dirname, '..', '..', 'tools', 'ses-check.ts'), ...args],
        { env: { PATH: process.env.PATH ?? '', ...env, ...extra }, encoding: 'utf8' },
      ).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
      );
    // Act
    const [help, fine, blocked] = await Promise.all([
      run(['--help']),
      run([], { SENDER_ADDRESS: verifiedSender }),
      run(['--sender', `nobody@${unique}-cli.example.com`]),
    ]);
    // Assess
    expect(help).toMatchObject({ code: 0, stdout: expect.stringContaining('Usage: npm run ses:check') });
    expect(fine.code).toBe(0);
    expect(fine.stdout).toContain(`✓ Sender ${verifiedSender} is verified`);
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toContain('✗ Sender');
  });
});
