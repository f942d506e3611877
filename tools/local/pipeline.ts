import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type {
  APIGatewayProxyResultV2,
  APIGatewayProxyStructuredResultV2,
  Context,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import { webhookPath } from '../../config/contract';
import { type PipelineSettings, resolveSettings } from '../../config/settings';
import type { RecordOutcome } from '../../functions/consumer/outcome-listeners';
import { localSenderAddress } from './defaults';
import { httpApiEvent, lambdaContext, sqsRecord } from './lambda-shapes';
import { type RunningMoto, startMoto } from './moto';
import {
  configureHandlerEnvironment,
  createLocalResources,
  type LocalResources,
  localClientConfig,
  quietSdkNodeVersionWarning,
} from './resources';

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
}

export interface LocalEmail {
  readonly to: string;
  readonly from: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly eventId: string;
  readonly messageId: string;
}

export type LocalEventStatus =
  | 'queued'
  | 'processed'
  | 'duplicate'
  | 'unhandled'
  | 'filtered'
  | 'failed'
  | 'dead_lettered'
  | 'throttled';

export interface LocalEvent {
  readonly id: string;
  readonly type: string;
  status: LocalEventStatus;
  /** Times the consumer ran for this event id. */
  attempts: number;
  /** Times the endpoint accepted this event id. */
  deliveries: number;
}

export interface LocalPipeline {
  readonly url: string;
  readonly webhookUrl: string;
  readonly emulatorEndpoint: string;
  readonly resources: LocalResources;
  readonly settings: PipelineSettings;
  emails(): Promise<LocalEmail[]>;
  events(): LocalEvent[];
  stop(): Promise<void>;
}

interface ReceiverModule {
  handler: (event: ReturnType<typeof httpApiEvent>) => Promise<APIGatewayProxyResultV2>;
}
interface ConsumerModule {
  handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
}

const maxBodyBytes = 10 * 1024 * 1024; // API Gateway's payload limit
const time = () => new Date().toISOString().slice(11, 19);

/**
 * Exposes the real Lambda handlers as a local pipeline: HTTP requests become HTTP API v2 events for the
 * receiver, and the queue is polled the way Lambda's SQS event source does it (batches, only
 * successful records deleted, failures visible again after the visibility timeout, redrive to the
 * dead-letter queue after `maxReceiveCount`). The handlers read their configuration from the
 * environment once, when first imported, so run one local pipeline per process.
 */
