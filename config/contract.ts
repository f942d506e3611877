/**
 * The contract between the pieces that run apart: the CDK construct that deploys them (`lib/`), the
 * receiver and the consumer (`functions/`), and the local pipeline (`tools/local/`). Names only, and the
 * formats both sides must agree on; nothing here imports aws-cdk-lib or an AWS SDK.
 */

/** Names of the environment variables the Lambda functions read (set by the stack and by `npm start`). */
export const envVarNames = {
  /** URL of the SQS queue that the receiver sends verified events to. */
  queueUrl: 'EVENT_QUEUE_URL',
  /** URL of the event queue's dead-letter queue: the consumer puts an event failing its last attempt there itself, with the reason (consumer only). */
  deadLetterQueueUrl: 'DEAD_LETTER_QUEUE_URL',
  /** The event queue's `maxReceiveCount`: the attempt at which the consumer dead-letters a failing event itself (consumer only). */
  maxReceiveCount: 'MAX_RECEIVE_COUNT',
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
  /** Business name shown in every email's layout (the `emailBusinessName` setting). */
  emailBusinessName: 'EMAIL_BUSINESS_NAME',
  /** Address customers can write to, shown in every email's footer (the `emailSupportAddress` setting). */
  emailSupportAddress: 'EMAIL_SUPPORT_ADDRESS',
  /** Absolute https URL of a logo shown at the top of every email (the `emailLogoUrl` setting). */
  emailLogoUrl: 'EMAIL_LOGO_URL',
  /** Locale of an email when the customer has none (the `emailDefaultLocale` setting): en, fr, de, es or ja. */
  emailDefaultLocale: 'EMAIL_DEFAULT_LOCALE',
  /** SES configuration set named on every send, whose event destination reports bounces and complaints. */
  sesConfigurationSetName: 'SES_CONFIGURATION_SET_NAME',
  /** DynamoDB table of suppressed recipient addresses (hard bounces and complaints). */
  suppressionTableName: 'SUPPRESSION_TABLE_NAME',
  /** Name or ARN of the Secrets Manager secret holding a restricted Stripe API key; unset means no Stripe API calls. */
  stripeApiKeySecretId: 'STRIPE_API_KEY_SECRET_ID',
  /** Base URL of the Stripe API; set only locally and in tests, to the fake Stripe API. @default https://api.stripe.com */
  stripeApiUrl: 'STRIPE_API_URL',
  /** Stripe API calls per second one consumer instance may make (the `stripeApiRatePerSecond` setting). */
  stripeApiRatePerSecond: 'STRIPE_API_RATE_PER_SECOND',
  /** JSON: per connected account (Connect), the sender and business shown in its customers' emails. */
  connectedAccountEmails: 'CONNECTED_ACCOUNT_EMAILS',
  /** DynamoDB table of each customer's billing state (the `billingState` feature); unset means the feature is off. */
  billingStateTableName: 'BILLING_STATE_TABLE_NAME',
  /** SQS queue of delayed "sync this customer" requests that the billing handlers send and the sync function reads. */
  billingSyncQueueUrl: 'BILLING_SYNC_QUEUE_URL',
  /** Seconds a sync request waits on the queue before it runs, so that one sync covers a burst of events. */
  billingSyncDelaySeconds: 'BILLING_SYNC_DELAY_SECONDS',
  /** `false` when a `past_due` subscription gives no access (the `pastDueAccess` option); anything else gives it. */
  billingStatePastDueAccess: 'BILLING_STATE_PAST_DUE_ACCESS',
  /** The billing sync's event types switched off (the `off` option), comma-separated; the others are synced from. */
  billingSyncOffTypes: 'BILLING_SYNC_OFF_TYPES',
  /** ARN of the SNS topic business alerts are published to (the `businessAlerts` feature); unset means the feature is off. */
  alertTopicArn: 'ALERT_TOPIC_ARN',
  /** Name or ARN of the Secrets Manager secret whose SecretString is the https URL alerts are also posted to. @default none */
  alertWebhookSecretId: 'ALERT_WEBHOOK_SECRET_ID',
  /** Business alert kinds switched off (the `businessAlertsOff` option), comma-separated. @default none */
  businessAlertsOff: 'BUSINESS_ALERTS_OFF',
  /** ARN of the dispute reminder function, the target of each reminder schedule (consumer only). */
  disputeReminderFunctionArn: 'DISPUTE_REMINDER_FUNCTION_ARN',
  /** ARN of the role EventBridge Scheduler assumes to invoke the reminder function (consumer only). */
  disputeReminderRoleArn: 'DISPUTE_REMINDER_ROLE_ARN',
  /** EventBridge Scheduler schedule group the reminder schedules are created in (consumer only). */
  disputeReminderScheduleGroup: 'DISPUTE_REMINDER_SCHEDULE_GROUP',
  /** Hours before a dispute's evidence is due that its reminder fires (`disputeReminderLeadHours`). @default 72 */
  disputeReminderLeadHours: 'DISPUTE_REMINDER_LEAD_HOURS',
} as const;

