import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { sign } from 'aws4';
import type { AwsCallPolicy } from './aws-client-config';

/**
 * A minimal AWS client for the receiver's two hot calls, SQS SendMessage and Secrets Manager
 * GetSecretValue: SigV4 with `aws4`, the JSON protocol both services speak, `node:https` with one
 * keep-alive agent, and the retry, timeout and deadline policy of `receiverAwsCallPolicy`.
 *
 * Why not the AWS SDK v3 clients: they were the receiver's cold start. `npm run bench:receiver`
 * (bench/cold-start.ts, one run on this project's shared 2-core machine, 30 processes each) measured
 * init above bare node: SQS + Secrets Manager SDK clients 189 ms, the same loaded lazily 97 ms at init
 * and 193 ms with the first request's load, @aws-lite/client + @aws-lite/sqs 25 ms (but no request
 * timeout, connection timeout or abort signal, so it cannot hold the policy), aws4 over node:https
 * 27 ms; the stripe-sample receiver 205 ms. Only aws4 + node:https is both small and able to bound
 * every attempt, so the receiver uses it; the consumer (off Stripe's request path) keeps the SDK.
 */

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Thrown when a call failed: the service's error (`code`, HTTP status), a timeout, or the network. */
export class AwsCallError extends Error {
  readonly service: string;
  readonly operation: string;
  /** The service's error code (e.g. `QueueDoesNotExist`, `ResourceNotFoundException`), or `Timeout`/`NetworkError`. */
  readonly code: string;
  readonly statusCode: number | undefined;
  readonly retryable: boolean;
  /** Attempts made, the first included. */
  attempts = 1;

  constructor(
    service: string,
    operation: string,
    details: { code: string; message: string; statusCode?: number; retryable: boolean; cause?: unknown },
  ) {
    super(
      `${service} ${operation} failed: ${details.code}${details.statusCode ? ` (HTTP ${details.statusCode})` : ''}: ${details.message}`,
      {
        cause: details.cause,
      },
    );
    this.name = 'AwsCallError';
    this.service = service;
    this.operation = operation;
    this.code = details.code;
    this.statusCode = details.statusCode;
    this.retryable = details.retryable;
  }
}

export class AwsConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AwsConfigurationError';
  }
}

/** Credentials from the environment, as Lambda sets them for the function's role. */
export function environmentCredentials(env: NodeJS.ProcessEnv = process.env): AwsCredentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new AwsConfigurationError(
      'No AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones). ' +
        "Lambda sets them from the function's role; locally any value works against moto or LocalStack.",
    );
  }
  return { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
}

export function environmentRegion(env: NodeJS.ProcessEnv = process.env): string {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new AwsConfigurationError('No AWS region: set AWS_REGION (Lambda sets it).');
  return region;
}

/**
 * The endpoint of `service`: `AWS_ENDPOINT_URL_<SERVICE>` or `AWS_ENDPOINT_URL` when set (moto,
 * LocalStack), as the SDK reads them, else the service's regional AWS endpoint.
 */
export function serviceEndpoint(
  service: 'sqs' | 'secretsmanager',
  region: string,
  env: NodeJS.ProcessEnv = process.env,
): URL {
  const specific = service === 'sqs' ? env.AWS_ENDPOINT_URL_SQS : env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
  const override = (specific ?? env.AWS_ENDPOINT_URL)?.trim();
  return new URL(override || `https://${service}.${region}.amazonaws.com`);
}

// One keep-alive agent per protocol and container: a warm function reuses its TLS connection.
const agents = { 'https:': new HttpsAgent({ keepAlive: true }), 'http:': new HttpAgent({ keepAlive: true }) };

// Error codes the SDK's standard retry mode treats as throttling, as the JSON protocol names them.
const throttlingCodes = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'SlowDown',
]);

