/**
 * Cold-start variant (bench/cold-start.ts): requests signed with `aws4` (SigV4), sent with
 * `node:https` through one keep-alive agent, in the JSON protocol both SQS and Secrets Manager speak.
 * Never deployed; functions/shared/aws-json-client.ts is the receiver's version, with its retry,
 * timeout and deadline policy.
 */
import { Agent, request } from 'node:https';
import { sign } from 'aws4';

const agent = new Agent({ keepAlive: true });
const region = process.env.AWS_REGION ?? 'us-east-1';

function call(service: string, target: string, payload: unknown): Promise<string> {
  const options = sign({
    service,
    region,
    host: `${service}.${region}.amazonaws.com`,
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': target },
    body: JSON.stringify(payload),
  });
  return new Promise((resolve, reject) => {
    const req = request({ host: options.host, method: 'POST', path: '/', headers: options.headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

export const handler = async (body: string): Promise<void> => {
  await call('secretsmanager', 'secretsmanager.GetSecretValue', { SecretId: process.env.SIGNING_SECRET_ID });
  await call('sqs', 'AmazonSQS.SendMessage', { QueueUrl: process.env.EVENT_QUEUE_URL, MessageBody: body });
};
