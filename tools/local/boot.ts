/**
 * The one boot step of the local tools (`npm start` and `npm run invoke`): the emulator (moto, or the
 * one given), the resources the stack creates, the environment the stack gives the functions, and
 * then the real handlers. Shared so that both tools run the handlers in exactly the same world.
 */
import type { APIGatewayProxyStructuredResultV2, Context, SNSEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type PipelineSettings, resolveSettings } from '../../config/settings';
import type { ConsumerHandlerOverrides } from '../../functions/consumer/create-handler';
import type { Subscriptions } from '../../functions/consumer/define-subscriptions';
import type { RecordOutcome } from '../../functions/consumer/outcome-listeners';
import type { SesNotificationOutcome } from '../../functions/ses-events/handle-ses-notification';
import type { ReceiverEvent } from '../receiver-events';
import { createLocalBillingSync, type LocalBillingSync } from './billing-sync';
import { localSenderAddress } from './defaults';
import { startMoto } from './moto';
import {
  configureHandlerEnvironment,
  createLocalResources,
  type LocalResources,
  quietSdkNodeVersionWarning,
} from './resources';

export interface LocalBootOptions {
  /** The signing secret(s) the receiver accepts, stored in the emulated Secrets Manager. */
  readonly signingSecret: string;
  /** An emulator that is already running (tests, LocalStack); otherwise moto_server is started. */
  readonly emulatorEndpoint?: string;
  /** Port for the moto_server started here; free port by default. */
  readonly motoPort?: number;
  /** Interface moto_server listens on. @default '127.0.0.1' */
  readonly motoHost?: string;
  /** @default resolveSettings({ stage: 'local' }) */
  readonly settings?: PipelineSettings;
  /** @default localSenderAddress */
  readonly senderAddress?: string;
  /** Overrides the queue's visibility timeout, i.e. the delay before a failed event is retried. */
  readonly visibilityTimeoutSeconds?: number;
  /** Appended to every resource name, see `localResourceNamesWith`. @default none */
  readonly resourceNameSuffix?: string;
  /**
   * The handlers the consumer runs (and the types the receiver queues), as a construct's `subscriptionsEntry`
   * would give them; pass the same to {@link loadLambdaHandlers}. @default this project's `functions/subscriptions.ts`
   */
  readonly subscriptions?: Subscriptions;
  /** Receives the progress of installing moto into `.local/moto-venv` when it is missing. @default silent */
  readonly print?: (line: string) => void;
  /**
   * Runs the billing state feature: its table and sync queue are created, the consumer's billing handlers
   * queue syncs, and the receiver queues their types. @default false (`npm start` turns it on)
   */
  readonly billingState?: boolean;
  /** Seconds a billing sync request waits on the sync queue. @default BILLING_SYNC_DELAY_SECONDS, else the feature's default (5) */
  readonly billingSyncDelaySeconds?: number;
  /**
   * The receiver queues the business alerts' types; pass the alert destinations to {@link loadLambdaHandlers}
   * to turn the alerts on in the consumer. @default false (`npm start` turns it on)
   */
  readonly businessAlerts?: boolean;
}

export interface LocalEnvironment {
  readonly emulatorEndpoint: string;
  readonly resources: LocalResources;
  readonly settings: PipelineSettings;
  /** Ends the moto_server this boot started; an emulator that was given keeps running. */
  stop(): Promise<void>;
}

/** The real Lambda handlers, as the local tools call them. */
export interface LambdaHandlers {
  readonly receiver: (event: ReceiverEvent) => Promise<APIGatewayProxyStructuredResultV2>;
  readonly consumer: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
  /** The SES events function: SES's bounce and complaint notifications in, suppressed addresses recorded. */
  readonly sesEvents: (event: SNSEvent) => Promise<SesNotificationOutcome[]>;
  /** Reports what the consumer did with each record; returns the unsubscribe function. */
  readonly onRecordOutcome: (listener: (outcome: RecordOutcome) => void) => () => void;
  /** The billing sync function, with the service it syncs through; absent when the feature is off. */
  readonly billingSync?: LocalBillingSync;
}

/** Starts or reuses the emulator, creates the local resources in it and points this process's environment at them. */
export async function bootLocalEnvironment(options: LocalBootOptions): Promise<LocalEnvironment> {
  quietSdkNodeVersionWarning();
  const settings = options.settings ?? resolveSettings({ stage: 'local' });
  const moto = options.emulatorEndpoint
    ? undefined
    : await startMoto({ port: options.motoPort, host: options.motoHost, print: options.print });
  const emulatorEndpoint = moto?.endpoint ?? options.emulatorEndpoint ?? '';
  let resources: LocalResources;
  try {
    resources = await createLocalResources(emulatorEndpoint, settings, {
      signingSecret: options.signingSecret,
      senderAddress: options.senderAddress ?? localSenderAddress,
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
      nameSuffix: options.resourceNameSuffix,
      billingState: options.billingState ?? false,
      businessAlerts: options.businessAlerts ?? false,
    });
  } catch (error) {
    // The caller gets no handle to stop it with, so a moto started for nothing must end here.
    await moto?.stop();
    throw error;
  }
  configureHandlerEnvironment(emulatorEndpoint, resources, settings, options.subscriptions, {
    billingSyncDelaySeconds: options.billingSyncDelaySeconds,
    businessAlerts: options.businessAlerts ?? false,
  });
  return {
    emulatorEndpoint,
    resources,
    settings,
    stop: async () => {
      await moto?.stop();
    },
  };
}

/**
 * Imports the real handlers. They read the environment once, when first imported, so call this only
 * after {@link bootLocalEnvironment}. The only place the local tools import them, so that a change in
 * how a handler is made is a change here alone.
 */
export async function loadLambdaHandlers(
  subscriptions?: Subscriptions,
  /** What the consumer uses instead of AWS, e.g. the business alerts' recorder and reminder clock. @default none */
  consumerOverrides?: ConsumerHandlerOverrides,
): Promise<LambdaHandlers> {
  const receiver = await import('../../functions/receiver/handler');
  // The Lambda entry does the same with the bundled subscriptions module (functions/consumer/lambda-entry.ts).
  const consumer =
    subscriptions === undefined && consumerOverrides === undefined
      ? await import('../../functions/consumer/handler')
      : {
          handler: (await import('../../functions/consumer/create-handler')).createConsumerHandler(
            subscriptions ?? (await import('../../functions/subscriptions')).default,
            process.env,
            consumerOverrides,
          ),
        };
  const sesEvents = await import('../../functions/ses-events/handler');
  const { onRecordOutcome } = await import('../../functions/consumer/outcome-listeners');
  // The sync function's handler, made as its Lambda entry makes it (functions/billing-state/handler.ts), when the feature is on.
  const billingSync = createLocalBillingSync(process.env);
  return {
    receiver: receiver.handler,
    consumer: consumer.handler,
    sesEvents: sesEvents.handler,
    onRecordOutcome,
    ...(billingSync === undefined ? {} : { billingSync }),
  };
}
