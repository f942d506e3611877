/**
 * The receiver's fuzzing property, shared by the Jest test (a few thousand cases in `npm test`) and
 * `npm run fuzz` (100,000 and more): every validly signed request is accepted and queued exactly
 * once, and no mutation of one (its body bytes, its headers, its timestamp, the secrets, how it is
 * encoded or sent) is ever accepted or queued.
 *
 * Each mutation is a real one. Changes that leave a request equivalent to the original (upper-case
 * hex, spaces around header items, an extra unknown scheme, a leading zero in `t`, a change undone
 * by a second change) are not generated, and a guard drops any case whose mutated request reaches
 * the receiver identical to the original, so an accepted mutation can only mean a broken receiver.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { type ApiGatewayEvent, toWebhookRequest, type WebhookRequest } from '../../functions/receiver/http-request';
import {
  type QueuedEvent,
  type ReceiverDependencies,
  receiveWebhook,
  type WebhookResponse,
} from '../../functions/receiver/receive-webhook';
import { computeSignature } from '../../functions/receiver/stripe-signature';
import { stripeWebhookIps } from '../../functions/receiver/stripe-webhook-ips';
import { receiverLimits } from '../../functions/receiver/tuning';
import { buildHttpApiEvent, buildRestApiEvent } from '../../tools/receiver-events';

const now = new Date('2026-11-22T10:00:00Z');
const nowSeconds = Math.floor(now.getTime() / 1000);
const toleranceSeconds = 300;
const subscribedTypes = ['invoice.paid', 'checkout.session.completed'] as const;
/**
 * The real limits, but a body limit of 64 KiB: generated events are a few KB, and padding thousands
 * of cases to the real 5 MiB would make the run slow without testing more (the same comparison
 * decides; the real limit has its own cases in test/unit/receiver-bad-input.test.ts).
 */
const limits = { ...receiverLimits, maxBodyBytes: 64 * 1024 };

type Transport = 'http-api-text' | 'http-api-base64' | 'rest-api-text' | 'rest-api-base64';

/** A validly signed request and the receiver configuration that accepts it. */
export interface BaseCase {
  readonly eventId: string;
  readonly eventType: (typeof subscribedTypes)[number];
  readonly object: Readonly<Record<string, unknown>>;
  /** JSON.stringify's indentation of the body (Stripe uses 2). */
  readonly indent: 0 | 1 | 2 | 4;
  /** The receiver's configured secrets. */
  readonly secrets: readonly string[];
  /** Which configured secrets sign the request (one v1 each, as Stripe does while a secret is rolled). */
  readonly signers: readonly number[];
  /** A v1 made with a secret the receiver does not know, beside the valid one(s). */
  readonly foreignSignature: string | undefined;
  /** A v0 item, as Stripe adds in test mode. */
  readonly v0: boolean;
  /** Signature timestamp minus now, within the tolerance. */
  readonly offsetSeconds: number;
  readonly transport: Transport;
  /** The Stripe IP allowlist is on (and the request comes from one of Stripe's addresses). */
  readonly allowlist: boolean;
  readonly sourceIpIndex: number;
}

const secretArb = fc.stringMatching(/^whsec_[A-Za-z0-9]{8,40}$/);

export const baseCaseArb: fc.Arbitrary<BaseCase> = fc
  .record({
    eventId: fc.stringMatching(/^evt_[A-Za-z0-9]{8,28}$/),
    eventType: fc.constantFrom(...subscribedTypes),
    object: fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2, stringUnit: 'grapheme' }), {
      maxKeys: 6,
    }),
    indent: fc.constantFrom(0 as const, 1 as const, 2 as const, 4 as const),
    secrets: fc.uniqueArray(secretArb, { minLength: 1, maxLength: 3 }),
    signerMask: fc.integer({ min: 1, max: 7 }),
    foreignSignature: fc.option(secretArb, { nil: undefined }),
    v0: fc.boolean(),
    offsetSeconds: fc.integer({ min: -toleranceSeconds, max: toleranceSeconds }),
    transport: fc.constantFrom<Transport>('http-api-text', 'http-api-base64', 'rest-api-text', 'rest-api-base64'),
    allowlist: fc.boolean(),
    sourceIpIndex: fc.nat(),
  })
  .filter(({ secrets, foreignSignature }) => foreignSignature === undefined || !secrets.includes(foreignSignature))
  .map(({ signerMask, ...rest }) => {
    const signers = rest.secrets.map((_, index) => index).filter((index) => (signerMask >> index) & 1);
    return { ...rest, signers: signers.length > 0 ? signers : [0] };
  });

