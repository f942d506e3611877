/**
 * Cold-start variant (bench/cold-start.ts): the secret read from the AWS Parameters and Secrets Lambda
 * Extension (a local HTTP cache on port 2773, authenticated with the function's session token)
 * instead of a Secrets Manager client; SQS signed with `aws4` as in aws4-https.ts. What the function
 * loads shrinks by the Secrets Manager client; the extension itself is a layer, a second process,
 * which Lambda starts beside the function and counts in the init duration (not measurable here).
 * Never deployed.
 */
import { get } from 'node:http';
import { Agent, request } from 'node:https';
import { sign } from 'aws4';

const agent = new Agent({ keepAlive: true });
const region = process.env.AWS_REGION ?? 'us-east-1';

function secretFromExtension(id: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const path = `/secretsmanager/get?secretId=${encodeURIComponent(id)}`;
    const headers = { 'X-Aws-Parameters-Secrets-Token': process.env.AWS_SESSION_TOKEN ?? '' };
    get({ host: 'localhost', port: 2773, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve((JSON.parse(text) as { SecretString: string }).SecretString));
    }).on('error', reject);
  });
}

function sendMessage(queueUrl: string, body: string): Promise<void> {
  const options = sign({
    service: 'sqs',
    region,
    host: `sqs.${region}.amazonaws.com`,
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessage' },
    body: JSON.stringify({ QueueUrl: queueUrl, MessageBody: body }),
  });
  return new Promise((resolve, reject) => {
    const req = request({ host: options.host, method: 'POST', path: '/', headers: options.headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

export const handler = async (body: string): Promise<void> => {
  await secretFromExtension(process.env.SIGNING_SECRET_ID ?? '');
  await sendMessage(process.env.EVENT_QUEUE_URL ?? '', body);
};
