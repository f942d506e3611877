/**
 * The fake's own control API under `/_fake/`, so a test can steer a fake it did not start (the one
 * `npm start` runs): feed it events, inject faults, read what was asked of it. Not Stripe's; no key needed.
 */
import type { FakeRequest, FakeResponse, Route } from './router';

export type FaultStatus = 429 | 500 | 503;

export interface Fault {
  status: FaultStatus;
  /** How many matching requests get the fault, then it is spent. */
  count: number;
  /** Only requests whose path starts with this. @default every /v1/ request */
  pathPrefix?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
}

export interface ControlTarget {
  observeEvent(event: unknown): string | undefined;
  injectFault(fault: Fault): void;
  clearFaults(): void;
  requests(): RecordedRequest[];
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

/** Checks a fault from JSON; throws a message saying what a valid one looks like. */
export function parseFault(value: unknown): Fault {
  const example = 'e.g. {"status":429,"count":1,"pathPrefix":"/v1/customers/"}';
  if (typeof value !== 'object' || value === null) throw new InvalidFaultError(`a fault must be an object, ${example}`);
  const { status, count, pathPrefix } = value as Record<string, unknown>;
  if (status !== 429 && status !== 500 && status !== 503) {
    throw new InvalidFaultError(`status must be 429, 500 or 503, got ${JSON.stringify(status)}; ${example}`);
  }
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
    throw new InvalidFaultError(`count must be a whole number of requests, at least 1; ${example}`);
  }
  if (pathPrefix !== undefined && (typeof pathPrefix !== 'string' || !pathPrefix.startsWith('/'))) {
    throw new InvalidFaultError(`pathPrefix must be a path starting with /; ${example}`);
  }
  return pathPrefix === undefined ? { status, count } : { status, count, pathPrefix };
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
        return { status: 200, body: { observed: target.observeEvent(parsed.value) ?? null } };
      },
    },
    {
      method: 'POST',
      pattern: /^\/_fake\/faults$/,
      handle: (_params, request) => {
        const parsed = parseJson(request);
        if (!parsed.ok) return badRequest('The body must be a fault as JSON.');
        try {
          target.injectFault(parseFault(parsed.value));
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
  ];
}