export async function startLocalPipeline(options: LocalPipelineOptions): Promise<LocalPipeline> {
  const print = options.print ?? (() => undefined);
  quietSdkNodeVersionWarning();
  const settings = options.settings ?? resolveSettings({ stage: 'local' });
  const moto: RunningMoto | undefined = options.emulatorEndpoint
    ? undefined
    : await startMoto({ port: options.motoPort, host: options.motoHost });
  const emulatorEndpoint = options.emulatorEndpoint ?? moto?.endpoint ?? '';
  const senderAddress = options.senderAddress ?? localSenderAddress;
  const resources = await createLocalResources(emulatorEndpoint, settings, {
    signingSecret: options.signingSecret,
    senderAddress,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
    nameSuffix: options.resourceNameSuffix,
  });

  configureHandlerEnvironment(emulatorEndpoint, resources, settings);

  const receiver: ReceiverModule = await import('../../functions/receiver/handler');
  const consumer: ConsumerModule = await import('../../functions/consumer/handler');
  const { onRecordOutcome } = await import('../../functions/consumer/outcome-listeners');

  const events = new Map<string, LocalEvent>();
  const sentEmails: { eventId: string; email: Omit<LocalEmail, 'eventId' | 'from'> }[] = [];
  const receiveCounts = new Map<string, number>();

  const unsubscribe = onRecordOutcome((outcome: RecordOutcome) => {
    const id = outcome.eventId ?? '(unknown)';
    const type = outcome.eventType ?? '(unknown)';
    const event = events.get(id) ?? { id, type, status: 'queued', attempts: 0, deliveries: 0 };
    events.set(id, event);
    event.attempts += 1;
    const receiveCount = receiveCounts.get(outcome.messageId) ?? 1;
    const label = `${type} [${id}]`;
    switch (outcome.status) {
      case 'processed':
        event.status = 'processed';
        print(`${time()}  ✔ processed ${label} (attempt ${receiveCount})`);
        for (const email of outcome.emails) {
          sentEmails.push({ eventId: id, email });
          print(`${time()}    ✉ sent "${email.subject}" to ${email.to}`);
        }
        if (outcome.emails.length === 0) print(`${time()}    no email sent (see the event's data)`);
        break;
      case 'duplicate':
        if (event.status !== 'processed') event.status = 'duplicate';
        print(`${time()}  = duplicate ${label}: already processed, skipped`);
        break;
      case 'unhandled':
      case 'filtered':
        event.status = outcome.status;
        print(`${time()}  · ${outcome.status} ${label}: acknowledged, no handler ran`);
        break;
      case 'throttled':
        if (event.status !== 'processed') event.status = 'throttled';
        print(
          `${time()}  ⧗ SES throttled ${label}: queued again in ${outcome.delaySeconds} s (does not count toward the DLQ)`,
        );
        break;
      case 'failed': {
        const final = receiveCount >= settings.maxReceiveCount;
        const retryIn = options.visibilityTimeoutSeconds ?? settings.visibilityTimeoutSeconds;
        if (event.status !== 'processed') event.status = final ? 'dead_lettered' : 'failed';
        const busy = outcome.error.startsWith('EventInProgressError');
        print(
          busy
            ? `${time()}  ⧗ ${label} is being processed by another attempt; this copy is retried after ${retryIn} s`
            : `${time()}  ✖ failed ${label} (attempt ${receiveCount} of ${settings.maxReceiveCount}): ${outcome.error}` +
                (final ? ' → dead-letter queue' : ` → retried after ${retryIn} s`),
        );
        break;
      }
    }
  });

  const server = createServer((request, response) => {
    handleHttp(request, response).catch((error: unknown) => {
      print(`${time()}  ✖ local endpoint error: ${String(error)}`);
      if (!response.headersSent) sendJson(response, 500, { error: { code: 'local_error', message: String(error) } });
    });
  });

  async function handleHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? '127.0.0.1'}`);
    if (request.method === 'GET' && url.pathname === '/_local/emails') return sendJson(response, 200, await emails());
    if (request.method === 'GET' && url.pathname === '/_local/events')
      return sendJson(response, 200, [...events.values()]);
    if (url.pathname !== webhookPath) {
      return sendJson(response, 404, {
        error: { code: 'not_found', message: `Nothing at ${url.pathname}. Stripe posts to ${webhookPath}.` },
      });
    }
    const body = await readBody(request);
    if (body === undefined) {
      return sendJson(response, 413, {
        error: { code: 'payload_too_large', message: 'API Gateway accepts at most 10 MB.' },
      });
    }
    const preview = peekEvent(body);
    if (preview) print(`${time()}  --> ${preview.type} [${preview.id}]`);
    const result = (await receiver.handler(
      httpApiEvent({
        method: request.method ?? 'GET',
        url,
        headers: request.headers,
        body,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
      }),
    )) as APIGatewayProxyStructuredResultV2;
    const statusCode = result.statusCode ?? 200;
    if (statusCode === 200 && preview && isIgnored(result.body)) {
      print(`${time()}  <-- [200] ignored ${preview.type} [${preview.id}]: no handler subscribes to it, not queued`);
    } else if (statusCode === 200 && preview) {
      const event = events.get(preview.id) ?? { ...preview, status: 'queued', attempts: 0, deliveries: 0 };
      event.deliveries += 1;
      events.set(preview.id, event);
      print(`${time()}  <-- [200] queued ${preview.type} [${preview.id}]`);
    } else {
      print(`${time()}  <-- [${statusCode}] ${describeError(result.body)}`);
    }
    response.writeHead(statusCode, result.headers as Record<string, string>);
    response.end(result.body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;

  const sqs = new SQSClient(localClientConfig(emulatorEndpoint));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: resources.queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queueArn = Attributes?.QueueArn ?? '';
  let stopping = false;

  async function pollOnce(): Promise<void> {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: resources.queueUrl,
        MaxNumberOfMessages: settings.consumerBatchSize,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return;
    const records = Messages.map((message) => sqsRecord(message, queueArn));
    for (const record of records)
      receiveCounts.set(record.messageId, Number(record.attributes.ApproximateReceiveCount));
    let failed: Set<string>;
    try {
      const result = await consumer.handler(
        { Records: records },
        lambdaContext('consumer', settings.consumerTimeoutSeconds),
      );
      failed = new Set(result.batchItemFailures.map((failure) => failure.itemIdentifier));
    } catch (error) {
      // As in Lambda, an invocation that throws fails its whole batch.
      print(`${time()}  ✖ consumer invocation failed: ${String(error)}`);
      failed = new Set(records.map((record) => record.messageId));
    }
    const done = Messages.filter((message) => !failed.has(message.MessageId ?? ''));
    if (done.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: resources.queueUrl,
          Entries: done.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
        }),
      );
    }
    for (const record of records) receiveCounts.delete(record.messageId);
  }

  const polling = (async () => {
    while (!stopping) {
      try {
        await pollOnce();
      } catch (error) {
        if (stopping) break;
        print(`${time()}  ✖ polling the queue failed: ${String(error)}; retrying in 1 s`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  })();

  async function emails(): Promise<LocalEmail[]> {
    const accepted = await sesAcceptedMessageIds(emulatorEndpoint);
    return sentEmails
      .filter(({ email }) => accepted === undefined || accepted.has(email.messageId))
      .map(({ eventId, email }) => ({
        to: email.to,
        from: senderAddress,
        subject: email.subject,
        text: email.text,
        html: email.html,
        eventId,
        messageId: email.messageId,
      }));
  }

  return {
    url,
    webhookUrl: `${url}${webhookPath}`,
    emulatorEndpoint,
    resources,
    settings,
    emails,
    events: () => [...events.values()],
    async stop() {
      stopping = true;
      unsubscribe();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await polling;
      sqs.destroy();
      await moto?.stop();
    },
  };
}

/**
 * Message ids that moto's SES accepted, read back from moto's own store; `undefined` when the
 * emulator does not expose one (LocalStack), in which case what the consumer recorded is shown.
 */
async function sesAcceptedMessageIds(endpoint: string): Promise<Set<string> | undefined> {
  try {
    const response = await fetch(`${endpoint}/moto-api/data.json`);
    if (!response.ok) return undefined;
    const data = (await response.json()) as { ses?: { Message?: { id: string }[] } };
    return new Set((data.ses?.Message ?? []).map((message) => message.id));
  } catch {
    return undefined;
  }
}

function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBodyBytes) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > maxBodyBytes ? undefined : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** The event's id and type for display, read leniently (the receiver does the real checks). */
function peekEvent(body: Buffer): { id: string; type: string } | undefined {
  try {
    const value = JSON.parse(body.toString('utf8')) as { id?: unknown; type?: unknown };
    return typeof value.id === 'string' && typeof value.type === 'string'
      ? { id: value.id, type: value.type }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the receiver acknowledged the event without queueing it (no handler subscribes to its type). */
function isIgnored(body: string | undefined): boolean {
  try {
    return (JSON.parse(body ?? '') as { ignored?: unknown }).ignored === true;
  } catch {
    return false;
  }
}

function describeError(body: string | undefined): string {
  try {
    const parsed = JSON.parse(body ?? '') as { error?: { code?: string; message?: string } };
    return `${parsed.error?.code}: ${parsed.error?.message}`;
  } catch {
    return body ?? '';
  }
}

function sendJson(response: ServerResponse, statusCode: number, value: unknown): void {
  response.writeHead(statusCode, { 'content-type': 'application/json' });
  response.end(JSON.stringify(value, null, 2));
}
