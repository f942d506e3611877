import { join } from 'node:path';
import { type CfnElement, CustomResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { envVarNames } from '../config/contract';
import { enabledEventsFor } from '../config/enabled-events';
import { declaredStripeApiVersion } from '../config/stripe-api-version';
import { createPipelineFunction } from './pipeline-function';

/** What happens to the Stripe endpoint when the resource (or the stack) is deleted. */
export type ManagedEndpointOnDelete = 'delete' | 'disable';

/** Properties of {@link ManagedStripeEndpoint}. */
export interface ManagedStripeEndpointProps {
  /**
   * The URL Stripe posts to: the receiver's webhook URL.
   * @default - required
   */
  readonly webhookUrl: string;
  /**
   * The subscribed event types (the registry's, exact types, `prefix.*` or `*`); written to Stripe as
   * `enabled_events` (a prefix or `*` becomes `*`, thin event types are left out).
   * @default - required
   */
  readonly subscribedEventTypes: readonly string[];
  /**
   * The secret holding the Stripe API key, read at run time; it needs "Webhook Endpoints: Write".
   * @default - required
   */
  readonly apiKeySecret: ISecret;
  /**
   * The receiver's signing secret: a new endpoint's secret is written into it.
   * @default - required
   */
  readonly signingSecret: ISecret;
  /**
   * The endpoint's API version, fixed by Stripe at creation (a change replaces the endpoint).
   * @default declaredStripeApiVersion from config/stripe-api-version.ts
   */
  readonly apiVersion?: string;
  /**
   * Also receive the events of connected accounts (Connect).
   * @default false
   */
  readonly connect?: boolean;
  /**
   * On deletion, delete the Stripe endpoint, or keep it disabled (its history and settings stay in Stripe).
   * @default 'disable'
   */
  readonly onDelete?: ManagedEndpointOnDelete;
  /**
   * The owner written into the endpoint's metadata, so the stack finds its own endpoint again.
   * @default the stack's name
   */
  readonly owner?: string;
  /**
   * How long the function's logs are kept.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Further environment variables of the function (`AWS_ENDPOINT_URL` and `STRIPE_API_URL` for `sam local invoke`).
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
}

/**
 * The Stripe webhook endpoint as a CloudFormation resource (CDK's Provider framework): created or updated
 * for the stack's URL, with the registry's events and the declared API version. Its signing secret goes
 * from Stripe's answer straight into the signing secret: it is never a property, an attribute, an output
 * or a log line. The API key is read from Secrets Manager by the function, because dynamic references do
 * not resolve in custom resource properties.
 */
export class ManagedStripeEndpoint extends Construct {
  /** The function that talks to Stripe. */
  public readonly fn: NodejsFunction;
  /** The Provider framework's provider. */
  public readonly provider: Provider;
  /** The custom resource; its `ref` is the Stripe endpoint id (`we_...`). */
  public readonly resource: CustomResource;
  /** The Stripe webhook endpoint id. */
  public readonly endpointId: string;

  constructor(scope: Construct, id: string, props: ManagedStripeEndpointProps) {
    super(scope, id);
    const { fn } = createPipelineFunction(this, 'StripeEndpointFunction', {
      entry: join(__dirname, '..', 'functions', 'stripe-endpoint', 'handler.ts'),
      description: 'Creates, updates and deletes the Stripe webhook endpoint of this stack',
      // A few Stripe calls with retries, and two Secrets Manager calls.
      timeout: Duration.minutes(2),
      logRetention: props.logRetention,
      environment: {
        ...props.environment,
        [envVarNames.stripeApiKeySecretId]: props.apiKeySecret.secretName,
        [envVarNames.signingSecretId]: props.signingSecret.secretArn,
        POWERTOOLS_SERVICE_NAME: 'stripe-webhook-endpoint',
      },
    });
    this.fn = fn;
    props.apiKeySecret.grantRead(fn);
    // Only what writing a new secret needs: read the current value (kept beside the new one while an old
    // endpoint still delivers) and put a new version. Not UpdateSecret, not DeleteSecret.
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
        resources: [props.signingSecret.secretArn],
      }),
    );
    props.signingSecret.encryptionKey?.grantEncryptDecrypt(fn);

    this.provider = new Provider(this, 'Provider', { onEventHandler: fn });
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.provider.serviceToken,
      resourceType: 'Custom::StripeWebhookEndpoint',
      properties: {
        Url: props.webhookUrl,
        EnabledEvents: enabledEventsFor(props.subscribedEventTypes),
        ApiVersion: props.apiVersion ?? declaredStripeApiVersion,
        Owner: props.owner ?? this.node.scope?.node.id ?? id,
        Connect: String(props.connect ?? false),
        OnDelete: props.onDelete ?? 'disable',
      },
    });
    this.endpointId = this.resource.ref;

    // The function's own is acknowledged where it is made (createPipelineFunction); the provider's here.
    Validations.of(this.provider).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'AWS managed baseline for Lambda: only lets the function write its own CloudWatch logs.',
    });
    Validations.of(this.provider).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(fn.node.defaultChild as CfnElement)}.Arn>:*]`,
      reason: "The Provider framework's function invokes this one handler (and its versions); nothing else.",
    });
  }
}
