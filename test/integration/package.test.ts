import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

// npm pack builds dist/ (tsc, ~15 s), npm install takes the dependencies from npm's cache (~15 s), synth ~10 s.
jest.setTimeout(300_000);

const root = path.join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
};

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    // No credentials, no profile: synth must not need them.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), CI: 'true', npm_config_fund: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 240_000,
  });
}

let project: string;

beforeAll(() => {
  project = mkdtempSync(path.join(tmpdir(), 'stripe-webhooks-package-'));
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

describe('the npm package', () => {
  it('packs, installs into another project, and synthesizes the example against the installed copy', () => {
    // Prepare: the tarball (prepack builds dist/), a fresh project with the example's files
    run('npm', ['pack', '--silent', '--pack-destination', project], root);
    const tarball = readdirSync(project).find((name) => name.endsWith('.tgz'));
    if (tarball === undefined) throw new Error('npm pack wrote no tarball');
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'team-app', private: true }));
    const pin = (name: string) => `${name}@${manifest.devDependencies[name]}`;
    run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        `./${tarball}`,
        pin('aws-cdk-lib'),
        pin('constructs'),
        pin('aws-cdk'),
        pin('tsx'),
      ],
      project,
    );
    for (const item of ['bin', 'subscriptions.ts', 'billing-api.ts']) {
      cpSync(path.join(root, 'examples', 'custom-handlers', item), path.join(project, item), { recursive: true });
    }
    // As an installed project runs it: plain tsx, so the package's compiled dist/ is what loads.
    writeFileSync(path.join(project, 'cdk.json'), JSON.stringify({ app: 'npx tsx bin/app.ts', notices: false }));
    // Act
    const resolved = run(
      'node',
      [
        '-p',
        "['cdk', 'handlers', 'billing-state'].map((entry) => require.resolve('stripe-webhooks-aws/' + entry)).join(' ')",
      ],
      project,
    );
    run(path.join(project, 'node_modules', '.bin', 'cdk'), ['synth', '-q', '-o', 'out'], project);
    const template = readFileSync(path.join(project, 'out', 'PaymentsWebhooks.template.json'), 'utf8');
    const files = run('tar', ['tzf', tarball], project).split('\n');
    // Assess
    expect(resolved.trim().split(' ')).toEqual([
      path.join(project, 'node_modules', 'stripe-webhooks-aws', 'dist', 'lib', 'index.js'),
      path.join(project, 'node_modules', 'stripe-webhooks-aws', 'dist', 'functions', 'handlers.js'),
      path.join(project, 'node_modules', 'stripe-webhooks-aws', 'dist', 'functions', 'billing-state.js'),
    ]);
    // The example's own types and the billing sync's (it turns billingState on)
    expect(template).toContain('"SUBSCRIBED_EVENT_TYPES": "charge.refunded,checkout.session.async_payment_failed,');
    expect(template).toContain('entitlements.active_entitlement_summary.updated,invoice.marked_uncollectible,');
    expect(template).toContain('BillingApi');
    expect(files).toContain('package/dist/lib/index.d.ts');
    expect(files).toContain('package/dist/functions/billing-state.d.ts');
    expect(files.filter((file) => file.startsWith('package/test/') || file.startsWith('package/tools/'))).toEqual([]);
  });
});
