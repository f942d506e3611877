/**
 * The local pipeline's HTTP endpoint, standing in for API Gateway: `POST /webhook` becomes an HTTP
 * API (v2) event for the real receiver, and `GET /_local/emails` and `GET /_local/events` show the
 * event log to tests and to `npm run trigger`; `GET /_local/deliveries` lists every request to the
 * webhook, refused ones too, with what to fix.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { webhookPath } from '../../config/contract';
import type { LambdaHandlers } from './boot';
import type { ConsoleRoutes } from './console-routes';
import { DeliveriesQueryError, type DeliveryLog, type DeliveryRecord, parseDeliveriesQuery } from './delivery-log';
import type { EventLog } from './event-log';
import type { EventBridgeTarget } from './eventbridge-target';
import { readBodyCounted, sendJson } from './http-io';
import { httpApiEvent } from './lambda-shapes';

export interface HttpEndpointOptions {
  /** 0 picks a free one. */
  readonly port: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  readonly receiver: LambdaHandlers['receiver'];
  readonly log: Pick<EventLog, 'print' | 'events' | 'emails' | 'recordDelivery'>;
  /** Where `POST /_local/eventbridge` puts envelopes, as the stack's EventBridge rule does. @default that route is absent */
  readonly eventBridge?: EventBridgeTarget;
  /** The browser console at `/` and its JSON under `/_local/`. @default absent */
  readonly console?: ConsoleRoutes;
  /**
   * Records every request to the webhook path and `/_local/eventbridge`, refused ones too, and serves them at
   * `GET /_local/deliveries`. @default nothing recorded, that route absent
   */
  readonly deliveries?: DeliveryLog;
}

