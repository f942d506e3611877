/**
 * What a log line or an error message may say about an error: its class and message only, never a
 * body, a header or a secret (the AWS SDK's and Stripe's errors never carry one in their message).
 */
export function errorSummary(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