/** What reaches API Gateway: everything the mutations may change. */
interface RequestSpec {
  readonly transport: Transport;
  readonly method: string;
  readonly signatureHeaderName: string;
  /** `undefined`: no signature header at all. */
  readonly signatureHeader: string | undefined;
  readonly bodyBytes: Buffer;
  /** How the body is carried; `undefined` means as the transport normally does. */
  readonly bodyAs?: { readonly body: string; readonly isBase64Encoded: boolean };
  readonly sourceIp: string;
  readonly extraHeaders: Readonly<Record<string, string>>;
}

/** What the receiver is configured with. */
interface ReceiverConfig {
  readonly secrets: readonly string[];
  readonly allowedSourceIps: ReadonlySet<string> | undefined;
}

interface Built {
  readonly text: string;
  readonly spec: RequestSpec;
  readonly config: ReceiverConfig;
  readonly timestamp: number;
}

function signatureItems(bytes: Buffer, timestamp: number, secrets: readonly string[]): string[] {
  return secrets.map((secret) => `v1=${computeSignature(bytes, timestamp, secret).toString('hex')}`);
}

const stripeAddresses: readonly string[] = stripeWebhookIps.addresses;

export function buildBase(base: BaseCase): Built {
  const text = JSON.stringify(
    { id: base.eventId, object: 'event', type: base.eventType, data: { object: base.object } },
    null,
    base.indent,
  );
  const bytes = Buffer.from(text, 'utf8');
  const timestamp = nowSeconds + base.offsetSeconds;
  const signing = base.signers.map((index) => base.secrets[index] ?? '');
  const items = [
    `t=${timestamp}`,
    ...signatureItems(bytes, timestamp, signing),
    ...(base.foreignSignature === undefined ? [] : signatureItems(bytes, timestamp, [base.foreignSignature])),
    ...(base.v0 ? [`v0=${computeSignature(bytes, timestamp, 'whsec_legacy_v0').toString('hex')}`] : []),
  ];
  return {
    text,
    timestamp,
    spec: {
      transport: base.transport,
      method: 'POST',
      signatureHeaderName: 'stripe-signature',
      signatureHeader: items.join(','),
      bodyBytes: bytes,
      sourceIp: stripeAddresses[base.sourceIpIndex % stripeAddresses.length] ?? '',
      extraHeaders: {},
    },
    config: {
      secrets: base.secrets,
      allowedSourceIps: base.allowlist ? new Set(stripeAddresses) : undefined,
    },
  };
}

/** The API Gateway event for a spec, as API Gateway would deliver it. */
export function render(spec: RequestSpec): ApiGatewayEvent {
  const base64 = spec.transport.endsWith('base64');
  const body = spec.bodyAs?.body ?? spec.bodyBytes.toString(base64 ? 'base64' : 'utf8');
  const isBase64Encoded = spec.bodyAs?.isBase64Encoded ?? base64;
  if (spec.transport.startsWith('http-api')) {
    const event: APIGatewayProxyEventV2 = buildHttpApiEvent('', '', now);
    delete event.headers['stripe-signature'];
    if (spec.signatureHeader !== undefined) event.headers[spec.signatureHeaderName] = spec.signatureHeader;
    Object.assign(event.headers, spec.extraHeaders);
    event.requestContext.http.method = spec.method;
    event.requestContext.http.sourceIp = spec.sourceIp;
    event.body = body;
    event.isBase64Encoded = isBase64Encoded;
    return event;
  }
  const event = buildRestApiEvent('', '', now);
  const headers: Record<string, string> = { ...(event.headers as Record<string, string>) };
  delete headers['Stripe-Signature'];
  if (spec.signatureHeader !== undefined) headers[spec.signatureHeaderName] = spec.signatureHeader;
  Object.assign(headers, spec.extraHeaders);
  event.headers = headers;
  event.multiValueHeaders = {};
  event.httpMethod = spec.method;
  event.requestContext.httpMethod = spec.method;
  event.requestContext.identity.sourceIp = spec.sourceIp;
  event.body = body;
  event.isBase64Encoded = isBase64Encoded;
  return event;
}

