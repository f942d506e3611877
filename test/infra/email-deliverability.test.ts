import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { envVarNames, suppressionTableSchema } from '../../config/contract';
import { EmailDeliverability } from '../../lib/email-deliverability';
import type { StripeWebhooksStack } from '../../lib/stripe-webhooks-stack';
import { buildStack, logicalIdOf, resourceOf, skipBundling, statementsOfRole } from './infra-helpers';

jest.setTimeout(60_000);

const sender = 'receipts@example.org';
const getAtt = (id: string, attribute: string) => ({ 'Fn::GetAtt': [id, attribute] });
const ref = (id: string) => ({ Ref: id });

let stack: StripeWebhooksStack;
let template: Template;
let ids: {
  configurationSet: string;
  topic: string;
  key: string;
  table: string;
  fn: string;
  fnRole: string;
  consumer: string;
  consumerRole: string;
  deadLetterQueue: string;
};

beforeAll(() => {
  // Prepare + Act: the app as `cdk synth -c senderAddress=...` builds it
  stack = buildStack({ senderAddress: sender });
  template = Template.fromStack(stack);
  const deliverability = stack.pipeline.emailDeliverability;
  if (deliverability.fn.role === undefined || stack.pipeline.consumer.fn.role === undefined)
    throw new Error('no roles');
  ids = {
    configurationSet: logicalIdOf(deliverability.configurationSet),
    topic: logicalIdOf(deliverability.topic),
    key: logicalIdOf(deliverability.topicKey),
    table: logicalIdOf(deliverability.table),
    fn: logicalIdOf(deliverability.fn),
    fnRole: logicalIdOf(deliverability.fn.role),
    consumer: logicalIdOf(stack.pipeline.consumer.fn),
    consumerRole: logicalIdOf(stack.pipeline.consumer.fn.role),
    deadLetterQueue: logicalIdOf(deliverability.deadLetterQueue),
  };
});

/** The ARN of the configuration set, as the template writes it. */
const configurationSetArn = () => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':ses:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ':configuration-set/',
      ref(ids.configurationSet),
    ],
  ],
});

describe('the SES configuration set', () => {
  it('suppresses bounces and complaints and has reputation metrics on', () => {
    // Assess
    template.resourceCountIs('AWS::SES::ConfigurationSet', 1);
    expect(resourceOf(template, ids.configurationSet).Properties).toMatchObject({
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
      ReputationOptions: { ReputationMetricsEnabled: true },
    });
  });

  it('publishes bounces, complaints, rejects and delivery delays, and only those, to the topic', () => {
    // Assess
    template.resourceCountIs('AWS::SES::ConfigurationSetEventDestination', 1);
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: ref(ids.configurationSet),
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: ['bounce', 'complaint', 'reject', 'deliveryDelay'],
        SnsDestination: { TopicARN: ref(ids.topic) },
      },
    });
  });
});

describe('the events topic', () => {
  it('is encrypted with a rotated key whose policy lets SES publish for this configuration set only', () => {
    // Assess
    expect(resourceOf(template, ids.topic).Properties?.KmsMasterKeyId).toEqual(getAtt(ids.key, 'Arn'));
    const key = resourceOf(template, ids.key).Properties as {
      EnableKeyRotation: boolean;
      KeyPolicy: { Statement: unknown[] };
    };
    expect(key.EnableKeyRotation).toBe(true);
    expect(key.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'ses.amazonaws.com' },
        Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' }, 'aws:SourceArn': configurationSetArn() },
        },
      }),
    );
  });

  it('denies publishing without TLS and lets SES publish only from this account and configuration set', () => {
    // Assess
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [ref(ids.topic)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'ses.amazonaws.com' },
            Condition: {
              StringEquals: { 'AWS:SourceAccount': { Ref: 'AWS::AccountId' }, 'AWS:SourceArn': configurationSetArn() },
            },
          }),
        ]),
      },
    });
  });

  it('has the SES events function subscribed, with a dead-letter queue for what SNS cannot deliver', () => {
    // Assess
    template.resourceCountIs('AWS::SNS::Subscription', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: ref(ids.topic),
      Endpoint: getAtt(ids.fn, 'Arn'),
      RedrivePolicy: { deadLetterTargetArn: getAtt(ids.deadLetterQueue, 'Arn') },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'sns.amazonaws.com',
      SourceArn: ref(ids.topic),
      FunctionName: getAtt(ids.fn, 'Arn'),
    });
  });
});