export interface AwsJsonCall {
  readonly service: 'sqs' | 'secretsmanager';
  /** e.g. `AmazonSQS.SendMessage`, `secretsmanager.GetSecretValue`. */
  readonly target: string;
  /** `1.0` for SQS, `1.1` for Secrets Manager. */
  readonly jsonVersion: '1.0' | '1.1';
  readonly endpoint: URL;
  readonly payload: unknown;
}

/** One signed HTTP call: the JSON protocol's POST, or a REST call such as S3's PutObject. */
export interface AwsHttpCall {
  /** The signing name: `sqs`, `secretsmanager`, `s3`. */
  readonly service: string;
  /** For errors and logs, e.g. `SendMessage`. */
  readonly operation: string;
  readonly endpoint: URL;
  readonly method: 'POST' | 'PUT';
  /** Path and query, URI-encoded, e.g. `/bucket/key`. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Buffer;
}

export interface AwsHttpAnswer {
  readonly statusCode: number;
  readonly text: string;
}

export interface AwsJsonClientOptions {
  readonly region: string;
  readonly credentials: () => AwsCredentials;
  readonly policy: AwsCallPolicy;
  /** Delay before retry `attempt` (1 = before the second attempt). @default full jitter, 50 ms × 2^(attempt-1), at most 1 s */
  readonly backoffMs?: (attempt: number) => number;
}

/** Makes a signed call with the policy's retries; resolves to a 2xx answer, rejects with an {@link AwsCallError}. */
export type AwsHttpClient = (call: AwsHttpCall, signal?: AbortSignal) => Promise<AwsHttpAnswer>;
export type AwsJsonClient = (call: AwsJsonCall, signal?: AbortSignal) => Promise<unknown>;

const defaultBackoffMs = (attempt: number): number => Math.random() * Math.min(1_000, 50 * 2 ** (attempt - 1));

/**
 * A client that makes a call with up to `policy.maxAttempts` attempts: each must connect within
 * `connectionTimeoutMs` and be answered completely within `requestTimeoutMs`; 5xx answers, throttling,
 * timeouts and network errors are retried, any other error is not. `signal` aborts the call at once,
 * the attempt in flight included, and stops the retries.
 */
export function createAwsHttpClient(options: AwsJsonClientOptions): AwsHttpClient {
  const backoffMs = options.backoffMs ?? defaultBackoffMs;
  return async (call, signal) => {
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      try {
        return await attemptOnce(call, options, signal);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (!(error instanceof AwsCallError)) throw error;
        error.attempts = attempt;
        if (!error.retryable || attempt >= options.policy.maxAttempts) throw error;
      }
      await sleep(backoffMs(attempt), signal);
    }
  };
}

