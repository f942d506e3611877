/**
 * The local pipeline of `npm start` and the integration tests, composed from its parts: the boot
 * (emulator, resources, environment, handlers), the event log, the HTTP endpoint for the receiver
 * and the SQS event source for the consumer.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { envVarNames, webhookPath } from '../../config/contract';
import type { PipelineSettings } from '../../config/settings';
import { parseSyncRequest } from '../../functions/billing-state/sync-queue';
import type { Subscriptions } from '../../functions/consumer/define-subscriptions';
import { createLocalAlertRecorder, type LocalAlert } from './alerts-recorder';
import { describeSyncOutcome, describeSyncRequest, type LocalBillingSync } from './billing-sync';
import { bootLocalEnvironment, loadLambdaHandlers } from './boot';
import { consoleRoutes } from './console-routes';
import { localCustomers } from './customers-view';
import { localDeliveryLog } from './delivery-log';
import {
  createDisputeReminderClock,
  type DisputeReminderClock,
  localDisputeReminderRunner,
} from './dispute-reminder-clock';
import { createEventLog, type LocalEmail, type LocalEvent } from './event-log';
import { localEventBridgeTarget } from './eventbridge-target';
import { startHttpEndpoint } from './http-endpoint';
import { type LocalResources, localClientConfig } from './resources';
import { startSesSimulator } from './ses-simulator';
import { type SqsPoller, startSqsPoller } from './sqs-poller';
import { startLocalStripeApi } from './stripe-api';

export type { LocalAlert } from './alerts-recorder';
export type { LocalEmail, LocalEvent, LocalEventDetail, LocalEventStatus } from './event-log';

export interface LocalPipelineOptions {
  /** Port of the webhook endpoint; 0 picks a free one. */
  readonly port: number;
  readonly host?: string;
  /** The signing secret(s) the receiver accepts, stored in the emulated Secrets Manager. */
  readonly signingSecret: string;
  /** An emulator that is already running (tests, LocalStack); otherwise moto_server is started. */
  readonly emulatorEndpoint?: string;
  /** Port for the moto_server started here (e.g. 5000 so that `sam local invoke` can reach it); free port by default. */
  readonly motoPort?: number;
  /** Interface moto_server listens on. @default '127.0.0.1' */
  readonly motoHost?: string;
  readonly settings?: PipelineSettings;
  /** Overrides the queue's visibility timeout, i.e. the delay before a failed event is retried. */
  readonly visibilityTimeoutSeconds?: number;
  readonly senderAddress?: string;
  /**
   * Appended to every resource name (queue, table, secret, bucket), so that pipelines sharing one
   * emulator, e.g. one per Jest test file, do not take each other's messages. @default none
   */
  readonly resourceNameSuffix?: string;
  /** Receives one line per thing that happens; silent when omitted. */
  readonly print?: (line: string) => void;
  /** Port of the fake Stripe API the consumer's Stripe client is pointed at; 0 picks a free one. @default 0 */
  readonly stripeApiPort?: number;
  /** Interface the fake Stripe API listens on (0.0.0.0 for `sam local invoke`'s containers). @default '127.0.0.1' */
  readonly stripeApiHost?: string;
  /** The handlers to run, as a construct's `subscriptionsEntry` gives them. @default this project's subscriptions */
  readonly subscriptions?: Subscriptions;
  /**
   * Runs the billing state feature: its table, the sync queue and the sync function, the consumer's billing
   * handlers, and the console's Customers view. `npm start` turns it on (`--no-billing-state` off); tests ask
   * for it where they test it, since its second poller is load on the shared emulator. @default false
   */
  readonly billingState?: boolean;
  /** Seconds a billing sync request waits on the sync queue (tests make it short). @default BILLING_SYNC_DELAY_SECONDS, else 5 */
  readonly billingSyncDelaySeconds?: number;
  /**
   * Runs the business alerts: the consumer's built-in alerts record to an in-memory destination (`/_local/alerts`,
   * the console's Alerts view, a terminal line each) and dispute reminders run on a local clock. `npm start` turns
   * it on (`--no-business-alerts` off). @default false
   */
  readonly businessAlerts?: boolean;
  /** How many times faster than real time dispute reminders come (3600: 72 hours in 72 seconds). @default 1 */
  readonly alertClockScale?: number;
}

