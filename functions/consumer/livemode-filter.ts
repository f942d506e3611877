import type { AcceptedLivemode } from '../../config/settings';
import type { EventFilter } from './event-registry';

/** Skips events of the other Stripe mode: a test event reaching a live stage must not email a customer. */
export function livemodeFilter(accepted: AcceptedLivemode): EventFilter {
  return (event) => {
    if (accepted === 'any' || event.livemode === undefined || event.livemode === (accepted === 'live'))
      return undefined;
    return `${event.livemode ? 'live' : 'test'}-mode event on a stage that handles ${accepted} events only`;
  };
}
