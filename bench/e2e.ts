/**
 * `npm run bench:e2e`: the local pipeline end to end (tools/measure/local-pipeline-run.ts): events/s and
 * acknowledgement latency for N signed events from K concurrent senders, until all are processed;
 * then, in the same run and on the same moto, the emulator's ceiling for the same calls made
 * directly (no receiver, no consumer code), and where the pipeline's time goes.
 */

import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { idempotencyTableSchema, suppressionTableSchema } from '../config/contract';
import { resolveSettings } from '../config/settings';
import { parseCommandLine, runCommand, wantsHelp } from '../tools/cli';
import { localSenderAddress } from '../tools/local/defaults';
import { createLocalResources, localClientConfig } from '../tools/local/resources';
import type { AwsCall } from '../tools/measure/aws-call-counter';
import { markdownTable, num, ratio } from '../tools/measure/format';
import { positiveIntOption, runLocalPipeline, runOptions } from '../tools/measure/local-pipeline-run';
import { quantile } from '../tools/measure/timing';
import { buildStripeEvent, toStripeWebhookBody } from '../tools/stripe-events';

const usage = `Usage: npm run bench:e2e -- [--events N] [--senders K]

Runs the local pipeline (moto, the real receiver and consumer, the local SQS poller) in this process,
posts N signed invoice.paid events from K concurrent senders (defaults 300 and 8) and waits until
all are processed; then makes the same AWS calls straight to the same moto (K senders doing
SendMessage; one poller doing ReceiveMessage, the consumer's DynamoDB and SES calls and
DeleteMessageBatch). Prints markdown to stdout (about a minute on 2 cores; progress on stderr):
acknowledgements/s, p50/p99 acknowledgement latency, events/s processed, each against the direct
calls, and what limits the pipeline (time in moto, the poller, SES pacing).`;

interface DirectRun {
  readonly sendsPerSecond: number;
  readonly sendMs: readonly number[];
  readonly processedPerSecond: number;
}

/** The calls the pipeline makes per event (as npm run cost counts them), straight to moto. */
async function directCalls(endpoint: string, events: number, senders: number): Promise<DirectRun> {
  const settings = resolveSettings({ stage: 'local' });
  const resources = await createLocalResources(endpoint, settings, {
    signingSecret: 'whsec_bench_not_a_real_key_123',
    senderAddress: localSenderAddress,
    nameSuffix: '-direct',
  });
  const config = localClientConfig(endpoint);
  const sqs = new SQSClient(config);
  const dynamodb = new DynamoDBClient(config);
  const ses = new SESClient(config);
  try {
    const bodies = Array.from({ length: events }, (_, i) =>
      toStripeWebhookBody(
        buildStripeEvent('invoice.paid', { id: `evt_direct_${i}`, email: `direct-${i}@example.com` }),
      ),
    );
    const sendMs: number[] = [];
    let next = 0;
    const sendStarted = performance.now();
    await Promise.all(
      Array.from({ length: senders }, async () => {
        for (let i = next++; i < bodies.length; i = next++) {
          const started = performance.now();
          await sqs.send(new SendMessageCommand({ QueueUrl: resources.queueUrl, MessageBody: bodies[i] }));
          sendMs.push(performance.now() - started);
        }
      }),
    );
    const sendSeconds = (performance.now() - sendStarted) / 1000;
    const key = (id: string) => ({ [idempotencyTableSchema.partitionKey]: { S: id } });
    const write = (id: string, status: string) =>
      dynamodb.send(
        new UpdateItemCommand({
          TableName: resources.tableName,
          Key: key(id),
          UpdateExpression: 'SET #status = :status',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': { S: status } },
        }),
      );
    let processed = 0;
    const processStarted = performance.now();
    while (processed < events) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: resources.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      for (const [index, message] of Messages.entries()) {
        const id = `direct-${processed + index}`;
        await write(id, 'in_progress');
        await dynamodb.send(
          new GetItemCommand({
            TableName: resources.suppressionTableName,
            Key: { [suppressionTableSchema.partitionKey]: { S: `${id}@example.com` } },
            ConsistentRead: true,
          }),
        );
        await ses.send(
          new SendEmailCommand({
            Source: resources.senderAddress,
            Destination: { ToAddresses: [`${id}@example.com`] },
            Message: { Subject: { Data: 'Receipt' }, Body: { Text: { Data: message.Body?.slice(0, 200) ?? '' } } },
          }),
        );
        await write(id, 'email_sent');
        await write(id, 'completed');
      }
      if (Messages.length > 0)
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: resources.queueUrl,
            Entries: Messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
          }),
        );
      processed += Messages.length;
    }
    return {
      sendsPerSecond: events / sendSeconds,
      sendMs,
      processedPerSecond: events / ((performance.now() - processStarted) / 1000),
    };
  } finally {
    sqs.destroy();
    dynamodb.destroy();
    ses.destroy();
  }
}

