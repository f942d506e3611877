import { readFileSync } from 'node:fs';
import { GetQueueUrlCommand, ListDeadLetterSourceQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { parseCommandLine, runCommand, wantsHelp } from './cli';
import { localResourceNames } from './local/defaults';
import { localClientConfig, quietSdkNodeVersionWarning } from './local/resources';
import { type LocalPipelineState, localPipelineStatePath } from './local/state';
import { redriveDeadLetters } from './redrive-dead-letters';

const usage = `Usage: npm run redrive -- [--dry-run] [--max N] [--dead-letter-queue NAME|URL] [--queue NAME|URL]

Moves messages from the dead-letter queue back to the queue the consumer reads. Events that were
already processed are skipped by the consumer, so replaying is safe.

  --dry-run                  list what would move, move nothing
  --max N                    move at most N messages (default: all)
  --dead-letter-queue Q      on AWS: the stack's DeadLetterQueueName output (credentials and region
                             from the usual AWS chain); without it, the local pipeline's (\`npm start\`)
  --queue Q                  where to move them (default: the queue whose redrive policy names the DLQ)
  -h, --help                 show this help`;

class RedriveUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedriveUsageError';
  }
}

function localEmulatorEndpoint(): string {
  if (process.env.AWS_ENDPOINT_URL?.trim()) return process.env.AWS_ENDPOINT_URL.trim();
  try {
    const state = JSON.parse(readFileSync(localPipelineStatePath, 'utf8')) as LocalPipelineState;
    return state.emulatorEndpoint;
  } catch {
    throw new RedriveUsageError(
      'No local pipeline found: start it with `npm start`, or name the AWS dead-letter queue with --dead-letter-queue.',
    );
  }
}

async function queueUrl(sqs: SQSClient, nameOrUrl: string): Promise<string> {
  if (/^https?:\/\//.test(nameOrUrl)) return nameOrUrl;
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: nameOrUrl }));
  if (!QueueUrl) throw new RedriveUsageError(`No queue named ${nameOrUrl}.`);
  return QueueUrl;
}

async function main(argv: string[]): Promise<number> {
  if (wantsHelp(argv)) {
    console.log(usage);
    return 0;
  }
  const { values } = parseCommandLine(
    argv,
    {
      options: {
        'dry-run': { type: 'boolean', default: false },
        max: { type: 'string' },
        'dead-letter-queue': { type: 'string' },
        queue: { type: 'string' },
      },
    },
    usage,
  );
  const max = values.max === undefined ? Number.POSITIVE_INFINITY : Number(values.max);
  if (!(max > 0) || (Number.isFinite(max) && !Number.isInteger(max))) {
    throw new RedriveUsageError(`--max must be a positive whole number, not ${values.max}.\n\n${usage}`);
  }

  quietSdkNodeVersionWarning();
  const onAws = values['dead-letter-queue'] !== undefined;
  const sqs = onAws ? new SQSClient({}) : new SQSClient(localClientConfig(localEmulatorEndpoint()));
  try {
    const deadLetterQueueUrl = await queueUrl(sqs, values['dead-letter-queue'] ?? localResourceNames.deadLetterQueue);
    let targetQueueUrl: string;
    if (values.queue) {
      targetQueueUrl = await queueUrl(sqs, values.queue);
    } else {
      const { queueUrls = [] } = await sqs.send(
        new ListDeadLetterSourceQueuesCommand({ QueueUrl: deadLetterQueueUrl }),
      );
      const [only] = queueUrls;
      if (queueUrls.length !== 1 || only === undefined) {
        throw new RedriveUsageError(
          `${queueUrls.length} queues send to ${deadLetterQueueUrl}; name the one to move messages to with --queue.`,
        );
      }
      targetQueueUrl = only;
    }
    console.log(`${values['dry-run'] ? 'Listing' : 'Moving'} messages from ${deadLetterQueueUrl} to ${targetQueueUrl}`);
    const summary = await redriveDeadLetters({
      sqs,
      deadLetterQueueUrl,
      targetQueueUrl,
      dryRun: values['dry-run'],
      max,
      print: (line) => console.log(line),
    });
    console.log(
      values['dry-run']
        ? `Dry run: ${summary.listed} message(s) would move; nothing was moved.`
        : `Moved ${summary.moved} message(s); ${summary.failed} could not be moved and stay in the dead-letter queue.`,
    );
    return summary.failed > 0 ? 1 : 0;
  } finally {
    sqs.destroy();
  }
}

// Exits when done: the SQS client keeps its sockets open.
runCommand(main, {
  exit: true,
  usageErrorNames: ['RedriveUsageError'],
  describeFailure: (error) => (error instanceof Error ? error.message : String(error)),
});