export interface LocalPipeline {
  readonly url: string;
  readonly webhookUrl: string;
  readonly emulatorEndpoint: string;
  readonly resources: LocalResources;
  readonly settings: PipelineSettings;
  /** Base URL of the fake Stripe API (its control API is under `/_fake/`). */
  readonly stripeApiUrl: string;
  /** The event types the handlers subscribe to, comma-separated, as the receiver reads them (thin ones too, and the billing sync's). */
  readonly subscribedTypes: string;
  emails(): Promise<LocalEmail[]>;
  events(): LocalEvent[];
  /** The business alerts recorded, the newest first; empty when the feature is off. */
  alerts(): LocalAlert[];
  /** The dispute reminders' clock; absent when the business alerts are off. */
  readonly disputeReminders?: DisputeReminderClock;
  stop(): Promise<void>;
}

/**
 * Exposes the real Lambda handlers as a local pipeline: HTTP requests become HTTP API v2 events for the
 * receiver, and the queue is polled the way Lambda's SQS event source does it (batches, only
 * successful records deleted, failures visible again after the visibility timeout, redrive to the
 * dead-letter queue after `maxReceiveCount`). The handlers read their configuration from the
 * environment once, when first imported, so run one local pipeline per process.
 */
export async function startLocalPipeline(options: LocalPipelineOptions): Promise<LocalPipeline> {
  const environment = await bootLocalEnvironment(options);
  const { emulatorEndpoint, resources, settings } = environment;
  const stripeApi = await startLocalStripeApi(emulatorEndpoint, {
    port: options.stripeApiPort ?? 0,
    host: options.stripeApiHost,
    nameSuffix: options.resourceNameSuffix,
  });
  // Before the handlers load: they read their environment once.
  Object.assign(process.env, stripeApi.environment);
  // The business alerts go to a recorder and their reminders to a local clock, both printing through the log.
  const alerts = options.businessAlerts ? createLocalAlertRecorder({ print: (line) => log.print(line) }) : undefined;
  const disputeReminders =
    alerts &&
    createDisputeReminderClock({
      scale: options.alertClockScale,
      run: localDisputeReminderRunner({ env: process.env, destinations: [alerts] }),
      print: (line) => log.print(line),
    });
  const handlers = await loadLambdaHandlers(
    options.subscriptions,
    alerts && disputeReminders ? { alertDestinations: [alerts], disputeReminders } : undefined,
  );
  const log = createEventLog({
    print: options.print ?? (() => undefined),
    onRecordOutcome: handlers.onRecordOutcome,
    maxReceiveCount: settings.maxReceiveCount,
    retryDelaySeconds: options.visibilityTimeoutSeconds ?? settings.visibilityTimeoutSeconds,
    emulatorEndpoint,
    senderAddress: resources.senderAddress,
  });
  // Plays SES's part for mail to the mailbox simulator: the bounce or complaint goes to the real SES events handler.
  const sesSimulator = startSesSimulator({
    onRecordOutcome: handlers.onRecordOutcome,
    sesEvents: handlers.sesEvents,
    senderAddress: resources.senderAddress,
    configurationSetName: resources.configurationSetName,
    print: log.print,
  });
  const subscribedTypes = process.env[envVarNames.subscribedEventTypes] ?? '*';
  const eventBridge = localEventBridgeTarget({ emulatorEndpoint, queueUrl: resources.queueUrl, subscribedTypes });
  const consoleSqs = new SQSClient(localClientConfig(emulatorEndpoint));
  const consoleDynamoDb = new DynamoDBClient(localClientConfig(emulatorEndpoint));
  let selfUrl = '';
  const endpoint = await startHttpEndpoint({
    port: options.port,
    host: options.host,
    // Every request to /webhook and /_local/eventbridge, refused ones too: GET /_local/deliveries, the console's Deliveries.
    deliveries: localDeliveryLog(options.signingSecret),
    receiver: async (event) => {
      const response = await handlers.receiver(event);
      // Stripe knows an event's objects before it sends it: the fake learns them from every accepted event.
      if (response.statusCode !== undefined && response.statusCode < 300 && event.body) {
        const body = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
        stripeApi.fake.observeEvent(JSON.parse(body) as unknown);
      } else if (response.statusCode !== undefined && response.statusCode >= 500 && event.body) {
        // A 5xx is a failed delivery Stripe would retry: the fake's Events API lists it with delivery_success=false.
        const body = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
        try {
          stripeApi.fake.observeEvent(JSON.parse(body) as unknown, { delivered: false });
        } catch {
          // Not JSON: not an event Stripe could have sent.
        }
      }
      return response;
    },
    eventBridge: {
      put: async (body) => {
        const result = await eventBridge.put(body);
        if (result.status === 'queued') stripeApi.fake.observeEvent((JSON.parse(body) as { detail: unknown }).detail);
        return result;
      },
    },
    log,
    console: consoleRoutes({
      log,
      selfUrl: () => selfUrl,
      // The receiver accepts a comma-separated list; the console signs with the first, as Stripe does with the newest.
      signingSecret: options.signingSecret.split(',')[0]?.trim() ?? options.signingSecret,
      sqs: consoleSqs,
      queueUrl: resources.queueUrl,
      deadLetterQueueUrl: resources.deadLetterQueueUrl,
      dynamodb: consoleDynamoDb,
      suppressionTableName: resources.suppressionTableName,
      ...(handlers.billingSync && resources.billingState
        ? {
            customers: localCustomers({
              dynamodb: consoleDynamoDb,
              tableName: resources.billingState.tableName,
              service: handlers.billingSync.service,
            }),
          }
        : {}),
      ...(alerts ? { alerts } : {}),
    }),
  });
  selfUrl = endpoint.url;
  const poller = await startSqsPoller({
    emulatorEndpoint,
    queueUrl: resources.queueUrl,
    settings,
    consumer: handlers.consumer,
    log,
  });
  const syncPoller =
    handlers.billingSync && resources.billingState
      ? await startBillingSyncPoller({
          emulatorEndpoint,
          queueUrl: resources.billingState.syncQueueUrl,
          settings,
          billingSync: handlers.billingSync,
          print: log.print,
          retryDelaySeconds: options.visibilityTimeoutSeconds ?? settings.visibilityTimeoutSeconds,
        })
      : undefined;

  return {
    url: endpoint.url,
    webhookUrl: `${endpoint.url}${webhookPath}`,
    emulatorEndpoint,
    resources,
    settings,
    stripeApiUrl: stripeApi.fake.url,
    subscribedTypes,
    emails: () => log.emails(),
    events: () => log.events(),
    alerts: () => alerts?.list() ?? [],
    ...(disputeReminders ? { disputeReminders } : {}),
    async stop() {
      // No reminder fires from here on (one running finishes below).
      disputeReminders?.stop();
      // No new batch from here on, and nothing more printed, while the endpoint and the batch in hand finish.
      const polled = Promise.all([poller.stop(), syncPoller?.stop()]);
      log.stop();
      sesSimulator.stop();
      await endpoint.close();
      consoleSqs.destroy();
      consoleDynamoDb.destroy();
      await polled;
      await sesSimulator.idle();
      await disputeReminders?.idle();
      await stripeApi.fake.close();
      await environment.stop();
    },
  };
}

