import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyResult, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { envVarNames, signatureToleranceSeconds } from '../../config/settings';
import { requireEnv } from '../shared/env';
import { createLogger } from '../shared/logger';
import { sqsEventQueue } from './event-queue';
import { type ApiGatewayEvent, toWebhookRequest } from './http-request';
import { receiveWebhook } from './receive-webhook';
import { secretsManagerSigningSecrets } from './signing-secrets';

// Created once per container. Explicit timeouts and a small retry budget keep the receiver's answer
// well inside API Gateway's 30 s limit even when SQS is slow: a request that cannot be queued in
// time gets a 5xx and Stripe retries it.
const queueUrl = requireEnv(envVarNames.queueUrl);
const signingSecretId = requireEnv(envVarNames.signingSecretId);
const logger = createLogger('stripe-webhook-receiver');
const sqs = new SQSClient({ maxAttempts: 3, requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 } });
const secretsManager = new SecretsManagerClient({
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
});
const dependencies = {
  signingSecrets: secretsManagerSigningSecrets(secretsManager, signingSecretId),
  enqueue: sqsEventQueue(sqs, queueUrl),
  now: () => new Date(),
  toleranceSeconds: signatureToleranceSeconds,
  logger,
};

export const handler = async (
  event: ApiGatewayEvent,
): Promise<APIGatewayProxyStructuredResultV2 & APIGatewayProxyResult> => {
  const request = toWebhookRequest(event);
  logger.appendKeys({ requestId: request.requestId });
  const response = await receiveWebhook(request, dependencies);
  return {
    statusCode: response.statusCode,
    headers: { 'content-type': 'application/json', ...response.headers },
    body: JSON.stringify(response.body),
  };
};
