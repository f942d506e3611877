/**
 * Notes snapshot events rendered in an API version other than the one the handlers are written for:
 * they are still processed (Stripe renders every event of an endpoint in its version, so refusing them
 * would stop everything), but the shapes may differ, so each version is logged once per container and
 * every such event is counted (`ApiVersionMismatch`). Thin events are unversioned and never counted.
 */
import { declaredStripeApiVersion } from '../../config/stripe-api-version';
import type { LoggerPort } from '../shared/logger';
import type { HandlerMetrics } from './handler-context';
import type { ParsedEvent } from './incoming-event';

export type ApiVersionCheck = (event: Pick<ParsedEvent, 'id' | 'type' | 'apiVersion' | 'payload'>) => void;

export function createApiVersionCheck(
  logger: LoggerPort,
  metrics: HandlerMetrics,
  declared: string = declaredStripeApiVersion,
): ApiVersionCheck {
  const logged = new Set<string>();
  return (event) => {
    if (event.payload === 'thin' || event.apiVersion === undefined || event.apiVersion === declared) return;
    metrics.count('ApiVersionMismatch');
    if (logged.has(event.apiVersion)) return;
    logged.add(event.apiVersion);
    logger.warn('Event rendered in another Stripe API version than the handlers are written for; processed anyway', {
      eventId: event.id,
      eventType: event.type,
      outcome: 'api_version_mismatch',
      eventApiVersion: event.apiVersion,
      declaredApiVersion: declared,
      fix: `Set the endpoint's API version to ${declared} (Workbench → the endpoint → API version), or check that the handlers read this version's fields; logged once per version per container.`,
    });
  };
}
