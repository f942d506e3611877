import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { toWebhookRequest } from '../../functions/receiver/http-request';

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
      body: Buffer.from(body),
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
    expect(toWebhookRequest(event).body.equals(bytes)).toBe(true);
  });
});
