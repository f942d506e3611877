import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { envVarNames } from '../../config/contract';
import type { StripeWebhooksStack } from '../../lib/stripe-webhooks-stack';
import { localResourceNames, localSenderAddress } from '../../tools/local/defaults';
import { localDeliverabilityNames } from '../../tools/local/resources';
import { buildStack, functionLogicalIds, logicalIdOf, receiverOf } from './infra-helpers';

// CDK synthesis (and esbuild, where bundling is on) can take longer than Jest's default 5 s on a slow machine.
jest.setTimeout(60_000);

/** `events/env.json`: variables for `sam local invoke --env-vars`, keyed by function logical ID. */
const envFile = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'events', 'env.json'), 'utf8')) as Record<
  string,
  Record<string, string>
>;

const endpointOf = (fnVariables: Record<string, string> | undefined) => fnVariables?.AWS_ENDPOINT_URL;

let devStack: StripeWebhooksStack;
let devTemplate: Template;

beforeAll(() => {
  // Prepare + Act: the template `sam local invoke` runs against (synth with -c localEndpointUrl=...).
  devStack = buildStack({ localEndpointUrl: endpointOf(Object.values(envFile)[0]) });
  devTemplate = Template.fromStack(devStack);
});

describe('events/env.json', () => {
  it('is keyed by exactly the logical IDs of the three functions', () => {
    // Assess
    expect(functionLogicalIds(devTemplate)).toHaveLength(3);
    expect(Object.keys(envFile).sort()).toEqual(functionLogicalIds(devTemplate));
  });

  it('stays valid for every stage: the logical IDs do not depend on the context', () => {
    // Prepare
    const prod = buildStack({ stage: 'prod', senderAddress: 'receipts@example.org', maxReceiveCount: '3' });
    // Act
    const prodIds = functionLogicalIds(Template.fromStack(prod));
    // Assess
    expect(prodIds).toEqual(functionLogicalIds(devTemplate));
  });

  it('only sets variables the template declares (sam local ignores the others)', () => {
    // Assess
    for (const [logicalId, variables] of Object.entries(envFile)) {
      const declared = Object.keys(devTemplate.toJSON().Resources[logicalId].Properties.Environment.Variables);
      expect({ logicalId, undeclared: Object.keys(variables).filter((name) => !declared.includes(name)) }).toEqual({
        logicalId,
        undeclared: [],
      });
    }
  });

  it('points the receiver at the local queue, secret and bucket', () => {
    // Prepare
    const receiver = envFile[logicalIdOf(receiverOf(devStack.pipeline).fn)];
    // Assess
    expect(receiver).toEqual({
      AWS_ENDPOINT_URL: 'http://host.docker.internal:5000',
      [envVarNames.queueUrl]: `http://host.docker.internal:5000/123456789012/${localResourceNames.queue}`,
      [envVarNames.signingSecretId]: localResourceNames.signingSecret,
      [envVarNames.largeEventBucketName]: localResourceNames.largeEventBucket,
      [envVarNames.stage]: 'local',
    });
  });

  it('points the consumer at the local table, sender and bucket', () => {
    // Prepare
    const consumer = envFile[logicalIdOf(devStack.pipeline.consumer.fn)];
    // Assess
    expect(consumer).toEqual({
      AWS_ENDPOINT_URL: 'http://host.docker.internal:5000',
      [envVarNames.idempotencyTableName]: localResourceNames.idempotencyTable,
      [envVarNames.senderAddress]: localSenderAddress,
      [envVarNames.largeEventBucketName]: localResourceNames.largeEventBucket,
      [envVarNames.stage]: 'local',
    });
  });

  it('points the SES events function at the local suppression table', () => {
    // Prepare
    const sesEvents = envFile[logicalIdOf(devStack.pipeline.emailDeliverability.fn)];
    // Assess
    expect(sesEvents).toEqual({
      AWS_ENDPOINT_URL: 'http://host.docker.internal:5000',
      [envVarNames.suppressionTableName]: localDeliverabilityNames.suppressionTable,
      [envVarNames.stage]: 'local',
    });
  });

  it('lets sam find each function by its construct id, which is unique in the stack', () => {
    // Prepare: sam takes the path segment before /Resource of aws:cdk:path as the function id.
    const samIds = Object.values(devTemplate.findResources('AWS::Lambda::Function')).map((f) =>
      String(f.Metadata['aws:cdk:path']).split('/').at(-2),
    );
    // Assess
    expect(samIds.sort()).toEqual(['ConsumerFunction', 'ReceiverFunction', 'SesEventsFunction']);
  });
});
