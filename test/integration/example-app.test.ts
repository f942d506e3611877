import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { resolveSettings } from '../../config/settings';
import exampleSubscriptions from '../../examples/custom-handlers/subscriptions';
import { createConsumerHandler } from '../../functions/consumer/create-handler';
import { onRecordOutcome, type RecordOutcome } from '../../functions/consumer/outcome-listeners';
import { devSigningSecret, localSenderAddress } from '../../tools/local/defaults';
import { lambdaContext } from '../../tools/local/lambda-shapes';
import { configureHandlerEnvironment, createLocalResources } from '../../tools/local/resources';
import { buildConsumerSqsEvent } from '../../tools/receiver-events';
import { buildStripeEvent } from '../../tools/stripe-events';
import { sesMessages } from '../support/local-pipeline-client';
import { requireMotoEndpoint } from '../support/wait-for';

// `cdk synth` of a separate app (tsx start, two esbuild bundles) takes about 10 s on 2 cores.
jest.setTimeout(120_000);

const exampleDir = path.join(__dirname, '..', '..', 'examples', 'custom-handlers');

describe('examples/custom-handlers: a team’s own CDK app', () => {
  it('synthesizes offline with its own cdk.json, without AWS credentials', () => {
    // Prepare
    const outdir = mkdtempSync(path.join(tmpdir(), 'example-synth-'));
    try {
      // Act: the CLI pinned in package.json, as `cd examples/custom-handlers && npx cdk synth` runs it
      execFileSync(path.join(__dirname, '..', '..', 'node_modules', '.bin', 'cdk'), ['synth', '-q', '-o', outdir], {
        cwd: exampleDir,
        env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), CI: 'true' },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 100_000,
      });
      const template = JSON.parse(readFileSync(path.join(outdir, 'PaymentsWebhooks.template.json'), 'utf8')) as {
        Resources: Record<
          string,
          { Type: string; Properties?: { Environment?: { Variables?: Record<string, string> } } }
        >;
      };
      const variables = Object.values(template.Resources)
        .filter((resource) => resource.Type === 'AWS::Lambda::Function')
        .map((resource) => resource.Properties?.Environment?.Variables ?? {});
      // Assess: the built-in emails and its own refund handler, the checkout confirmation switched off, and the
      // billing sync's types (checkout.session.completed comes back through it)
      expect(variables.map((v) => v.SUBSCRIBED_EVENT_TYPES).filter(Boolean)).toEqual([
        [
          'charge.refunded',
          'checkout.session.async_payment_failed',
          'checkout.session.async_payment_succeeded',
          'checkout.session.completed',
          'customer.created',
          'customer.deleted',
          'customer.subscription.created',
          'customer.subscription.deleted',
          'customer.subscription.paused',
          'customer.subscription.pending_update_applied',
          'customer.subscription.pending_update_expired',
          'customer.subscription.resumed',
          'customer.subscription.trial_will_end',
          'customer.subscription.updated',
          'customer.updated',
          'entitlements.active_entitlement_summary.updated',
          'invoice.marked_uncollectible',
          'invoice.paid',
          'invoice.payment_action_required',
          'invoice.payment_failed',
          'invoice.payment_succeeded',
          'v1.billing.meter.error_report_triggered',
        ].join(','),
      ]);
      // Its own API Lambda reads the billing state table, named by the pipeline
      const billingApi = variables.filter((v) => v.BILLING_STATE_TABLE_NAME !== undefined && v.STAGE === undefined);
      expect(billingApi.map((v) => Object.keys(v).sort())).toEqual([
        ['BILLING_STATE_TABLE_NAME', 'STRIPE_API_KEY_SECRET_ID'],
      ]);
      expect(variables.map((v) => v.FINANCE_ADDRESS).filter(Boolean)).toEqual(['finance@example.org']);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('runs its own handler once per event against moto, and not the email it switched off', async () => {
    // Prepare: the resources the construct creates, in moto, and the consumer built from the example's module
    const endpoint = requireMotoEndpoint();
    const settings = resolveSettings({ stage: 'local' });
    const resources = await createLocalResources(endpoint, settings, {
      signingSecret: devSigningSecret,
      senderAddress: localSenderAddress,
      nameSuffix: 'example-app',
    });
    configureHandlerEnvironment(endpoint, resources, settings);
    process.env.FINANCE_ADDRESS = 'finance@example.org';
    const handler = createConsumerHandler(exampleSubscriptions);
    const outcomes: RecordOutcome[] = [];
    const stop = onRecordOutcome((outcome) => outcomes.push(outcome));
    const refund = JSON.stringify(buildStripeEvent('charge.refunded'));
    const checkout = JSON.stringify(buildStripeEvent('checkout.session.completed'));
    // Act: the refund twice (Stripe redelivers), and a checkout whose confirmation the example switched off
    for (const body of [refund, refund, checkout]) {
      const response = await handler(buildConsumerSqsEvent(body), lambdaContext('consumer', 30));
      expect(response.batchItemFailures).toEqual([]);
    }
    stop();
    // Assess: the customer's refund email and one finance notice, accepted by SES (read back from moto), a duplicate, and the checkout unhandled
    expect(outcomes.map((o) => o.status)).toEqual(['processed', 'duplicate', 'unhandled']);
    const [first] = outcomes;
    const sent = first?.status === 'processed' ? first.emails : [];
    expect(sent.map((email) => email.to)).toEqual(['jenny.rosen@example.com', 'finance@example.org']);
    expect(sent[1]?.subject).toMatch(/^Refund: /);
    const stored = (await sesMessages(endpoint)).map((message) => message.id);
    for (const email of sent) expect(stored).toContain(email.messageId);
  });
});