/** {@link createAwsHttpClient} for the JSON protocol (SQS, Secrets Manager): resolves to the parsed answer. */
export function createAwsJsonClient(options: AwsJsonClientOptions): AwsJsonClient {
  const http = createAwsHttpClient(options);
  return async (call, signal) => {
    const operation = call.target.slice(call.target.indexOf('.') + 1);
    const { text, statusCode } = await http(
      {
        service: call.service,
        operation,
        endpoint: call.endpoint,
        method: 'POST',
        path: '/',
        headers: { 'content-type': `application/x-amz-json-${call.jsonVersion}`, 'x-amz-target': call.target },
        body: JSON.stringify(call.payload),
      },
      signal,
    );
    try {
      return text === '' ? {} : (JSON.parse(text) as unknown);
    } catch (error) {
      throw new AwsCallError(call.service, operation, {
        code: 'InvalidResponse',
        message: `the answer is not JSON: ${String(error)}`,
        statusCode,
        retryable: false,
      });
    }
  };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function attemptOnce(
  call: AwsHttpCall,
  options: AwsJsonClientOptions,
  signal: AbortSignal | undefined,
): Promise<AwsHttpAnswer> {
  const { endpoint, service, operation, body } = call;
  // Signed per attempt: X-Amz-Date must be fresh.
  const signed = sign(
    {
      service,
      region: options.region,
      host: endpoint.host,
      method: call.method,
      path: call.path,
      headers: { ...call.headers, 'content-length': String(Buffer.byteLength(body)) },
      body,
    },
    options.credentials(),
  );
  const isHttps = endpoint.protocol === 'https:';
  const requestOptions: RequestOptions = {
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    port: endpoint.port || (isHttps ? 443 : 80),
    method: call.method,
    path: call.path,
    headers: signed.headers,
    agent: isHttps ? agents['https:'] : agents['http:'],
  };
  const { connectionTimeoutMs, requestTimeoutMs } = options.policy;
  const failure = (
    code: string,
    message: string,
    retryable: boolean,
    extra: { statusCode?: number; cause?: unknown } = {},
  ) => new AwsCallError(service, operation, { code, message, retryable, ...extra });

  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error: unknown, value?: AwsHttpAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(requestTimer);
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined && value !== undefined) resolve(value);
      else reject(error);
    };
    const req = (isHttps ? httpsRequest : httpRequest)(requestOptions, (response) => {
      readText(response).then(
        (text) => {
          const statusCode = response.statusCode ?? 0;
          if (statusCode >= 200 && statusCode < 300) {
            finish(undefined, { statusCode, text });
            return;
          }
          const { code, message } = serviceError(text, response);
          const retryable = statusCode >= 500 || statusCode === 429 || throttlingCodes.has(code);
          finish(failure(code, message, retryable, { statusCode }));
        },
        (error: unknown) =>
          finish(failure('NetworkError', `reading the answer failed: ${String(error)}`, true, { cause: error })),
      );
    });
    const requestTimer = setTimeout(() => {
      req.destroy(failure('Timeout', `no complete answer within ${requestTimeoutMs} ms`, true));
    }, requestTimeoutMs);
    req.on('socket', (socket) => {
      // A reused keep-alive socket is already connected.
      if (!socket.connecting) return;
      const connectTimer = setTimeout(() => {
        req.destroy(failure('Timeout', `could not connect to ${endpoint.host} within ${connectionTimeoutMs} ms`, true));
      }, connectionTimeoutMs);
      socket.once(isHttps ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
      socket.once('close', () => clearTimeout(connectTimer));
    });
    req.on('error', (error) => {
      finish(
        error instanceof AwsCallError
          ? error
          : failure('NetworkError', `${endpoint.host}: ${error.message}`, true, { cause: error }),
      );
    });
    const onAbort = () => {
      req.destroy();
      finish(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.end(body);
  });
}

function readText(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      text += chunk;
    });
    response.on('end', () => resolve(text));
    response.on('error', reject);
  });
}

/**
 * The service's error: the JSON protocol's `{"__type": "prefix#Code", "message": "..."}` (SQS also
 * names it in x-amzn-query-error), or S3's XML `<Error><Code>…</Code><Message>…</Message>`.
 */
function serviceError(text: string, response: IncomingMessage): { code: string; message: string } {
  let parsed: { __type?: unknown; message?: unknown; Message?: unknown } = {};
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    // Not JSON: S3's XML, or a proxy's or an emulator's error page.
  }
  const queryError = response.headers['x-amzn-query-error'];
  const xmlCode = /<Code>([^<]{1,100})<\/Code>/.exec(text)?.[1];
  const xmlMessage = /<Message>([^<]{0,300})<\/Message>/.exec(text)?.[1];
  const rawType =
    typeof parsed.__type === 'string'
      ? parsed.__type
      : typeof queryError === 'string'
        ? (queryError.split(';')[0] ?? '')
        : (xmlCode ?? '');
  const code = rawType.slice(rawType.lastIndexOf('#') + 1) || `Http${response.statusCode ?? 0}`;
  const message =
    typeof parsed.message === 'string'
      ? parsed.message
      : typeof parsed.Message === 'string'
        ? parsed.Message
        : (xmlMessage ?? text.slice(0, 200));
  return { code, message };
}
