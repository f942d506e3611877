/**
 * Lambda entry of the managed endpoint's custom resource (CDK's Provider framework calls it as its
 * onEvent handler): reads the environment once, and hands the request to {@link manageEndpoint}. The
 * Stripe API key is read from Secrets Manager at run time; it is never a resource property.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { envVarNames } from '../../config/contract';
import { requireEnv } from '../shared/env';
import { createLogger } from '../shared/logger';
import { createStripeAdminApi } from '../shared/stripe-api/admin';
import { secretsManagerApiKey } from '../shared/stripe-api/api-key';
import { type ManagedEndpointProperties, type ManagedEndpointRequest, manageEndpoint } from './manage-endpoint';
import { secretsManagerSigningSecretStore } from './signing-secret-store';

const logger = createLogger('stripe-endpoint');
const apiKeySecretId = requireEnv(envVarNames.stripeApiKeySecretId);
const signingSecretId = requireEnv(envVarNames.signingSecretId);
const apiUrl = process.env[envVarNames.stripeApiUrl]?.trim() || undefined;
const secrets = new SecretsManagerClient({ maxAttempts: 3 });
const stripe = createStripeAdminApi({ apiKey: secretsManagerApiKey(secrets, apiKeySecretId, logger), apiUrl, logger });

export async function handler(event: CloudFormationCustomResourceEvent) {
  const properties = event.ResourceProperties as unknown as ManagedEndpointProperties;
  const request: ManagedEndpointRequest =
    event.RequestType === 'Create'
      ? { RequestType: 'Create', ResourceProperties: properties }
      : {
          RequestType: event.RequestType,
          PhysicalResourceId: event.PhysicalResourceId,
          ResourceProperties: properties,
        };
  return manageEndpoint(request, {
    stripe,
    storeSigningSecret: secretsManagerSigningSecretStore(secrets, signingSecretId),
    logger,
    apiKeySecretId,
    signingSecretId,
  });
}
