/**
 * Stripe's request parameters as stripe-node encodes them (form bodies and query strings, in the `qs`
 * style): `limit=3`, `types[0]=a&types[1]=b` or `types[]=a`, `created[gte]=1700000000`,
 * `metadata[team]=billing`, `expand[0]=default_source` (stripe-node sends the brackets unencoded, other
 * clients as `%5B0%5D`; both read the same). One level of brackets is all the routes here need.
 */

export type StripeParamValue = string | string[] | Record<string, string>;
export type StripeParams = Record<string, StripeParamValue>;

export class InvalidStripeParamError extends Error {
  readonly param: string;
  /** Stripe's error `code`; undefined for the errors Stripe sends without one (an expand it cannot do). */
  readonly code: string | undefined;
  /** `code` null: an error Stripe sends without a code. */
  constructor(param: string, message: string, code: string | null = 'parameter_invalid') {
    super(message);
    this.name = 'InvalidStripeParamError';
    this.param = param;
    this.code = code ?? undefined;
  }
}

export function parseStripeParams(search: URLSearchParams): StripeParams {
  const params: StripeParams = {};
  for (const [rawKey, value] of search) {
    const match = /^([A-Za-z0-9_]+)(?:\[([^\]]*)\])?$/.exec(rawKey);
    if (match === null) throw new InvalidStripeParamError(rawKey, `Invalid parameter name: ${rawKey}`);
    const [, name = '', inner] = match;
    if (inner === undefined) {
      params[name] = value;
    } else if (inner === '' || /^\d+$/.test(inner)) {
      const existing = params[name];
      params[name] = Array.isArray(existing) ? [...existing, value] : [value];
    } else {
      const existing = params[name];
      params[name] = { ...(typeof existing === 'object' && !Array.isArray(existing) ? existing : {}), [inner]: value };
    }
  }
  return params;
}

/** Stripe's 400 for a parameter it does not know on this route. */
export function rejectUnknown(params: StripeParams, known: readonly string[]): void {
  for (const name of Object.keys(params)) {
    if (!known.includes(name)) {
      throw new InvalidStripeParamError(name, `Received unknown parameter: ${name}`, 'parameter_unknown');
    }
  }
}

/** Stripe's 400 for a required parameter left out, e.g. "Missing required param: customer.". */
export function requiredStringParam(params: StripeParams, name: string): string {
  const value = stringParam(params, name);
  if (value === undefined || value === '') {
    throw new InvalidStripeParamError(name, `Missing required param: ${name}.`, 'parameter_missing');
  }
  return value;
}

/**
 * `expand[]`: the paths to expand, each one of `expandable`; any other is Stripe's 400 "This property
 * cannot be expanded (path)." naming the offending `expand[i]`, which Stripe sends without a `code`.
 */
export function expandParam(params: StripeParams, expandable: readonly string[]): string[] {
  const paths = listParam(params, 'expand') ?? [];
  for (const [index, path] of paths.entries()) {
    if (!expandable.includes(path)) {
      throw new InvalidStripeParamError(`expand[${index}]`, `This property cannot be expanded (${path}).`, null);
    }
  }
  return paths;
}

export function stringParam(params: StripeParams, name: string): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidStripeParamError(name, `Invalid string: ${name} must be a string`);
  return value;
}

export function listParam(params: StripeParams, name: string): string[] | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new InvalidStripeParamError(name, `Invalid array: ${name} must be an array`);
  return value;
}

export function booleanParam(params: StripeParams, name: string): boolean | undefined {
  const value = stringParam(params, name);
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') {
    throw new InvalidStripeParamError(name, `Invalid boolean: ${value}; ${name} must be true or false`);
  }
  return value === 'true';
}

export function integerParam(params: StripeParams, name: string, min: number, max: number): number | undefined {
  const value = stringParam(params, name);
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new InvalidStripeParamError(
      name,
      `Invalid integer: ${value}; ${name} must be a whole number from ${min} to ${max}`,
    );
  }
  return Number(value);
}

/** `created[gte]` and friends, or `created=<exact second>`, as Stripe's list filters take them. */
export interface RangeFilter {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
}

export function rangeParam(params: StripeParams, name: string): RangeFilter | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  const integer = (text: string, field: string): number => {
    if (!/^\d+$/.test(text)) throw new InvalidStripeParamError(name, `Invalid integer: ${text} for ${name}[${field}]`);
    return Number(text);
  };
  if (typeof value === 'string') {
    const second = integer(value, 'eq');
    return { gte: second, lte: second };
  }
  return rangeFields(params, name, integer);
}

/**
 * `name[gte]` and friends only (as API v2 takes them), each read by `parse` (which throws on a bad
 * value); any other field is Stripe's "Received unknown parameter".
 */
export function rangeFields(
  params: StripeParams,
  name: string,
  parse: (text: string, field: string) => number,
): RangeFilter | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value === 'string' || Array.isArray(value)) {
    throw new InvalidStripeParamError(name, `Invalid ${name}: give ${name}[gte] and the like`);
  }
  const range: RangeFilter = {};
  for (const [field, text] of Object.entries(value)) {
    if (field !== 'gt' && field !== 'gte' && field !== 'lt' && field !== 'lte') {
      throw new InvalidStripeParamError(
        `${name}[${field}]`,
        `Received unknown parameter: ${name}[${field}]`,
        'parameter_unknown',
      );
    }
    range[field] = parse(text, field);
  }
  return range;
}

export function inRange(value: number, range: RangeFilter | undefined): boolean {
  if (range === undefined) return true;
  return (
    (range.gt === undefined || value > range.gt) &&
    (range.gte === undefined || value >= range.gte) &&
    (range.lt === undefined || value < range.lt) &&
    (range.lte === undefined || value <= range.lte)
  );
}