// ---------------------------------------------------------------------------------------------------
// Mutations. Positions and amounts are drawn as plain numbers and fitted to the request when applied.

const whitespace = [' ', '\n', '\t', '\r\n'] as const;

export const mutationArb = fc.oneof(
  // Body bytes
  fc.record({ kind: fc.constant('body: flip one bit' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({
    kind: fc.constant('body: replace one byte' as const),
    at: fc.nat(),
    by: fc.integer({ min: 1, max: 255 }),
  }),
  fc.record({
    kind: fc.constant('body: insert bytes' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('body: delete bytes' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('body: truncate' as const), keep: fc.nat() }),
  fc.record({ kind: fc.constant('body: swap two different bytes' as const), at: fc.nat(), other: fc.nat() }),
  fc.record({
    kind: fc.constant('body: add whitespace' as const),
    at: fc.nat(),
    text: fc.constantFrom(...whitespace),
  }),
  fc.record({ kind: fc.constant('body: strip whitespace' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('body: re-serialize the JSON' as const),
    indent: fc.constantFrom(0, 1, 2, 3, 4, '\t'),
  }),
  fc.record({
    kind: fc.constant('body: another event with its own id' as const),
    suffix: fc.stringMatching(/^[a-z0-9]{1,6}$/),
  }),
  fc.record({
    kind: fc.constant('body: over the size limit' as const),
    extra: fc.integer({ min: 1, max: 64 }),
  }),
  // Header fields
  fc.record({ kind: fc.constant('header: missing' as const) }),
  fc.record({
    kind: fc.constant('header: renamed' as const),
    name: fc.constantFrom('x-stripe-signature', 'stripe-signature-v1', 'stripe_signature', 'signature'),
  }),
  fc.record({ kind: fc.constant('header: empty' as const), value: fc.constantFrom('', ' ', ',', '=') }),
  fc.record({ kind: fc.constant('header: no t' as const) }),
  fc.record({
    kind: fc.constant('header: t changed' as const),
    delta: fc.integer({ min: -1_000_000, max: 1_000_000 }).filter((d) => d !== 0),
  }),
  fc.record({
    kind: fc.constant('header: t not an integer' as const),
    value: fc.constantFrom('1.5', '-1', 'abc', '', '0x10', '1e9', ' '),
  }),
  fc.record({ kind: fc.constant('header: second t' as const), delta: fc.integer({ min: -1_000, max: 1_000 }) }),
  fc.record({ kind: fc.constant('header: no v1' as const) }),
  fc.record({
    kind: fc.constant('header: v1 renamed' as const),
    to: fc.constantFrom('v0', 'v2', 'V1', 'v', 'sig', 'v1v1'),
  }),
  fc.record({
    kind: fc.constant('header: v1 nibble changed' as const),
    at: fc.nat(),
    xor: fc.integer({ min: 1, max: 15 }),
  }),
  fc.record({ kind: fc.constant('header: v1 replaced' as const), hex: fc.stringMatching(/^[0-9a-f]{64}$/) }),
  fc.record({ kind: fc.constant('header: v1 truncated' as const), cut: fc.integer({ min: 1, max: 63 }) }),
  fc.record({
    kind: fc.constant('header: signature header too large' as const),
    repeat: fc.integer({ min: 61, max: 120 }),
  }),
  fc.record({ kind: fc.constant('header: all headers too large' as const), bytes: fc.integer({ min: 0, max: 4096 }) }),
  // Timestamps, re-signed correctly
  fc.record({
    kind: fc.constant('timestamp: too old' as const),
    by: fc.integer({ min: toleranceSeconds + 1, max: 100_000_000 }),
  }),
  fc.record({
    kind: fc.constant('timestamp: too far ahead' as const),
    by: fc.integer({ min: toleranceSeconds + 1, max: 100_000_000 }),
  }),
  // Secrets
  fc.record({ kind: fc.constant('secret: signed with another secret' as const), secret: secretArb }),
  fc.record({
    kind: fc.constant('secret: receiver no longer has the signing secret' as const),
    replacement: secretArb,
  }),
  // Encoding and transport
  fc.record({ kind: fc.constant('encoding: base64 body not flagged' as const) }),
  fc.record({ kind: fc.constant('encoding: plain body flagged base64' as const) }),
  fc.record({
    kind: fc.constant('encoding: non-canonical base64' as const),
    style: fc.constantFrom('url-safe', 'line breaks', 'no padding', 'spaces'),
  }),
  fc.record({
    kind: fc.constant('transport: not POST' as const),
    method: fc.constantFrom('GET', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'post', 'Post', 'POST '),
  }),
  fc.record({ kind: fc.constant('transport: source not a Stripe address' as const), ip: fc.ipV4() }),
);

export type Mutation = typeof mutationArb extends fc.Arbitrary<infer M> ? M : never;
export type MutationKind = Mutation['kind'];

/** Every kind of mutation, so that a test can check each was exercised. */
export const mutationKinds: readonly MutationKind[] = [
  'body: flip one bit',
  'body: replace one byte',
  'body: insert bytes',
  'body: delete bytes',
  'body: truncate',
  'body: swap two different bytes',
  'body: add whitespace',
  'body: strip whitespace',
  'body: re-serialize the JSON',
  'body: another event with its own id',
  'body: over the size limit',
  'header: missing',
  'header: renamed',
  'header: empty',
  'header: no t',
  'header: t changed',
  'header: t not an integer',
  'header: second t',
  'header: no v1',
  'header: v1 renamed',
  'header: v1 nibble changed',
  'header: v1 replaced',
  'header: v1 truncated',
  'header: signature header too large',
  'header: all headers too large',
  'timestamp: too old',
  'timestamp: too far ahead',
  'secret: signed with another secret',
  'secret: receiver no longer has the signing secret',
  'encoding: base64 body not flagged',
  'encoding: plain body flagged base64',
  'encoding: non-canonical base64',
  'transport: not POST',
  'transport: source not a Stripe address',
];

function items(header: string | undefined): string[] {
  return (header ?? '').split(',');
}

function mapV1(header: string | undefined, change: (hex: string) => string): string {
  return items(header)
    .map((item) => (item.startsWith('v1=') ? `v1=${change(item.slice(3))}` : item))
    .join(',');
}

function withBody(built: Built, bodyBytes: Buffer): { spec: RequestSpec; config: ReceiverConfig } {
  return { spec: { ...built.spec, bodyBytes }, config: built.config };
}

function resigned(built: Built, timestamp: number, secrets: readonly string[], bodyBytes = built.spec.bodyBytes) {
  const header = [`t=${timestamp}`, ...signatureItems(bodyBytes, timestamp, secrets)].join(',');
  return { spec: { ...built.spec, signatureHeader: header, bodyBytes }, config: built.config };
}

/** The signing secrets of the valid request (those of the configured ones that signed it). */
function signingSecrets(base: BaseCase): string[] {
  return base.signers.map((index) => base.secrets[index] ?? '');
}

/** Applies one mutation; `undefined` when it does not apply to this request (the case is skipped). */
export function mutate(
  base: BaseCase,
  built: Built,
  mutation: Mutation,
): { spec: RequestSpec; config: ReceiverConfig } | undefined {
  const bytes = built.spec.bodyBytes;
  const at = (n: number, length = bytes.length) => (length === 0 ? 0 : n % length);
  switch (mutation.kind) {
    case 'body: flip one bit': {
      const copy = Buffer.from(bytes);
      const i = at(mutation.at);
      copy[i] = (copy[i] ?? 0) ^ (1 << mutation.bit);
      return withBody(built, copy);
    }
    case 'body: replace one byte': {
      const copy = Buffer.from(bytes);
      const i = at(mutation.at);
      copy[i] = ((copy[i] ?? 0) + mutation.by) % 256; // by is 1..255: always a different byte
      return withBody(built, copy);
    }
    case 'body: insert bytes': {
      const i = at(mutation.at, bytes.length + 1);
      return withBody(built, Buffer.concat([bytes.subarray(0, i), Buffer.from(mutation.bytes), bytes.subarray(i)]));
    }
    case 'body: delete bytes': {
      const i = at(mutation.at);
      return withBody(built, Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + mutation.count)]));
    }
    case 'body: truncate':
      return withBody(built, bytes.subarray(0, at(mutation.keep)));
    case 'body: swap two different bytes': {
      const i = at(mutation.at);
      // The first byte after i that differs from it (wrapping around); a body of one repeated byte has none.
      const start = at(mutation.other);
      for (let step = 0; step < bytes.length; step += 1) {
        const j = (start + step) % bytes.length;
        if (bytes[j] !== bytes[i]) {
          const copy = Buffer.from(bytes);
          copy[i] = bytes[j] ?? 0;
          copy[j] = bytes[i] ?? 0;
          return withBody(built, copy);
        }
      }
      return undefined;
    }
    case 'body: add whitespace': {
      const i = at(mutation.at, bytes.length + 1);
      return withBody(built, Buffer.concat([bytes.subarray(0, i), Buffer.from(mutation.text), bytes.subarray(i)]));
    }
    case 'body: strip whitespace': {
      const positions = [...bytes.entries()].filter(([, byte]) => byte === 0x20 || byte === 0x0a).map(([i]) => i);
      if (positions.length === 0) return undefined;
      const i = positions[at(mutation.at, positions.length)] ?? 0;
      return withBody(built, Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1)]));
    }
    case 'body: re-serialize the JSON': {
      const text = JSON.stringify(JSON.parse(built.text), null, mutation.indent);
      return withBody(built, Buffer.from(text, 'utf8'));
    }
    case 'body: another event with its own id': {
      const other = built.text.replace(base.eventId, `${base.eventId}${mutation.suffix}`);
      return withBody(built, Buffer.from(other, 'utf8'));
    }
    case 'body: over the size limit': {
      // Validly signed, so only the size can refuse it.
      const padding = limits.maxBodyBytes - bytes.length + mutation.extra;
      const body = Buffer.concat([bytes, Buffer.alloc(padding, 0x20)]);
      return resigned(built, built.timestamp, signingSecrets(base), body);
    }
    case 'header: missing':
      return { spec: { ...built.spec, signatureHeader: undefined }, config: built.config };
    case 'header: renamed':
      return { spec: { ...built.spec, signatureHeaderName: mutation.name }, config: built.config };
    case 'header: empty':
      return { spec: { ...built.spec, signatureHeader: mutation.value }, config: built.config };
    case 'header: no t': {
      const header = items(built.spec.signatureHeader)
        .filter((item) => !item.startsWith('t='))
        .join(',');
      return { spec: { ...built.spec, signatureHeader: header }, config: built.config };
    }
    case 'header: t changed': {
      const header = built.spec.signatureHeader?.replace(/^t=\d+/, `t=${built.timestamp + mutation.delta}`);
      return { spec: { ...built.spec, signatureHeader: header }, config: built.config };
    }
    case 'header: t not an integer': {
      const header = built.spec.signatureHeader?.replace(/^t=\d+/, `t=${mutation.value}`);
      return { spec: { ...built.spec, signatureHeader: header }, config: built.config };
    }
    case 'header: second t':
      return {
        spec: { ...built.spec, signatureHeader: `t=${built.timestamp + mutation.delta},${built.spec.signatureHeader}` },
        config: built.config,
      };
    case 'header: no v1': {
      const header = items(built.spec.signatureHeader)
        .filter((item) => !item.startsWith('v1='))
        .join(',');
      return { spec: { ...built.spec, signatureHeader: header }, config: built.config };
    }
    case 'header: v1 renamed': {
      const header = items(built.spec.signatureHeader)
        .map((item) => (item.startsWith('v1=') ? `${mutation.to}=${item.slice(3)}` : item))
        .join(',');
      return { spec: { ...built.spec, signatureHeader: header }, config: built.config };
    }
    case 'header: v1 nibble changed': {
      const header = mapV1(built.spec.signatureHeader, (hex) => {
        const i = at(mutation.at, hex.length);
        const nibble = (Number.parseInt(hex[i] ?? '0', 16) ^ mutation.xor).toString(16);
        return `${hex.slice(0, i)}${nibble}${hex.slice(i + 1)}`;
      });
      return { spec: { ...built.spec, signatureHeader: header }, config: built.config };
    }
    case 'header: v1 replaced': {
      const valid = signatureItems(bytes, built.timestamp, built.config.secrets).map((item) => item.slice(3));
      if (valid.includes(mutation.hex)) return undefined;
      return {
        spec: { ...built.spec, signatureHeader: mapV1(built.spec.signatureHeader, () => mutation.hex) },
        config: built.config,
      };
    }
    case 'header: v1 truncated': {
      const header = mapV1(built.spec.signatureHeader, (hex) => hex.slice(0, hex.length - mutation.cut));
      return { spec: { ...built.spec, signatureHeader: header }, config: built.config };
    }
    case 'header: signature header too large': {
      // Still holding the valid signature: only the size can refuse it.
      const filler = Array.from({ length: mutation.repeat }, (_, i) => `v1=${i.toString(16).padStart(64, '0')}`);
      return {
        spec: { ...built.spec, signatureHeader: [built.spec.signatureHeader, ...filler].join(',') },
        config: built.config,
      };
    }
    case 'header: all headers too large':
      return {
        spec: {
          ...built.spec,
          extraHeaders: { 'x-padding': 'p'.repeat(receiverLimits.maxHeaderBytes + mutation.bytes) },
        },
        config: built.config,
      };
    case 'timestamp: too old':
      return resigned(built, nowSeconds - mutation.by, signingSecrets(base));
    case 'timestamp: too far ahead':
      return resigned(built, nowSeconds + mutation.by, signingSecrets(base));
    case 'secret: signed with another secret':
      if (base.secrets.includes(mutation.secret)) return undefined;
      return resigned(built, built.timestamp, [mutation.secret]);
    case 'secret: receiver no longer has the signing secret': {
      const signers = new Set(signingSecrets(base));
      if (signers.has(mutation.replacement) || mutation.replacement === base.foreignSignature) return undefined;
      const secrets = [...base.secrets.filter((secret) => !signers.has(secret)), mutation.replacement];
      return { spec: built.spec, config: { ...built.config, secrets } };
    }
    case 'encoding: base64 body not flagged':
      return {
        spec: { ...built.spec, bodyAs: { body: bytes.toString('base64'), isBase64Encoded: false } },
        config: built.config,
      };
    case 'encoding: plain body flagged base64':
      return { spec: { ...built.spec, bodyAs: { body: built.text, isBase64Encoded: true } }, config: built.config };
    case 'encoding: non-canonical base64': {
      const canonical = bytes.toString('base64');
      const styled = {
        'url-safe': bytes.toString('base64url'),
        'line breaks': canonical.replace(/(.{76})/g, '$1\r\n'),
        'no padding': canonical.replace(/=+$/, ''),
        spaces: canonical.replace(/(.{4})/g, '$1 '),
      }[mutation.style];
      if (styled === canonical) return undefined;
      return { spec: { ...built.spec, bodyAs: { body: styled, isBase64Encoded: true } }, config: built.config };
    }
    case 'transport: not POST':
      return { spec: { ...built.spec, method: mutation.method }, config: built.config };
    case 'transport: source not a Stripe address':
      if (stripeAddresses.includes(mutation.ip)) return undefined;
      return {
        spec: { ...built.spec, sourceIp: mutation.ip },
        config: { ...built.config, allowedSourceIps: new Set(stripeAddresses) },
      };
  }
}

