import { Match, Template } from 'aws-cdk-lib/assertions';
import { webhookPath } from '../../config/contract';
import { resolveSettings } from '../../config/settings';
import type { StripeWebhooksStack } from '../../lib/stripe-webhooks-stack';
import { buildStack, logicalIdOf, resourceOf, type Statement, statementsOfRole } from './infra-helpers';

// CDK synthesis (and esbuild, where bundling is on) can take longer than Jest's default 5 s on a slow machine.
jest.setTimeout(60_000);

const defaults = resolveSettings();
const sender = 'receipts@example.org';

let stack: StripeWebhooksStack;
let template: Template;
let ids: {
  queue: string;
  deadLetterQueue: string;
  receiver: string;
  consumer: string;
  receiverRole: string;
  consumerRole: string;
  table: string;
  secret: string;
  api: string;
  largeEventBucket: string;
};

beforeAll(() => {
  // Prepare: the app as `cdk synth -c senderAddress=...` builds it, with every other context key at its default.
  stack = buildStack({ senderAddress: sender });
  // Act
  template = Template.fromStack(stack);
  const { receiver, consumer, eventQueue, signingSecret } = stack.pipeline;
  // The default ingress is the webhook, so the receiver and the signing secret exist.
  if (receiver === undefined || signingSecret === undefined) throw new Error('webhook ingress without receiver');
  if (receiver.fn.role === undefined || consumer.fn.role === undefined) throw new Error('functions without roles');
  ids = {
    queue: logicalIdOf(eventQueue.queue),
    deadLetterQueue: logicalIdOf(eventQueue.deadLetterQueue),
    receiver: logicalIdOf(receiver.fn),
    consumer: logicalIdOf(consumer.fn),
    receiverRole: logicalIdOf(receiver.fn.role),
    consumerRole: logicalIdOf(consumer.fn.role),
    table: logicalIdOf(consumer.table),
    secret: logicalIdOf(signingSecret),
    api: logicalIdOf(receiver.api),
    largeEventBucket: logicalIdOf(stack.pipeline.largeEventBucket),
  };
});

const getAtt = (id: string, attribute: string) => ({ 'Fn::GetAtt': [id, attribute] });
function accessLogGroupOf(built: StripeWebhooksStack) {
  if (built.pipeline.receiver === undefined) throw new Error('webhook ingress without receiver');
  return built.pipeline.receiver.accessLogGroup;
}
const ref = (id: string) => ({ Ref: id });

describe('stack identity', () => {
  it('is named StripeWebhooks-dev by default and is environment-agnostic', () => {
    // Assess
    expect(stack.stackName).toBe('StripeWebhooks-dev');
    expect(stack.environment).toBe('aws://unknown-account/unknown-region');
  });
});

describe('event queue and dead-letter queue', () => {
  it('encrypts both queues with SQS-managed keys', () => {
    // Assess
    expect(resourceOf(template, ids.queue).Properties?.SqsManagedSseEnabled).toBe(true);
    expect(resourceOf(template, ids.deadLetterQueue).Properties?.SqsManagedSseEnabled).toBe(true);
  });

  it.each([
    ['event queue', () => ids.queue],
    ['dead-letter queue', () => ids.deadLetterQueue],
  ])('denies every request to the %s that is not made over TLS', (_name, queueId) => {
    // Assess
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref(queueId())],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sqs:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: getAtt(queueId(), 'Arn'),
          }),
        ]),
      },
    });
  });

  it('sets the visibility timeout to six times the consumer timeout', () => {
    // Prepare
    const consumerTimeout = resourceOf(template, ids.consumer).Properties?.Timeout;
    // Assess
    expect(consumerTimeout).toBe(defaults.consumerTimeoutSeconds);
    expect(resourceOf(template, ids.queue).Properties?.VisibilityTimeout).toBe(6 * Number(consumerTimeout));
    expect(resourceOf(template, ids.queue).Properties?.VisibilityTimeout).toBe(180);
  });

  it('keeps events for the settings retention and redrives to the DLQ after 5 receives', () => {
    // Assess
    expect(resourceOf(template, ids.queue).Properties).toMatchObject({
      MessageRetentionPeriod: defaults.queueRetentionDays * 86_400,
      RedrivePolicy: { deadLetterTargetArn: getAtt(ids.deadLetterQueue, 'Arn'), maxReceiveCount: 5 },
    });
  });

  it('keeps dead letters for 14 days and does not redrive them further', () => {
    // Assess
    const properties = resourceOf(template, ids.deadLetterQueue).Properties;
    expect(properties?.MessageRetentionPeriod).toBe(1_209_600);
    expect(properties?.RedrivePolicy).toBeUndefined();
  });

  it('alarms as soon as one message is visible in the DLQ', () => {
    // Assess
    // One per dead-letter queue; the other alarms (lib/operations/alarms.ts) watch other metrics.
    const dlqAlarms = template.findResources('AWS::CloudWatch::Alarm', {
      Properties: { MetricName: 'ApproximateNumberOfMessagesVisible' },
    });
    expect(Object.keys(dlqAlarms)).toHaveLength(1);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: getAtt(ids.deadLetterQueue, 'QueueName') }],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(logicalIdOf(stack.pipeline.eventQueue.deadLetterAlarm)).toMatch(/DeadLetterAlarm/);
  });
});

