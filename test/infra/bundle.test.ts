import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { envVarNames } from '../../config/contract';
import { buildStack } from './infra-helpers';

// CDK synthesis (and esbuild, where bundling is on) can take longer than Jest's default 5 s on a slow machine.
jest.setTimeout(60_000);

interface FunctionResource {
  readonly Properties: { readonly Handler: string };
  readonly Metadata?: Record<string, unknown>;
}

let outdir: string;
let functions: { logicalId: string; cdkPath: string; assetDir: string; handler: string }[];

/** The construct id of a function (`.../ConsumerFunction/Resource` → `ConsumerFunction`). */
const nameOf = (fn: { cdkPath: string }) => fn.cdkPath.split('/').at(-2);

beforeAll(() => {
  // Prepare: a real synth with esbuild bundling and the asset metadata that `sam local` reads. One synth,
  // with the business alerts on, bundles the default stack's functions and the dispute reminder function:
  // a second bundled synth of the default stack alone would cost seconds and bundle nothing new.
  outdir = mkdtempSync(path.join(tmpdir(), 'stripe-webhooks-assembly-'));
  const stack = buildStack(
    { senderAddress: 'receipts@example.org', businessAlerts: 'true', stripeApiKeySecretName: 'stripe/api-key' },
    { bundle: true, outdir },
  );
  // Act
  const app = stack.node.root;
  if (!App.isApp(app)) throw new Error('the stack is not in an App');
  const assembly = app.synth();
  const resources = assembly.getStackByName(stack.stackName).template.Resources as Record<string, { Type: string }>;
  functions = Object.entries(resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .map(([logicalId, resource]) => {
      const { Properties, Metadata } = resource as unknown as FunctionResource;
      return {
        logicalId,
        cdkPath: String(Metadata?.['aws:cdk:path']),
        assetDir: path.join(assembly.directory, String(Metadata?.['aws:asset:path'])),
        handler: Properties.Handler,
      };
    });
});

afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
});

/** Requires a bundle in a plain Node.js process, as Lambda does, and reports `typeof handler`. */
function handlerTypeOf(file: string, env: Record<string, string>): string {
  const script = `process.stdout.write(typeof require(${JSON.stringify(file)}).handler)`;
  return execFileSync(process.execPath, ['-e', script], {
    // Only what Lambda itself would provide, plus the function's own variables: no credentials, no profile.
    env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 20_000,
  });
}

// The handlers read their environment variables when imported, so requiring them needs these set.
const functionEnvironment: Record<string, string> = {
  [envVarNames.queueUrl]: 'https://sqs.us-east-1.amazonaws.com/123456789012/events',
  [envVarNames.signingSecretId]: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe-webhooks/test-AbCdEf',
  [envVarNames.idempotencyTableName]: 'idempotency',
  [envVarNames.senderAddress]: 'receipts@example.org',
  [envVarNames.stage]: 'test',
  [envVarNames.largeEventBucketName]: 'large-events',
  [envVarNames.subscribedEventTypes]: 'invoice.paid',
  [envVarNames.suppressionTableName]: 'suppression',
  [envVarNames.alertTopicArn]: 'arn:aws:sns:us-east-1:123456789012:business-alerts',
  [envVarNames.stripeApiKeySecretId]: 'stripe/api-key',
};

describe('bundled Lambda assets', () => {
  it('synthesizes exactly the receiver, the consumer and the SES events function by default', () => {
    // Prepare: the default stack, without bundling (its functions are those bundled below, less the reminder)
    const template = Template.fromStack(buildStack({ senderAddress: 'receipts@example.org' }));
    const defaultFunctions = Object.values(template.findResources('AWS::Lambda::Function')).map((resource) =>
      nameOf({ cdkPath: String(resource.Metadata?.['aws:cdk:path']) }),
    );
    // Assess
    expect(defaultFunctions.sort()).toEqual(['ConsumerFunction', 'ReceiverFunction', 'SesEventsFunction']);
    expect(functions.map(nameOf).sort()).toEqual([
      'ConsumerFunction',
      'DisputeReminderFunction',
      'ReceiverFunction',
      'SesEventsFunction',
    ]);
  });

  it('builds each function, the dispute reminder too, into an index.js that exports a handler function', () => {
    // Assess
    expect(functions).toHaveLength(4);
    for (const fn of functions) {
      const bundle = path.join(fn.assetDir, 'index.js');
      expect({ fn: fn.logicalId, handler: fn.handler, bundled: existsSync(bundle) }).toEqual({
        fn: fn.logicalId,
        handler: 'index.handler',
        bundled: true,
      });
      expect({ fn: fn.logicalId, handlerType: handlerTypeOf(bundle, functionEnvironment) }).toEqual({
        fn: fn.logicalId,
        handlerType: 'function',
      });
    }
  });

  it('keeps the email templates and the handlers out of the receiver: only the consumer bundles them', () => {
    // Prepare: text that only the built-in receipt template renders
    const bundleOf = (name: string) => {
      const fn = functions.find((f) => nameOf(f) === name);
      if (fn === undefined) throw new Error(`no ${name}`);
      return readFileSync(path.join(fn.assetDir, 'index.js'), 'utf8');
    };
    const templateText = 'Thank you for your payment.';
    // Assess
    expect(bundleOf('ConsumerFunction')).toContain(templateText);
    expect(bundleOf('ReceiverFunction')).not.toContain(templateText);
    expect(bundleOf('ReceiverFunction')).not.toContain('stripe-webhooks-aws.subscriptions');
  });
});
