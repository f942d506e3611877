import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  ConfigurationSet,
  type ConfigurationSetEventDestination,
  EmailSendingEvent,
  EventDestination,
  SuppressionReasons,
} from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { envVarNames, suppressionTableSchema } from '../config/contract';
import { createPipelineFunction } from './pipeline-function';
import { runtimeModule } from './pipeline-runtime';

/** The SES events SES publishes to the topic: what changes whom we may email, and what explains a missing email. */
export const publishedSesEvents = [
  EmailSendingEvent.BOUNCE,
  EmailSendingEvent.COMPLAINT,
  EmailSendingEvent.REJECT,
  EmailSendingEvent.DELIVERY_DELAY,
] as const;

/** Properties of {@link EmailDeliverability}. */
export interface EmailDeliverabilityProps {
  /**
   * Turn on SES's account-level suppression list for bounces and complaints (SESv2
   * `PutAccountSuppressionAttributes`). This setting is account-wide, per region: it changes how SES treats
   * every email the account sends there, from any application, and deleting the stack leaves it as it is.
   * Accounts created since November 2019 already have it for BOUNCE and COMPLAINT (`npm run ses:check`
   * shows it); the configuration set's own suppression applies to this pipeline's emails either way.
   * @default false
   */
  readonly accountLevelSuppression?: boolean;
  /**
   * Name of the SES configuration set.
   * @default - a name CloudFormation generates
   */
  readonly configurationSetName?: string;
  /**
   * Environment variables of the SES events function besides the suppression table name, e.g. the
   * stage and the Powertools service name.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Retention of the SES events function's logs.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
}

/** Options of {@link EmailDeliverability.grantSendingTo}. */
export interface GrantSendingOptions {
  /**
   * The only `ses:FromAddress` values the function may send from through the configuration set.
   * @default - any From address the function's identity grants allow
   */
  readonly fromAddresses?: readonly string[];
}

/**
 * What keeps the SES account healthy (AWS reviews an account at 5 % bounces or 0.1 % complaints and
 * pauses it at 10 % or 0.5 %): a configuration set with SES's own suppression and reputation metrics, an
 * encrypted, TLS-only SNS topic its bounces, complaints, rejects and delivery delays go to, and the
 * function that writes permanent bounces and complaints to a suppression table, which the consumer reads
 * before every send ({@link grantSendingTo}).
 */
export class EmailDeliverability extends Construct {
  /** Named on every send: suppression for bounces and complaints, reputation metrics on. */
  public readonly configurationSet: ConfigurationSet;
  /** Publishes bounces, complaints, rejects and delivery delays to {@link topic}. */
  public readonly eventDestination: ConfigurationSetEventDestination;
  /** The key the topic is encrypted with; SES may use it to publish. */
  public readonly topicKey: Key;
  /** Where SES publishes the events. */
  public readonly topic: Topic;
  /** The SES events function, subscribed to {@link topic}. */
  public readonly fn: NodejsFunction;
  /** Logs of the SES events function. */
  public readonly logGroup: LogGroup;
  /** Notifications that could not be recorded: SNS could not deliver them, or the function failed on them 3 times. */
  public readonly deadLetterQueue: Queue;
  /** One item per suppressed address, keyed as `suppressionTableSchema` says. */
  public readonly table: Table;
  /** The account-level suppression setting, when `accountLevelSuppression` is on. */
  public readonly accountSuppression: AwsCustomResource | undefined;