describe('functions', () => {
  it.each([
    ['receiver', () => ids.receiver, defaults.receiverTimeoutSeconds],
    ['consumer', () => ids.consumer, defaults.consumerTimeoutSeconds],
  ])(
    'runs the %s on Node.js 22 or newer, arm64, with the settings timeout and its own log group',
    (_name, id, timeout) => {
      // Prepare
      const properties = resourceOf(template, id()).Properties ?? {};
      const runtimeVersion = Number(/^nodejs(\d+)\.x$/.exec(String(properties.Runtime))?.[1]);
      const logGroupRef = (properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      // Assess
      expect(runtimeVersion).toBeGreaterThanOrEqual(22);
      expect(properties.Architectures).toEqual(['arm64']);
      expect(properties.Handler).toBe('index.handler');
      expect(properties.Timeout).toBe(timeout);
      expect(properties.MemorySize).toBe(256);
      expect(resourceOf(template, logGroupRef)).toMatchObject({
        Type: 'AWS::Logs::LogGroup',
        Properties: { RetentionInDays: 30 },
      });
    },
  );

  it('gives the receiver exactly the queue URL, the secret ARN, the bucket, the stage, the subscribed types and its service name', () => {
    // Assess
    expect(resourceOf(template, ids.receiver).Properties?.Environment).toEqual({
      Variables: {
        EVENT_QUEUE_URL: ref(ids.queue),
        SIGNING_SECRET_ID: ref(ids.secret),
        LARGE_EVENT_BUCKET_NAME: ref(ids.largeEventBucket),
        STAGE: 'dev',
        // The built-in emails' types, read from functions/subscriptions.ts at synth (not imported by the receiver).
        SUBSCRIBED_EVENT_TYPES:
          'charge.refunded,checkout.session.completed,customer.subscription.deleted,customer.subscription.trial_will_end,invoice.paid,invoice.payment_action_required,invoice.payment_failed',
        POWERTOOLS_SERVICE_NAME: 'stripe-webhook-receiver',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
    });
  });

  it('gives the consumer exactly the table name, the sender, the bucket, the stage, the retention, its timeout and its service name', () => {
    // Assess
    expect(resourceOf(template, ids.consumer).Properties?.Environment).toEqual({
      Variables: {
        IDEMPOTENCY_TABLE_NAME: ref(ids.table),
        SENDER_ADDRESS: sender,
        LARGE_EVENT_BUCKET_NAME: ref(ids.largeEventBucket),
        STAGE: 'dev',
        IDEMPOTENCY_RETENTION_DAYS: '30',
        CONSUMER_TIMEOUT_SECONDS: '30',
        // 1000 ms × 7 instances / 14 emails/s, the default SES rate
        EMAIL_SEND_INTERVAL_MS: '500',
        ACCEPTED_LIVEMODE: 'any',
        EMAIL_DEFAULT_LOCALE: 'en',
        EVENT_QUEUE_URL: ref(ids.queue),
        // An event failing its last attempt is dead-lettered by the consumer, with the reason (dead-letter-reason.test.ts).
        DEAD_LETTER_QUEUE_URL: ref(ids.deadLetterQueue),
        MAX_RECEIVE_COUNT: '5',
        POWERTOOLS_SERVICE_NAME: 'stripe-webhook-consumer',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        // Added by EmailDeliverability.grantSendingTo (test/infra/email-deliverability.test.ts).
        SES_CONFIGURATION_SET_NAME: ref(logicalIdOf(stack.pipeline.configurationSet)),
        SUPPRESSION_TABLE_NAME: ref(logicalIdOf(stack.pipeline.suppressionTable)),
      },
    });
  });

  it('feeds the consumer from the event queue with partial batch responses and the settings limits', () => {
    // Assess
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: getAtt(ids.queue, 'Arn'),
      FunctionName: ref(ids.consumer),
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      // Derived from the default SES rate of 14 emails/s: one instance per 2 emails/s.
      ScalingConfig: { MaximumConcurrency: 7 },
    });
  });
});

