import { receiverAwsCallPolicy } from '../receiver/tuning';

/** Timeouts and retries of an AWS client: what `receiverAwsCallPolicy` sets for functions/shared/aws-json-client.ts. */
export interface AwsCallPolicy {
  readonly maxAttempts: number;
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

/** The part of an AWS SDK v3 client configuration that bounds how long one call can take. */
export interface BoundedClientConfig {
  readonly maxAttempts: number;
  /** Options of the SDK's Node.js HTTP handler (the names are the SDK's). */
  readonly requestHandler: {
    readonly connectionTimeout: number;
    readonly requestTimeout: number;
    readonly throwOnRequestTimeout: boolean;
  };
}

/**
 * Client configuration for calls that must give up in bounded time. `throwOnRequestTimeout` matters:
 * without it the SDK's `requestTimeout` only logs a warning and the call waits for a server that never
 * answers until the function itself times out. For an SDK v3 client that must hold the receiver's
 * policy; the receiver itself no longer uses the SDK (functions/shared/aws-json-client.ts holds the
 * same policy for its calls).
 */
export function boundedClientConfig(policy: AwsCallPolicy = receiverAwsCallPolicy): BoundedClientConfig {
  return {
    maxAttempts: policy.maxAttempts,
    requestHandler: {
      connectionTimeout: policy.connectionTimeoutMs,
      requestTimeout: policy.requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
  };
}

/**
 * S3 addresses buckets as `<bucket>.<endpoint host>` by default. An emulator (moto, LocalStack)
 * behind AWS_ENDPOINT_URL is reached as `host.docker.internal:5000` or `127.0.0.1:<port>`, where such
 * names do not resolve, so use path-style URLs there; in AWS (no endpoint override) keep the default.
 */
export function s3AddressingFor(env: NodeJS.ProcessEnv = process.env): { readonly forcePathStyle: boolean } {
  return { forcePathStyle: Boolean(env.AWS_ENDPOINT_URL?.trim()) };
}