  constructor(scope: Construct, id: string, props: EmailDeliverabilityProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);

    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', {
      ...(props.configurationSetName === undefined ? {} : { configurationSetName: props.configurationSetName }),
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      reputationMetrics: true,
    });
    const configurationSetArn = stack.formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSet.configurationSetName,
    });

    // A customer managed key: SES can publish to an encrypted topic only if the key policy lets it, and the
    // AWS managed key of SNS (alias/aws/sns) has a policy no one can change.
    this.topicKey = new Key(this, 'TopicKey', {
      description: 'Encrypts the SES deliverability events topic (bounces and complaints name recipients).',
      enableKeyRotation: true,
    });
    this.topicKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowSesToPublishToTheEncryptedTopic',
        principals: [new ServicePrincipal('ses.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'], // in a key policy, "*" is this key
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account, 'aws:SourceArn': configurationSetArn } },
      }),
    );
    this.topic = new Topic(this, 'Topic', { masterKey: this.topicKey, enforceSSL: true });
    // Also adds the topic policy that lets SES publish, for this configuration set only.
    this.eventDestination = this.configurationSet.addEventDestination('Events', {
      destination: EventDestination.snsTopic(this.topic),
      events: [...publishedSesEvents],
    });

    this.table = new Table(this, 'SuppressionTable', {
      partitionKey: { name: suppressionTableSchema.partitionKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      // Addresses are personal data: a KMS key whose use CloudTrail records, instead of the AWS owned one.
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Losing the list would mean emailing every bounced and complaining address again.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    const ses = createPipelineFunction(this, 'SesEventsFunction', {
      entry: runtimeModule('ses-events/handler'),
      description: 'Records permanent bounces and complaints that SES reports in the suppression table',
      timeout: Duration.seconds(10),
      environment: { ...props.environment, [envVarNames.suppressionTableName]: this.table.tableName },
      logRetention: props.logRetention,
    });
    this.fn = ses.fn;
    this.logGroup = ses.logGroup;
    // SNS invokes asynchronously: Lambda retries a failed notification twice, then hands it to the queue.
    this.fn.configureAsyncInvoke({ retryAttempts: 2, onFailure: new SqsDestination(this.deadLetterQueue) });
    // And what SNS itself cannot deliver to the function (throttling, a deleted function) goes there too.
    this.topic.addSubscription(new LambdaSubscription(this.fn, { deadLetterQueue: this.deadLetterQueue }));
    this.table.grant(this.fn, 'dynamodb:PutItem');

    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue: of the SNS subscription (its redrive policy) and of the function (its on-failure destination).',
    });

    this.accountSuppression = props.accountLevelSuppression ? this.enableAccountLevelSuppression() : undefined;
  }

  /**
   * Lets `fn` send through the configuration set and read the suppression table: sets the environment
   * variables `SES_CONFIGURATION_SET_NAME` and `SUPPRESSION_TABLE_NAME`, grants `dynamodb:GetItem` on the
   * table and `ses:SendEmail`/`ses:SendRawEmail` on the configuration set (a send that names one is
   * authorized against the identity and against the configuration set).
   */
  public grantSendingTo(fn: LambdaFunction, options: GrantSendingOptions = {}): void {
    fn.addEnvironment(envVarNames.sesConfigurationSetName, this.configurationSet.configurationSetName);
    fn.addEnvironment(envVarNames.suppressionTableName, this.table.tableName);
    this.table.grant(fn, 'dynamodb:GetItem');
    fn.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [
          Stack.of(this).formatArn({
            service: 'ses',
            resource: 'configuration-set',
            resourceName: this.configurationSet.configurationSetName,
          }),
        ],
        ...(options.fromAddresses === undefined
          ? {}
          : { conditions: { StringEquals: { 'ses:FromAddress': fromAddressCondition(options.fromAddresses) } } }),
      }),
    );
  }

  private enableAccountLevelSuppression(): AwsCustomResource {
    const call = {
      service: 'SESv2',
      action: 'PutAccountSuppressionAttributes',
      parameters: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
      physicalResourceId: PhysicalResourceId.of('ses-account-suppression-attributes'),
    };
    // No onDelete: the setting is the account's, it may predate this stack, and other senders rely on it.
    const resource = new AwsCustomResource(this, 'AccountSuppression', {
      onCreate: call,
      onUpdate: call,
      policy: AwsCustomResourcePolicy.fromStatements([
        new PolicyStatement({ actions: ['ses:PutAccountSuppressionAttributes'], resources: ['*'] }),
      ]),
      // The SDK in the Lambda runtime has this call; installing the latest one would need npm at deploy time.
      installLatestAwsSdk: false,
    });
    Validations.of(resource).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ses:PutAccountSuppressionAttributes is an account-level action: IAM has no resource type for it, so "*" is the only resource it can be granted on, and it is the only action granted.',
    });
    // The provider function aws-cdk-lib shares between all AwsCustomResources of the stack.
    const provider = Stack.of(this).node.tryFindChild(
      `AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`,
    );
    if (provider !== undefined) {
      Validations.of(provider).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "The custom resource's provider function (from aws-cdk-lib) uses this AWS managed policy only to write its own logs; its one other permission is the SES call, granted separately.",
      });
    }
    return resource;
  }
}

/** One address as a plain string (the policy as before), several as a list: IAM matches any of them. */
export function fromAddressCondition(addresses: readonly string[]): string | string[] {
  const unique = [...new Set(addresses)];
  return unique.length === 1 ? (unique[0] as string) : unique;
}
