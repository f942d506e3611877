import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import {
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { ConflictException, CreateScheduleGroupCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SESClient, VerifyEmailIdentityCommand } from '@aws-sdk/client-ses';
import { CreateConfigurationSetCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueNameExists,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import {
  billingStateTableSchema,
  envVarNames,
  idempotencyTableSchema,
  largeEventKeyPrefix,
  suppressionTableSchema,
} from '../../config/contract';
import type { PipelineSettings } from '../../config/settings';
import { encodeSubscribedTypes } from '../../config/subscribed-types';
import { businessAlertSubscribedTypes, parseBusinessAlertsOff } from '../../functions/alerts/alert-kinds';
import { billingSyncSubscribedTypes, parseBillingSyncOffTypes } from '../../functions/billing-state/billing-sync-types';
import { type Subscriptions, subscribedTypesOf } from '../../functions/consumer/define-subscriptions';
import projectSubscriptions from '../../functions/subscriptions';
import { localRegion, localResourceNames } from './defaults';

export interface LocalResources {
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly tableName: string;
  readonly signingSecretId: string;
  readonly senderAddress: string;
  /** Bucket for the bodies of events too large to queue inline. */
  readonly largeEventBucket: string;
  /** SES configuration set the consumer names on every send. */
  readonly configurationSetName: string;
  /** Table of suppressed recipients, written by the SES events handler and read by the consumer. */
  readonly suppressionTableName: string;
  /** The billing state feature's resources; absent when it is off. */
  readonly billingState?: LocalBillingStateResources;
  /** The business alerts' topic and schedule group, for functions run as `sam local invoke` runs them; absent when off. */
  readonly businessAlerts?: LocalBusinessAlertResources;
}

/**
 * What the construct creates for `businessAlerts`, as moto holds it. `npm start`'s own consumer records alerts
 * in memory and runs reminders on its clock (never these); a function run under `sam local invoke` with
 * events/env.json publishes to this topic and creates its reminder schedules in this group (where they never fire).
 */
export interface LocalBusinessAlertResources {
  readonly topicArn: string;
  readonly scheduleGroupName: string;
}

/**
 * Names of the business alerts' local counterparts (events/env.json uses the same). The reminder function and
 * the scheduler role have none in moto: a schedule only names them, moto checks neither and never runs it, so
 * their ARNs (made of these names) are fixed local ones.
 */
export const localBusinessAlertNames = {
  topic: 'stripe-webhooks-local-alerts',
  scheduleGroup: 'stripe-webhooks-local-dispute-reminders',
  reminderFunction: 'stripe-webhooks-local-dispute-reminder',
  schedulerRole: 'stripe-webhooks-local-dispute-reminder-scheduler',
} as const;

/** What the construct creates for `billingState`: the table of customers' states and the delayed sync queue. */
export interface LocalBillingStateResources {
  /** One item per customer (`billingStateTableSchema`), written by the sync and read by `ctx.billingState`. */
  readonly tableName: string;
  /** The consumer's billing handlers send their delayed "sync this customer" requests here; the sync function reads it. */
  readonly syncQueueUrl: string;
  /** Where a sync request rests after `maxReceiveCount` failed syncs. */
  readonly syncDeadLetterQueueUrl: string;
}

/** Names of the deliverability resources in the local emulator (kept here, beside how they are created). */
export const localDeliverabilityNames = {
  configurationSet: 'stripe-webhooks-local',
  suppressionTable: 'stripe-webhooks-local-suppression',
} as const;

/** {@link localDeliverabilityNames}, each followed by `-<suffix>` like {@link localResourceNamesWith}. */
export function localDeliverabilityNamesWith(suffix?: string): {
  readonly [K in keyof typeof localDeliverabilityNames]: string;
} {
  if (suffix === undefined) return localDeliverabilityNames;
  localResourceNamesWith(suffix); // the same rule for the suffix
  return {
    configurationSet: `${localDeliverabilityNames.configurationSet}-${suffix}`,
    suppressionTable: `${localDeliverabilityNames.suppressionTable}-${suffix}`,
  };
}

/** Every local resource name, as in `localResourceNames`. */
export type LocalResourceNames = { readonly [K in keyof typeof localResourceNames]: string };

export class InvalidResourceNameSuffixError extends Error {
  constructor(suffix: string) {
    super(
      `Resource name suffix ${JSON.stringify(suffix)} must be 1 to 20 lower-case letters, digits and dashes (it ends queue, table, secret and bucket names).`,
    );
    this.name = 'InvalidResourceNameSuffixError';
  }
}

/**
 * The local resource names, each followed by `-<suffix>` when a suffix is given. Pipelines that share
 * one emulator (one per Jest test file) each get their own queue, table, secret and bucket this way;
 * with the same queue they would poll each other's messages away.
 */
export function localResourceNamesWith(suffix?: string): LocalResourceNames {
  if (suffix === undefined) return localResourceNames;
  if (!/^[a-z0-9-]{1,20}$/.test(suffix)) throw new InvalidResourceNameSuffixError(suffix);
  const entries = Object.entries(localResourceNames).map(([key, name]) => [key, `${name}-${suffix}`]);
  return Object.fromEntries(entries) as unknown as LocalResourceNames;
}

/** Client settings for a local emulator; the credentials are the emulator's fixed dummy ones. */
export function localClientConfig(endpoint: string) {
  return { endpoint, region: localRegion, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
}

/** S3 client settings for a local emulator: path-style URLs, since `<bucket>.127.0.0.1` does not resolve. */
export function localS3ClientConfig(endpoint: string) {
  return { ...localClientConfig(endpoint), forcePathStyle: true };
}

/**
 * Creates in the emulator what the CDK stack creates in AWS, with the same settings: the queue and its
 * dead-letter queue (redrive after `maxReceiveCount`), the idempotency table with its TTL attribute,
 * the verified sender identity, the signing secret, the large-event bucket with its expiry, the SES
 * configuration set and the suppression table; with `billingState`, the billing state table and the sync
 * queue with its own dead-letter queue; with `businessAlerts`, the alert topic and the reminders' schedule
 * group. Safe to call again on existing resources.
 */
export async function createLocalResources(
  endpoint: string,
  settings: PipelineSettings,
  options: {
    readonly signingSecret: string;
    readonly senderAddress: string;
    readonly visibilityTimeoutSeconds?: number;
    /** Appended to every resource name, see {@link localResourceNamesWith}. @default none */
    readonly nameSuffix?: string;
    /** Creates the billing state feature's table and queues too, as the construct's `billingState` does. @default false */
    readonly billingState?: boolean;
    /** Creates the business alerts' topic and schedule group too (not suffixed: one per emulator). @default false */
    readonly businessAlerts?: boolean;
  },
): Promise<LocalResources> {
  const names = localResourceNamesWith(options.nameSuffix);
  const deliverability = localDeliverabilityNamesWith(options.nameSuffix);
  const config = localClientConfig(endpoint);
  const sqs = new SQSClient(config);
  const dynamodb = new DynamoDBClient(config);
  const ses = new SESClient(config);
  const sesv2 = new SESv2Client(config);
  const secrets = new SecretsManagerClient(config);
  const s3 = new S3Client(localS3ClientConfig(endpoint));
  try {
    const deadLetterQueueUrl = await ensureQueue(sqs, names.deadLetterQueue, {
      MessageRetentionPeriod: String(settings.deadLetterRetentionDays * 86_400),
    });
    const queueUrl = await ensureQueue(
      sqs,
      names.queue,
      await redrivenQueueAttributes(sqs, deadLetterQueueUrl, settings, options.visibilityTimeoutSeconds),
    );
    await ensureIdempotencyTable(dynamodb, names.idempotencyTable);
    await ensureLargeEventBucket(s3, names.largeEventBucket, settings);

    await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: options.senderAddress }));
    await ensureConfigurationSet(sesv2, deliverability.configurationSet);
    await ensureSuppressionTable(dynamodb, deliverability.suppressionTable);
    const billingState = options.billingState
      ? await ensureBillingStateResources(sqs, dynamodb, names, settings, options.visibilityTimeoutSeconds)
      : undefined;
    const businessAlerts = options.businessAlerts ? await ensureBusinessAlertResources(config) : undefined;

    try {
      await secrets.send(new CreateSecretCommand({ Name: names.signingSecret, SecretString: options.signingSecret }));
    } catch (error) {
      if (!(error instanceof ResourceExistsException)) throw error;
      await secrets.send(
        new PutSecretValueCommand({ SecretId: names.signingSecret, SecretString: options.signingSecret }),
      );
    }

    return {
      queueUrl,
      deadLetterQueueUrl,
      tableName: names.idempotencyTable,
      signingSecretId: names.signingSecret,
      senderAddress: options.senderAddress,
      largeEventBucket: names.largeEventBucket,
      configurationSetName: deliverability.configurationSet,
      suppressionTableName: deliverability.suppressionTable,
      ...(billingState === undefined ? {} : { billingState }),
      ...(businessAlerts === undefined ? {} : { businessAlerts }),
    };
  } finally {
    for (const client of [sqs, dynamodb, ses, sesv2, secrets, s3]) client.destroy();
  }
}

