import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { Alarm, IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

/** Properties of {@link AlarmTopic}. */
export interface AlarmTopicProps {
  /**
   * An address subscribed to the topic by e-mail. SNS sends it a confirmation link first: nothing
   * arrives until someone clicks it.
   * @default - no subscription: subscribe your paging tool or an address yourself
   */
  readonly email?: string;
  /**
   * ARN of an existing SNS topic (your paging tool's, or one shared by several stacks) to send to instead
   * of creating one. If it is encrypted with KMS, its key policy must let `cloudwatch.amazonaws.com` use
   * `kms:Decrypt` and `kms:GenerateDataKey*`, and its topic policy must let it publish.
   * @default - a new topic, encrypted with a key of its own, TLS only
   */
  readonly topicArn?: string;
}

/**
 * The SNS topic every alarm of the pipeline sends to, on ALARM and on OK. A created topic is encrypted
 * with a customer managed key (CloudWatch cannot publish to a topic under SNS's AWS managed key, whose
 * policy no one can change), refuses requests that are not made over TLS, and lets CloudWatch alarms of
 * this account publish.
 */
export class AlarmTopic extends Construct {
  /** Where the alarms send: the created topic, or the one `topicArn` names. */
  public readonly topic: ITopic;
  /** The key of the created topic; `undefined` with `topicArn`. */
  public readonly key: Key | undefined;
  /** The e-mail subscription, when `email` was given. */
  public readonly emailSubscription: EmailSubscription | undefined;
  private readonly action: IAlarmAction;

  constructor(scope: Construct, id: string, props: AlarmTopicProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    if (props.topicArn === undefined) {
      this.key = new Key(this, 'Key', {
        description: 'Encrypts the topic the Stripe webhook pipeline sends its alarms to.',
        enableKeyRotation: true,
      });
      this.key.addToResourcePolicy(
        new PolicyStatement({
          sid: 'AllowCloudWatchAlarmsToPublishToTheEncryptedTopic',
          principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'], // in a key policy, "*" is this key
        }),
      );
      const topic = new Topic(this, 'Topic', {
        displayName: 'Stripe webhook pipeline alarms',
        masterKey: this.key,
        enforceSSL: true,
      });
      // enforceSSL writes a topic policy, which replaces SNS's default one: CloudWatch needs its own statement.
      topic.addToResourcePolicy(
        new PolicyStatement({
          sid: 'AllowCloudWatchAlarmsOfThisAccountToPublish',
          principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [topic.topicArn],
          conditions: {
            ArnLike: {
              'aws:SourceArn': stack.formatArn({
                service: 'cloudwatch',
                resource: 'alarm',
                resourceName: '*',
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
            },
            StringEquals: { 'aws:SourceAccount': stack.account },
          },
        }),
      );
      this.topic = topic;
    } else {
      this.key = undefined;
      this.topic = Topic.fromTopicArn(this, 'Topic', props.topicArn);
    }
    this.emailSubscription = props.email === undefined ? undefined : new EmailSubscription(props.email);
    if (this.emailSubscription !== undefined) this.topic.addSubscription(this.emailSubscription);
    this.action = new SnsAction(this.topic);
  }

  /** Sends `alarm`'s ALARM and OK transitions to the topic; returns it, so that a new alarm is wired in one call. */
  public notify<T extends Alarm>(alarm: T): T {
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    return alarm;
  }
}