/** What the receiver gets to see of a request and its own configuration; equal means "not a mutation". */
function fingerprint(request: WebhookRequest, config: ReceiverConfig): string {
  const headerBytes = Object.entries(request.headers).reduce(
    (sum, [name, value]) => sum + name.length + value.length,
    0,
  );
  return JSON.stringify({
    method: request.method,
    signatureHeaders: Object.entries(request.headers).filter(([name]) => name.includes('signature')),
    headerBytes,
    // The bytes, whether the request holds them or the text API Gateway gave.
    body: Buffer.from(request.body).toString('base64'),
    bodyProblem: request.bodyProblem ?? null,
    sourceIp: request.sourceIp ?? null,
    secrets: [...config.secrets].sort(),
    allowlist: config.allowedSourceIps !== undefined,
  });
}

// ---------------------------------------------------------------------------------------------------
// The property and its runner.

export type Receive = (request: WebhookRequest, deps: ReceiverDependencies) => Promise<WebhookResponse>;

export interface FuzzOptions {
  readonly numRuns: number;
  readonly seed?: number;
  /** The receiver under test; a test passes a broken one to show the property catches it. */
  readonly receive?: Receive;
}

export interface FuzzReport {
  readonly seed: number;
  /** Cases run: each is one untouched request and one mutation of it. */
  readonly runs: number;
  readonly skipped: number;
  readonly untouchedAccepted: number;
  readonly mutatedAccepted: number;
  readonly mutatedRejected: number;
  /** Cases per mutation kind. */
  readonly byKind: Readonly<Record<string, number>>;
  /** Mutated requests per response: status and error code. */
  readonly byOutcome: Readonly<Record<string, number>>;
  readonly durationMs: number;
  /** The shrunk counterexample and why it failed, if the property failed. */
  readonly failure?: string;
}

