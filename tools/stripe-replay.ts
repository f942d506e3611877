/**
 * `npm run stripe:replay -- --since TIME [--until TIME] [--types a,b] [--undelivered-only] [--dry-run]`:
 * queues again the events Stripe sent in a window that the consumer has not done (see
 * functions/replay/replay-events.ts). Against `npm start` by default, or a deployed stack with --outputs.
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  encodeSubscribedTypes,
  isThinEventType,
  splitSubscribedTypes,
  subscribedTypeMatcher,
} from '../config/subscribed-types';
import { subscribedTypesOf } from '../functions/consumer/define-subscriptions';
import { isEventDone } from '../functions/consumer/idempotency-store';
import { largeEventThresholdBytes } from '../functions/receiver/tuning';
import { type ReplaySummary, replayEvents } from '../functions/replay/replay-events';
import { replayEventQueue } from '../functions/replay/replay-queue';
import { replayWindow } from '../functions/replay/replay-window';
import { sdkLargeEventStore, sdkSqsSender } from '../functions/replay/sdk-queue';
import { createStripeAdminApi } from '../functions/shared/stripe-api/admin';
import projectSubscriptions from '../functions/subscriptions';
import { localResourceNames } from './local/defaults';
import { localClientConfig, localS3ClientConfig, quietSdkNodeVersionWarning } from './local/resources';
import {
  deployedApiKey,
  localTarget,
  parseTime,
  progressBar,
  requiredOutput,
  runStripeTool,
  StripeToolUsageError,
  stackOutputs,
} from './stripe-targets';

export const replayUsage = `Usage: npm run stripe:replay -- --since TIME [--until TIME] [--types a,b] [--undelivered-only] [--dry-run]
                               [--outputs cdk-outputs.json [--stack NAME] [--api-key-secret NAME]]

Lists the events Stripe sent between --since and --until (Stripe keeps them 30 days) and queues each
one the consumer has not done yet, as the receiver would have, marked replayed-by=stripe:replay.
Already done events (the idempotency table) are skipped, so running it twice is safe. Thin events
(GET /v2/core/events) are listed too when the pipeline subscribes to thin types (or --types names one),
and queued as the notification a thin destination posts.

  --since TIME          start of the window: an ISO time (2026-12-01T08:00:00Z) or a duration ago (6h, 3d)
  --until TIME          end of the window (default: now)
  --types a,b           only these event types (default: every type the pipeline subscribes to); thin
                        types (v1.billing.meter.error_report_triggered, v2.core.*) are listed from API v2
  --undelivered-only    only events whose delivery has not succeeded (Stripe's delivery_success=false);
                        thin events have no delivery status in Stripe's API, so all of them are checked
  --dry-run             list and check, queue nothing
  --outputs FILE        a deployed stack: the file \`cdk deploy --outputs-file FILE\` wrote (queue, table,
                        bucket, subscribed types); AWS credentials and region from the usual chain.
                        Without it: the running \`npm start\` and its fake Stripe API.
  --stack NAME          the stack in FILE, when it has several
  --api-key-secret NAME the Secrets Manager secret with a Stripe key that may read events
                        (default: the STRIPE_API_KEY environment variable)
  --help                show this help

Prints a summary: found, already done, queued, failed. Exits 1 if any event failed, 2 on bad usage.`;

export function formatReplaySummary(summary: ReplaySummary): string {
  const from = new Date(summary.window.sinceSeconds * 1000).toISOString();
  const to = new Date(summary.window.untilSeconds * 1000).toISOString();
  const queued = summary.dryRun ? `would queue ${summary.queued}` : `queued ${summary.queued}`;
  const lines = [
    `${summary.dryRun ? 'Dry run: ' : ''}found ${summary.found}, already done ${summary.alreadyDone}, ${queued}, failed ${summary.failed}` +
      ` (not subscribed ${summary.notSubscribed}; ${summary.pages} page${summary.pages === 1 ? '' : 's'}; ${from} to ${to})`,
  ];
  for (const failure of summary.failures.slice(0, 20)) lines.push(`  failed ${failure.eventId}: ${failure.error}`);
  if (summary.failures.length > 20) lines.push(`  ... and ${summary.failures.length - 20} more`);
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      since: { type: 'string' },
      until: { type: 'string' },
      types: { type: 'string' },
      'undelivered-only': { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      outputs: { type: 'string' },
      stack: { type: 'string' },
      'api-key-secret': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(replayUsage);
    return 0;
  }
  const now = new Date();
  if (values.since === undefined) throw new StripeToolUsageError(`--since is required.\n\n${replayUsage}`);
  const since = parseTime('--since', values.since, now);
  const until = values.until === undefined ? undefined : parseTime('--until', values.until, now);
  // A window Stripe cannot list is refused before any queue, table or key is looked for.
  replayWindow(since, until, now);
  const types = values.types
    ?.split(',')
    .map((type) => type.trim())
    .filter((type) => type !== '');

  quietSdkNodeVersionWarning();
  let sqs: SQSClient;
  let dynamodb: DynamoDBClient;
  let s3: S3Client;
  let queueUrl: string;
  let tableName: string;
  let bucket: string;
  let subscribed: string;
  let subscribedThin: string[];
  let apiKey: string;
  let apiUrl: string | undefined;
  if (values.outputs === undefined) {
    const local = localTarget();
    sqs = new SQSClient(localClientConfig(local.emulatorEndpoint));
    dynamodb = new DynamoDBClient(localClientConfig(local.emulatorEndpoint));
    s3 = new S3Client(localS3ClientConfig(local.emulatorEndpoint));
    queueUrl =
      local.queueUrl ||
      ((await sqs.send(new GetQueueUrlCommand({ QueueName: localResourceNames.queue }))).QueueUrl ?? '');
    tableName = local.tableName;
    bucket = local.largeEventBucket;
    // What the running `npm start` subscribes to (its --subscriptions module), else this project's registry.
    subscribed = local.subscribedTypes ?? encodeSubscribedTypes(subscribedTypesOf(projectSubscriptions));
    subscribedThin = splitSubscribedTypes(subscribed.split(',').filter((type) => type !== '')).thin;
    apiKey = local.apiKey;
    apiUrl = local.stripeApiUrl;
    console.log(`Replaying into the local pipeline (npm start), from the fake Stripe API at ${apiUrl}`);
  } else {
    const outputs = stackOutputs(values.outputs, values.stack);
    sqs = new SQSClient({});
    dynamodb = new DynamoDBClient({});
    s3 = new S3Client({});
    const queueName = requiredOutput(outputs, 'EventQueueName', values.outputs);
    const found = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    queueUrl = found.QueueUrl ?? '';
    tableName = requiredOutput(outputs, 'IdempotencyTableName', values.outputs);
    bucket = requiredOutput(outputs, 'LargeEventBucketName', values.outputs);
    // Thin types have an output of their own (a thin destination takes them, the endpoint does not).
    const thinOutput = outputs.EnabledThinEvents ?? '';
    subscribedThin = thinOutput.split(',').filter((type) => type !== '');
    subscribed = [requiredOutput(outputs, 'EnabledEvents', values.outputs), thinOutput].filter(Boolean).join(',');
    apiKey = await deployedApiKey(values['api-key-secret']);
    console.log(`Replaying into ${queueName} from Stripe's API`);
  }
  const isSubscribed = subscribedTypeMatcher(subscribed);
  // --types picks from both APIs by the type's shape; without it, the subscribed thin types.
  const thinTypes = types === undefined ? subscribedThin : types.filter(isThinEventType);
  const snapshotTypes = types?.filter((type) => !isThinEventType(type));
  const stripe = createStripeAdminApi({ apiKey: async () => apiKey, apiUrl });
  const interactive = process.stderr.isTTY === true;
  let lastLine = 0;
  try {
    const summary = await replayEvents(
      {
        since,
        ...(until === undefined ? {} : { until }),
        ...(snapshotTypes === undefined ? {} : { types: snapshotTypes }),
        // Only thin types asked for: no snapshot listing (an empty `types` would mean all of them).
        ...(snapshotTypes !== undefined && snapshotTypes.length === 0 ? { snapshots: false } : {}),
        thinTypes,
        undeliveredOnly: values['undelivered-only'],
        dryRun: values['dry-run'],
      },
      {
        stripe,
        enqueue: replayEventQueue(sdkSqsSender(sqs, queueUrl), 'stripe:replay', {
          largeEvents: { store: sdkLargeEventStore(s3, bucket), thresholdBytes: largeEventThresholdBytes },
        }),
        isDone: (eventId) => isEventDone(dynamodb, tableName, eventId),
        isSubscribed,
        now: () => new Date(),
        onProgress: (progress) => {
          const line = `${progressBar(progress.fraction)}  found ${progress.found}  done ${progress.alreadyDone}  queued ${progress.queued}  failed ${progress.failed}`;
          if (interactive) process.stderr.write(`\r${line}`);
          else if (Date.now() - lastLine > 2000 || progress.fraction >= 1) {
            lastLine = Date.now();
            process.stderr.write(`${line}\n`);
          }
        },
      },
    );
    if (interactive) process.stderr.write('\n');
    console.log(formatReplaySummary(summary));
    return summary.failed > 0 ? 1 : 0;
  } finally {
    sqs.destroy();
    dynamodb.destroy();
    s3.destroy();
  }
}

if (require.main === module) runStripeTool(main, { usageErrorNames: ['ReplayWindowError'] });
