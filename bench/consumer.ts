import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESClient } from '@aws-sdk/client-ses';
import { resolveSettings } from '../config/settings';
import { type ConsumerDependencies, consumeEvent } from '../functions/consumer/consume-event';
import { buildRegistry } from '../functions/consumer/define-subscriptions';
import { dynamoDbIdempotencyStore } from '../functions/consumer/idempotency-store';
import { sesMailer } from '../functions/consumer/mailer';
import projectSubscriptions from '../functions/subscriptions';
import { parseCommandLine, runCommand, wantsHelp } from '../tools/cli';
import { localSenderAddress } from '../tools/local/defaults';
import { startMoto } from '../tools/local/moto';
import { createLocalResources, localClientConfig, quietSdkNodeVersionWarning } from '../tools/local/resources';
import { markdownTable, num, ratio } from '../tools/measure/format';
import { median } from '../tools/measure/timing';
import { buildStripeEvent } from '../tools/stripe-events';
import { InMemoryIdempotencyStore } from '../tools/testing/consumer-fakes';

/**
 * `npm run bench:consumer`: events per second through the real consumer core (`consumeEvent` with the
 * real subscriptions and email templates), one event after the other as one invocation processes a
 * batch, with in-memory fakes (the baseline) and against DynamoDB and SES on moto, in one run.
 * First deliveries (claim, render, send, record the step, complete) and duplicates (one claim
 * that finds the event done) are measured separately.
 */

const usage = `Usage: npm run bench:consumer

Events per second through the real consumer core (consumeEvent with the real subscriptions and email
templates), one event after the other as one invocation processes a batch: with in-memory fakes (the
baseline) and against DynamoDB and SES on a moto_server it starts, first deliveries and duplicates
apart, median of 3 rounds. Prints markdown to stdout (about a minute). Takes no options.

Options:
  -h, --help   show this help`;

const inMemoryEvents = 2_000;
const motoEvents = 300;
const rounds = 3;

function eventBodies(count: number, round: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify(
      buildStripeEvent(i % 2 === 0 ? 'invoice.paid' : 'checkout.session.completed', {
        id: `evt_bench_${round}_${i}`,
        email: `customer-${i}@example.com`,
      }),
    ),
  );
}

async function eventsPerSecond(bodies: readonly string[], deps: ConsumerDependencies): Promise<number> {
  const started = performance.now();
  for (const body of bodies) await consumeEvent(body, deps);
  return bodies.length / ((performance.now() - started) / 1000);
}

/** Median events/s over the rounds, for first deliveries and for duplicates of them. */
async function measure(label: string, count: number, makeDeps: () => ConsumerDependencies) {
  const first: number[] = [];
  const duplicates: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const deps = makeDeps();
    const bodies = eventBodies(count, round);
    first.push(await eventsPerSecond(bodies, deps));
    duplicates.push(await eventsPerSecond(bodies, deps));
  }
  return { label, count, first: median(first), duplicates: median(duplicates) };
}

async function main(argv: readonly string[]): Promise<void> {
  if (wantsHelp(argv)) {
    console.log(usage);
    return;
  }
  parseCommandLine(argv, { options: {} }, usage);
  quietSdkNodeVersionWarning();
  const settings = resolveSettings({ stage: 'bench' });
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const common = {
    registry: buildRegistry(projectSubscriptions),
    now: () => new Date(),
    logger: quiet,
    inProgressExpirySeconds: settings.inProgressExpirySeconds,
    retentionDays: settings.idempotencyRetentionDays,
  };

  let sent = 0;
  const inMemory = await measure('in-memory fakes (baseline)', inMemoryEvents, () => ({
    ...common,
    store: new InMemoryIdempotencyStore(),
    mailer: { send: async () => ({ messageId: `message-${++sent}` }) },
  }));

  const moto = await startMoto();
  try {
    const resources = await createLocalResources(moto.endpoint, settings, {
      signingSecret: 'whsec_bench_only_not_a_real_secret',
      senderAddress: localSenderAddress,
    });
    const config = localClientConfig(moto.endpoint);
    const dynamodb = new DynamoDBClient(config);
    const ses = new SESClient(config);
    const onMoto = await measure('DynamoDB + SES on moto', motoEvents, () => ({
      ...common,
      store: dynamoDbIdempotencyStore(dynamodb, resources.tableName),
      mailer: sesMailer(ses, resources.senderAddress),
    }));
    dynamodb.destroy();
    ses.destroy();

    console.log(`Consumer throughput, ${new Date().toISOString()}, node ${process.version}, one event after the other`);
    console.log(
      markdownTable(
        ['store and mailer', 'events', 'first deliveries/s', 'vs baseline', 'duplicates/s', 'vs baseline'],
        [inMemory, onMoto].map((row) => [
          row.label,
          String(row.count),
          num(row.first, 0),
          ratio(row.first / inMemory.first),
          num(row.duplicates, 0),
          ratio(row.duplicates / inMemory.duplicates),
        ]),
      ),
    );
    console.log(
      `Median of ${rounds} rounds. On moto each first delivery makes 4 HTTP calls (claim, SES send, step record, ` +
        'complete) and a duplicate one (the claim); real AWS adds network latency per call, so one invocation ' +
        'processes its batch in roughly 4 × (DynamoDB or SES latency) per event.',
    );
  } finally {
    await moto.stop();
  }
}

runCommand(main);
