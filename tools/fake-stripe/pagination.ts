/**
 * Stripe's cursor pagination for list endpoints, as the real API does it: items newest first, `limit`
 * from 1 to 100 (default 10), `starting_after=<id>` for the page after an item, `ending_before=<id>`
 * for the page before it (the `limit` items closest to it, still newest first), and `has_more` saying
 * whether another page lies in that direction. A cursor id that is not in the list is a 400.
 */
import { InvalidStripeParamError, integerParam, type StripeParams, stringParam } from './stripe-params';

export interface StripeList<T> {
  object: 'list';
  url: string;
  has_more: boolean;
  data: T[];
}

export function paginate<T extends { id: string }>(
  items: readonly T[],
  params: StripeParams,
  url: string,
  noun: string,
): StripeList<T> {
  const limit = integerParam(params, 'limit', 1, 100) ?? 10;
  const startingAfter = stringParam(params, 'starting_after');
  const endingBefore = stringParam(params, 'ending_before');
  if (startingAfter !== undefined && endingBefore !== undefined) {
    throw new InvalidStripeParamError(
      'ending_before',
      'You may only specify one of these parameters: ending_before, starting_after.',
    );
  }
  const indexOf = (id: string, param: string): number => {
    const index = items.findIndex((item) => item.id === id);
    if (index === -1) throw new InvalidStripeParamError(param, `No such ${noun}: '${id}'`);
    return index;
  };
  if (endingBefore !== undefined) {
    const end = indexOf(endingBefore, 'ending_before');
    const start = Math.max(0, end - limit);
    return { object: 'list', url, has_more: start > 0, data: items.slice(start, end) };
  }
  const start = startingAfter === undefined ? 0 : indexOf(startingAfter, 'starting_after') + 1;
  return { object: 'list', url, has_more: start + limit < items.length, data: items.slice(start, start + limit) };
}