async function run(receive: Receive, spec: RequestSpec, config: ReceiverConfig) {
  const queued: QueuedEvent[] = [];
  const request = toWebhookRequest(render(spec));
  const response = await receive(request, {
    signingSecrets: async () => config.secrets,
    // The receiver re-reads its secrets after a mismatch; here it reads what it already has.
    refreshSigningSecrets: async () => [...config.secrets],
    enqueue: async (event) => {
      queued.push(event);
    },
    isSubscribed: (type) => (subscribedTypes as readonly string[]).includes(type),
    allowedSourceIps: config.allowedSourceIps,
    now: () => now,
    toleranceSeconds,
    limits,
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  return { request, response, queued };
}

function outcomeOf(response: WebhookResponse): string {
  return 'error' in response.body ? `${response.statusCode} ${response.body.error.code}` : `${response.statusCode}`;
}

export async function fuzzReceiver(options: FuzzOptions): Promise<FuzzReport> {
  const receive = options.receive ?? receiveWebhook;
  const seed = options.seed ?? Date.now() ^ Math.floor(Math.random() * 0x7fffffff);
  const byKind: Record<string, number> = {};
  const byOutcome: Record<string, number> = {};
  let untouchedAccepted = 0;
  let mutatedAccepted = 0;
  let mutatedRejected = 0;
  const started = performance.now();

  const property = fc.asyncProperty(baseCaseArb, mutationArb, async (base, mutation) => {
    const built = buildBase(base);
    fc.pre(built.spec.bodyBytes.length <= limits.maxBodyBytes);
    const mutated = mutate(base, built, mutation);
    fc.pre(mutated !== undefined);
    if (mutated === undefined) return true;

    const original = await run(receive, built.spec, built.config);
    const changed = await run(receive, mutated.spec, mutated.config);
    // Not a mutation if the receiver sees exactly what it saw before (e.g. a lossy text encoding).
    fc.pre(fingerprint(original.request, built.config) !== fingerprint(changed.request, mutated.config));

    byKind[mutation.kind] = (byKind[mutation.kind] ?? 0) + 1;
    const outcome = outcomeOf(changed.response);
    byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
    const untouchedOk =
      original.response.statusCode === 200 &&
      original.queued.length === 1 &&
      original.queued[0]?.body === built.text &&
      original.queued[0]?.eventId === base.eventId;
    const mutationRefused = changed.response.statusCode >= 400 && changed.queued.length === 0;
    if (untouchedOk) untouchedAccepted += 1;
    if (mutationRefused) mutatedRejected += 1;
    else mutatedAccepted += 1;
    if (!untouchedOk) throw new Error(`the untouched request was not accepted: ${JSON.stringify(original.response)}`);
    if (!mutationRefused) {
      throw new Error(
        `the mutated request was accepted: ${JSON.stringify(changed.response)}, queued ${changed.queued.length}`,
      );
    }
    return true;
  });

  const details = await fc.check(property, { numRuns: options.numRuns, seed, maxSkipsPerRun: 1 });
  return {
    seed,
    runs: details.numRuns,
    skipped: details.numSkips,
    untouchedAccepted,
    mutatedAccepted,
    mutatedRejected,
    byKind,
    byOutcome,
    durationMs: Math.round(performance.now() - started),
    ...(details.failed
      ? {
          failure: `${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)}\ncounterexample: ${fc.stringify(details.counterexample)}`,
        }
      : {}),
  };
}
