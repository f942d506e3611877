/**
 * Reading a request body and answering JSON: what the local endpoint (http-endpoint.ts) and the console's
 * routes (console-routes.ts) both need, kept apart so that neither imports the other for it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** API Gateway's payload limit: a larger body is refused with 413, as API Gateway refuses it. */
export const maxBodyBytes = 10 * 1024 * 1024;

/** The whole body, or undefined when it is larger than {@link maxBodyBytes} (read to the end, not kept). */
export async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return (await readBodyCounted(request)).body;
}

/** {@link readBody}, with the body's size in bytes even when it was too large to keep (for the delivery log). */
export function readBodyCounted(request: IncomingMessage): Promise<{ body: Buffer | undefined; bytes: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBodyBytes) chunks.push(chunk);
    });
    request.on('end', () => resolve({ body: size > maxBodyBytes ? undefined : Buffer.concat(chunks), bytes: size }));
    request.on('error', reject);
  });
}

export function sendJson(response: ServerResponse, statusCode: number, value: unknown): void {
  response.writeHead(statusCode, { 'content-type': 'application/json' });
  response.end(JSON.stringify(value, null, 2));
}
