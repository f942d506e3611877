/** `npm run invoke`: one real Lambda handler run on a captured event against the local emulator (see `usage`). */
import { readFileSync } from 'node:fs';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { resolveSettings } from '../config/settings';
import { parseCommandLine, runCommand, UsageError, wantsHelp } from './cli';
import { bootLocalEnvironment, loadLambdaHandlers } from './local/boot';
import { devSigningSecret } from './local/defaults';
import { lambdaContext } from './local/lambda-shapes';
import { localClientConfig } from './local/resources';
import { readLocalPipelineState } from './local/state';
import { type ReceiverEvent, resignReceiverEvent } from './receiver-events';

const usage = `Usage: npm run invoke -- receiver|consumer <event file> [--no-resign]

Runs the real Lambda handler in this process against an emulator, with the resources the stack creates:
the same as \`sam local invoke\`, without Docker. The emulator is the one at AWS_ENDPOINT_URL, else the
running \`npm start\`'s (found in .local/pipeline.json; what the receiver queues, its consumer then
processes and its console shows), else a moto_server started for the run.

  receiver   an API Gateway HTTP API (v2) or REST (v1) event, e.g. events/receiver-http-api-v2.json;
             re-signed first with a fresh timestamp and STRIPE_WEBHOOK_SECRET or the dev secret
             (a captured signature expires after 300 s); --no-resign sends it as it is
  consumer   an SQS event, e.g. events/consumer-sqs.json

Options:
  --no-resign   send a receiver event as it is, with its captured signature
  -h, --help    show this help`;

async function main(argv: string[]): Promise<number> {
  if (wantsHelp(argv)) {
    console.log(usage);
    return 0;
  }
  const { positionals, values } = parseCommandLine(
    argv,
    { allowPositionals: true, options: { 'no-resign': { type: 'boolean', default: false } } },
    usage,
  );
  const [target, file, ...extra] = positionals;
  if (target !== 'receiver' && target !== 'consumer') {
    throw new UsageError(
      `${target === undefined ? 'Name the function to run' : `Unknown function ${JSON.stringify(target)}`}: receiver or consumer.\n\n${usage}`,
    );
  }
  if (file === undefined || extra.length > 0) {
    throw new UsageError(`Give one event file, e.g. events/consumer-sqs.json.\n\n${usage}`);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read the event file ${file}: ${(error as Error).message}`);
  }
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }

  const signingSecret = process.env.STRIPE_WEBHOOK_SECRET?.trim() || devSigningSecret;
  const running = process.env.AWS_ENDPOINT_URL?.trim() ? undefined : readLocalPipelineState();
  if (running) console.log(`Using the running npm start's emulator at ${running.emulatorEndpoint}`);
  const environment = await bootLocalEnvironment({
    signingSecret,
    emulatorEndpoint: process.env.AWS_ENDPOINT_URL?.trim() || running?.emulatorEndpoint,
    // The resources are brought to these settings: keep the running npm start's retries as it set them.
    ...(running?.maxAttempts === undefined
      ? {}
      : { settings: resolveSettings({ stage: 'local', maxReceiveCount: running.maxAttempts }) }),
    ...(running?.retryDelaySeconds === undefined ? {} : { visibilityTimeoutSeconds: running.retryDelaySeconds }),
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
      if (running) {
        // Reading the queue here would take the message from the running consumer for a retry delay.
        console.log(
          `Queued to ${resources.queueUrl.split('/').pop()} of the running npm start: its consumer processes it ` +
            `(${new URL('/#/events', running.webhookUrl)})`,
        );
        return 0;
      }
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

// Exits when done: the SDK clients of the handlers keep sockets open.
runCommand(main, { exit: true, describeFailure: (error) => (error instanceof Error ? error.message : String(error)) });
