/**
 * The managed endpoint's Lambda entry (functions/stripe-endpoint/handler.ts) as CDK's Provider framework
 * invokes it: CloudFormation's Create, Update and Delete events, whole, on the fake Stripe API and moto's
 * Secrets Manager. The API key is read from Secrets Manager; the signing secret goes only into the stack's secret.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type {
  CloudFormationCustomResourceCreateEvent,
  CloudFormationCustomResourceDeleteEvent,
  CloudFormationCustomResourceUpdateEvent,
} from 'aws-lambda';
import { envVarNames } from '../../config/contract';
import { type FakeStripeApi, startFakeStripeApi } from '../../tools/fake-stripe/server';
import { localRegion } from '../../tools/local/defaults';
import { localClientConfig } from '../../tools/local/resources';
import { requireMotoEndpoint } from '../support/wait-for';

const endpoint = requireMotoEndpoint();
const secrets = new SecretsManagerClient(localClientConfig(endpoint));
const apiKey = 'rk_test_not_a_real_key_endpoint_lambda';
const suffix = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
const apiKeySecretId = `stripe-webhooks/test/endpoint-lambda-key-${suffix}`;
const signingSecretId = `stripe-webhooks/test/endpoint-lambda-signing-${suffix}`;
let fake: FakeStripeApi;

beforeAll(async () => {
  fake = await startFakeStripeApi({ port: 0 });
  await secrets.send(new CreateSecretCommand({ Name: apiKeySecretId, SecretString: apiKey }));
  await secrets.send(new CreateSecretCommand({ Name: signingSecretId, SecretString: 'generated-placeholder' }));
});
afterAll(async () => {
  await fake.close();
  for (const id of [apiKeySecretId, signingSecretId]) {
    await secrets.send(new DeleteSecretCommand({ SecretId: id, ForceDeleteWithoutRecovery: true }));
  }
  secrets.destroy();
});

type EndpointHandler = typeof import('../../functions/stripe-endpoint/handler').handler;

const savedEnvironment = { ...process.env };
afterAll(() => {
  process.env = savedEnvironment;
});

/**
 * The entry as a fresh container loads it, with the environment the construct gives it. It stays set
 * for the file: the SDK reads the region and credentials at the first call, not at import.
 */
function loadHandler(overrides: Record<string, string> = {}): EndpointHandler {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: localRegion,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    [envVarNames.stripeApiKeySecretId]: apiKeySecretId,
    [envVarNames.signingSecretId]: signingSecretId,
    [envVarNames.stripeApiUrl]: fake.url,
    ...overrides,
  });
  let handler: EndpointHandler | undefined;
  jest.isolateModules(() => {
    handler = (
      require('../../functions/stripe-endpoint/handler') as typeof import('../../functions/stripe-endpoint/handler')
    ).handler;
  });
  if (handler === undefined) throw new Error('functions/stripe-endpoint/handler did not load');
  return handler;
}

// What CloudFormation sends through the Provider framework (ServiceToken included, all strings).
const common = {
  ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:Provider-framework-onEvent',
  ResponseURL: 'https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/presigned',
  StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/StripeWebhooks/11111111-2222-3333-4444-555555555555',
  RequestId: 'a1b2c3d4-0000-0000-0000-000000000000',
  LogicalResourceId: 'ManagedEndpoint',
  ResourceType: 'Custom::StripeWebhookEndpoint',
};
const properties = (events: string[], apiVersion = '2026-10-28.endive') => ({
  ServiceToken: common.ServiceToken,
  Url: 'https://abc.execute-api.eu-west-1.amazonaws.com/webhook',
  EnabledEvents: events,
  ApiVersion: apiVersion,
  Owner: 'StripeWebhooks-lambda-test',
  Connect: 'false',
  OnDelete: 'delete',
});

const storedSecret = async () =>
  (await secrets.send(new GetSecretValueCommand({ SecretId: signingSecretId }))).SecretString ?? '';

describe('the managed endpoint Lambda entry, as CloudFormation calls it', () => {
  it('creates, updates and deletes the endpoint from whole CloudFormation events; the secret goes only to the stack secret', async () => {
    // Prepare
    const handler = loadHandler();
    const create: CloudFormationCustomResourceCreateEvent = {
      ...common,
      RequestType: 'Create',
      ResourceProperties: properties(['invoice.paid']),
    };

    // Act 1: create
    const created = await handler(create);
    const [endpointAfterCreate] = fake.webhookEndpoints();
    const secretAfterCreate = await storedSecret();

    // Act 2: update, one more event type
    const update: CloudFormationCustomResourceUpdateEvent = {
      ...common,
      RequestType: 'Update',
      PhysicalResourceId: created.PhysicalResourceId,
      ResourceProperties: properties(['invoice.paid', 'charge.refunded']),
      OldResourceProperties: properties(['invoice.paid']),
    };
    const updated = await handler(update);
    const [endpointAfterUpdate] = fake.webhookEndpoints();

    // Act 3: delete
    const remove: CloudFormationCustomResourceDeleteEvent = {
      ...common,
      RequestType: 'Delete',
      PhysicalResourceId: updated.PhysicalResourceId,
      ResourceProperties: properties(['invoice.paid', 'charge.refunded']),
    };
    const deleted = await handler(remove);

    // Assess
    expect(created).toEqual({ PhysicalResourceId: endpointAfterCreate?.id });
    expect(endpointAfterCreate).toMatchObject({ enabled_events: ['invoice.paid'], api_version: '2026-10-28.endive' });
    expect(secretAfterCreate).toMatch(/^whsec_fake_[0-9a-f]{32}$/);
    expect(updated).toEqual({ PhysicalResourceId: endpointAfterCreate?.id });
    expect(endpointAfterUpdate?.enabled_events).toEqual(['invoice.paid', 'charge.refunded']);
    expect(deleted).toEqual({ PhysicalResourceId: endpointAfterCreate?.id });
    expect(fake.webhookEndpoints()).toEqual([]);
    expect(JSON.stringify([created, updated, deleted])).not.toMatch(/whsec_|rk_/);
  });

  it('fails the request, naming the secret to fix, when the API key cannot be read from Secrets Manager', async () => {
    // Prepare
    fake.reset();
    const missing = `${apiKeySecretId}-missing`;
    const handler = loadHandler({ [envVarNames.stripeApiKeySecretId]: missing });
    // Act + Assess
    await expect(
      handler({ ...common, RequestType: 'Create', ResourceProperties: properties(['invoice.paid']) }),
    ).rejects.toThrow(missing);
    expect(fake.webhookEndpoints()).toEqual([]);
  });
});
