/**
 * Cold-start variant (bench/cold-start.ts): `@aws-lite/client` with its SQS plugin, and its generic
 * request for Secrets Manager (it has no maintained Secrets Manager plugin). Created at module scope,
 * as a receiver would. Never deployed.
 */
import awsLite from '@aws-lite/client';
import sqsPlugin from '@aws-lite/sqs';

/** The plugin's method, typed here: @aws-lite/sqs ships no declarations. */
type WithSqs = { SQS: { SendMessage(input: { QueueUrl: string; MessageBody: string }): Promise<unknown> } };

const client = awsLite({ plugins: [sqsPlugin], autoloadPlugins: false, retries: 2 });
// Init does not wait for it, as a handler would not; a failed creation shows on the first request.
client.catch(() => {});

export const handler = async (body: string): Promise<void> => {
  const aws = await client;
  await aws({
    service: 'secretsmanager',
    headers: { 'x-amz-target': 'secretsmanager.GetSecretValue' },
    awsjson: false,
    payload: { SecretId: process.env.SIGNING_SECRET_ID },
  });
  await (aws as unknown as WithSqs).SQS.SendMessage({ QueueUrl: process.env.EVENT_QUEUE_URL ?? '', MessageBody: body });
};
