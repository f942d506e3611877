import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  type HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
  type ThrottleSettings,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { grantLargeEventObjectAction } from './large-event-bucket';
import { createPipelineFunction } from './pipeline-function';
import { runtimeModule } from './pipeline-runtime';

/** Properties of {@link WebhookReceiver}. */
export interface WebhookReceiverProps {
  /**
   * Queue the receiver sends verified events to; the function may only send to it.
   * @default - required
   */
  readonly queue: IQueue;
  /**
   * Secret holding the Stripe signing secret(s); the function may only read it.
   * @default - required
   */
  readonly signingSecret: ISecret;
  /**
   * Bucket for the bodies of events too large to queue inline; the function may only put objects under
   * `largeEventKeyPrefix`, never read, list or delete them.
   * @default - required
   */
  readonly largeEventBucket: IBucket;
  /**
   * Key prefix the function may write large event bodies under.
   * @default - required: `largeEventKeyPrefix` from `config/settings.ts`
   */
  readonly largeEventKeyPrefix: string;
  /**
   * HTTP path of the only route, `POST <path>`.
   * @default - required: `webhookPath` from `config/settings.ts`
   */
  readonly path: string;
  /**
   * Receiver function timeout.
   * @default - required: `receiverTimeoutSeconds` from `resolveSettings()`
   */
  readonly timeout: Duration;
  /**
   * Environment variables of the receiver function (names from `envVarNames`).
   * @default - required
   */
  readonly environment: Record<string, string>;
  /**
   * Throttling of the API's default stage. Stripe retries deliveries answered with 429, so throttling loses nothing.
   * @default { rateLimit: 100, burstLimit: 200 }
   */
  readonly throttle?: ThrottleSettings;
  /**
   * Retention of the function's logs and of the API access logs.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
}

/** HTTP API with the single route `POST <path>`, integrated with the receiver function. */
export class WebhookReceiver extends Construct {
  /** The HTTP API (API Gateway v2). */
  public readonly api: HttpApi;
  /** The `$default` stage, auto-deployed, throttled and access-logged. */
  public readonly stage: HttpStage;
  /** Access logs of the stage. */
  public readonly accessLogGroup: LogGroup;
  /** The receiver function: verifies the Stripe signature and sends the raw body to the queue. */
  public readonly fn: NodejsFunction;
  /** Logs of the receiver function. */
  public readonly logGroup: LogGroup;
  /** Full URL to register as the Stripe webhook endpoint. */
  public readonly webhookUrl: string;

  constructor(scope: Construct, id: string, props: WebhookReceiverProps) {
    super(scope, id);
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;

    const receiver = createPipelineFunction(this, 'ReceiverFunction', {
      entry: runtimeModule('receiver/handler'),
      description: 'Verifies Stripe webhook signatures and queues the raw events',
      timeout: props.timeout,
      environment: props.environment,
      logRetention,
    });
    this.fn = receiver.fn;
    this.logGroup = receiver.logGroup;
    props.queue.grantSendMessages(this.fn);
    props.signingSecret.grantRead(this.fn);
    // s3:PutObject alone: grantPut would add s3:Abort* and object lock/tagging actions the receiver never uses.
    grantLargeEventObjectAction(props.largeEventBucket, this.fn, props.largeEventKeyPrefix, 's3:PutObject');

    this.api = new HttpApi(this, 'HttpApi', {
      description: 'Receives Stripe webhooks',
      // The stage is created below, with throttling and access logs.
      createDefaultStage: false,
    });
    this.api.addRoutes({
      path: props.path,
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('ReceiverIntegration', this.fn, {
        payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
      }),
    });

    this.accessLogGroup = new LogGroup(this, 'AccessLogs', {
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 100, burstLimit: 200 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            sourceIp: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationStatus: '$context.integrationStatus',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    // apiEndpoint has no trailing slash; the path starts with one.
    this.webhookUrl = `${this.api.apiEndpoint}${props.path}`;
  }
}
