import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyResult, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { errorSummary } from '../shared/errors';
import { type Annotate, noTracing, type TracingPort } from '../shared/tracing';
import { type ApiGatewayEvent, toWebhookRequest } from './http-request';
import { failure, type ReceiverDependencies, receiveWebhook, type WebhookResponse } from './receive-webhook';
import { powertoolsReceiverMetrics } from './receiver-metrics';

/** What the receiver returns to API Gateway: valid for HTTP APIs (payload 2.0) and REST APIs (1.0). */
export type ApiGatewayResult = APIGatewayProxyStructuredResultV2 & APIGatewayProxyResult;

/**
 * The receiver's Lambda handler around {@link receiveWebhook}: API Gateway event in, JSON response
 * out, the request id on every log line, and the invocation's metrics flushed before it returns.
 * Kept apart from `handler.ts` (which reads the environment and creates the AWS clients) so that
 * tests run this exact path with fakes and the real Powertools logger and metrics.
 */
export function createApiGatewayHandler(
  dependencies: Omit<ReceiverDependencies, 'logger' | 'metrics'>,
  powertools: { readonly logger: Logger; readonly metrics: Metrics; readonly tracing?: TracingPort },
): (event: ApiGatewayEvent) => Promise<ApiGatewayResult> {
  const { logger, metrics, tracing = noTracing } = powertools;
  const receiverMetrics = powertoolsReceiverMetrics(metrics);
  const deps: ReceiverDependencies = { ...dependencies, logger, metrics: receiverMetrics };
  return (event) => tracing.inSubsegment('## receive', (annotate) => handle(event, annotate));

  async function handle(event: ApiGatewayEvent, annotate: Annotate): Promise<ApiGatewayResult> {
    let response: WebhookResponse;
    try {
      logger.appendKeys({ requestId: event.requestContext?.requestId });
      response = await receiveWebhook(toWebhookRequest(event), deps);
    } catch (error) {
      // A bug must neither show the sender a stack trace nor leave Stripe without an answer it retries.
      logger.error('Unexpected error in the receiver', { outcome: 'internal_error', error: errorSummary(error) });
      receiverMetrics.count('InternalError');
      response = failure(500, 'internal_error', 'The request could not be processed; Stripe will retry.');
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
    // The event id, once verified: one X-Ray search (annotation.eventId) then finds the receiver's and the consumer's traces.
    const eventId = (response.body as { id?: unknown }).id;
    if (typeof eventId === 'string') annotate('eventId', eventId);
    return {
      statusCode: response.statusCode,
      headers: { 'content-type': 'application/json', ...response.headers },
      body: JSON.stringify(response.body),
    };
  }
}
