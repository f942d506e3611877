import { Annotations, Duration, Validations } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { EventBus, Match, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { encodeSubscribedTypes } from '../config/subscribed-types';
import { deadLetterAlarm } from './event-queue';

/**
 * EventBridge's default quota on the size of an event pattern, in characters ("Event pattern size",
 * adjustable to 4,096 through Service Quotas). The default is used so that a deploy never depends on a
 * quota increase someone may not have asked for.
 */
export const eventPatternMaxCharacters = 2_048;

/** One `detail-type` matcher of the rule: an exact event type, or a prefix (`{ prefix: 'charge.dispute.' }`). */
export type DetailTypeMatcher = string | { readonly prefix: string };

/** The rule's event pattern as EventBridge receives it (JSON keys as in the template). */
export interface StripeEventPattern {
  readonly source: readonly string[];
  /** Absent when every event type is wanted (`*` subscribed, or the list widened past the size limit). */
  readonly 'detail-type'?: readonly DetailTypeMatcher[];
}

function matchersOf(entries: readonly string[]): DetailTypeMatcher[] | undefined {
  if (entries.includes('*')) return undefined;
  // `charge.dispute.*` keeps its dot, so that it cannot match a `charge.disputed` type.
  return entries.map((entry) => (entry.endsWith('.*') ? { prefix: entry.slice(0, -1) } : entry));
}

function patternOf(sourceName: string, matchers: DetailTypeMatcher[] | undefined): StripeEventPattern {
  return matchers === undefined ? { source: [sourceName] } : { source: [sourceName], 'detail-type': matchers };
}

const sizeOf = (pattern: StripeEventPattern): number => JSON.stringify(pattern).length;

/**
 * The pattern that lets through the events of the partner event source whose type (EventBridge's
 * `detail-type`, snapshot `invoice.paid` or thin `v1.billing.meter.error_report_triggered` alike) is
 * subscribed. Like `fitSubscribedTypes` for the receiver, a list too long for EventBridge's pattern size
 * is widened to first-segment prefixes, else to no type filter: the consumer acknowledges the types no
 * handler wants, so widening costs invocations, never events. `widened` says whether it had to.
 */
export function stripeEventPatternOf(
  sourceName: string,
  subscribedEventTypes: readonly string[],
  maxCharacters = eventPatternMaxCharacters,
): { readonly pattern: StripeEventPattern; readonly widened: boolean } {
  // The same validation, order and deduplication as the receiver's list.
  const entries = encodeSubscribedTypes(subscribedEventTypes).split(',');
  const exact = patternOf(sourceName, matchersOf(entries));
  if (sizeOf(exact) <= maxCharacters) return { pattern: exact, widened: false };
  const firstSegments = encodeSubscribedTypes(
    entries.map((entry) => (entry === '*' ? entry : `${entry.split('.')[0]}.*`)),
  ).split(',');
  const prefixes = patternOf(sourceName, matchersOf(firstSegments));
  return { pattern: sizeOf(prefixes) <= maxCharacters ? prefixes : patternOf(sourceName, undefined), widened: true };
}

/** Properties of {@link StripeEventBridgeIngress}. */
export interface StripeEventBridgeIngressProps {
  /**
   * Name of the partner event source Stripe created for the event destination
   * (`aws.partner/stripe.com/ed_...`). The bus created here gets the same name, which associates the source.
   * @default - required
   */
  readonly eventSourceName: string;
  /**
   * The event types to let through (`invoice.paid`, `charge.dispute.*`, `*`): the same list the receiver
   * queues, from the subscriptions.
   * @default - required
   */
  readonly subscribedEventTypes: readonly string[];
  /**
   * The queue matching events are sent to: the pipeline's event queue, which the consumer reads.
   * @default - required
   */
  readonly queue: IQueue;
  /**
   * How long an event that EventBridge could not deliver stays in this ingress's dead-letter queue.
   * @default Duration.days(14) (SQS's maximum)
   */
  readonly deadLetterRetentionPeriod?: Duration;
  /**
   * How long EventBridge keeps retrying the delivery of one event to the queue before dead-lettering it.
   * @default Duration.hours(24) (EventBridge's maximum)
   */
  readonly maxEventAge?: Duration;
  /**
   * How many times EventBridge retries the delivery of one event to the queue, within `maxEventAge`.
   * @default 185 (EventBridge's maximum)
   */
  readonly retryAttempts?: number;
}

/**
 * Stripe events from an Amazon EventBridge event destination: the partner event bus (named after the
 * partner event source, which associates it), a rule on it matching the subscribed event types, and the
 * pipeline's event queue as its target. Stripe's own retries end once EventBridge has accepted the event,
 * so the delivery to the queue retries as long as EventBridge allows, then lands in a dead-letter queue of
 * its own (SQS-managed encryption, TLS only) with an alarm on it. Each queued message is the whole
 * EventBridge event: the Stripe event is its `detail`, with no SQS message attributes beside it.
 */
export class StripeEventBridgeIngress extends Construct {
  /** The partner event bus, associated with the Stripe partner event source. */
  public readonly eventBus: EventBus;
  /** The rule that sends the subscribed event types to the event queue. */
  public readonly rule: Rule;
  /** Events EventBridge could not deliver to the event queue after every retry. */
  public readonly deadLetterQueue: Queue;
  /** In ALARM while at least one message is visible in {@link deadLetterQueue}. No action of its own: the pipeline sends it to its alarm topic (lib/operations/alarms.ts). */
  public readonly deadLetterAlarm: Alarm;
  /** Whether the rule lets through more types than subscribed, to fit EventBridge's pattern size. */
  public readonly patternWidened: boolean;

  constructor(scope: Construct, id: string, props: StripeEventBridgeIngressProps) {
    super(scope, id);
    const { pattern, widened } = stripeEventPatternOf(props.eventSourceName, props.subscribedEventTypes);
    this.patternWidened = widened;
    if (widened) {
      Annotations.of(this).addWarningV2(
        'stripe-webhooks:eventbridge-pattern-widened',
        `The subscriptions name too many event types for an EventBridge event pattern (${eventPatternMaxCharacters} characters by default): the rule lets through ${pattern['detail-type'] === undefined ? 'every type' : 'first-segment prefixes'} instead, and the consumer acknowledges the types no handler wants. Subscribe by prefix (on('invoice.', ...)) to keep the list short.`,
      );
    }

    // A name equal to the partner event source is what associates the source with the bus.
    this.eventBus = new EventBus(this, 'Bus', { eventSourceName: props.eventSourceName });

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.deadLetterRetentionPeriod ?? Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is itself a dead-letter queue: of the EventBridge rule's target (its DeadLetterConfig), which SQS's redrive policy does not show.",
    });

    const detailTypes = pattern['detail-type'];
    this.rule = new Rule(this, 'Rule', {
      eventBus: this.eventBus,
      description: 'Stripe events of the subscribed types, to the event queue the consumer reads.',
      eventPattern: {
        source: [...pattern.source],
        ...(detailTypes === undefined
          ? {}
          : {
              detailType: detailTypes.flatMap((matcher) =>
                typeof matcher === 'string' ? [matcher] : Match.prefix(matcher.prefix),
              ),
            }),
      },
    });
    // The target adds the queue policy statements itself: events.amazonaws.com may send to the event
    // queue and to the dead-letter queue, each only on behalf of this rule (aws:SourceArn).
    this.rule.addTarget(
      new SqsQueue(props.queue, {
        deadLetterQueue: this.deadLetterQueue,
        maxEventAge: props.maxEventAge ?? Duration.hours(24),
        retryAttempts: props.retryAttempts ?? 185,
      }),
    );

    this.deadLetterAlarm = deadLetterAlarm(
      this,
      this.deadLetterQueue,
      'EventBridge could not deliver Stripe events to the event queue for 24 hours and moved them to its dead-letter queue. Fix the cause (queue policy, queue deleted), then send them to the event queue.',
    );
  }
}
