import { Annotations, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { envVarNames, largeEventKeyPrefix, webhookPath } from '../config/contract';
import type { PipelineSettings } from '../config/settings';
import { EventQueue } from './event-queue';
import { LargeEventBucket } from './large-event-bucket';
import { WebhookConsumer } from './webhook-consumer';
import { WebhookReceiver } from './webhook-receiver';

/** Name of the environment variable Powertools reads the service name from. */
const powertoolsServiceName = 'POWERTOOLS_SERVICE_NAME';

/** Properties of {@link StripeWebhooksStack}. */
export interface StripeWebhooksStackProps extends StackProps {
  /**
   * Resolved pipeline settings: every timeout, retry, batch and retention value comes from here.
   * @default - required: `resolveSettings(...)` from `config/settings.ts`
   */
  readonly settings: PipelineSettings;
  /**
   * The address e-mails are sent from.
   * @default - required
   */
  readonly senderAddress: string;
  /**
   * The verified SES identity the sender address belongs to: the address itself or its domain.
   * @default - required
   */
  readonly sesIdentity: string;
  /**
   * Name of the Secrets Manager secret created for the Stripe signing secret.
   * @default - required
   */
  readonly signingSecretName: string;
  /**
   * Endpoint given to both functions as `AWS_ENDPOINT_URL`. Only for a template run with `sam local invoke`
   * (SAM overrides only variables the template declares): never deploy a stack with it.
   * @default - not set, the functions use the real AWS endpoints
   */
  readonly localEndpointUrl?: string;
  /**
   * Accept webhooks only from Stripe's published webhook IP addresses (`config/stripe-webhook-ips.ts`);
   * other sources get 403. The signature check stays the real protection; this adds a network filter
   * that needs its list kept current.
   * @default false (the app sets it from `-c stripeIpAllowlist=true`)
   */
  readonly stripeIpAllowlist?: boolean;
  /**
   * Retention of the functions' logs and of the API access logs.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
}

/** Stripe webhooks: HTTP API -> verifying receiver -> SQS (+ DLQ) -> idempotent consumer -> SES. */
export class StripeWebhooksStack extends Stack {
  /** Holds the Stripe `whsec_...` signing secret; created with a random placeholder value. */
  public readonly signingSecret: Secret;
  public readonly eventQueue: EventQueue;
  /** Holds the raw bodies of events too large to queue inline; the queue then carries a pointer. */
  public readonly largeEvents: LargeEventBucket;
  public readonly receiver: WebhookReceiver;
  public readonly consumer: WebhookConsumer;

  constructor(scope: Construct, id: string, props: StripeWebhooksStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const localEndpoint: Record<string, string> =
      props.localEndpointUrl === undefined ? {} : { AWS_ENDPOINT_URL: props.localEndpointUrl };
    const stripeIpAllowlist = props.stripeIpAllowlist ?? false;
    if (props.localEndpointUrl !== undefined) {
      Annotations.of(this).addWarningV2(
        'stripe-webhooks:local-endpoint',
        `localEndpointUrl is set: both functions will call ${props.localEndpointUrl} instead of AWS. Use this template with sam local invoke only, never deploy it.`,
      );
    }

    // No value is given, so CloudFormation generates a random one and no secret ever appears in the template.
    // The operator then stores the real signing secret with `aws secretsmanager put-secret-value`.
    this.signingSecret = new Secret(this, 'SigningSecret', {
      secretName: props.signingSecretName,
      description: `Stripe webhook signing secret of stage ${settings.stage}; store the real value after the first deploy.`,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.signingSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Stripe issues and rolls the signing secret in its dashboard; the operator stores the new value. A rotation Lambda cannot rotate it.',
    });

    this.eventQueue = new EventQueue(this, 'Events', {
      visibilityTimeout: Duration.seconds(settings.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(settings.queueRetentionDays),
      maxReceiveCount: settings.maxReceiveCount,
      deadLetterRetentionPeriod: Duration.days(settings.deadLetterRetentionDays),
    });

    this.largeEvents = new LargeEventBucket(this, 'LargeEvents', {
      expiration: Duration.days(settings.largeEventRetentionDays),
      keyPrefix: largeEventKeyPrefix,
    });
    const largeEventBucket = this.largeEvents.bucket;

    this.receiver = new WebhookReceiver(this, 'Receiver', {
      queue: this.eventQueue.queue,
      signingSecret: this.signingSecret,
      largeEventBucket,
      largeEventKeyPrefix,
      path: webhookPath,
      timeout: Duration.seconds(settings.receiverTimeoutSeconds),
      logRetention: props.logRetention,
      environment: {
        [envVarNames.queueUrl]: this.eventQueue.queue.queueUrl,
        [envVarNames.signingSecretId]: this.signingSecret.secretArn,
        [envVarNames.largeEventBucketName]: largeEventBucket.bucketName,
        [envVarNames.stage]: settings.stage,
        [powertoolsServiceName]: 'stripe-webhook-receiver',
        ...(stripeIpAllowlist ? { [envVarNames.stripeIpAllowlist]: 'true' } : {}),
        ...localEndpoint,
      },
    });

    this.consumer = new WebhookConsumer(this, 'Consumer', {
      queue: this.eventQueue.queue,
      timeout: Duration.seconds(settings.consumerTimeoutSeconds),
      batchSize: settings.consumerBatchSize,
      maxConcurrency: settings.consumerMaxConcurrency,
      tableNameEnvVar: envVarNames.idempotencyTableName,
      senderAddress: props.senderAddress,
      sesIdentity: props.sesIdentity,
      largeEventBucket,
      largeEventKeyPrefix,
      logRetention: props.logRetention,
      environment: {
        [envVarNames.senderAddress]: props.senderAddress,
        [envVarNames.largeEventBucketName]: largeEventBucket.bucketName,
        [envVarNames.stage]: settings.stage,
        [envVarNames.idempotencyRetentionDays]: String(settings.idempotencyRetentionDays),
        [envVarNames.emailSendIntervalMs]: String(settings.emailSendIntervalMs),
        [envVarNames.acceptedLivemode]: settings.acceptedLivemode,
        // The consumer puts a throttled event back on its own queue as a fresh, delayed copy.
        [envVarNames.queueUrl]: this.eventQueue.queue.queueUrl,
        [powertoolsServiceName]: 'stripe-webhook-consumer',
        ...localEndpoint,
      },
    });

    for (const fn of [this.receiver.fn, this.consumer.fn]) {
      if (fn.role === undefined) continue;
      Validations.of(fn.role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'AWS managed baseline for Lambda: only lets the function write its own CloudWatch logs. All other permissions are scoped grants.',
      });
    }
    Validations.of(this.receiver.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Stripe cannot send API Gateway credentials: every request is signed (Stripe-Signature, HMAC-SHA256 with the signing secret) and the receiver rejects any request whose signature or timestamp does not verify.',
    });

    new CfnOutput(this, 'WebhookUrl', {
      value: this.receiver.webhookUrl,
      description: 'Register this URL as the webhook endpoint in Stripe',
    });
    new CfnOutput(this, 'EventQueueName', { value: this.eventQueue.queue.queueName });
    new CfnOutput(this, 'DeadLetterQueueName', { value: this.eventQueue.deadLetterQueue.queueName });
    new CfnOutput(this, 'DeadLetterAlarmName', { value: this.eventQueue.deadLetterAlarm.alarmName });
    new CfnOutput(this, 'IdempotencyTableName', { value: this.consumer.table.tableName });
    new CfnOutput(this, 'LargeEventBucketName', {
      value: largeEventBucket.bucketName,
      description: 'Bodies of events too large for SQS; a queued message with body-location=s3 names the key',
    });
    new CfnOutput(this, 'SigningSecretName', {
      value: props.signingSecretName,
      description: 'Store the Stripe signing secret here: aws secretsmanager put-secret-value --secret-id <this name>',
    });
    new CfnOutput(this, 'SigningSecretArn', { value: this.signingSecret.secretArn });
  }
}
