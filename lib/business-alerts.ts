import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Grant, type IGrantable, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { envVarNames, serviceNames } from '../config/contract';
import { subscribedTypeMatcher } from '../config/subscribed-types';
import {
  businessAlertSubscribedTypes,
  defaultDisputeReminderLeadHours,
  enabledBusinessAlertKinds,
} from '../functions/alerts/alert-kinds';
import { maxDisputeReminderLeadHours } from '../functions/alerts/business-alerts-config';
import { disputeReminderSchedulePrefix } from '../functions/alerts/schedule-names';
import { deadLetterAlarm } from './event-queue';
import { createPipelineFunction } from './pipeline-function';
import { signingSecretNameRule } from './pipeline-props';
import { runtimeModule } from './pipeline-runtime';

/** The `businessAlerts` options of the pipeline (`businessAlerts: true` takes every default). */
export interface BusinessAlertsOptions {
  /**
   * An address subscribed to the alert topic by e-mail. SNS sends it a confirmation link first: nothing
   * arrives until someone clicks it.
   * @default - no subscription: subscribe an address, AWS Chatbot or your paging tool to the topic yourself
   */
  readonly alertEmail?: string;
  /**
   * ARN of an existing SNS topic to publish the alerts to instead of creating one (then no key or topic is
   * created). The consumer and the reminder function are granted `sns:Publish` on it; if it is encrypted
   * with a KMS key, that key's policy must also let their roles (`pipeline.consumerFunction.role`,
   * `pipeline.businessAlerts.reminderFunction.role`) use `kms:GenerateDataKey*` and `kms:Decrypt`.
   * @default - a new topic, encrypted with a key of its own, TLS only
   */
  readonly alertTopicArn?: string;
  /**
   * Name of an existing Secrets Manager secret whose SecretString is an https URL (a Slack or Teams incoming
   * webhook): every alert is also posted there as JSON with a `text` field. The consumer and the reminder
   * function may read it.
   * @default - no webhook: the topic only
   */
  readonly alertWebhookSecretName?: string;
  /**
   * Alert kinds switched off, each one of `businessAlertKinds` (`stripe-webhooks-aws/handlers`), e.g.
   * `account_requirements`. Their event types are then not queued for them (nor enabled on the endpoint,
   * unless a handler wants them); `dispute_deadline` off schedules no reminder.
   * @default - none: every kind alerts
   */
  readonly off?: readonly string[];
  /**
   * Hours before a dispute's evidence is due (`evidence_details.due_by`) that its reminder fires, or at once
   * when less is left; 1 to 720.
   * @default 72
   */
  readonly disputeReminderLeadHours?: number;
}

/** The `businessAlerts` prop as its options: `undefined` when the feature is off (`false` or not given). */
export function businessAlertsOptionsOf(
  value: boolean | BusinessAlertsOptions | undefined,
): BusinessAlertsOptions | undefined {
  if (value === undefined || value === false) return undefined;
  return value === true ? {} : value;
}

/**
 * The pipeline's subscribed types with the alerts' added (in the receiver's format, deduplicated): a type
 * the team's list already matches (`*`, `charge.dispute.*`, the type itself) is not added again.
 */
export function withBusinessAlertTypes(subscribed: readonly string[], off: readonly string[] = []): string[] {
  const matches = subscribedTypeMatcher(subscribed.join(','));
  const added = businessAlertSubscribedTypes(off).filter((type) => !matches(type));
  return [...new Set([...subscribed, ...added])];
}

/**
 * The rule a missing `stripeApiKeySecretName` breaks when the business alerts are on; the construct and the
 * app's context reader share it.
 */
export const businessAlertsKeyRequiredRule =
  'the name of a Secrets Manager secret holding a restricted Stripe API key (rk_...) with read access to disputes, which the dispute deadline reminder reads each dispute with';

const emailAddressPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const topicArnPattern = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** The rule `alertEmail` breaks, if any. */
export function alertEmailRule(email: string): string | undefined {
  return emailAddressPattern.test(email) ? undefined : 'an e-mail address like ops@example.com';
}

/** The rule `alertTopicArn` breaks, if any (a standard topic: SNS refuses e-mail subscriptions and these publishes on FIFO topics). */
export function alertTopicArnRule(arn: string): string | undefined {
  return topicArnPattern.test(arn)
    ? undefined
    : 'the ARN of a standard SNS topic, like arn:aws:sns:us-east-1:123456789012:business-alerts';
}