describe('HTTP API', () => {
  it('has the single route POST /webhook, proxied to the receiver with payload format 2.0', () => {
    // Assess
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: `POST ${webhookPath}` });
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: getAtt(ids.receiver, 'Arn'),
    });
  });

  it('lets API Gateway invoke the receiver only through the webhook route', () => {
    // Assess
    // The other permission lets SNS invoke the SES events function (test/infra/email-deliverability.test.ts).
    expect(
      Object.keys(
        template.findResources('AWS::Lambda::Permission', {
          Properties: { FunctionName: getAtt(ids.receiver, 'Arn') },
        }),
      ),
    ).toHaveLength(1);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: getAtt(ids.receiver, 'Arn'),
      Principal: 'apigateway.amazonaws.com',
      SourceArn: { 'Fn::Join': ['', Match.arrayWith([`/*/*${webhookPath}`])] },
    });
  });

  it('auto-deploys a throttled, access-logged $default stage', () => {
    // Assess
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: ref(ids.api),
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: Match.anyValue(), ThrottlingBurstLimit: Match.anyValue() },
      AccessLogSettings: {
        DestinationArn: getAtt(logicalIdOf(accessLogGroupOf(stack)), 'Arn'),
        Format: Match.stringLikeRegexp('\\$context\\.requestId'),
      },
    });
  });
});

describe('idempotency table', () => {
  it('is keyed by pk, on-demand, expires items by expiresAt, has PITR and is retained', () => {
    // Assess
    expect(resourceOf(template, ids.table)).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
    });
  });
});

describe('signing secret', () => {
  it('is created under the stage name with a generated placeholder value and retained', () => {
    // Assess
    expect(resourceOf(template, ids.secret)).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: { Name: 'stripe-webhooks/dev/signing-secret', GenerateSecretString: {} },
    });
  });

  it('never puts a secret value in the template', () => {
    // Prepare
    const json = JSON.stringify(template.toJSON());
    const keys = new Set<string>();
    JSON.parse(json, (key, value) => {
      keys.add(key);
      return value;
    });
    // Assess
    expect(json).not.toMatch(/whsec_/i);
    expect(keys).toContain('GenerateSecretString');
    expect(keys).not.toContain('SecretString');
    expect(keys).not.toContain('SecretStringTemplate');
  });
});

