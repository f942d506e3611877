/**
 * The queue replay writes to: the receiver's own enqueue (same body, same attributes, bodies too large for
 * SQS through S3), with one more attribute saying who replayed the event, so a replayed message can be
 * told from a delivered one in the queue, the dead-letter queue and the logs.
 */
import { messageAttributeNames } from '../../config/contract';
import { createEventQueue, type EventQueueOptions, type SendToQueue } from '../receiver/event-queue';
import type { QueuedEvent } from '../receiver/receive-webhook';

export type ReplayedBy = 'stripe:replay' | 'reconciler';

export function replayEventQueue(
  send: SendToQueue,
  replayedBy: ReplayedBy,
  options: Omit<EventQueueOptions, 'send'> = {},
): (event: QueuedEvent) => Promise<void> {
  return createEventQueue({
    ...options,
    send: (message, signal) =>
      send(
        { body: message.body, attributes: { ...message.attributes, [messageAttributeNames.replayedBy]: replayedBy } },
        signal,
      ),
  });
}