describe('the SES events function', () => {
  it('runs the ses-events handler on the pipeline runtime, retries twice, then hands failures to the queue', () => {
    // Assess
    expect(resourceOf(template, ids.fn).Properties).toMatchObject({
      Runtime: Runtime.NODEJS_24_X.name,
      Architectures: ['arm64'],
      Environment: {
        Variables: {
          [envVarNames.suppressionTableName]: ref(ids.table),
          [envVarNames.stage]: 'dev',
          POWERTOOLS_SERVICE_NAME: 'stripe-webhook-ses-events',
        },
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: ref(ids.fn),
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: getAtt(ids.deadLetterQueue, 'Arn') } },
    });
  });

  it('may only put items in the suppression table (and send failures to its queue)', () => {
    // Prepare
    const statements = statementsOfRole(template, ids.fnRole);
    // Assess
    expect(statements.filter((s) => s.Action.some((a) => a.startsWith('dynamodb:')))).toEqual([
      { Effect: 'Allow', Action: ['dynamodb:PutItem'], Resource: [getAtt(ids.table, 'Arn')] },
    ]);
    const others = statements.filter((s) => !s.Action.some((a) => a.startsWith('dynamodb:')));
    expect(others.flatMap((s) => s.Action).every((a) => a.startsWith('sqs:'))).toBe(true);
    expect(others.map((s) => s.Resource)).toEqual(others.map(() => [getAtt(ids.deadLetterQueue, 'Arn')]));
  });
});

describe('the suppression table', () => {
  it('is keyed by address, on demand, encrypted, with point-in-time recovery, and retained', () => {
    // Prepare
    const table = resourceOf(template, ids.table);
    // Assess
    expect(table.Properties).toMatchObject({
      KeySchema: [{ AttributeName: suppressionTableSchema.partitionKey, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: suppressionTableSchema.partitionKey, AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
    expect(table.Properties?.TimeToLiveSpecification).toBeUndefined();
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
  });
});

describe('the consumer', () => {
  it('gets the configuration set and suppression table names', () => {
    // Assess
    expect(resourceOf(template, ids.consumer).Properties?.Environment).toMatchObject({
      Variables: {
        [envVarNames.sesConfigurationSetName]: ref(ids.configurationSet),
        [envVarNames.suppressionTableName]: ref(ids.table),
      },
    });
  });

  it('may send through the configuration set, from the sender address only', () => {
    // Prepare
    const statements = statementsOfRole(template, ids.consumerRole);
    // Assess
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['ses:SendEmail', 'ses:SendRawEmail'],
      Resource: [configurationSetArn()],
      Condition: { StringEquals: { 'ses:FromAddress': sender } },
    });
  });

  it('may only get items from the suppression table', () => {
    // Prepare
    const statements = statementsOfRole(template, ids.consumerRole);
    // Assess
    const onTable = statements.filter((s) => JSON.stringify(s.Resource).includes(ids.table));
    expect(onTable).toEqual([{ Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: [getAtt(ids.table, 'Arn')] }]);
  });
});

describe('account-level suppression', () => {
  it('is left alone by default: no custom resource', () => {
    // Assess
    expect(stack.pipeline.emailDeliverability.accountSuppression).toBeUndefined();
    template.resourceCountIs('Custom::AWS', 0);
  });

  it('with -c accountLevelSuppression=true, calls SESv2 PutAccountSuppressionAttributes for BOUNCE and COMPLAINT', () => {
    // Act
    const on = Template.fromStack(buildStack({ senderAddress: sender, accountLevelSuppression: 'true' }));
    // Assess
    on.resourceCountIs('Custom::AWS', 1);
    const resource = Object.values(on.findResources('Custom::AWS'))[0] as { Properties: Record<string, string> };
    for (const phase of ['Create', 'Update']) {
      expect(JSON.parse(resource.Properties[phase] ?? '{}')).toMatchObject({
        service: 'SESv2',
        action: 'PutAccountSuppressionAttributes',
        parameters: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
      });
    }
    // Account-wide, possibly older than the stack: deleting the stack leaves it as it is.
    expect(resource.Properties.Delete).toBeUndefined();
    on.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{ Effect: 'Allow', Action: 'ses:PutAccountSuppressionAttributes', Resource: '*' }],
      },
    });
  });

  it('stays off with -c accountLevelSuppression=false, and refuses a value that is not a boolean', () => {
    // Act
    const off = Template.fromStack(buildStack({ senderAddress: sender, accountLevelSuppression: 'false' }));
    // Assess
    off.resourceCountIs('Custom::AWS', 0);
    expect(() => buildStack({ senderAddress: sender, accountLevelSuppression: 'yes' })).toThrow(
      /accountLevelSuppression.*true or false/,
    );
  });
});

describe('EmailDeliverability on its own', () => {
  it('grants a function of a team’s own stack sending through the configuration set and reading the table', () => {
    // Prepare
    const app = new App({ context: skipBundling });
    const own = new Stack(app, 'TeamStack');
    const deliverability = new EmailDeliverability(own, 'Deliverability', { configurationSetName: 'team-emails' });
    const fn = new NodejsFunction(own, 'Mailer', { entry: `${__dirname}/../fixtures/no-subscriptions.ts` });
    // Act
    deliverability.grantSendingTo(fn);
    // Assess
    const ownTemplate = Template.fromStack(own);
    ownTemplate.hasResourceProperties('AWS::SES::ConfigurationSet', { Name: 'team-emails' });
    ownTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [envVarNames.sesConfigurationSetName]: Match.anyValue(),
          [envVarNames.suppressionTableName]: Match.anyValue(),
        }),
      },
    });
    ownTemplate.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'dynamodb:GetItem' }),
          Match.objectLike({ Action: ['ses:SendEmail', 'ses:SendRawEmail'], Condition: Match.absent() }),
        ]),
      },
    });
  });
});
