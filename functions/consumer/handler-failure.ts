import { errorSummary, sanitizeErrorText } from '../shared/errors';

/**
 * A field of the Stripe object a handler cannot do without, missing or malformed. Throw it from a
 * handler (`throw new MissingFieldError('invoice.created')`) and the failure, in the logs and on the
 * dead-letter message, names the field: `receipt: invoice.created is missing`. Like any throw, the
 * event is retried and then dead-lettered; prefer skipping with a counted reason where the handler can.
 */
export class MissingFieldError extends Error {
  /** The field's path from the event's object, e.g. `invoice.created`. */
  readonly field: string;
  /** @param problem what is wrong with a field that is there (`not a timestamp`); without it, the field is missing */
  constructor(field: string, problem?: string) {
    super(problem === undefined ? `${field} is missing` : `${field} is malformed: ${problem}`);
    this.name = 'MissingFieldError';
    this.field = field;
  }
}

/** What a failed handler's error says: the handler, the recorded step it was in and the field, when known. */
export interface HandlerFailure {
  /** The handler's name: a built-in email's (`receipt`), else the function's name, else `<event type> handler`. */
  readonly handler: string;
  /** The step (`ctx.once`, `ctx.sendEmail`) that threw, addresses taken out (`email:[address]`); none when it threw outside one. */
  readonly step?: string;
  /** The field that is missing or malformed, when the error names one (a `field` property, as {@link MissingFieldError} has). */
  readonly field?: string;
}

/**
 * A subscribed handler threw. Wraps the error (its `cause`, unchanged: a throttled send is still
 * requeued, an outage still retried) with which handler failed, in which step and on which field, so
 * that the log line and the dead-letter message say what to fix without reading the code.
 */
export class HandlerFailedError extends Error implements HandlerFailure {
  readonly handler: string;
  readonly step?: string;
  readonly field?: string;
  readonly eventType: string;
  constructor(failure: HandlerFailure & { readonly eventType: string }, cause: unknown) {
    // The event type is on the log line and the message already: `receipt: ...`, `audit-log (step email:[address]): ...`.
    const where = `${failure.handler}${failure.step === undefined ? '' : ` (step ${failure.step})`}`;
    // A field error's message is the whole story ("invoice.created is missing"); others keep their class name.
    const why =
      failure.field !== undefined && cause instanceof Error ? sanitizeErrorText(cause.message) : errorSummary(cause);
    super(`${where}: ${why}`, { cause });
    this.name = 'HandlerFailedError';
    this.handler = failure.handler;
    this.eventType = failure.eventType;
    if (failure.step !== undefined) this.step = failure.step;
    if (failure.field !== undefined) this.field = failure.field;
  }
}

/** A {@link HandlerFailedError}, also one made by a second copy of this module (recognised by name and shape). */
export function isHandlerFailedError(error: unknown): error is HandlerFailedError {
  return (
    error instanceof HandlerFailedError ||
    (error instanceof Error &&
      error.name === 'HandlerFailedError' &&
      typeof (error as { handler?: unknown }).handler === 'string')
  );
}

/** The error a handler threw, under a {@link HandlerFailedError} or as it was. */
export function rootCause(error: unknown): unknown {
  return isHandlerFailedError(error) ? error.cause : error;
}

/** The field an error names: a non-empty string `field` property (MissingFieldError, MissingEmailFactError). */
export function fieldOf(error: unknown): string | undefined {
  const field = (error as { field?: unknown } | null | undefined)?.field;
  return typeof field === 'string' && field !== '' ? field : undefined;
}

/**
 * Gives a handler a name the failures show (`receipt`), keeping its behaviour: a function's own `name`
 * is what {@link handlerNameOf} reads, so a name survives a second copy of this package in the bundle.
 */
export function namedHandler<H extends (...args: never[]) => unknown>(name: string, handler: H): H {
  const named = ((...args: Parameters<H>) => handler(...args)) as H;
  Object.defineProperty(named, 'name', { value: name });
  return named;
}

/**
 * The name of a handler for its failures: its function's name (a built-in email's, or a team's
 * named function), else `<event type> handler` (and its position among the event's handlers when
 * there are several), for an arrow function written inline.
 */
export function handlerNameOf(
  handler: (...args: never[]) => unknown,
  eventType: string,
  position: { readonly index: number; readonly count: number },
): string {
  const name = handler.name.trim();
  if (name !== undefined && name !== '' && name !== 'anonymous') return name;
  return position.count > 1 ? `${eventType} handler #${position.index + 1}` : `${eventType} handler`;
}

/** The step, addresses and secrets taken out: `email:jenny@example.com` becomes `email:[address]`. */
export function sanitizedStep(step: string | undefined): string | undefined {
  return step === undefined ? undefined : sanitizeErrorText(step);
}