/** Creates the queue, or brings an existing one to these attributes (CreateQueue refuses to change them). */
async function ensureQueue(sqs: SQSClient, name: string, attributes: Record<string, string>): Promise<string> {
  try {
    const created = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    return created.QueueUrl ?? '';
  } catch (error) {
    if (!(error instanceof QueueNameExists)) throw error;
    const { QueueUrl = '' } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: attributes }));
    return QueueUrl;
  }
}

/** A queue's attributes with redrive to the dead-letter queue after `maxReceiveCount` receives, as the stack sets them. */
async function redrivenQueueAttributes(
  sqs: SQSClient,
  deadLetterQueueUrl: string,
  settings: PipelineSettings,
  visibilityTimeoutSeconds: number | undefined,
): Promise<Record<string, string>> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: deadLetterQueueUrl, AttributeNames: ['QueueArn'] }),
  );
  return {
    VisibilityTimeout: String(visibilityTimeoutSeconds ?? settings.visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(settings.queueRetentionDays * 86_400),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: Attributes?.QueueArn,
      maxReceiveCount: settings.maxReceiveCount,
    }),
  };
}

/**
 * The billing state feature's resources: its table, and the sync queue, whose failed syncs are retried
 * after the visibility timeout and rest in their own dead-letter queue after `maxReceiveCount`.
 */