/**
 * The billing sync function's event source: the sync queue polled like the consumer's, one terminal line
 * per sync (`↻ billing sync cus_123 [evt_456]: synced (access yes, ...)`), and per failed request the
 * attempt and what comes next (a retry after the visibility timeout, or the sync dead-letter queue).
 */
async function startBillingSyncPoller(options: {
  readonly emulatorEndpoint: string;
  readonly queueUrl: string;
  readonly settings: PipelineSettings;
  readonly billingSync: LocalBillingSync;
  readonly print: (line: string) => void;
  readonly retryDelaySeconds: number;
}): Promise<SqsPoller> {
  const { billingSync, print, settings } = options;
  // The handler reports a failed record after the sync threw: the error, kept until then.
  const errors = new Map<string, string>();
  const keyOf = (request: { customerId: string; account: string | null; eventId: string | null }) =>
    `${request.account}/${request.customerId}/${request.eventId}`;
  const unsubscribe = billingSync.onSync((report) => {
    if ('outcome' in report) {
      print(`↻ billing sync ${describeSyncRequest(report.request)}: ${describeSyncOutcome(report.outcome)}`);
    } else {
      errors.set(keyOf(report.request), String(report.error));
    }
  });
  const poller = await startSqsPoller({
    emulatorEndpoint: options.emulatorEndpoint,
    queueUrl: options.queueUrl,
    settings,
    consumer: billingSync.handler,
    functionName: 'billing-sync',
    log: { print, noteReceiveCount: () => undefined, forgetReceiveCount: () => undefined },
    onFailedRecord(record) {
      const attempt = Number(record.attributes.ApproximateReceiveCount);
      const next =
        attempt >= settings.maxReceiveCount
          ? '→ billing sync dead-letter queue'
          : `→ retried after ${options.retryDelaySeconds} s`;
      let who = `message ${record.messageId}`;
      let error = 'the sync function failed';
      try {
        const request = parseSyncRequest(record.body);
        who = describeSyncRequest(request);
        error = errors.get(keyOf(request)) ?? error;
        errors.delete(keyOf(request));
      } catch (malformed) {
        error = String(malformed);
      }
      print(`✖ billing sync ${who} failed (attempt ${attempt} of ${settings.maxReceiveCount}): ${error} ${next}`);
    },
  });
  return {
    async stop() {
      unsubscribe();
      await poller.stop();
    },
  };
}
