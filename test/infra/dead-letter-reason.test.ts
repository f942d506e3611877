/**
 * The consumer dead-letters an event failing its last attempt itself, with the reason as message
 * attributes (functions/consumer/dead-letter.ts): it gets the dead-letter queue's URL and the queue's
 * maxReceiveCount, and may send to that queue, nothing more.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { envVarNames } from '../../config/contract';
import { resolveSettings } from '../../config/settings';
import { buildStack, logicalIdOf, resourceOf, statementsOfRole } from './infra-helpers';

const getAtt = (id: string, attribute: string) => ({ 'Fn::GetAtt': [id, attribute] });

function built(context: Record<string, unknown> = {}) {
  const stack = buildStack({ senderAddress: 'receipts@example.org', ...context });
  const template = Template.fromStack(stack);
  const { consumer, eventQueue } = stack.pipeline;
  if (consumer.fn.role === undefined) throw new Error('consumer without a role');
  return {
    template,
    consumer: logicalIdOf(consumer.fn),
    consumerRole: logicalIdOf(consumer.fn.role),
    queue: logicalIdOf(eventQueue.queue),
    deadLetterQueue: logicalIdOf(eventQueue.deadLetterQueue),
  };
}

describe('the consumer writes why an event is dead-lettered', () => {
  const ids = built();

  it('gets the dead-letter queue URL and the maxReceiveCount of the redrive policy', () => {
    // Prepare
    const variables = resourceOf(ids.template, ids.consumer).Properties?.Environment as {
      Variables: Record<string, unknown>;
    };
    const redrive = resourceOf(ids.template, ids.queue).Properties?.RedrivePolicy as { maxReceiveCount: number };
    // Assess
    expect(variables.Variables[envVarNames.deadLetterQueueUrl]).toEqual({ Ref: ids.deadLetterQueue });
    expect(variables.Variables[envVarNames.maxReceiveCount]).toBe(String(redrive.maxReceiveCount));
    expect(redrive.maxReceiveCount).toBe(resolveSettings().maxReceiveCount);
  });

  it('may send to the dead-letter queue, and only send', () => {
    // Prepare
    const onDeadLetterQueue = statementsOfRole(ids.template, ids.consumerRole).filter((s) =>
      s.Resource.some((r) => JSON.stringify(r) === JSON.stringify(getAtt(ids.deadLetterQueue, 'Arn'))),
    );
    // Assess: grantSendMessages, no receive or delete (only a redrive takes messages out).
    expect(onDeadLetterQueue).toEqual([
      {
        Effect: 'Allow',
        Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        Resource: [getAtt(ids.deadLetterQueue, 'Arn')],
      },
    ]);
  });

  it('follows a maxReceiveCount set by context', () => {
    // Prepare
    const custom = built({ maxReceiveCount: 3 });
    const variables = resourceOf(custom.template, custom.consumer).Properties?.Environment as {
      Variables: Record<string, unknown>;
    };
    const redrive = resourceOf(custom.template, custom.queue).Properties?.RedrivePolicy as { maxReceiveCount: number };
    // Assess
    expect(redrive.maxReceiveCount).toBe(3);
    expect(variables.Variables[envVarNames.maxReceiveCount]).toBe('3');
  });
});
