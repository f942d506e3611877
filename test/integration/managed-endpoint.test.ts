/**
 * The managed endpoint's custom resource core against the fake Stripe API and moto's Secrets Manager:
 * create, update (events changed), replace (API version), delete or disable; the signing secret lands
 * in the stack's secret and nowhere else (not in the response, not in a log line).
 */
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createStripeAdminApi } from '../../functions/shared/stripe-api/admin';
import {
  ManagedEndpointError,
  type ManagedEndpointProperties,
  manageEndpoint,
} from '../../functions/stripe-endpoint/manage-endpoint';
import { secretsManagerSigningSecretStore } from '../../functions/stripe-endpoint/signing-secret-store';
import { type FakeStripeApi, startFakeStripeApi } from '../../tools/fake-stripe/server';
import { localClientConfig } from '../../tools/local/resources';
import { RecordingLogger } from '../../tools/testing/consumer-fakes';
import { requireMotoEndpoint } from '../support/wait-for';

const endpoint = requireMotoEndpoint();
const secrets = new SecretsManagerClient(localClientConfig(endpoint));
let fake: FakeStripeApi;
let signingSecretId: string;
const key = 'rk_test_not_a_real_key_managed';

beforeAll(async () => {
  fake = await startFakeStripeApi({ port: 0 });
});
afterAll(async () => {
  await fake.close();
  secrets.destroy();
});
beforeEach(async () => {
  fake.reset();
  signingSecretId = `stripe-webhooks/test/managed-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  // As the stack creates it: a generated placeholder value.
  await secrets.send(new CreateSecretCommand({ Name: signingSecretId, SecretString: 'generated-placeholder' }));
});

const properties = (overrides: Partial<ManagedEndpointProperties> = {}): ManagedEndpointProperties => ({
  Url: 'https://abc.execute-api.eu-west-1.amazonaws.com/webhook',
  EnabledEvents: ['invoice.paid', 'charge.refunded'],
  ApiVersion: '2026-10-28.endive',
  Owner: 'StripeWebhooks-test',
  Connect: 'false',
  OnDelete: 'delete',
  ...overrides,
});

function deps(logger = new RecordingLogger(), apiKey = key) {
  return {
    stripe: createStripeAdminApi({ apiKey: async () => apiKey, apiUrl: fake.url, retryBaseMs: 5, maxRetries: 1 }),
    storeSigningSecret: secretsManagerSigningSecretStore(secrets, signingSecretId),
    logger,
    apiKeySecretId: 'stripe-webhooks/test/stripe-api-key',
    signingSecretId,
  };
}

const storedSecret = async () =>
  (await secrets.send(new GetSecretValueCommand({ SecretId: signingSecretId }))).SecretString ?? '';

describe('the managed endpoint custom resource', () => {
  it('creates the endpoint and writes its secret into the stack secret only', async () => {
    // Prepare
    const logger = new RecordingLogger();
    // Act
    const response = await manageEndpoint({ RequestType: 'Create', ResourceProperties: properties() }, deps(logger));
    // Assess
    const [created] = fake.webhookEndpoints();
    expect(response).toEqual({ PhysicalResourceId: created?.id });
    expect(created).toMatchObject({
      url: 'https://abc.execute-api.eu-west-1.amazonaws.com/webhook',
      enabled_events: ['invoice.paid', 'charge.refunded'],
      api_version: '2026-10-28.endive',
      status: 'enabled',
      metadata: { 'stripe-webhooks-aws-stack': 'StripeWebhooks-test' },
    });
    const secret = await storedSecret();
    expect(secret).toMatch(/^whsec_fake_[0-9a-f]{32}$/);
    expect(JSON.stringify(response)).not.toContain(secret);
    expect(JSON.stringify(logger.lines)).not.toContain(secret);
    expect(JSON.stringify(logger.lines)).not.toContain('whsec_');
    expect(JSON.stringify(fake.requests())).not.toContain('whsec_');
  });

  it('is idempotent: a repeated Create adopts the endpoint it made, and the secret stays', async () => {
    const first = await manageEndpoint({ RequestType: 'Create', ResourceProperties: properties() }, deps());
    const secret = await storedSecret();
    const second = await manageEndpoint({ RequestType: 'Create', ResourceProperties: properties() }, deps());
    expect(second).toEqual(first);
    expect(fake.webhookEndpoints()).toHaveLength(1);
    expect(await storedSecret()).toBe(secret);
  });

  it('updates the events in place on Update, keeping the id and the secret', async () => {
    const { PhysicalResourceId } = await manageEndpoint(
      { RequestType: 'Create', ResourceProperties: properties() },
      deps(),
    );
    const secret = await storedSecret();
    const updated = await manageEndpoint(
      {
        RequestType: 'Update',
        PhysicalResourceId,
        ResourceProperties: properties({ EnabledEvents: ['invoice.paid'] }),
      },
      deps(),
    );
    expect(updated).toEqual({ PhysicalResourceId });
    expect(fake.webhookEndpoints()).toEqual([
      expect.objectContaining({ id: PhysicalResourceId, enabled_events: ['invoice.paid'] }),
    ]);
    expect(await storedSecret()).toBe(secret);
  });

  it('replaces the endpoint for a new API version, keeping the old secret beside the new one', async () => {
    const { PhysicalResourceId: oldId } = await manageEndpoint(
      { RequestType: 'Create', ResourceProperties: properties({ ApiVersion: '2025-01-27.acacia' }) },
      deps(),
    );
    const oldSecret = await storedSecret();
    const replaced = await manageEndpoint(
      { RequestType: 'Update', PhysicalResourceId: oldId, ResourceProperties: properties() },
      deps(),
    );
    expect(replaced.PhysicalResourceId).not.toBe(oldId);
    expect(fake.webhookEndpoints().map((e) => [e.id, e.api_version])).toEqual([
      [replaced.PhysicalResourceId, '2026-10-28.endive'],
    ]);
    const [newSecret, kept] = (await storedSecret()).split(',');
    expect(newSecret).toMatch(/^whsec_fake_/);
    expect(kept).toBe(oldSecret);
    // CloudFormation then deletes the old physical id: already gone, which succeeds.
    await expect(
      manageEndpoint({ RequestType: 'Delete', PhysicalResourceId: oldId, ResourceProperties: properties() }, deps()),
    ).resolves.toEqual({ PhysicalResourceId: oldId });
  });

  it('deletes the endpoint on Delete, or leaves it disabled when OnDelete is disable', async () => {
    const deleted = await manageEndpoint({ RequestType: 'Create', ResourceProperties: properties() }, deps());
    await manageEndpoint(
      { RequestType: 'Delete', PhysicalResourceId: deleted.PhysicalResourceId, ResourceProperties: properties() },
      deps(),
    );
    expect(fake.webhookEndpoints()).toEqual([]);

    const kept = await manageEndpoint(
      { RequestType: 'Create', ResourceProperties: properties({ OnDelete: 'disable' }) },
      deps(),
    );
    await manageEndpoint(
      {
        RequestType: 'Delete',
        PhysicalResourceId: kept.PhysicalResourceId,
        ResourceProperties: properties({ OnDelete: 'disable' }),
      },
      deps(),
    );
    expect(fake.webhookEndpoints()).toEqual([
      expect.objectContaining({ id: kept.PhysicalResourceId, status: 'disabled' }),
    ]);
  });

  it('fails with a message that says what to fix, and stores nothing', async () => {
    const refused = await manageEndpoint(
      { RequestType: 'Create', ResourceProperties: properties() },
      deps(new RecordingLogger(), 'rk_live_not_a_real_key_refused'),
    ).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ManagedEndpointError);
    expect((refused as Error).message).toMatch(
      /Stripe refused the API key in Secrets Manager secret stripe-webhooks\/test\/stripe-api-key/,
    );
    const badUrl = await manageEndpoint(
      { RequestType: 'Create', ResourceProperties: properties({ Url: 'not a url' }) },
      deps(),
    ).catch((error: unknown) => error);
    expect((badUrl as Error).message).toMatch(/Url must be an http\(s\) URL/);
    expect(await storedSecret()).toBe('generated-placeholder');
  });
});
