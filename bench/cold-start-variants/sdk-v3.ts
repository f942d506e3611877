/**
 * Cold-start variant (bench/cold-start.ts): the AWS SDK v3 clients the receiver creates at init, SQS
 * and Secrets Manager, at module scope. Never deployed.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

const sqs = new SQSClient({});
const secrets = new SecretsManagerClient({});

export const handler = async (body: string): Promise<void> => {
  await secrets.send(new GetSecretValueCommand({ SecretId: process.env.SIGNING_SECRET_ID }));
  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.EVENT_QUEUE_URL, MessageBody: body }));
};