async function ensureBillingStateResources(
  sqs: SQSClient,
  dynamodb: DynamoDBClient,
  names: LocalResourceNames,
  settings: PipelineSettings,
  visibilityTimeoutSeconds: number | undefined,
): Promise<LocalBillingStateResources> {
  const syncDeadLetterQueueUrl = await ensureQueue(sqs, names.billingSyncDeadLetterQueue, {
    MessageRetentionPeriod: String(settings.deadLetterRetentionDays * 86_400),
  });
  const syncQueueUrl = await ensureQueue(
    sqs,
    names.billingSyncQueue,
    await redrivenQueueAttributes(sqs, syncDeadLetterQueueUrl, settings, visibilityTimeoutSeconds),
  );
  const tableName = await ensureBillingStateTable(dynamodb, names.billingStateTable);
  return { tableName, syncQueueUrl, syncDeadLetterQueueUrl };
}

/** The business alerts' topic and schedule group ({@link localBusinessAlertNames}); both calls are safe to repeat. */
async function ensureBusinessAlertResources(
  config: ReturnType<typeof localClientConfig>,
): Promise<LocalBusinessAlertResources> {
  const sns = new SNSClient(config);
  const scheduler = new SchedulerClient(config);
  try {
    const { TopicArn = '' } = await sns.send(new CreateTopicCommand({ Name: localBusinessAlertNames.topic }));
    try {
      await scheduler.send(new CreateScheduleGroupCommand({ Name: localBusinessAlertNames.scheduleGroup }));
    } catch (error) {
      if (!(error instanceof ConflictException)) throw error;
    }
    return { topicArn: TopicArn, scheduleGroupName: localBusinessAlertNames.scheduleGroup };
  } finally {
    sns.destroy();
    scheduler.destroy();
  }
}

