/** `npm run invoke`: one real Lambda handler run on a captured event against the local emulator (see `usage`). */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { bootLocalEnvironment, loadLambdaHandlers } from './local/boot';
import { devSigningSecret } from './local/defaults';
import { lambdaContext } from './local/lambda-shapes';
import { localClientConfig } from './local/resources';
import { type ReceiverEvent, resignReceiverEvent } from './receiver-events';

const usage = `Usage: npm run invoke -- receiver|consumer <event file> [--no-resign]

Runs the real Lambda handler in this process against moto (started for the run, or the emulator at
AWS_ENDPOINT_URL), with the resources the stack creates: the same as \`sam local invoke\`, without Docker.

  receiver   an API Gateway HTTP API (v2) or REST (v1) event, e.g. events/receiver-http-api-v2.json;
             re-signed first with a fresh timestamp and STRIPE_WEBHOOK_SECRET or the dev secret
             (a captured signature expires after 300 s); --no-resign sends it as it is
  consumer   an SQS event, e.g. events/consumer-sqs.json`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'no-resign': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [target, file] = positionals;
  if (values.help || (target !== 'receiver' && target !== 'consumer') || !file) {
    console.log(usage);
    return values.help ? 0 : 2;
  }
  const event = JSON.parse(readFileSync(file, 'utf8')) as unknown;

  const signingSecret = process.env.STRIPE_WEBHOOK_SECRET?.trim() || devSigningSecret;
  const environment = await bootLocalEnvironment({
    signingSecret,
    emulatorEndpoint: process.env.AWS_ENDPOINT_URL?.trim() || undefined,
    // One handler, run once: nothing would poll the billing sync queue, so the consumer runs without the feature.
    billingState: false,
  });
  const { emulatorEndpoint: endpoint, resources, settings } = environment;
  try {
    const handlers = await loadLambdaHandlers();
    if (target === 'receiver') {
      const request = values['no-resign']
        ? (event as ReceiverEvent)
        : resignReceiverEvent(event as ReceiverEvent, signingSecret);
      console.log(JSON.stringify(await handlers.receiver(request), null, 2));
      const sqs = new SQSClient(localClientConfig(endpoint));
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: resources.queueUrl,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
        }),
      );
      sqs.destroy();
      console.log(`Queued: ${Messages.length} message(s)`);
      for (const message of Messages) {
        const attributes = Object.fromEntries(
          Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]),
        );
        console.log(`  ${JSON.stringify(attributes)}`);
      }
    } else {
      handlers.onRecordOutcome((outcome) => {
        const emails = 'emails' in outcome ? outcome.emails : [];
        const error = outcome.status === 'failed' ? `: ${outcome.error}` : '';
        console.log(`Record ${outcome.messageId}: ${outcome.status} ${outcome.eventType} [${outcome.eventId}]${error}`);
        for (const email of emails)
          console.log(`  email "${email.subject}" to ${email.to} (SES message ${email.messageId})`);
      });
      const response = await handlers.consumer(
        event as SQSEvent,
        lambdaContext('consumer', settings.consumerTimeoutSeconds),
      );
      console.log(`Batch response: ${JSON.stringify(response)}`);
    }
    return 0;
  } finally {
    await environment.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