export interface HttpEndpoint {
  /** Where it listens, e.g. `http://127.0.0.1:4242`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Listens on the port; resolves once requests are accepted. */
export async function startHttpEndpoint(options: HttpEndpointOptions): Promise<HttpEndpoint> {
  const { receiver, log } = options;
  const host = options.host ?? '127.0.0.1';

  const server = createServer((request, response) => {
    handleHttp(request, response).catch((error: unknown) => {
      log.print(`✖ local endpoint error: ${String(error)}`);
      if (!response.headersSent) sendJson(response, 500, { error: { code: 'local_error', message: String(error) } });
    });
  });

  /** Keeps what the endpoint answered to a delivery, timed from the request's arrival. */
  function recordDelivery(
    arrival: { readonly at: Date; readonly startedMs: number },
    request: IncomingMessage,
    url: URL,
    answer: Omit<DeliveryRecord, 'at' | 'method' | 'path' | 'latencyMs'>,
  ): void {
    options.deliveries?.record({
      at: arrival.at,
      method: request.method ?? 'GET',
      path: url.pathname,
      latencyMs: performance.now() - arrival.startedMs,
      ...answer,
    });
  }

  async function handleHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const arrival = { at: new Date(), startedMs: performance.now() };
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? '127.0.0.1'}`);
    // First: it also refuses any /_local/ request that does not name a loopback host.
    if (options.console && (await options.console.handle(request, response, url))) return;
    if (request.method === 'GET' && url.pathname === '/_local/emails')
      return sendJson(response, 200, await log.emails());
    if (request.method === 'GET' && url.pathname === '/_local/events') return sendJson(response, 200, log.events());
    if (request.method === 'GET' && url.pathname === '/_local/deliveries' && options.deliveries) {
      return sendDeliveries(response, url, options.deliveries);
    }
    if (request.method === 'POST' && url.pathname === '/_local/eventbridge' && options.eventBridge) {
      return putOnEventBridge(request, response, options.eventBridge, arrival, url);
    }
    if (url.pathname !== webhookPath) {
      const notFound = {
        error: { code: 'not_found', message: `Nothing at ${url.pathname}. Stripe posts to ${webhookPath}.` },
      };
      // Another verb to the EventBridge route is a delivery gone wrong; a browser's GET of /favicon.ico is not.
      if (url.pathname === '/_local/eventbridge') {
        const { bytes } = await readBodyCounted(request);
        recordDelivery(arrival, request, url, { status: 404, responseBody: JSON.stringify(notFound), bytes });
      }
      return sendJson(response, 404, notFound);
    }
    const { body, bytes } = await readBodyCounted(request);
    if (body === undefined) {
      const tooLarge = {
        error: { code: 'payload_too_large', message: `The body is ${bytes} bytes; API Gateway accepts at most 10 MB.` },
      };
      sendJson(response, 413, tooLarge);
      recordDelivery(arrival, request, url, { status: 413, responseBody: JSON.stringify(tooLarge), bytes });
      return;
    }
    const preview = peekEvent(body);
    if (preview) log.print(`--> ${preview.type} [${preview.id}]`);
    const result = await receiver(
      httpApiEvent({
        method: request.method ?? 'GET',
        url,
        headers: request.headers,
        body,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
      }),
    );
    const statusCode = result.statusCode ?? 200;
    const text = body.toString('utf8');
    if (statusCode === 200 && preview && isIgnored(result.body)) {
      log.recordDelivery({ ...preview, body: text, ignored: 'no handler subscribes to its type' });
      log.print(`<-- [200] ignored ${preview.type} [${preview.id}]: no handler subscribes to it, not queued`);
    } else if (statusCode === 200 && preview) {
      log.recordDelivery({ ...preview, body: text });
      log.print(`<-- [200] queued ${preview.type} [${preview.id}]`);
    } else {
      log.print(`<-- [${statusCode}] ${describeError(result.body)}`);
    }
    response.writeHead(statusCode, result.headers as Record<string, string>);
    response.end(result.body);
    recordDelivery(arrival, request, url, {
      status: statusCode,
      responseBody: result.body,
      bytes,
      ...(preview ? { event: preview } : {}),
    });
  }

  function sendDeliveries(response: ServerResponse, url: URL, deliveries: DeliveryLog): void {
    try {
      sendJson(response, 200, deliveries.list(parseDeliveriesQuery(url.searchParams)));
    } catch (error) {
      if (!(error instanceof DeliveriesQueryError)) throw error;
      sendJson(response, 400, { error: { code: error.code, message: error.message } });
    }
  }

  async function putOnEventBridge(
    request: IncomingMessage,
    response: ServerResponse,
    target: EventBridgeTarget,
    arrival: { readonly at: Date; readonly startedMs: number },
    url: URL,
  ): Promise<void> {
    const { body, bytes } = await readBodyCounted(request);
    const result = await target.put(body?.toString('utf8') ?? '');
    if (result.status === 'invalid') {
      log.print(`<-- [400] eventbridge: ${result.message}`);
      const invalid = { error: { code: 'invalid_eventbridge_event', message: result.message } };
      sendJson(response, 400, invalid);
      recordDelivery(arrival, request, url, { status: 400, responseBody: JSON.stringify(invalid), bytes });
      return;
    }
    const text = body?.toString('utf8');
    if (result.status === 'not_matched') {
      log.recordDelivery({
        ...result,
        body: text,
        delivery: 'eventbridge',
        ignored: `rule not matched: ${result.reason}`,
      });
      log.print(`~~> eventbridge ${result.type} [${result.id}] not matched by the rule: ${result.reason}`);
    } else {
      log.recordDelivery({ id: result.id, type: result.type, body: text, delivery: 'eventbridge' });
      log.print(`~~> eventbridge ${result.type} [${result.id}] queued by the rule`);
    }
    sendJson(response, 200, result);
    recordDelivery(arrival, request, url, {
      status: 200,
      responseBody: JSON.stringify(result),
      bytes,
      event: { id: result.id, type: result.type },
      ...(result.status === 'not_matched' ? { ignored: `the rule did not match: ${result.reason}` } : {}),
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
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
