/**
 * Stripe's API for the local pipeline: the fake Stripe API (`tools/fake-stripe/`) on its own port,
 * and the restricted key the consumer reads from the emulated Secrets Manager, exactly as it reads
 * the real one in AWS. The fake learns the objects of every event the endpoint accepts, as Stripe
 * knows a customer before it sends `customer.created`.
 */
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { envVarNames } from '../../config/contract';
import { type FakeStripeApi, startFakeStripeApi } from '../fake-stripe/server';
import { localResourceNames } from './defaults';
import { localClientConfig } from './resources';

/** A key in Stripe's restricted-key shape that no Stripe account issues; only the fake accepts it. */
export const localStripeApiKey = 'rk_test_local_fake_stripe_api_key';

export interface LocalStripeApi {
  readonly fake: FakeStripeApi;
  /** What the consumer needs to call it, as the construct sets it in AWS. */
  readonly environment: Readonly<Record<string, string>>;
}

/** Starts the fake Stripe API and stores its key in the emulator; `port` 0 picks a free one. */
export async function startLocalStripeApi(
  emulatorEndpoint: string,
  options: { readonly port: number; readonly host?: string; readonly nameSuffix?: string },
): Promise<LocalStripeApi> {
  const secretName = `${localResourceNames.stripeApiKey}${options.nameSuffix ?? ''}`;
  const secrets = new SecretsManagerClient(localClientConfig(emulatorEndpoint));
  try {
    await secrets.send(new CreateSecretCommand({ Name: secretName, SecretString: localStripeApiKey }));
  } catch (error) {
    if (!(error instanceof ResourceExistsException)) throw error;
    await secrets.send(new PutSecretValueCommand({ SecretId: secretName, SecretString: localStripeApiKey }));
  } finally {
    secrets.destroy();
  }
  const fake = await startFakeStripeApi({ port: options.port, host: options.host });
  return {
    fake,
    environment: {
      [envVarNames.stripeApiKeySecretId]: secretName,
      [envVarNames.stripeApiUrl]: fake.url,
    },
  };
}
