/**
 * Writes a webhook endpoint's signing secret into the Secrets Manager secret the receiver reads. When an
 * endpoint is replaced, the old endpoint keeps delivering until it is deleted, so the old secret stays
 * beside the new one (the receiver accepts several, comma-separated); the next write drops it.
 */
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

/** The newest secret first, then at most one previous one: what the receiver needs during a replacement. */
export function signingSecretValue(secret: string, current: string | undefined, keepPrevious: boolean): string {
  if (!keepPrevious || current === undefined) return secret;
  const previous = current
    .split(',')
    .map((value) => value.trim())
    .find((value) => value.startsWith('whsec_') && value !== secret);
  return previous === undefined ? secret : `${secret},${previous}`;
}

export function secretsManagerSigningSecretStore(client: SecretsManagerClient, secretId: string) {
  return async (secret: string, options: { readonly keepPrevious: boolean }): Promise<void> => {
    let current: string | undefined;
    if (options.keepPrevious) {
      const read = await client.send(new GetSecretValueCommand({ SecretId: secretId })).catch(() => undefined);
      current = read?.SecretString;
    }
    await client.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        SecretString: signingSecretValue(secret, current, options.keepPrevious),
      }),
    );
  };
}
