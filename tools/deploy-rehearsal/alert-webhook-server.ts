/**
 * The rehearsal's stand-in for a Slack or Teams incoming webhook (`alertWebhookSecretName`): a loopback HTTP
 * server that records every POST and answers 200 `ok`, as Slack does. The deployed functions are given its
 * `http://127.0.0.1:<port>/...` URL through the webhook secret: the runtime takes http for loopback hosts only
 * (functions/alerts/webhook-destination.ts, parseAlertWebhookUrl), https everywhere else.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AlertWebhookPost {
  readonly path: string;
  readonly contentType: string | undefined;
  /** The JSON body's `text` (undefined when the body is not JSON with a string `text`). */
  readonly text: string | undefined;
}

export interface AlertWebhookServer {
  /** The URL to store in the webhook secret. */
  readonly url: string;
  /** The posts so far, in order. */
  posts(): AlertWebhookPost[];
  close(): Promise<void>;
}

function textOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { text?: unknown };
    return typeof parsed.text === 'string' ? parsed.text : undefined;
  } catch {
    return undefined;
  }
}

export async function startAlertWebhookServer(port = 0): Promise<AlertWebhookServer> {
  const posts: AlertWebhookPost[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST') {
        response.writeHead(405).end();
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      posts.push({ path: request.url ?? '/', contentType: request.headers['content-type'], text: textOf(body) });
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    // A path like a Slack hook's: the URL is the credential, and the server does not check it.
    url: `http://127.0.0.1:${bound}/services/T0REHEARSAL/B0REHEARSAL/rehearsal`,
    posts: () => [...posts],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
