/**
 * The fake's own control API under `/_fake/`, so a test can steer a fake it did not start (the one
 * `npm start` runs): feed it events, set objects, inject faults, read what was asked of it. Not Stripe's;
 * no key needed.
 */
import { InvalidFakeObjectError, isServedObjectType, type ServedObjectType, servedObjectTypes } from './object-store';
import type { FakeRequest, FakeResponse, Route } from './router';

/** 429 is Stripe's rate limit; the 5xx are what its API answers when it fails. */
export const faultStatuses = [429, 500, 502, 503, 504] as const;
export type FaultStatus = (typeof faultStatuses)[number];

export interface Fault {
  status: FaultStatus;
  /** How many matching requests get the fault, then it is spent. */
  count: number;
  /** Only requests whose path starts with this, e.g. `/v1/customers/`. @default every /v1/ request */
  path?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  /** The query string without `?`, when there was one (list filters and cursors). */
  query?: string;
  /** The `Stripe-Account` header (a Connect call on a connected account's behalf), when sent. */
  stripeAccount?: string;
  /** The `Stripe-Context` header (a thin event's `context`), when sent. */
  stripeContext?: string;
}

export interface ControlTarget {
  /** `delivered: false` records an event whose delivery failed (`delivery_success=false` lists it). */
  observeEvent(event: unknown, options?: { delivered?: boolean }): string | undefined;
  injectFaults(fault: Fault): void;
  clearFaults(): void;
  requests(): RecordedRequest[];
  reset(): void;
}

function badRequest(message: string): FakeResponse {
  return { status: 400, body: { error: { message } } };
}

function parseJson(request: FakeRequest): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(request.body) as unknown };
  } catch {
    return { ok: false };
  }
}

function isFaultStatus(value: unknown): value is FaultStatus {
  return faultStatuses.some((status) => status === value);
}

/**
 * Checks a fault from JSON; throws a message saying what a valid one looks like. `pathPrefix` is accepted
 * as another name for `path` (the first version of this API called it so).
 */
export function parseFault(value: unknown): Fault {
  const example = 'e.g. {"status":429,"count":1,"path":"/v1/customers/"}';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidFaultError(`a fault must be an object, ${example}`);
  }
  const { status, count, path, pathPrefix } = value as Record<string, unknown>;
  if (!isFaultStatus(status)) {
    throw new InvalidFaultError(
      `status must be one of ${faultStatuses.join(', ')}, got ${JSON.stringify(status)}; ${example}`,
    );
  }
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
    throw new InvalidFaultError(`count must be a whole number of requests, at least 1; ${example}`);
  }
  if (path !== undefined && pathPrefix !== undefined) {
    throw new InvalidFaultError(`give path or pathPrefix (the same thing), not both; ${example}`);
  }
  const prefix = path ?? pathPrefix;
  if (prefix !== undefined && (typeof prefix !== 'string' || !prefix.startsWith('/'))) {
    throw new InvalidFaultError(`path must be a path starting with /; ${example}`);
  }
  return prefix === undefined ? { status, count } : { status, count, path: prefix };
}

export class InvalidFaultError extends Error {
  constructor(message: string) {
    super(`Invalid fake Stripe fault: ${message}.`);
    this.name = 'InvalidFaultError';
  }
}

export function controlRoutes(target: ControlTarget): Route[] {
  return [
    {
      method: 'POST',
      pattern: /^\/_fake\/events$/,
      handle: (_params, request) => {
        const parsed = parseJson(request);
        if (!parsed.ok) return badRequest('The body must be a Stripe event as JSON.');
        const delivered = request.query.get('delivered');
        if (delivered !== null && delivered !== 'true' && delivered !== 'false') {
          return badRequest('delivered must be true or false, e.g. POST /_fake/events?delivered=false.');
        }
        return {
          status: 200,
          body: { observed: target.observeEvent(parsed.value, { delivered: delivered !== 'false' }) ?? null },
        };
      },
    },
    {
      method: 'POST',
      pattern: /^\/_fake\/faults$/,
      handle: (_params, request) => {
        const parsed = parseJson(request);
        if (!parsed.ok) return badRequest('The body must be a fault as JSON.');
        try {
          target.injectFaults(parseFault(parsed.value));
        } catch (error) {
          return badRequest(error instanceof Error ? error.message : String(error));
        }
        return { status: 200, body: { injected: true } };
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/_fake\/faults$/,
      handle: () => {
        target.clearFaults();
        return { status: 200, body: { cleared: true } };
      },
    },
    { method: 'GET', pattern: /^\/_fake\/requests$/, handle: () => ({ status: 200, body: target.requests() }) },
    {
      method: 'POST',
      pattern: /^\/_fake\/reset$/,
      handle: () => {
        target.reset();
        return { status: 200, body: { reset: true } };
      },
    },
  ];
}

export interface ObjectControlTarget {
  /** Sets a Stripe object as the current state; throws InvalidFakeObjectError for one that is not valid. */
  setObject(object: unknown): string;
  /** Forgets an object; false when it was not known. */
  deleteObject(type: ServedObjectType, id: string, account?: string): boolean;
}

/**
 * `POST /_fake/objects` (a Stripe object as JSON, answered `{ "stored": "<id>" }`) and
 * `DELETE /_fake/objects/:object/:id[?account=acct_...]` (`{ "deleted": "<id>" }`, 404 when not known).
 */
export function objectControlRoutes(target: ObjectControlTarget): Route[] {
  return [
    {
      method: 'POST',
      pattern: /^\/_fake\/objects$/,
      handle: (_params, request) => {
        const parsed = parseJson(request);
        if (!parsed.ok) {
          return badRequest(
            'The body must be one Stripe object as JSON, e.g. {"id":"cus_123","object":"customer","created":1700000000}.',
          );
        }
        try {
          return { status: 200, body: { stored: target.setObject(parsed.value) } };
        } catch (error) {
          if (error instanceof InvalidFakeObjectError) return badRequest(error.message);
          throw error;
        }
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/_fake\/objects\/([^/]+)\/([^/]+)$/,
      handle: ([type = '', id = ''], request) => {
        if (!isServedObjectType(type)) {
          return badRequest(`The object type must be one of ${Object.keys(servedObjectTypes).join(', ')}.`);
        }
        const account = request.query.get('account') ?? undefined;
        if (!target.deleteObject(type, id, account)) {
          const where = account === undefined ? 'the platform' : account;
          return { status: 404, body: { error: { message: `The fake knows no ${type} ${id} in ${where}.` } } };
        }
        return { status: 200, body: { deleted: id } };
      },
    },
  ];
}
