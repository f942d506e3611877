/**
 * A stand-in for the X-Ray daemon that Lambda runs beside a traced function: the X-Ray SDK in the function
 * sends each segment and subsegment as a UDP datagram (`{"format":"json","version":1}\n<document>`) to
 * AWS_XRAY_DAEMON_ADDRESS. moto has no X-Ray; the rehearsal keeps what arrives to check the traces.
 */
import { createSocket } from 'node:dgram';

export interface XrayListener {
  /** `host:port`, for AWS_XRAY_DAEMON_ADDRESS. */
  readonly address: string;
  /** The segment and subsegment documents received so far. */
  documents(): readonly Record<string, unknown>[];
  close(): Promise<void>;
}

/** Parses one datagram: a JSON header line, then the document. */
export function parseXrayDatagram(datagram: string): Record<string, unknown> | undefined {
  const newline = datagram.indexOf('\n');
  if (newline < 0) return undefined;
  try {
    const header = JSON.parse(datagram.slice(0, newline)) as { format?: string };
    if (header.format !== 'json') return undefined;
    const document = JSON.parse(datagram.slice(newline + 1)) as unknown;
    return typeof document === 'object' && document !== null ? (document as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export async function startXrayListener(): Promise<XrayListener> {
  const socket = createSocket('udp4');
  const received: Record<string, unknown>[] = [];
  socket.on('message', (message) => {
    const document = parseXrayDatagram(message.toString('utf8'));
    if (document !== undefined) received.push(document);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve());
  });
  return {
    address: `127.0.0.1:${socket.address().port}`,
    documents: () => received,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** Every value of annotation `key` in the documents, their nested subsegments included. */
export function annotationValues(documents: readonly Record<string, unknown>[], key: string): string[] {
  const values: string[] = [];
  const walk = (node: Record<string, unknown>) => {
    const value = (node.annotations as Record<string, unknown> | undefined)?.[key];
    if (value !== undefined) values.push(String(value));
    for (const child of (node.subsegments as Record<string, unknown>[] | undefined) ?? []) walk(child);
  };
  for (const document of documents) walk(document);
  return values;
}

/** The names of the documents and of their nested subsegments (an AWS SDK call's subsegment is named after its service: `SNS`). */
export function segmentNames(documents: readonly Record<string, unknown>[]): string[] {
  const names: string[] = [];
  const walk = (node: Record<string, unknown>) => {
    if (typeof node.name === 'string') names.push(node.name);
    for (const child of (node.subsegments as Record<string, unknown>[] | undefined) ?? []) walk(child);
  };
  for (const document of documents) walk(document);
  return names;
}

/** A trace header as Lambda gives a sampled invocation in `_X_AMZN_TRACE_ID`. */
export function sampledTraceHeader(now: Date = new Date(), random: () => string = randomHex): string {
  const epoch = Math.floor(now.getTime() / 1000).toString(16);
  return `Root=1-${epoch}-${random().slice(0, 24).padEnd(24, '0')};Parent=${random().slice(0, 16).padEnd(16, '0')};Sampled=1`;
}

function randomHex(): string {
  return Array.from({ length: 24 }, () => Math.floor(Math.random() * 16).toString(16)).join('');
}
