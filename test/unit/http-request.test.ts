import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { isStrictBase64, toWebhookRequest } from '../../functions/receiver/http-request';

const body = '{"id":"evt_1","object":"event"}';

describe('toWebhookRequest', () => {
  it('reads an HTTP API (payload 2.0) event', () => {
    // Prepare
    const event = {
      version: '2.0',
      headers: { 'stripe-signature': 't=1,v1=ab', 'content-type': 'application/json' },
      requestContext: { http: { method: 'POST' }, requestId: 'req-v2' },
      body,
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEventV2;
    // Act
    const request = toWebhookRequest(event);
    // Assess
    expect(request).toEqual({
      method: 'POST',
      headers: { 'stripe-signature': 't=1,v1=ab', 'content-type': 'application/json' },
      // A text body is kept as the string API Gateway gave (its UTF-8 encoding is the bytes sent).
      body,
      requestId: 'req-v2',
    });
  });

  it('reads a REST API (1.0) event and lower-cases its header names', () => {
    // Prepare
    const event = {
      httpMethod: 'POST',
      headers: { 'Stripe-Signature': 't=1,v1=ab' },
      requestContext: { requestId: 'req-v1' },
      body,
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEvent;
    // Act
    const request = toWebhookRequest(event);
    // Assess
    expect(request.method).toBe('POST');
    expect(request.headers['stripe-signature']).toBe('t=1,v1=ab');
    expect(request.requestId).toBe('req-v1');
  });

  it('decodes a base64-encoded body to the exact bytes sent', () => {
    // Prepare
    const bytes = Buffer.from([0x7b, 0xc3, 0xa9, 0x00, 0xff, 0x7d]);
    const event = {
      version: '2.0',
      headers: {},
      requestContext: { http: { method: 'POST' }, requestId: 'r' },
      body: bytes.toString('base64'),
      isBase64Encoded: true,
    } as unknown as APIGatewayProxyEventV2;
    // Act / Assess
    expect(toWebhookRequest(event).body).toEqual(bytes);
  });
});

describe('toWebhookRequest: source address and base64', () => {
  it('takes the source address from the request context, never from X-Forwarded-For', () => {
    // Prepare
    const v2 = {
      version: '2.0',
      headers: { 'x-forwarded-for': '3.18.12.63' },
      requestContext: { http: { method: 'POST', sourceIp: '198.51.100.4' }, requestId: 'r' },
      body,
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEventV2;
    const v1 = {
      httpMethod: 'POST',
      headers: { 'X-Forwarded-For': '3.18.12.63' },
      requestContext: { requestId: 'r', identity: { sourceIp: '198.51.100.5' } },
      body,
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEvent;
    // Act / Assess
    expect(toWebhookRequest(v2).sourceIp).toBe('198.51.100.4');
    expect(toWebhookRequest(v1).sourceIp).toBe('198.51.100.5');
  });

  it.each([
    ['a plain JSON body', body],
    ['URL-safe base64', Buffer.from('{"a":"??>>"}').toString('base64url')],
    [
      'base64 with line breaks',
      `${Buffer.from('x'.repeat(80)).toString('base64').slice(0, 76)}\r\n${Buffer.from('x'.repeat(80)).toString('base64').slice(76)}`,
    ],
    ['base64 without its padding', Buffer.from('ab').toString('base64').replace(/=+$/, '')],
  ])('flags %s that claims to be base64', (_label, text) => {
    // Prepare
    const event = {
      version: '2.0',
      headers: {},
      requestContext: { http: { method: 'POST' }, requestId: 'r' },
      body: text,
      isBase64Encoded: true,
    } as unknown as APIGatewayProxyEventV2;
    // Act / Assess
    expect(toWebhookRequest(event).bodyProblem).toBe('invalid_base64');
  });

  it('checks a base64 body of several megabytes without overflowing the stack', () => {
    // Prepare
    const encoded = Buffer.alloc(6 * 1024 * 1024, 'a').toString('base64');
    // Act / Assess
    expect(isStrictBase64(encoded)).toBe(true);
    expect(isStrictBase64(`${encoded.slice(0, -4)}!!!!`)).toBe(false);
  });
});
