/**
 * Cold-start variant (bench/cold-start.ts): the same SDK v3 clients, loaded on the first request
 * instead of at init. esbuild still puts them in the bundle (CommonJS has no code splitting); only
 * their evaluation moves, to the first request, which then waits for it. Never deployed.
 */
type Clients = {
  sqs: import('@aws-sdk/client-sqs').SQSClient;
  secrets: import('@aws-sdk/client-secrets-manager').SecretsManagerClient;
  sqsSdk: typeof import('@aws-sdk/client-sqs');
  secretsSdk: typeof import('@aws-sdk/client-secrets-manager');
};
let clients: Promise<Clients> | undefined;

/** Loads and creates the clients; the benchmark calls it to time "init + first request's load". */
export function loadClients(): Promise<Clients> {
  clients ??= Promise.all([import('@aws-sdk/client-sqs'), import('@aws-sdk/client-secrets-manager')]).then(
    ([sqsSdk, secretsSdk]) => ({
      sqs: new sqsSdk.SQSClient({}),
      secrets: new secretsSdk.SecretsManagerClient({}),
      sqsSdk,
      secretsSdk,
    }),
  );
  return clients;
}

export const handler = async (body: string): Promise<void> => {
  const { sqs, secrets, sqsSdk, secretsSdk } = await loadClients();
  await secrets.send(new secretsSdk.GetSecretValueCommand({ SecretId: process.env.SIGNING_SECRET_ID }));
  await sqs.send(new sqsSdk.SendMessageCommand({ QueueUrl: process.env.EVENT_QUEUE_URL, MessageBody: body }));
};
