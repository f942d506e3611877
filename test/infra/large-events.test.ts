import { Match, Template } from 'aws-cdk-lib/assertions';
import { envVarNames, largeEventKeyPrefix } from '../../config/contract';
import { resolveSettings } from '../../config/settings';
import type { StripeWebhooksStack } from '../../lib/stripe-webhooks-stack';
import {
  buildStack,
  logicalIdOf,
  receiverOf,
  resourceOf,
  resourcesOf,
  type Statement,
  statementsOfRole,
} from './infra-helpers';

// CDK synthesis can take longer than Jest's default 5 s on a slow machine.
jest.setTimeout(60_000);

const defaults = resolveSettings();

let stack: StripeWebhooksStack;
let template: Template;
let bucketId: string;

beforeAll(() => {
  // Prepare + Act: the app as `cdk synth` builds it.
  stack = buildStack({ senderAddress: 'receipts@example.org' });
  template = Template.fromStack(stack);
  bucketId = logicalIdOf(stack.pipeline.largeEventBucket);
});

const bucketArn = () => ({ 'Fn::GetAtt': [bucketId, 'Arn'] });
const objectsUnderPrefix = () => ({ 'Fn::Join': ['', [bucketArn(), `/${largeEventKeyPrefix}*`]] });
const s3Statements = (statements: Statement[]) => statements.filter((s) => s.Action.some((a) => a.startsWith('s3:')));
function roleOf(fn: StripeWebhooksStack['pipeline']['consumerFunction']): string {
  if (fn.role === undefined) throw new Error(`${fn.node.path} has no role`);
  return logicalIdOf(fn.role);
}

describe('large event bucket', () => {
  it('is the only bucket, encrypted with S3-managed keys, private and owner-enforced', () => {
    // Assess
    template.resourceCountIs('AWS::S3::Bucket', 1);
    expect(resourceOf(template, bucketId).Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    expect(resourceOf(template, bucketId).Properties?.VersioningConfiguration).toBeUndefined();
  });

  it('denies every request that is not made over TLS, on the bucket and on its objects', () => {
    // Assess
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: [bucketArn(), { 'Fn::Join': ['', [bucketArn(), '/*']] }],
          }),
        ]),
      },
    });
  });

  it('expires bodies after the settings retention, which outlasts the queue and the dead-letter queue together', () => {
    // Prepare
    const properties = resourceOf(template, bucketId).Properties ?? {};
    const rules = (properties.LifecycleConfiguration as { Rules?: unknown[] } | undefined)?.Rules;
    // Assess
    expect(rules).toEqual([
      {
        Id: 'expire-event-bodies',
        Prefix: largeEventKeyPrefix,
        Status: 'Enabled',
        ExpirationInDays: defaults.largeEventRetentionDays,
      },
    ]);
    expect(defaults.largeEventRetentionDays).toBeGreaterThan(
      defaults.queueRetentionDays + defaults.deadLetterRetentionDays,
    );
  });

  it('is retained on stack deletion and needs no auto-delete custom resource', () => {
    // Assess
    expect(resourceOf(template, bucketId)).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    // The receiver, the consumer and the SES events function: no provider function for a custom resource.
    template.resourceCountIs('AWS::Lambda::Function', 3);
  });

  it('is named in both functions environment and in the outputs', () => {
    // Assess
    for (const fn of [receiverOf(stack.pipeline).fn, stack.pipeline.consumer.fn]) {
      const properties = resourceOf(template, logicalIdOf(fn)).Properties ?? {};
      const variables = (properties.Environment as { Variables?: object } | undefined)?.Variables;
      expect(variables).toMatchObject({ [envVarNames.largeEventBucketName]: { Ref: bucketId } });
    }
    template.hasOutput('LargeEventBucketName', { Value: { Ref: bucketId } });
  });
});

describe('large event bucket permissions', () => {
  it('lets the receiver only put objects under the prefix: it cannot read, list or delete them', () => {
    // Prepare
    const statements = s3Statements(statementsOfRole(template, roleOf(receiverOf(stack.pipeline).fn)));
    // Assess
    expect(statements).toEqual([{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: [objectsUnderPrefix()] }]);
  });

  it('lets the consumer only get objects under the prefix: it cannot write, list or delete them', () => {
    // Prepare
    const statements = s3Statements(statementsOfRole(template, roleOf(stack.pipeline.consumer.fn)));
    // Assess
    expect(statements).toEqual([{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: [objectsUnderPrefix()] }]);
  });

  it('grants no other identity any S3 action', () => {
    // Prepare: every IAM policy in the template, whichever role it is attached to.
    const roles = [roleOf(receiverOf(stack.pipeline).fn), roleOf(stack.pipeline.consumer.fn)];
    expect(s3Statements(statementsOfRole(template, roleOf(stack.pipeline.emailDeliverability.fn)))).toEqual([]);
    roles.push(roleOf(stack.pipeline.emailDeliverability.fn));
    const otherPolicies = Object.values(resourcesOf(template))
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .filter((r) => !roles.some((role) => JSON.stringify(r.Properties?.Roles) === JSON.stringify([{ Ref: role }])));
    // Assess
    expect(otherPolicies).toEqual([]);
  });
});
