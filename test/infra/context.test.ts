import { App, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { InvalidSettingError } from '../../config/settings';
import { addStripeWebhooks } from '../../lib/app';
import { InvalidContextError, placeholderSenderAddress, readAppConfig } from '../../lib/app-context';
import { buildStack, logicalIdOf, resourceOf, skipBundling, statementsOfRole } from './infra-helpers';

// CDK synthesis (and esbuild, where bundling is on) can take longer than Jest's default 5 s on a slow machine.
jest.setTimeout(60_000);

const configOf = (context: Record<string, unknown>) => readAppConfig(new App({ context }).node);

describe('context parsing', () => {
  it('parses numbers given as strings by -c, and numbers from cdk.json', () => {
    // Act
    const fromCli = configOf({ maxReceiveCount: '3', consumerTimeoutSeconds: ' 60 ', consumerBatchSize: '5' });
    const fromJson = configOf({ maxReceiveCount: 3, consumerMaxConcurrency: 20 });
    // Assess
    expect(fromCli.settings).toMatchObject({ maxReceiveCount: 3, consumerTimeoutSeconds: 60, consumerBatchSize: 5 });
    expect(fromJson.settings).toMatchObject({ maxReceiveCount: 3, consumerMaxConcurrency: 20 });
  });

  it('defaults to stage dev, the placeholder sender as its own SES identity and the stage secret name', () => {
    // Act
    const config = configOf({});
    // Assess
    expect(config).toMatchObject({
      settings: { stage: 'dev' },
      senderAddress: placeholderSenderAddress,
      senderAddressIsPlaceholder: true,
      sesIdentity: placeholderSenderAddress,
      signingSecretName: 'stripe-webhooks/dev/signing-secret',
      localEndpointUrl: undefined,
    });
  });

  it.each([
    [{ maxReceiveCount: 'three' }, InvalidContextError],
    [{ consumerBatchSize: '11' }, InvalidSettingError],
    [{ consumerTimeoutSeconds: '2.5' }, InvalidSettingError],
    [{ stage: 'Prod' }, InvalidSettingError],
    [{ senderAddress: 'not-an-address' }, InvalidContextError],
    [{ senderAddress: 'receipts@example.org', sesIdentity: 'example.com' }, InvalidContextError],
    [{ localEndpointUrl: 'localhost:5000' }, InvalidContextError],
  ])('rejects %j', (context, errorClass) => {
    // Act + Assess
    expect(() => configOf(context)).toThrow(errorClass);
  });

  it('accepts the sender domain, or a parent domain, as SES identity', () => {
    // Act + Assess
    expect(configOf({ senderAddress: 'receipts@mail.example.org', sesIdentity: 'mail.example.org' }).sesIdentity).toBe(
      'mail.example.org',
    );
    expect(configOf({ senderAddress: 'receipts@mail.example.org', sesIdentity: 'example.org' }).sesIdentity).toBe(
      'example.org',
    );
  });
});

describe('context overrides in the template', () => {
  let stackName: string;
  let template: Template;
  let ids: { queue: string; consumer: string; consumerRole: string; secret: string };

  beforeAll(() => {
    // Prepare: values as `-c key=value` delivers them, all strings.
    const stack = buildStack({
      stage: 'prod',
      senderAddress: 'receipts@example.org',
      sesIdentity: 'example.org',
      signingSecretName: 'payments/stripe-signing-secret',
      maxReceiveCount: '3',
      consumerTimeoutSeconds: '60',
      consumerBatchSize: '5',
      consumerMaxConcurrency: '20',
      idempotencyRetentionDays: '45',
    });
    // Act
    template = Template.fromStack(stack);
    stackName = stack.stackName;
    const role = stack.pipeline.consumer.fn.role;
    if (role === undefined) throw new Error('consumer without role');
    const { signingSecret } = stack.pipeline;
    if (signingSecret === undefined) throw new Error('webhook ingress without signing secret');
    ids = {
      queue: logicalIdOf(stack.pipeline.eventQueue.queue),
      consumer: logicalIdOf(stack.pipeline.consumer.fn),
      consumerRole: logicalIdOf(role),
      secret: logicalIdOf(signingSecret),
    };
  });

  it('names the stack after the stage and passes the stage to both functions', () => {
    // Assess
    expect(stackName).toBe('StripeWebhooks-prod');
    const stages = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (f) => (f.Properties.Environment.Variables as Record<string, unknown>).STAGE,
    );
    expect(stages).toEqual(['prod', 'prod', 'prod']); // receiver, consumer, SES events
  });

  it('uses the given secret name', () => {
    // Assess
    expect(resourceOf(template, ids.secret).Properties?.Name).toBe('payments/stripe-signing-secret');
    template.hasOutput('SigningSecretName', { Value: 'payments/stripe-signing-secret' });
  });

  it('redrives after maxReceiveCount=3', () => {
    // Assess
    expect(resourceOf(template, ids.queue).Properties?.RedrivePolicy).toMatchObject({ maxReceiveCount: 3 });
  });

  it('derives the visibility timeout from consumerTimeoutSeconds=60', () => {
    // Assess
    expect(resourceOf(template, ids.consumer).Properties?.Timeout).toBe(60);
    expect(resourceOf(template, ids.queue).Properties?.VisibilityTimeout).toBe(360);
  });

  it('passes idempotencyRetentionDays=45 to the consumer, which reads it from its environment', () => {
    // Assess
    expect(resourceOf(template, ids.consumer).Properties?.Environment).toMatchObject({
      Variables: { IDEMPOTENCY_RETENTION_DAYS: '45' },
    });
  });

  it('applies the batch size and maximum concurrency', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 5,
      ScalingConfig: { MaximumConcurrency: 20 },
    });
  });

  it('authorizes sending through the domain identity, still only from the sender address', () => {
    // Prepare
    const ses = statementsOfRole(template, ids.consumerRole)
      .filter((s) => s.Action.includes('ses:SendEmail'))
      // The configuration set's grant (test/infra/email-deliverability.test.ts) is not an identity.
      .filter((s) => !JSON.stringify(s.Resource).includes(':configuration-set/'));
    // Assess
    expect(ses).toHaveLength(1);
    expect(JSON.stringify(ses[0]?.Resource)).toMatch(/:identity\/example\.org"\]\]\}\]$/);
    expect(ses[0]?.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'receipts@example.org' } });
  });
});

