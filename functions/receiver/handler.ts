import { envVarNames, serviceNames } from '../../config/contract';
import { booleanSetting } from '../../config/settings';
import { subscribedTypeMatcher } from '../../config/subscribed-types';
import {
  createAwsHttpClient,
  createAwsJsonClient,
  environmentCredentials,
  environmentRegion,
  serviceEndpoint,
} from '../shared/aws-json-client';
import { requireEnv } from '../shared/env';
import { createLogger } from '../shared/logger';
import { createTracing, isTracingEnabled } from '../shared/tracing';
import { createApiGatewayHandler } from './api-gateway-handler';
import { sqsEventQueue } from './event-queue';
import { s3LargeEventStore, s3LocationFromEnvironment } from './large-event-store';
import { createReceiverMetrics } from './receiver-metrics';
import { loadSigningSecretsAtStart, secretsManagerReader, secretsManagerSigningSecrets } from './signing-secrets';
import { stripeWebhookIps } from './stripe-webhook-ips';
import { largeEventThresholdBytes, receiverAwsCallPolicy, signatureToleranceSeconds } from './tuning';

// Created once per container. Hard timeouts, a small retry budget and a deadline on the enqueue step
// keep the receiver's answer well inside API Gateway's 30 s limit even when SQS or S3 hangs: a request
// that cannot be queued in time gets a 5xx and Stripe retries it (budget: receiverAwsCallPolicy).
const queueUrl = requireEnv(envVarNames.queueUrl);
const signingSecretId = requireEnv(envVarNames.signingSecretId);
const largeEventBucket = requireEnv(envVarNames.largeEventBucketName);
const logger = createLogger(serviceNames.receiver);
// Off unless the stack turns it on (tracing=true); then each message carries the trace header to the consumer.
const tracing = createTracing(serviceNames.receiver);
const tracingEnabled = isTracingEnabled();
const metrics = createReceiverMetrics(process.env[envVarNames.stage] ?? 'dev');
const ipAllowlist = booleanSetting(envVarNames.stripeIpAllowlist, process.env[envVarNames.stripeIpAllowlist], false);
// SQS and Secrets Manager through aws4 over node:https rather than the SDK: a fraction of the cold
// start (measured in functions/shared/aws-json-client.ts), the same receiverAwsCallPolicy.
const region = environmentRegion();
const awsOptions = { region, credentials: () => environmentCredentials(), policy: receiverAwsCallPolicy };
const aws = createAwsJsonClient(awsOptions);
const signingSecrets = secretsManagerSigningSecrets(
  secretsManagerReader(aws, serviceEndpoint('secretsmanager', region)),
  signingSecretId,
  { logger },
);
// In Lambda, start reading the secret during the cold start: the first request does not wait for it,
// and a bad value shows in the init logs. Never thrown: the function keeps answering (500, Stripe
// retries) and picks up a fixed value by itself. Outside Lambda (tests that load the bundle without
// credentials) nothing is read until a request comes.
if (process.env.AWS_LAMBDA_FUNCTION_NAME) void loadSigningSecretsAtStart(signingSecrets, signingSecretId, logger);
const dependencies = {
  signingSecrets: signingSecrets.current,
  cachedSigningSecrets: signingSecrets.cached,
  refreshSigningSecrets: signingSecrets.refreshAfterMismatch,
  enqueue: sqsEventQueue(aws, queueUrl, {
    ...(tracingEnabled ? { traceHeader: () => process.env._X_AMZN_TRACE_ID } : {}),
    largeEvents: {
      // S3's endpoint is read when the first large event comes: most containers never need it.
      store: s3LargeEventStore(createAwsHttpClient(awsOptions), largeEventBucket, () =>
        s3LocationFromEnvironment(region),
      ),
      thresholdBytes: largeEventThresholdBytes,
    },
  }),
  now: () => new Date(),
  toleranceSeconds: signatureToleranceSeconds,
  // Written by the construct from the consumer's subscriptions at synth: a type nothing handles is
  // acknowledged, not queued, and the receiver never loads a handler (see config/subscribed-types.ts).
  isSubscribed: subscribedTypeMatcher(requireEnv(envVarNames.subscribedEventTypes)),
  allowedSourceIps: ipAllowlist ? new Set<string>(stripeWebhookIps.addresses) : undefined,
};

export const handler = createApiGatewayHandler(dependencies, { logger, metrics, tracing });