/** The rule `businessAlerts.off` breaks, if any: the `UnknownBusinessAlertKindError` message of its first unknown kind. */
export function businessAlertsOffRule(off: readonly string[]): string | undefined {
  try {
    enabledBusinessAlertKinds(off);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** The rule `disputeReminderLeadHours` breaks, if any. */
export function disputeReminderLeadHoursRule(hours: number): string | undefined {
  return Number.isInteger(hours) && hours >= 1 && hours <= maxDisputeReminderLeadHours
    ? undefined
    : `a whole number of hours from 1 to ${maxDisputeReminderLeadHours}`;
}

/** Every problem with the `businessAlerts` prop (and the API key it needs), as sentences that say what to change. */
export function businessAlertsPropProblems(props: {
  readonly businessAlerts?: boolean | BusinessAlertsOptions;
  readonly stripeApiKeySecretName?: string;
}): string[] {
  const options = businessAlertsOptionsOf(props.businessAlerts);
  if (options === undefined) return [];
  const problems: string[] = [];
  if (props.stripeApiKeySecretName === undefined) {
    problems.push(
      `prop "businessAlerts" is on, but it needs prop "stripeApiKeySecretName": ${businessAlertsKeyRequiredRule}. Set stripeApiKeySecretName, or turn businessAlerts off.`,
    );
  }
  const problem = (name: string, value: unknown, rule: string | undefined) => {
    if (rule !== undefined) {
      problems.push(`prop "businessAlerts.${name}" is ${JSON.stringify(value)}, but it must be ${rule}.`);
    }
  };
  if (options.alertEmail !== undefined) problem('alertEmail', options.alertEmail, alertEmailRule(options.alertEmail));
  if (options.alertTopicArn !== undefined) {
    problem('alertTopicArn', options.alertTopicArn, alertTopicArnRule(options.alertTopicArn));
  }
  if (options.alertWebhookSecretName !== undefined) {
    problem(
      'alertWebhookSecretName',
      options.alertWebhookSecretName,
      signingSecretNameRule(options.alertWebhookSecretName),
    );
  }
  const offRule = options.off === undefined ? undefined : businessAlertsOffRule(options.off);
  if (offRule !== undefined)
    problems.push(`prop "businessAlerts.off" is ${JSON.stringify(options.off)}, but ${offRule}`);
  if (options.disputeReminderLeadHours !== undefined) {
    problem(
      'disputeReminderLeadHours',
      options.disputeReminderLeadHours,
      disputeReminderLeadHoursRule(options.disputeReminderLeadHours),
    );
  }
  return problems;
}

/** Properties of {@link BusinessAlerts}: the {@link BusinessAlertsOptions} and what the reminder function needs. */
export interface BusinessAlertsProps extends BusinessAlertsOptions {
  /**
   * The stage, in the reminder function's environment (the dimension of its metrics).
   * @default - required
   */
  readonly stage: string;
  /**
   * The secret holding the restricted Stripe API key the reminder reads the dispute with; its name goes to
   * the reminder function as `STRIPE_API_KEY_SECRET_ID`.
   * @default - required
   */
  readonly apiKeySecret: ISecret;
  /**
   * Timeout of the reminder function (one Stripe API call, one publish, one webhook post with its retries).
   * @default Duration.seconds(60)
   */
  readonly timeout?: Duration;
  /**
   * How long a reminder that failed every retry stays in the reminder dead-letter queue.
   * @default Duration.days(14) (SQS's maximum)
   */
  readonly deadLetterRetentionPeriod?: Duration;
  /**
   * Further environment variables of the reminder function (`AWS_ENDPOINT_URL` for `sam local invoke`).
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Retention of the reminder function's logs.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
}

/**
 * Business alerts: what a business must act on (disputes, early fraud warnings, failed payouts, connected
 * accounts with requirements past due, uncollectible invoices, subscriptions ended unpaid) reaches a person.
 * The consumer's built-in alert handlers publish to the alert topic (created, KMS-encrypted with a key of its
 * own, TLS only; or an existing one) and post to an optional webhook URL kept in Secrets Manager. On
 * `charge.dispute.created` the consumer creates a one-time EventBridge Scheduler schedule in
 * {@link scheduleGroup}, which invokes {@link reminderFunction} (as {@link schedulerRole}) before the
 * evidence is due; the function alerts if the dispute still needs a response. Scheduler invokes the function
 * asynchronously: Lambda retries a failed reminder twice, then hands it to {@link reminderDeadLetterQueue}.
 * The construct holds no business logic: `functions/alerts/` does; {@link grantConsumer} and
 * {@link consumerEnvironment} wire the consumer.
 */
export class BusinessAlerts extends Construct {
  /** Where the alerts are published: the created topic, or the one `alertTopicArn` names. */
  public readonly topic: ITopic;
  /** The key of the created topic; `undefined` with `alertTopicArn`. */
  public readonly key: Key | undefined;
  /** The e-mail subscription, when `alertEmail` was given. */
  public readonly emailSubscription: EmailSubscription | undefined;
  /** The secret holding the webhook URL, when `alertWebhookSecretName` was given. */
  public readonly webhookSecret: ISecret | undefined;
  /** The secret holding the Stripe API key the reminder reads disputes with. */
  public readonly apiKeySecret: ISecret;
  /** Runs a dispute's reminder: fetches the dispute and alerts if it still needs a response. */
  public readonly reminderFunction: NodejsFunction;
  /** Logs of the reminder function. */
  public readonly logGroup: LogGroup;
  /** The schedule group the consumer creates one `dispute-reminder-<disputeId>` schedule per dispute in. */
  public readonly scheduleGroup: ScheduleGroup;
  /** The role EventBridge Scheduler assumes to run the schedules: it may only invoke {@link reminderFunction}. */
  public readonly schedulerRole: Role;
  /** Reminders that failed their invocation and both of Lambda's retries (the on-failure destination). */
  public readonly reminderDeadLetterQueue: Queue;
  /** In ALARM while at least one reminder is visible in {@link reminderDeadLetterQueue}. No action of its own: the pipeline sends it to its alarm topic. */
  public readonly deadLetterAlarm: Alarm;
  /**
   * The environment variables the consumer needs for the alerts and the reminders (`ALERT_TOPIC_ARN`,
   * `DISPUTE_REMINDER_*`, and `ALERT_WEBHOOK_SECRET_ID`, `BUSINESS_ALERTS_OFF` when given).
   */
  public readonly consumerEnvironment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: BusinessAlertsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.apiKeySecret = props.apiKeySecret;

    if (props.alertTopicArn === undefined) {
      this.key = new Key(this, 'Key', {
        description: 'Encrypts the topic the Stripe webhook pipeline publishes its business alerts to.',
        enableKeyRotation: true,
      });
      // The key policy's default statement lets the account's IAM policies decide: the publishers get their
      // kms grants below, and SNS uses the key on their behalf. No service publishes to this topic itself.
      this.topic = new Topic(this, 'Topic', {
        displayName: 'Stripe business alerts',
        masterKey: this.key,
        enforceSSL: true,
      });
    } else {
      this.key = undefined;
      this.topic = Topic.fromTopicArn(this, 'Topic', props.alertTopicArn);
    }
    this.emailSubscription = props.alertEmail === undefined ? undefined : new EmailSubscription(props.alertEmail);
    if (this.emailSubscription !== undefined) this.topic.addSubscription(this.emailSubscription);

    // The URL stays the operator's: stored by hand, never in the template.
    this.webhookSecret =
      props.alertWebhookSecretName === undefined
        ? undefined
        : Secret.fromSecretNameV2(this, 'WebhookSecret', props.alertWebhookSecretName);

    this.reminderDeadLetterQueue = new Queue(this, 'ReminderDeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.deadLetterRetentionPeriod ?? Duration.days(14),
    });
    Validations.of(this.reminderDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is itself a dead-letter queue: the reminder function's on-failure destination for its asynchronous invocations.",
    });
    this.deadLetterAlarm = deadLetterAlarm(
      this,
      this.reminderDeadLetterQueue,
      'A dispute deadline reminder failed every retry and was moved to the reminder dead-letter queue: a dispute may need evidence with no one reminded. Runbook: docs/operations.md, "Alarms", "Dispute reminder dead letters".',
    );

    // What the reminder function and the consumer both need to alert: the topic, the webhook, the kinds off.
    const alertingEnvironment: Record<string, string> = {
      [envVarNames.alertTopicArn]: this.topic.topicArn,
      ...(this.webhookSecret === undefined
        ? {}
        : { [envVarNames.alertWebhookSecretId]: this.webhookSecret.secretName }),
      ...(props.off === undefined || props.off.length === 0
        ? {}
        : { [envVarNames.businessAlertsOff]: props.off.join(',') }),
    };

    const reminder = createPipelineFunction(this, 'DisputeReminderFunction', {
      entry: runtimeModule('alerts/reminder-handler'),
      description: 'Alerts when a dispute still needs a response shortly before its evidence is due',
      timeout: props.timeout ?? Duration.seconds(60),
      logRetention: props.logRetention,
      environment: {
        ...props.environment,
        [envVarNames.stage]: props.stage,
        ...alertingEnvironment,
        [envVarNames.stripeApiKeySecretId]: props.apiKeySecret.secretName,
        POWERTOOLS_SERVICE_NAME: serviceNames.disputeReminder,
      },
    });
    this.reminderFunction = reminder.fn;
    this.logGroup = reminder.logGroup;
    // Scheduler invokes asynchronously: Lambda retries a failed reminder twice, then hands it to the queue
    // (with the error), so the scheduler role needs nothing beyond lambda:InvokeFunction.
    this.reminderFunction.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.reminderDeadLetterQueue),
    });
    this.grantAlerting(this.reminderFunction);
    this.apiKeySecret.grantRead(this.reminderFunction);

    // Deleting the group deletes its schedules: pending reminders go with the stack and its reminder function,
    // which is all they could invoke. Its name is unique in the account (derived from the construct's path).
    this.scheduleGroup = new ScheduleGroup(this, 'ScheduleGroup', { removalPolicy: RemovalPolicy.DESTROY });
    this.schedulerRole = new Role(this, 'SchedulerRole', {
      description: 'Assumed by EventBridge Scheduler to invoke the dispute deadline reminder function',
      // Only Scheduler acting for this account and this group (the confused deputy protection AWS advises).
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnEquals: { 'aws:SourceArn': this.scheduleGroup.scheduleGroupArn },
        },
      }),
    });
    // The function itself, unqualified: the schedules target it, never a version or alias.
    this.schedulerRole.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.reminderFunction.functionArn] }),
    );

    const leadHours = props.disputeReminderLeadHours ?? defaultDisputeReminderLeadHours;
    this.consumerEnvironment = {
      ...alertingEnvironment,
      [envVarNames.disputeReminderFunctionArn]: this.reminderFunction.functionArn,
      [envVarNames.disputeReminderRoleArn]: this.schedulerRole.roleArn,
      [envVarNames.disputeReminderScheduleGroup]: this.scheduleGroup.scheduleGroupName,
      [envVarNames.disputeReminderLeadHours]: String(leadHours),
    };

    if (this.reminderFunction.role !== undefined) {
      if (this.key !== undefined) this.acknowledgeKeyActions(this.reminderFunction.role);
    }
  }

  /**
   * The ARN pattern of the reminder schedules in {@link scheduleGroup}: `schedule/<group>/dispute-reminder-*`.
   */
  public get reminderSchedulesArn(): string {
    return Stack.of(this).formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.scheduleGroup.scheduleGroupName}/${disputeReminderSchedulePrefix}*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  /**
   * Lets `grantee` send alerts: `sns:Publish` on the topic (and, on the created topic, `kms:Decrypt` and
   * `kms:GenerateDataKey*` on its key) and read access to the webhook secret, when there is one.
   */
  public grantAlerting(grantee: IGrantable): Grant {
    const publish = this.topic.grantPublish(grantee);
    return this.webhookSecret === undefined ? publish : publish.combine(this.webhookSecret.grantRead(grantee));
  }

  /**
   * Lets the consumer send alerts ({@link grantAlerting}) and manage the reminders: `scheduler:CreateSchedule`,
   * `scheduler:UpdateSchedule` and `scheduler:DeleteSchedule` on the `dispute-reminder-*` schedules of
   * {@link scheduleGroup}, and `iam:PassRole` of {@link schedulerRole} to Scheduler only. Give it
   * {@link consumerEnvironment} too.
   */
  public grantConsumer(grantee: IGrantable): Grant {
    const schedules = this.reminderSchedulesArn;
    const grant = this.grantAlerting(grantee)
      .combine(
        // Grant.addToPrincipal, not a Grant of the group: its grants cover every schedule of the group.
        // Update replaces the time when a dispute is created again; Delete cancels it when the dispute closes.
        grantOn(
          grantee,
          ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
          [schedules],
        ),
      )
      .combine(
        grantOn(grantee, ['iam:PassRole'], [this.schedulerRole.roleArn], {
          StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
        }),
      );
    const principal = grantee.grantPrincipal;
    if (Construct.isConstruct(principal)) {
      // The group's name is a literal (unique in the account, derived from the construct path), not a token.
      Validations.of(principal).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${this.scheduleGroup.scheduleGroupName}/${disputeReminderSchedulePrefix}*]`,
        reason:
          'The consumer creates, updates and deletes one reminder schedule per dispute, named after the dispute (unknown in advance), in this group only and under the dispute-reminder- prefix only.',
      });
      if (this.key !== undefined) this.acknowledgeKeyActions(principal);
    }
    return grant;
  }

  private acknowledgeKeyActions(construct: Construct): void {
    Validations.of(construct).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        "Publishing to the KMS-encrypted alert topic needs a data key: kms:GenerateDataKey* is CDK's grant for SNS publishers, on the topic's own key only.",
    });
  }
}

function grantOn(
  grantee: IGrantable,
  actions: string[],
  resources: string[],
  conditions?: Record<string, Record<string, unknown>>,
): Grant {
  return Grant.addToPrincipal({ grantee, actions, resourceArns: resources, ...(conditions ? { conditions } : {}) });
}