describe('synth-time warnings', () => {
  it('warns that the sender is a placeholder when senderAddress is missing, and only then', () => {
    // Prepare
    const withoutSender = buildStack({});
    const withSender = buildStack({ senderAddress: 'receipts@example.org' });
    // Act
    const warningsWithout = Annotations.fromStack(withoutSender).findWarning(
      '*',
      Match.stringLikeRegexp('senderAddress='),
    );
    const warningsWith = Annotations.fromStack(withSender).findWarning('*', Match.stringLikeRegexp('senderAddress='));
    // Assess
    expect(warningsWithout).toHaveLength(1);
    expect(warningsWith).toHaveLength(0);
  });
});

describe('localEndpointUrl (sam local only)', () => {
  it('declares AWS_ENDPOINT_URL on both functions, and warns not to deploy', () => {
    // Prepare
    const stack = buildStack({
      senderAddress: 'receipts@example.org',
      localEndpointUrl: 'http://host.docker.internal:5000',
    });
    // Act
    const template = Template.fromStack(stack);
    // Assess
    const endpoints = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (f) => (f.Properties.Environment.Variables as Record<string, unknown>).AWS_ENDPOINT_URL,
    );
    expect(endpoints).toEqual([
      'http://host.docker.internal:5000',
      'http://host.docker.internal:5000',
      'http://host.docker.internal:5000', // the SES events function
    ]);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('never deploy'))).toHaveLength(1);
  });
});

describe('cdk-nag', () => {
  it('is registered by the app and fails the synth on an unacknowledged AwsSolutions finding', () => {
    // Prepare: the real app plus one queue that breaks AwsSolutions-SQS3/SQS4 (no DLQ, no TLS enforcement).
    const app = new App({ context: { ...skipBundling, senderAddress: 'receipts@example.org' } });
    const stack = addStripeWebhooks(app);
    new Queue(stack, 'NonCompliantQueue');
    // Act + Assess
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
  });

  it('passes on the stack as built, with only the acknowledged findings', () => {
    // Prepare
    const app = new App({ context: { ...skipBundling, senderAddress: 'receipts@example.org' } });
    const stack = addStripeWebhooks(app);
    // Act
    const assembly = app.synth();
    // Assess
    expect(assembly.getStackByName(stack.stackName).template).toBeDefined();
    const acknowledged = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata)
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>))
      .map(([rule, reason]) => ({ rule: rule.replace(/^\w+::/, ''), reasonGiven: reason.length > 40 }))
      .sort((a, b) => a.rule.localeCompare(b.rule));
    const iam4 =
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]';
    const iam5 = `AwsSolutions-IAM5[Resource::<${logicalIdOf(stack.pipeline.largeEventBucket)}.Arn>/events/*]`;
    expect(acknowledged).toEqual([
      { rule: 'AwsSolutions-APIG4', reasonGiven: true },
      { rule: iam4, reasonGiven: true },
      { rule: iam4, reasonGiven: true },
      { rule: iam4, reasonGiven: true }, // the SES events function (lib/email-deliverability.ts)
      { rule: iam5, reasonGiven: true },
      { rule: iam5, reasonGiven: true },
      { rule: 'AwsSolutions-S1', reasonGiven: true },
      { rule: 'AwsSolutions-SMG4', reasonGiven: true },
      { rule: 'AwsSolutions-SQS3', reasonGiven: true }, // the SES events dead-letter queue is one
    ]);
  });
});

describe('livemode', () => {
  it('tells the consumer which Stripe mode to handle (-c livemode=live), and refuses other values', () => {
    // Act
    const template = Template.fromStack(buildStack({ livemode: 'live' }));
    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ACCEPTED_LIVEMODE: 'live' }) },
    });
    expect(() => buildStack({ livemode: 'production' })).toThrow(InvalidSettingError);
  });
});

describe('SES sending rate', () => {
  it('sets the consumer concurrency and the per-instance send interval from sesSendRatePerSecond=1 (sandbox)', () => {
    // Prepare
    const stack = buildStack({ sesSendRatePerSecond: '1' });
    // Act
    const template = Template.fromStack(stack);
    // Assess
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 2 } });
    expect(resourceOf(template, logicalIdOf(stack.pipeline.consumer.fn)).Properties?.Environment).toMatchObject({
      Variables: { EMAIL_SEND_INTERVAL_MS: '2000' },
    });
  });
});
