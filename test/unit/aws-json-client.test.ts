/**
 * The receiver's light AWS client against a local HTTP server (loopback only, no AWS): what it sends,
 * which failures it retries, and how its timeouts and abort signal bound a call.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AwsCallError,
  AwsConfigurationError,
  type AwsJsonCall,
  createAwsJsonClient,
  environmentCredentials,
  serviceEndpoint,
} from '../../functions/shared/aws-json-client';

interface Seen {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

const servers: Server[] = [];

async function server(answer: (response: ServerResponse, attempt: number) => void) {
  const seen: Seen[] = [];
  const httpServer = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      seen.push({ headers: request.headers, body });
      answer(response, seen.length);
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  servers.push(httpServer);
  return { endpoint: new URL(`http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`), seen };
}

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

const policy = { maxAttempts: 3, connectionTimeoutMs: 200, requestTimeoutMs: 150 };
const client = createAwsJsonClient({
  region: 'us-east-1',
  credentials: () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'test-secret', sessionToken: 'test-token' }),
  policy,
  backoffMs: () => 1,
});
const sendMessage = (endpoint: URL): AwsJsonCall => ({
  service: 'sqs',
  target: 'AmazonSQS.SendMessage',
  jsonVersion: '1.0',
  endpoint,
  payload: { QueueUrl: `${endpoint.origin}/123456789012/q`, MessageBody: 'héllo' },
});
const json = (response: ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
  response.end(JSON.stringify(body));
};

describe('createAwsJsonClient', () => {
  it('sends a SigV4-signed JSON-protocol request and resolves to the parsed answer', async () => {
    // Prepare
    const { endpoint, seen } = await server((response) => json(response, 200, { MessageId: 'm-1' }));
    // Act
    const output = await client(sendMessage(endpoint));
    // Assess
    expect(output).toEqual({ MessageId: 'm-1' });
    expect(seen).toHaveLength(1);
    const [{ headers, body } = { headers: {}, body: '' }] = seen;
    expect(JSON.parse(body)).toEqual({ QueueUrl: `${endpoint.origin}/123456789012/q`, MessageBody: 'héllo' });
    expect(headers).toMatchObject({
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'AmazonSQS.SendMessage',
      'x-amz-security-token': 'test-token',
      'content-length': String(Buffer.byteLength(body)),
    });
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/sqs\/aws4_request, /,
    );
  });

  it('does not retry a client error, and names the service error code', async () => {
    // Prepare
    const { endpoint, seen } = await server((response) =>
      json(response, 400, { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The queue does not exist.' }),
    );
    // Act
    const failure = await client(sendMessage(endpoint)).catch((error: unknown) => error);
    // Assess
    expect(failure).toBeInstanceOf(AwsCallError);
    expect(failure).toMatchObject({ code: 'QueueDoesNotExist', statusCode: 400, retryable: false, attempts: 1 });
    expect(String(failure)).toContain('The queue does not exist.');
    expect(seen).toHaveLength(1);
  });

  it('retries 5xx and throttling up to maxAttempts, and succeeds when an attempt does', async () => {
    // Prepare
    const failing = await server((response) => json(response, 500, { __type: 'InternalError', message: 'boom' }));
    const throttledOnce = await server((response, attempt) =>
      attempt === 1
        ? json(response, 400, { __type: 'ThrottlingException', message: 'slow down' })
        : json(response, 200, { MessageId: 'm-2' }),
    );
    // Act
    const failure = await client(sendMessage(failing.endpoint)).catch((error: unknown) => error);
    const output = await client(sendMessage(throttledOnce.endpoint));
    // Assess
    expect(failure).toMatchObject({ code: 'InternalError', statusCode: 500, attempts: policy.maxAttempts });
    expect(failing.seen).toHaveLength(policy.maxAttempts);
    expect(output).toEqual({ MessageId: 'm-2' });
    expect(throttledOnce.seen).toHaveLength(2);
  });

  it('gives up on an attempt that gets no answer within requestTimeoutMs, maxAttempts times', async () => {
    // Prepare: reads the request, never answers
    const { endpoint, seen } = await server(() => {});
    const started = performance.now();
    // Act
    const failure = await client(sendMessage(endpoint)).catch((error: unknown) => error);
    // Assess
    expect(failure).toMatchObject({ code: 'Timeout', attempts: policy.maxAttempts });
    expect(seen).toHaveLength(policy.maxAttempts);
    expect(performance.now() - started).toBeGreaterThanOrEqual(policy.maxAttempts * policy.requestTimeoutMs - 10);
  });

  it('stops at once, the attempt in flight included, when its signal aborts', async () => {
    // Prepare
    const { endpoint, seen } = await server(() => {});
    const controller = new AbortController();
    const reason = new Error('deadline');
    setTimeout(() => controller.abort(reason), 50);
    // Act
    const failure = await client(sendMessage(endpoint), controller.signal).catch((error: unknown) => error);
    // Assess
    expect(failure).toBe(reason);
    expect(seen).toHaveLength(1);
  });
});

describe('environment', () => {
  it('says which variables to set when there are no credentials', () => {
    expect(() => environmentCredentials({})).toThrow(AwsConfigurationError);
    expect(() => environmentCredentials({})).toThrow(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });

  it('uses the service-specific endpoint, then AWS_ENDPOINT_URL, then the regional AWS endpoint', () => {
    expect(serviceEndpoint('sqs', 'eu-west-1', {}).href).toBe('https://sqs.eu-west-1.amazonaws.com/');
    expect(serviceEndpoint('secretsmanager', 'eu-west-1', { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }).href).toBe(
      'http://127.0.0.1:5000/',
    );
    expect(
      serviceEndpoint('secretsmanager', 'eu-west-1', {
        AWS_ENDPOINT_URL: 'http://127.0.0.1:5000',
        AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://localhost:4566',
      }).href,
    ).toBe('http://localhost:4566/');
  });
});