/** The billing state table as the construct defines it: `billingStateTableSchema`'s key, on-demand, no TTL. */
export async function ensureBillingStateTable(dynamodb: DynamoDBClient, tableName: string): Promise<string> {
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: billingStateTableSchema.partitionKey, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: billingStateTableSchema.partitionKey, KeyType: 'HASH' }],
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ResourceInUseException') throw error;
  }
  return tableName;
}

/** The idempotency table as the construct defines it: `idempotencyTableSchema`'s key and TTL, on-demand. */
export async function ensureIdempotencyTable(
  dynamodb: DynamoDBClient,
  tableName: string = localResourceNames.idempotencyTable,
): Promise<string> {
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: idempotencyTableSchema.partitionKey, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: idempotencyTableSchema.partitionKey, KeyType: 'HASH' }],
      }),
    );
    await dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: idempotencyTableSchema.timeToLiveAttribute, Enabled: true },
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ResourceInUseException') throw error;
  }
  return tableName;
}

/**
 * The configuration set the consumer names on every send, with the construct's suppression and reputation
 * settings. moto accepts its name on a send but publishes no events for it: the SES simulator
 * (`ses-simulator.ts`) plays that part.
 */
export async function ensureConfigurationSet(sesv2: SESv2Client, name: string): Promise<string> {
  try {
    await sesv2.send(
      new CreateConfigurationSetCommand({
        ConfigurationSetName: name,
        SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
        ReputationOptions: { ReputationMetricsEnabled: true },
      }),
    );
  } catch (error) {
    // SES says AlreadyExistsException; moto, ConfigurationSetAlreadyExistsException.
    if (!/AlreadyExists/.test((error as Error).name)) throw error;
  }
  return name;
}

/** The suppression table as the construct defines it: `suppressionTableSchema`'s key, on-demand, no TTL. */
export async function ensureSuppressionTable(dynamodb: DynamoDBClient, tableName: string): Promise<string> {
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: suppressionTableSchema.partitionKey, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: suppressionTableSchema.partitionKey, KeyType: 'HASH' }],
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ResourceInUseException') throw error;
  }
  return tableName;
}

/** The large-event bucket as the stack defines it: S3-managed encryption, bodies expire after `largeEventRetentionDays`. */
export async function ensureLargeEventBucket(
  s3: S3Client,
  bucket: string,
  settings: PipelineSettings,
): Promise<string> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (!(error instanceof BucketAlreadyOwnedByYou)) throw error;
  }
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket: bucket,
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    }),
  );
  await s3.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: bucket,
      LifecycleConfiguration: {
        Rules: [
          {
            ID: 'expire-event-bodies',
            Status: 'Enabled',
            Filter: { Prefix: largeEventKeyPrefix },
            Expiration: { Days: settings.largeEventRetentionDays },
          },
        ],
      },
    }),
  );
  return bucket;
}

/** Lambda runs Node 24 (see lib/pipeline-function.ts); the SDK's notice about a local Node 20 is noise here. */
export function quietSdkNodeVersionWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}

