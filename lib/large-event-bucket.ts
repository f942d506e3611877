import { type Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  BucketGrants,
  CfnBucket,
  type IBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';

/** Properties of {@link LargeEventBucket}. */
export interface LargeEventBucketProps {
  /**
   * How long a stored body is kept. It must outlive every message that can point to it: the queue's and
   * the dead-letter queue's retention, plus time for a redrive.
   * @default - required: `largeEventRetentionDays` from `resolveSettings()`
   */
  readonly expiration: Duration;
  /**
   * Key prefix the bodies are stored under; the expiry applies to it.
   * @default - required: `largeEventKeyPrefix` from `config/settings.ts`
   */
  readonly keyPrefix: string;
}

/**
 * The S3 bucket for the raw bodies of events too large to queue inline: private, S3-managed encryption,
 * TLS only, and every body expires after `expiration`, which also removes the bodies of events whose
 * SendMessage failed after the put (the receiver then answered 5xx and Stripe sent the event again).
 */
export class LargeEventBucket extends Construct {
  /** Holds `<keyPrefix><yyyy-mm-dd>/<event id>/<uuid>.json` objects. */
  public readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: LargeEventBucketProps) {
    super(scope, id);

    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Each object is written once under a unique key and never changed: versions would only keep copies.
      versioned: false,
      lifecycleRules: [{ id: 'expire-event-bodies', prefix: props.keyPrefix, expiration: props.expiration }],
      // Retained like the table and the secret: the bodies of events still waiting in the queue or the DLQ
      // must survive a stack deletion, and the lifecycle rule empties the bucket within `expiration` anyway.
      // DESTROY would need autoDeleteObjects, i.e. a custom-resource Lambda and role in the stack that can
      // delete every body, to make `cdk destroy` succeed on a non-empty bucket; that is not worth it here.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Server access logs would need a second bucket (itself unlogged). The objects are transient event bodies that only the receiver role writes and only the consumer role reads, with public access blocked and TLS enforced; CloudTrail data events can audit object access if ever required.',
    });
  }
}

/**
 * Grants one S3 object action on the keys under `keyPrefix`, and nothing else (no bucket-level action,
 * no `s3:Abort*`, no tagging or object lock). The resource has to end in `*`: every body gets its own
 * key, unknown in advance. That is the one wildcard cdk-nag's AwsSolutions-IAM5 reports, and it is
 * acknowledged here for exactly this resource, on the grantee (its role and policy are its children).
 */
export function grantLargeEventObjectAction(
  bucket: IBucket,
  grantee: IGrantable & IConstruct,
  keyPrefix: string,
  action: 's3:PutObject' | 's3:GetObject',
): void {
  BucketGrants.fromBucket(bucket).actionsOnObjectKeys(grantee, `${keyPrefix}*`, action);
  const cfnBucket = bucket.node.defaultChild;
  if (!(cfnBucket instanceof CfnBucket)) return; // an imported bucket: no logical ID, nothing cdk-nag names
  const bucketArn = `<${Stack.of(cfnBucket).getLogicalId(cfnBucket)}.Arn>`;
  Validations.of(grantee).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${bucketArn}/${keyPrefix}*]`,
    reason: `Only ${action}, only on the objects under ${keyPrefix}: each event body has its own key (date, event id, UUID), so the key itself cannot be named in advance.`,
  });
}
