/**
 * The contract between the pieces that run apart: the CDK construct that deploys them (`lib/`), the
 * receiver and the consumer (`functions/`), and the local pipeline (`tools/local/`). Names only, and the
 * formats both sides must agree on; nothing here imports aws-cdk-lib or an AWS SDK.
 */

/** Names of the environment variables the Lambda functions read (set by the stack and by `npm start`). */
export const envVarNames = {
  /** URL of the SQS queue that the receiver sends verified events to. */
  queueUrl: 'EVENT_QUEUE_URL',
  /** Name or ARN of the Secrets Manager secret holding the Stripe webhook signing secret(s). */
  signingSecretId: 'SIGNING_SECRET_ID',
  /** Name of the DynamoDB idempotency table. */
  idempotencyTableName: 'IDEMPOTENCY_TABLE_NAME',
  /** The address emails are sent from; must be a verified SES identity. */
  senderAddress: 'SENDER_ADDRESS',
  /** Deployment stage, e.g. `dev` or `prod`; used in logs and metrics. */
  stage: 'STAGE',
  /** Days a done event id is remembered (the `idempotencyRetentionDays` setting). */
  idempotencyRetentionDays: 'IDEMPOTENCY_RETENTION_DAYS',
  /** Which Stripe mode's events the consumer handles: `live`, `test` or `any` (the `livemode` setting). */
  acceptedLivemode: 'ACCEPTED_LIVEMODE',
  /** Least milliseconds between two emails sent by one consumer instance (derived from `sesSendRatePerSecond`). */
  emailSendIntervalMs: 'EMAIL_SEND_INTERVAL_MS',
  /** S3 bucket holding the raw bodies of events too large to queue inline (see `largeEventThresholdBytes`). */
  largeEventBucketName: 'LARGE_EVENT_BUCKET_NAME',
  /** The event types the receiver queues, in the format of `config/subscribed-types.ts`; others are acknowledged. */
  subscribedEventTypes: 'SUBSCRIBED_EVENT_TYPES',
  /** The consumer function's timeout in seconds (the `consumerTimeoutSeconds` setting): claims and pacing follow it. */
  consumerTimeoutSeconds: 'CONSUMER_TIMEOUT_SECONDS',
  /** `true` when the receiver accepts requests only from Stripe's webhook IP addresses (the `stripeIpAllowlist` setting). */
  stripeIpAllowlist: 'STRIPE_IP_ALLOWLIST',
} as const;

/** SQS message attribute names that carry event metadata beside the raw body. */
export const messageAttributeNames = {
  eventId: 'stripe-event-id',
  eventType: 'stripe-event-type',
  receivedAt: 'received-at',
  /**
   * Where the raw body is: absent means the message body is the event itself; `s3` means the message
   * body is a pointer to the S3 object that holds it (see `largeEventThresholdBytes`).
   */
  bodyLocation: 'body-location',
  /** How many times SES throttled this event; a throttled event is queued again as a fresh, delayed copy. */
  throttleRetries: 'throttle-retries',
} as const;

/** Key prefix of the stored bodies: the receiver writes and the consumer reads only under it (IAM says so too). */
export const largeEventKeyPrefix = 'events/';

/** HTTP path that Stripe posts to, on API Gateway and on the local pipeline. */
export const webhookPath = '/webhook';

/**
 * The idempotency table's key schema and TTL attribute: the construct creates the table with them, the
 * local pipeline creates its copy with them, and the consumer's store reads and writes items by them.
 */
export const idempotencyTableSchema = {
  /** The partition key (a string): `event#<event id>` for an event, `object#<object id>` for the in-order guard. */
  partitionKey: 'pk',
  /** Epoch seconds after which DynamoDB's TTL may delete the item. */
  timeToLiveAttribute: 'expiresAt',
} as const;
