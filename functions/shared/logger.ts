import { Logger } from '@aws-lambda-powertools/logger';

/**
 * Structured JSON logs. Callers log identifiers and outcomes only: never a body, a header, an email
 * address or a secret.
 */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? serviceName });
}
