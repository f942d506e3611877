/**
 * A counting HTTP proxy in front of the emulator: the local pipeline's `emulatorEndpoint` points here,
 * so every AWS call the receiver (aws4 client) and the consumer (SDK) make is seen once, named by the
 * service in its SigV4 credential scope and the operation in its target header, query action or
 * S3 method, and timed. The deployed functions make the same calls, which is what the cost model bills.
 */
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AwsCall {
  /** `sqs`, `dynamodb`, `ses`, `s3`, `secretsmanager`, … from the credential scope. */
  readonly service: string;
  /** `SendMessage`, `UpdateItem`, `SendEmail`, `PUT`, … */
  readonly operation: string;
  /** performance.now() when the request arrived and when its response was sent. */
  readonly startedMs: number;
  readonly endedMs: number;
  /** A ReceiveMessage that returned no message (a long poll that found the queue empty). */
  readonly empty: boolean;
  /** Items in a DynamoDB batch or transaction write, else 1. */
  readonly items: number;
}

export interface AwsCallCounter {
  readonly endpoint: string;
  /** The calls seen since the last reset. */
  calls(): readonly AwsCall[];
  reset(): void;
  close(): Promise<void>;
}

/** `service/operation` of one signed request, from its headers and body. */
export function classifyAwsRequest(
  method: string,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  body: string,
): { service: string; operation: string } {
  const authorization = String(headers.authorization ?? '');
  const service = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(authorization)?.[1] ?? 'unsigned';
  const target = headers['x-amz-target'];
  if (typeof target === 'string') return { service, operation: target.split('.').pop() ?? target };
  const action = /(?:^|&)Action=([A-Za-z]+)/.exec(body)?.[1];
  if (action !== undefined) return { service, operation: action };
  return { service, operation: method };
}

function itemsOf(operation: string, body: string): number {
  if (operation !== 'TransactWriteItems' && operation !== 'BatchWriteItem') return 1;
  try {
    const parsed = JSON.parse(body) as { TransactItems?: unknown[]; RequestItems?: Record<string, unknown[]> };
    if (parsed.TransactItems) return parsed.TransactItems.length;
    return Object.values(parsed.RequestItems ?? {}).reduce((sum, list) => sum + list.length, 0);
  } catch {
    return 1;
  }
}

/** Starts the proxy on a free loopback port, forwarding everything to `target` (e.g. moto). */
export async function startAwsCallCounter(target: string): Promise<AwsCallCounter> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let calls: AwsCall[] = [];
  const server = createServer((incoming, outgoing) => {
    const startedMs = performance.now();
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const text = body.toString('utf8');
      const { service, operation } = classifyAwsRequest(incoming.method ?? 'GET', incoming.headers, text);
      const forwarded = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: incoming.method,
          path: incoming.url,
          headers: incoming.headers,
          agent,
        },
        (response) => {
          const answer: Buffer[] = [];
          response.on('data', (chunk: Buffer) => answer.push(chunk));
          response.on('end', () => {
            const responseBody = Buffer.concat(answer);
            outgoing.writeHead(response.statusCode ?? 502, response.headers);
            outgoing.end(responseBody);
            const empty = operation === 'ReceiveMessage' && !responseBody.toString('utf8').includes('MessageId');
            calls.push({
              service,
              operation,
              startedMs,
              endedMs: performance.now(),
              empty,
              items: itemsOf(operation, text),
            });
          });
        },
      );
      forwarded.on('error', (error) => {
        outgoing.writeHead(502);
        outgoing.end(String(error));
      });
      forwarded.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls: () => calls,
    reset: () => {
      calls = [];
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
