/** Signed calls to the emulator for the APIs the project has no SDK client for (Lambda, KMS). */
import aws4 from 'aws4';

export interface Endpoint {
  readonly url: string;
  readonly region: string;
}

/** A SigV4-signed request (moto routes on the signature's service name); the parsed JSON answer. */
export async function signedJson(
  endpoint: Endpoint,
  service: string,
  request: { method?: string; path: string; body?: string; headers?: Record<string, string> },
): Promise<unknown> {
  const url = new URL(request.path, endpoint.url);
  const options = aws4.sign(
    {
      host: url.host,
      path: url.pathname + url.search,
      method: request.method ?? 'GET',
      service,
      region: endpoint.region,
      headers: { ...(request.headers ?? {}) },
      ...(request.body === undefined ? {} : { body: request.body }),
    },
    { accessKeyId: 'testing', secretAccessKey: 'testing' },
  );
  const response = await fetch(url, {
    method: options.method,
    headers: options.headers as Record<string, string>,
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`${service} ${request.method ?? 'GET'} ${url.pathname}: ${response.status} ${text.slice(0, 300)}`);
  return text === '' ? {} : JSON.parse(text);
}

export interface LambdaFunction {
  readonly FunctionName: string;
  readonly Handler: string;
  readonly Runtime?: string;
  readonly Timeout?: number;
  readonly Environment?: { readonly Variables?: Record<string, string> };
}

export async function getFunction(
  endpoint: Endpoint,
  name: string,
): Promise<{ Configuration: LambdaFunction; Code: { Location: string } }> {
  return (await signedJson(endpoint, 'lambda', {
    path: `/2015-03-31/functions/${encodeURIComponent(name)}`,
  })) as { Configuration: LambdaFunction; Code: { Location: string } };
}

export async function getFunctionConfiguration(endpoint: Endpoint, name: string): Promise<LambdaFunction> {
  return (await signedJson(endpoint, 'lambda', {
    path: `/2015-03-31/functions/${encodeURIComponent(name)}/configuration`,
  })) as LambdaFunction;
}

export interface EventSourceMapping {
  readonly EventSourceArn: string;
  readonly BatchSize?: number;
  readonly FunctionArn: string;
  readonly State?: string;
}

export async function listEventSourceMappings(endpoint: Endpoint, functionName: string): Promise<EventSourceMapping[]> {
  const answer = (await signedJson(endpoint, 'lambda', {
    path: `/2015-03-31/event-source-mappings/?FunctionName=${encodeURIComponent(functionName)}`,
  })) as { EventSourceMappings?: EventSourceMapping[] };
  return answer.EventSourceMappings ?? [];
}

export async function listFunctionNames(endpoint: Endpoint): Promise<string[]> {
  const answer = (await signedJson(endpoint, 'lambda', { path: '/2015-03-31/functions/' })) as {
    Functions?: { FunctionName: string }[];
  };
  return (answer.Functions ?? []).map((f) => f.FunctionName);
}

export async function listKmsKeys(endpoint: Endpoint): Promise<string[]> {
  const answer = (await signedJson(endpoint, 'kms', {
    method: 'POST',
    path: '/',
    body: '{}',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys' },
  })) as { Keys?: { KeyId: string }[] };
  return (answer.Keys ?? []).map((key) => key.KeyId);
}
