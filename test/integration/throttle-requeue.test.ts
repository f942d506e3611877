import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { messageAttributeNames } from '../../config/contract';
import { sqsRequeue, throttleRetriesOf } from '../../functions/consumer/requeue';
import { localClientConfig } from '../../tools/local/resources';
import { buildConsumerSqsEvent } from '../../tools/receiver-events';
import { requireMotoEndpoint, waitFor } from '../support/wait-for';

const sqs = new SQSClient(localClientConfig(requireMotoEndpoint()));
afterAll(() => sqs.destroy());

describe('requeue after SES throttling, on SQS (moto)', () => {
  it('puts back a fresh copy of the original message after the delay, with the throttle count', async () => {
    // Prepare: a record as Lambda delivers it, already throttled twice
    const { QueueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: `requeue-test-${Date.now()}` }));
    const [record] = buildConsumerSqsEvent(
      JSON.stringify({ id: 'evt_test_requeue', object: 'event', type: 'invoice.paid' }),
    ).Records;
    if (!record) throw new Error('no record');
    record.messageAttributes[messageAttributeNames.throttleRetries] = {
      dataType: 'Number',
      stringValue: '2',
      stringListValues: [],
      binaryListValues: [],
    };
    // Act
    await sqsRequeue(sqs, QueueUrl)(record, 2, throttleRetriesOf(record) + 1);
    const atOnce = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['All'] }));
    const copy = await waitFor(
      'the delayed copy',
      async () => {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }),
        );
        return Messages[0];
      },
      10_000,
    );
    // Assess: hidden during the delay, then the same body and attributes, counted from zero receives
    expect(atOnce.Messages ?? []).toHaveLength(0);
    expect(copy.Body).toBe(record.body);
    expect(copy.MessageAttributes?.[messageAttributeNames.eventId]?.StringValue).toBe(
      record.messageAttributes[messageAttributeNames.eventId]?.stringValue,
    );
    expect(copy.MessageAttributes?.[messageAttributeNames.throttleRetries]?.StringValue).toBe('3');
    expect(copy.Attributes?.ApproximateReceiveCount).toBe('1');
  });
});