const ms = (value: number) => num(value, 1);
const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
const callMs = (calls: readonly AwsCall[]) => sum(calls.map((call) => call.endedMs - call.startedMs));

async function main(argv: readonly string[]): Promise<void> {
  if (wantsHelp(argv)) {
    console.log(usage);
    return;
  }
  const { values } = parseCommandLine(argv, { options: runOptions }, usage);
  const events = positiveIntOption('--events', values.events, 300, usage);
  const senders = positiveIntOption('--senders', values.senders, 8, usage);
  const progress = (line: string) => console.error(`bench:e2e: ${line}`);
  let direct: DirectRun | undefined;
  const run = await runLocalPipeline({
    events,
    senders,
    progress,
    baseline: async (endpoint) => {
      progress(`the same calls straight to moto (${events} events)…`);
      direct = await directCalls(endpoint, events, senders);
    },
  });
  if (direct === undefined) throw new Error('the direct baseline did not run');
  if (run.notProcessed > 0) throw new Error(`${run.notProcessed} of ${events} events were not processed in time`);

  const acksPerSecond = events / (run.ackWindowMs / 1000);
  const processedPerSecond = events / (run.processedWindowMs / 1000);
  console.log(`# End-to-end benchmark, ${new Date().toISOString()}\n`);
  console.log(
    `${events} signed invoice.paid events from ${senders} concurrent senders to the local pipeline on moto, until all ` +
      'were processed; then the same calls straight to the same moto.\n',
  );
  console.log(
    markdownTable(
      ['', 'pipeline', 'direct calls (ceiling)', 'pipeline / ceiling'],
      [
        [
          'acknowledgements/s',
          num(acksPerSecond, 1),
          num(direct.sendsPerSecond, 1),
          ratio(acksPerSecond / direct.sendsPerSecond),
        ],
        ['ack latency p50 (ms)', ms(quantile(run.ackMs, 0.5)), ms(quantile(direct.sendMs, 0.5)), ''],
        ['ack latency p99 (ms)', ms(quantile(run.ackMs, 0.99)), ms(quantile(direct.sendMs, 0.99)), ''],
        [
          'events/s processed',
          num(processedPerSecond, 1),
          num(direct.processedPerSecond, 1),
          ratio(processedPerSecond / direct.processedPerSecond),
        ],
      ],
    ),
  );

  // Where the time goes: the consumer's calls inside its invocations, and how busy the one poller was.
  const consumerCalls = run.calls.filter((call) => call.service === 'dynamodb' || call.service === 'ses');
  const invocationMs = sum(run.consumerInvocationsMs);
  const sends = run.calls.filter((call) => call.operation === 'SendMessage');
  const emailIntervalMs = resolveSettings({ stage: 'prod' }).emailSendIntervalMs;
  console.log('\n## What limits it\n');
  console.log(
    markdownTable(
      ['', 'value'],
      [
        ['consumer invocations (one at a time: the local poller)', String(run.consumerInvocationsMs.length)],
        ['events per invocation', num(events / run.consumerInvocationsMs.length, 1)],
        [
          'poller busy (invocation time / processing window)',
          `${num((100 * invocationMs) / run.processedWindowMs, 0)} %`,
        ],
        [
          'time in moto inside invocations (DynamoDB + SES)',
          `${num((100 * callMs(consumerCalls)) / invocationMs, 0)} %`,
        ],
        ['moto per DynamoDB/SES call, mean (ms)', ms(callMs(consumerCalls) / consumerCalls.length)],
        [
          'moto per SendMessage, mean (ms); share of the ack latency',
          `${ms(callMs(sends) / sends.length)}; ${num((100 * callMs(sends)) / sum(run.ackMs), 0)} %`,
        ],
        ['SES pacing locally (EMAIL_SEND_INTERVAL_MS unset)', '0 ms'],
        ['SES pacing deployed at the default 14 emails/s', `${emailIntervalMs} ms per email per instance`],
      ],
    ),
  );
}

runCommand(main, { describeFailure: (error) => (error instanceof Error ? error.message : String(error)) });
