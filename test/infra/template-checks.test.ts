/**
 * The synthesized templates pass cfn-lint with no error, and cdk-nag's AwsSolutions checks with every
 * acknowledged finding carrying its reason: for the default stack and for one with every optional
 * feature on. Each variant is synthesized once; cfn-lint runs once over both templates.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { addStripeWebhooks } from '../../lib/app';
import { skipBundling } from './infra-helpers';

jest.setTimeout(120_000);

/** Every optional feature of the context table on. */
const everyFeature = {
  stage: 'prod',
  senderAddress: 'receipts@example.org',
  sesIdentity: 'example.org',
  livemode: 'live',
  stripeIpAllowlist: 'true',
  stripeApiKeySecretName: 'stripe-webhooks/prod/api-key',
  accountLevelSuppression: 'true',
  ingress: 'both',
  stripeEventSourceName: 'aws.partner/stripe.com/ed_test_61RkNotARealSource',
  emailBusinessName: 'Example Shop',
  emailSupportAddress: 'help@example.org',
  emailLogoUrl: 'https://example.org/logo.png',
  emailDefaultLocale: 'fr',
  alarmEmail: 'ops@example.com',
  logLevel: 'DEBUG',
  logRetentionDays: '90',
  receiverReservedConcurrency: '20',
  tracing: 'true',
  stripeEndpoint: 'managed',
  stripeEndpointOnDelete: 'delete',
  stripeEndpointConnect: 'true',
  reconciler: 'true',
  reconcilerIntervalMinutes: '30',
  billingState: 'true',
  billingStatePastDueAccess: 'false',
  businessAlerts: 'true',
  alertEmail: 'alerts@example.org',
  alertWebhookSecretName: 'stripe-webhooks/prod/alert-webhook',
  businessAlertsOff: 'account_requirements',
  disputeReminderLeadHours: '96',
  connectedAccountEmails: JSON.stringify({
    acct_1ShopTest: { senderAddress: 'billing@shop.example.net', emailBusinessName: 'Shop Test' },
  }),
};

const variants = { default: { senderAddress: 'receipts@example.org' }, 'every feature': everyFeature };

interface Acknowledgement {
  readonly path: string;
  readonly rule: string;
  readonly reason: string;
}

interface Synthesized {
  readonly template: string;
  readonly acknowledgements: Acknowledgement[];
}

const outdir = mkdtempSync(path.join(tmpdir(), 'template-checks-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** Synthesizes one variant (cdk-nag runs in the synth and throws on an unacknowledged finding). */
function synthesize(name: string, context: Record<string, string>): Synthesized {
  const app = new App({
    context: { ...skipBundling, ...context },
    outdir: path.join(outdir, name.replace(/\W/g, '-')),
  });
  const stack = addStripeWebhooks(app);
  const assembly = app.synth();
  const acknowledgements = stack.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, unknown>).map(([rule, reason]) => ({
          path: construct.node.path,
          rule,
          reason: typeof reason === 'string' ? reason : '',
        })),
      ),
  );
  return { template: assembly.getStackByName(stack.stackName).templateFullPath, acknowledgements };
}

const synthesized = new Map<string, Synthesized>();
function variant(name: keyof typeof variants): Synthesized {
  let result = synthesized.get(name);
  if (result === undefined) {
    result = synthesize(name, variants[name]);
    synthesized.set(name, result);
  }
  return result;
}

describe.each(Object.keys(variants) as (keyof typeof variants)[])('the %s stack', (name) => {
  it('synthesizes with cdk-nag AwsSolutions, and every acknowledged finding says why', () => {
    // Act
    const { acknowledgements } = variant(name);
    // Assess: a reason is a sentence, not a placeholder
    expect(acknowledgements.length).toBeGreaterThan(0);
    const withoutReason = acknowledgements.filter(({ reason }) => reason.trim().split(/\s+/).length < 8);
    expect(withoutReason).toEqual([]);
  });
});

// Where .ci/run installs cfn-lint when it is not on PATH (a venv: Debian's system Python refuses pip, PEP 668).
const cfnLintVenv = '.local/cfn-lint-venv';

/** cfn-lint from PATH, else the one .ci/run installed into the venv. */
function cfnLintCommand(): string {
  const onPath = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  if (onPath.error === undefined) return 'cfn-lint';
  return path.resolve(__dirname, '..', '..', cfnLintVenv, 'bin', 'cfn-lint');
}

describe('cfn-lint', () => {
  it('finds no error in either template', () => {
    // Prepare
    const templates = Object.keys(variants).map((name) => variant(name as keyof typeof variants).template);
    // Act
    const run = spawnSync(cfnLintCommand(), ['--format', 'json', '--', ...templates], { encoding: 'utf8' });
    // Assess
    if (run.error !== undefined) {
      throw new Error(
        `cfn-lint could not be run (${run.error.message}): put it on PATH (\`pipx install cfn-lint\`), or run .ci/run, which installs it into ${cfnLintVenv}.`,
      );
    }
    const findings = JSON.parse(run.stdout || '[]') as {
      Level: string;
      Rule: { Id: string };
      Message: string;
      Filename: string;
    }[];
    const errors = findings
      .filter((finding) => finding.Level === 'Error')
      .map((finding) => `${path.basename(finding.Filename)} ${finding.Rule.Id}: ${finding.Message}`);
    expect(errors).toEqual([]);
    // Exit code 2 is the error bit; warnings (4) and informational findings (8) do not fail the check.
    expect((run.status ?? 1) & 3).toBe(0);
  });
});