/** SQS message attribute names that carry event metadata beside the raw body. */
export const messageAttributeNames = {
  eventId: 'stripe-event-id',
  eventType: 'stripe-event-type',
  receivedAt: 'received-at',
  /** `snapshot` or `thin` (a v2 event notification); absent on messages EventBridge delivers, whose body says. */
  eventPayload: 'stripe-event-payload',
  /**
   * Where the raw body is: absent means the message body is the event itself; `s3` means the message
   * body is a pointer to the S3 object that holds it (see `largeEventThresholdBytes`).
   */
  bodyLocation: 'body-location',
  /** How many times SES throttled this event; a throttled event is queued again as a fresh, delayed copy. */
  throttleRetries: 'throttle-retries',
  /** Set on an event queued from Stripe's Events API rather than delivered: who replayed it (`stripe:replay`, `reconciler`). */
  replayedBy: 'replayed-by',
} as const;

/**
 * Message attributes the consumer adds when it puts an event that failed its last attempt on the
 * dead-letter queue (see `functions/consumer/dead-letter.ts`); a redrive takes them off again. Two, because
 * SQS allows 10 attributes per message and {@link messageAttributeNames} may use 7.
 */
export const deadLetterAttributeNames = {
  /** The last attempt's error, one line, e.g. `receipt: invoice.created is missing` (at most 1,024 characters). */
  lastError: 'last-error',
  /** JSON: `{ handler, step, field, attempts, failedAt }` of that failure (`null` where unknown). */
  lastErrorDetail: 'last-error-detail',
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

/** The suppression table's key schema: one item per suppressed address, written by the SES events function. */
export const suppressionTableSchema = {
  /** The partition key (a string): the recipient address, trimmed and lower-cased. */
  partitionKey: 'address',
} as const;

/**
 * The billing state table's key: one item per customer and account, holding what Stripe's API said of
 * the customer when it was last synced (see `functions/billing-state/`).
 */
export const billingStateTableSchema = {
  /** The partition key (a string): `<account id or "platform">/<customer id>`, see `billingStateKey`. */
  partitionKey: 'pk',
} as const;

/** CloudWatch namespace of the pipeline's own metrics (Powertools Metrics in the functions, alarms and dashboard in lib). */
export const metricsNamespace = 'StripeWebhooks';

/** `POWERTOOLS_SERVICE_NAME` of each function: the `service` dimension of its metrics and the name in its logs. */
export const serviceNames = {
  receiver: 'stripe-webhook-receiver',
  consumer: 'stripe-webhook-consumer',
  sesEvents: 'stripe-webhook-ses-events',
  reconciler: 'stripe-webhook-reconciler',
  billingSync: 'stripe-billing-sync',
  disputeReminder: 'stripe-dispute-reminder',
} as const;
