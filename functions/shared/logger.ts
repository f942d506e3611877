import { Logger } from '@aws-lambda-powertools/logger';

/**
 * What the pipeline's code logs through: the receiver, the consumer, the signing-secret source and the
 * handlers (`ctx.logger`). Powertools' Logger fits it; tests give a recording fake. Callers log
 * identifiers and outcomes only: never a body, a header, an email address or a secret.
 */
export interface LoggerPort {
  info(message: string, details: Record<string, unknown>): void;
  warn(message: string, details: Record<string, unknown>): void;
  error(message: string, details: Record<string, unknown>): void;
}

/** Structured JSON logs (Powertools Logger), named after the function's `POWERTOOLS_SERVICE_NAME`. */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? serviceName });
}
