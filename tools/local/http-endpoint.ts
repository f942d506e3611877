/**
 * The local pipeline's HTTP endpoint, standing in for API Gateway: `POST /webhook` becomes an HTTP
 * API (v2) event for the real receiver, and `GET /_local/emails` and `GET /_local/events` show the
 * event log to tests and to `npm run trigger`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { webhookPath } from '../../config/contract';
import type { LambdaHandlers } from './boot';
import type { ConsoleRoutes } from './console-routes';
import type { EventLog } from './event-log';
import type { EventBridgeTarget } from './eventbridge-target';
import { readBody, sendJson } from './http-io';
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

  async function handleHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? '127.0.0.1'}`);
    // First: it also refuses any /_local/ request that does not name a loopback host.
    if (options.console && (await options.console.handle(request, response, url))) return;
    if (request.method === 'GET' && url.pathname === '/_local/emails')
      return sendJson(response, 200, await log.emails());
    if (request.method === 'GET' && url.pathname === '/_local/events') return sendJson(response, 200, log.events());
    if (request.method === 'POST' && url.pathname === '/_local/eventbridge' && options.eventBridge) {
      return putOnEventBridge(request, response, options.eventBridge);
    }
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
  }

  async function putOnEventBridge(
    request: IncomingMessage,
    response: ServerResponse,
    target: EventBridgeTarget,
  ): Promise<void> {
    const body = await readBody(request);
    const result = await target.put(body?.toString('utf8') ?? '');
    if (result.status === 'invalid') {
      log.print(`<-- [400] eventbridge: ${result.message}`);
      return sendJson(response, 400, { error: { code: 'invalid_eventbridge_event', message: result.message } });
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
    return sendJson(response, 200, result);
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