/**
 * Gives this process the environment the stack gives the Lambda functions, pointed at the emulator.
 * The handlers read it once, when first imported, so call this before importing them. The billing state
 * feature is on exactly when `resources` has its resources: its table and queue are set, and the receiver
 * queues its types beside the handlers' (less those `BILLING_SYNC_OFF_TYPES` switches off), as the
 * construct does.
 */
export function configureHandlerEnvironment(
  endpoint: string,
  resources: LocalResources,
  settings: PipelineSettings,
  subscriptions: Subscriptions = projectSubscriptions,
  options: {
    /** Seconds a sync request waits on the sync queue (tests make it short). @default BILLING_SYNC_DELAY_SECONDS, else the feature's default */
    readonly billingSyncDelaySeconds?: number;
    /** The receiver queues the business alerts' types too (less the kinds BUSINESS_ALERTS_OFF switches off). @default false */
    readonly businessAlerts?: boolean;
  } = {},
): void {
  quietSdkNodeVersionWarning();
  const billing = resources.billingState;
  const billingTypes = billing
    ? billingSyncSubscribedTypes(parseBillingSyncOffTypes(process.env[envVarNames.billingSyncOffTypes]))
    : [];
  const alertTypes = options.businessAlerts
    ? businessAlertSubscribedTypes(parseBusinessAlertsOff(process.env[envVarNames.businessAlertsOff]))
    : [];
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: localRegion,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    // The local tools print their own lines; the handlers' JSON logs are for CloudWatch.
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
    // Metrics (EMF JSON lines on stdout) follow the logs: silent unless logs are asked for.
    POWERTOOLS_METRICS_DISABLED:
      process.env.POWERTOOLS_METRICS_DISABLED ?? String((process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT') === 'SILENT'),
    [envVarNames.queueUrl]: resources.queueUrl,
    // As the stack: the consumer dead-letters an event failing its last attempt itself, with the reason.
    [envVarNames.deadLetterQueueUrl]: resources.deadLetterQueueUrl,
    [envVarNames.maxReceiveCount]: String(settings.maxReceiveCount),
    [envVarNames.signingSecretId]: resources.signingSecretId,
    [envVarNames.idempotencyTableName]: resources.tableName,
    [envVarNames.senderAddress]: resources.senderAddress,
    [envVarNames.stage]: settings.stage,
    [envVarNames.acceptedLivemode]: settings.acceptedLivemode,
    [envVarNames.largeEventBucketName]: resources.largeEventBucket,
    [envVarNames.consumerTimeoutSeconds]: String(settings.consumerTimeoutSeconds),
    [envVarNames.sesConfigurationSetName]: resources.configurationSetName,
    [envVarNames.suppressionTableName]: resources.suppressionTableName,
    // What the construct writes at synth from the same module: the receiver queues only these types.
    [envVarNames.subscribedEventTypes]: encodeSubscribedTypes([
      ...subscribedTypesOf(subscriptions),
      ...billingTypes,
      ...alertTypes,
    ]),
  });
  if (billing) {
    process.env[envVarNames.billingStateTableName] = billing.tableName;
    process.env[envVarNames.billingSyncQueueUrl] = billing.syncQueueUrl;
    if (options.billingSyncDelaySeconds !== undefined) {
      process.env[envVarNames.billingSyncDelaySeconds] = String(options.billingSyncDelaySeconds);
    }
  } else {
    // Off: a table name left in the shell must not turn half of the feature on.
    delete process.env[envVarNames.billingStateTableName];
    delete process.env[envVarNames.billingSyncQueueUrl];
  }
  // Locally alerts go to the pipeline's recorder and reminders to its clock, never to a topic or a scheduler named in the shell.
  for (const name of [
    envVarNames.alertTopicArn,
    envVarNames.alertWebhookSecretId,
    envVarNames.disputeReminderFunctionArn,
    envVarNames.disputeReminderRoleArn,
    envVarNames.disputeReminderScheduleGroup,
  ]) {
    delete process.env[name];
  }
  // Never let a local run pick up a real AWS profile or session.
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
}