describe('least privilege', () => {
  const basicExecutionRole = {
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole']],
  };
  const actionsOf = (statements: Statement[]) => statements.flatMap((s) => s.Action).sort();

  it('has only the three function roles, with the basic execution policy and no inline policies', () => {
    // Assess: the receiver's, the consumer's and the SES events function's (test/infra/email-deliverability.test.ts)
    template.resourceCountIs('AWS::IAM::Role', 3);
    template.resourceCountIs('AWS::IAM::Policy', 3);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    for (const role of [ids.receiverRole, ids.consumerRole]) {
      const properties = resourceOf(template, role).Properties;
      expect(properties?.ManagedPolicyArns).toEqual([basicExecutionRole]);
      expect(properties?.Policies).toBeUndefined();
    }
  });

  it('lets the receiver only send to the event queue, read the signing secret and put large event bodies', () => {
    // Prepare
    const statements = statementsOfRole(template, ids.receiverRole);
    // Assess
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
    expect(actionsOf(statements)).toEqual(
      [
        's3:PutObject',
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ].sort(),
    );
    const resourceOfService: Record<string, unknown> = {
      sqs: getAtt(ids.queue, 'Arn'),
      secretsmanager: ref(ids.secret),
      s3: { 'Fn::Join': ['', [getAtt(ids.largeEventBucket, 'Arn'), '/events/*']] },
    };
    for (const statement of statements) {
      expect(statement.Resource).toEqual([resourceOfService[statement.Action[0]?.split(':')[0] ?? '']]);
    }
  });

  it('lets the consumer receive from the queue, send only to that queue and its dead-letter queue, and update and read table items', () => {
    // Prepare
    const statements = statementsOfRole(template, ids.consumerRole);
    const sqsStatements = statements.filter((s) => s.Action.some((a) => a.startsWith('sqs:')));
    const sqsActions = sqsStatements.flatMap((s) => s.Action);
    const dynamoStatements = statements.filter((s) => s.Action.some((a) => a.startsWith('dynamodb:')));
    // Assess
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
    expect([...new Set(sqsActions)].sort()).toEqual(
      [
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
        // A throttled event goes back to the same queue as a fresh, delayed copy.
        'sqs:SendMessage',
      ].sort(),
    );
    // The dead-letter queue too, for sending only: an event failing its last attempt goes there with its reason.
    const onDeadLetterQueue = (s: Statement) =>
      JSON.stringify(s.Resource) === JSON.stringify([getAtt(ids.deadLetterQueue, 'Arn')]);
    const onQueue = sqsStatements.filter((s) => !onDeadLetterQueue(s));
    expect(sqsStatements.filter(onDeadLetterQueue)).toEqual([
      {
        Effect: 'Allow',
        Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        Resource: [getAtt(ids.deadLetterQueue, 'Arn')],
      },
    ]);
    expect(onQueue.map((s) => s.Resource)).toEqual(onQueue.map(() => [getAtt(ids.queue, 'Arn')]));
    expect(dynamoStatements).toEqual([
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], Resource: [getAtt(ids.table, 'Arn')] },
      // The suppression list, looked up before each send.
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem'],
        Resource: [getAtt(logicalIdOf(stack.pipeline.suppressionTable), 'Arn')],
      },
    ]);
  });

  it('lets the consumer send e-mail only through its SES identity and only from the sender address', () => {
    // Prepare
    const statements = statementsOfRole(template, ids.consumerRole);
    const sesStatements = statements.filter((s) => s.Action.some((a) => a.startsWith('ses:')));
    // Assess
    expect(sesStatements).toEqual([
      {
        Effect: 'Allow',
        Action: ['ses:SendEmail', 'ses:SendRawEmail'],
        Resource: [
          {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':ses:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                `:identity/${sender}`,
              ],
            ],
          },
        ],
        Condition: { StringEquals: { 'ses:FromAddress': sender } },
      },
      // A send that names the configuration set is authorized against it too (test/infra/email-deliverability.test.ts).
      expect.objectContaining({
        Action: ['ses:SendEmail', 'ses:SendRawEmail'],
        Condition: { StringEquals: { 'ses:FromAddress': sender } },
      }),
    ]);
    // Nothing else: every consumer action is one of the SQS, DynamoDB or SES actions checked above, or
    // s3:GetObject (checked in large-events.test.ts).
    // (grantSendMessages repeats GetQueueAttributes and GetQueueUrl in its own statement.)
    expect(actionsOf(statements)).toHaveLength(5 + 3 + 3 + 2 + 1 + 2 + 2 + 1);
  });

  it('uses no wildcard action or resource in any function policy', () => {
    // Prepare
    const statements = [
      ...statementsOfRole(template, ids.receiverRole),
      ...statementsOfRole(template, ids.consumerRole),
    ];
    // Assess
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      expect(statement.Action.filter((a) => a.includes('*'))).toEqual([]);
      expect(statement.Resource).not.toContain('*');
    }
  });
});

describe('outputs', () => {
  it('exposes the webhook URL including the path', () => {
    // Assess
    template.hasOutput('WebhookUrl', {
      Value: { 'Fn::Join': ['', [getAtt(ids.api, 'ApiEndpoint'), webhookPath]] },
    });
  });

  it.each([
    ['EventQueueName', () => getAtt(ids.queue, 'QueueName')],
    ['DeadLetterQueueName', () => getAtt(ids.deadLetterQueue, 'QueueName')],
    ['IdempotencyTableName', () => ref(ids.table)],
    ['LargeEventBucketName', () => ref(ids.largeEventBucket)],
    ['SigningSecretName', () => 'stripe-webhooks/dev/signing-secret'],
    ['SigningSecretArn', () => ref(ids.secret)],
  ])('exposes %s', (name, value) => {
    // Assess
    template.hasOutput(name, { Value: value() });
  });
});
