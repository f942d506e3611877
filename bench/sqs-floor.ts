/**
 * The least a receiver that queues to SQS loads at init: the SQS client, created at module scope as
 * both receivers do. Bundled and timed by bench/receiver.ts as the floor of module init; never deployed.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

const sqs = new SQSClient({});

export const handler = async (body: string): Promise<void> => {
  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.EVENT_QUEUE_URL, MessageBody: body }));
};
