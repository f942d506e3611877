import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';

/** The parts of an HTTP request the receiver needs, independent of the API Gateway payload version. */
export interface WebhookRequest {
  readonly method: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body exactly as the sender sent it. */
  readonly body: Buffer;
  readonly requestId: string | undefined;
}

export type ApiGatewayEvent = APIGatewayProxyEventV2 | APIGatewayProxyEvent;

function isHttpApiEvent(event: ApiGatewayEvent): event is APIGatewayProxyEventV2 {
  return (event as APIGatewayProxyEventV2).version === '2.0' || 'http' in (event.requestContext ?? {});
}

function lowerCaseHeaders(headers: Record<string, string | undefined> | null | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) result[name.toLowerCase()] = value;
  }
  return result;
}

/**
 * Turns an API Gateway HTTP API (payload 2.0) or REST API (1.0) proxy event into a
 * {@link WebhookRequest}. API Gateway hands binary bodies over base64-encoded; decoding them here
 * gives the verifier the exact bytes that were signed.
 */
export function toWebhookRequest(event: ApiGatewayEvent): WebhookRequest {
  const body = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  if (isHttpApiEvent(event)) {
    return {
      method: event.requestContext.http.method,
      headers: lowerCaseHeaders(event.headers),
      body: bytes,
      requestId: event.requestContext.requestId,
    };
  }
  return {
    method: event.httpMethod,
    headers: lowerCaseHeaders(event.headers),
    body: bytes,
    requestId: event.requestContext?.requestId,
  };
}
