/**
 * GET /v1/disputes/:id, what the dispute deadline reminder reads (functions/alerts/run-dispute-reminder.ts).
 *
 * What it copies of Stripe:
 * - A dispute is the latest `data.object` of the `charge.dispute.*` events the fake was told of (created,
 *   updated, closed, funds_withdrawn, funds_reinstated all carry the dispute), per Connect account, an
 *   older event never replacing a newer one (object-store.ts); or one set through the control API
 *   (`{"object":"dispute",...}`), e.g. a test that answers it (`"status":"under_review"`) or closes it.
 * - Any other id gets Stripe's example dispute (MIT, stripe/openapi, the project's vendored fixtures)
 *   with that id; its `status` is Stripe's example's, `warning_needs_response`.
 * - An unknown id with `missing` in it, or characters Stripe ids never have: Stripe's 404
 *   `resource_missing`, "No such dispute: 'dp_...'".
 * - `expand[]=charge` as Stripe takes it: the charge the fake knows in that account, else Stripe's example
 *   charge with the dispute's charge id; `payment_intent` and any other path are Stripe's 400 "This
 *   property cannot be expanded" here (Stripe can expand `payment_intent`; nothing here reads it).
 *   Any other parameter is Stripe's 400 "Received unknown parameter".
 *
 * Not copied: `POST /v1/disputes/:id` (submitting evidence) and `/close`; set the dispute's new state
 * through the control API instead, as Stripe's own state would change.
 */
import { type ObjectStore, stripeIdPattern } from '../object-store';
import { type Route, requestAccount } from '../router';
import { answerWithParams, resourceMissing } from '../stripe-errors';
import { expandParam, parseStripeParams, rejectUnknown } from '../stripe-params';
import { exampleObject } from './examples';

export const disputeExpandable = ['charge'] as const;

export function disputeRoutes(store: ObjectStore): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/v1\/disputes\/([^/]+)$/,
      handle: ([id = ''], request) =>
        answerWithParams(() => {
          // Stripe checks the parameters before looking the dispute up.
          const params = parseStripeParams(request.query);
          rejectUnknown(params, ['expand']);
          const paths = expandParam(params, disputeExpandable);
          if (!stripeIdPattern.test(id)) return resourceMissing('dispute', id);
          const account = requestAccount(request);
          const known = store.get('dispute', id, account);
          if (known === undefined && id.includes('missing')) return resourceMissing('dispute', id);
          const dispute = known ?? exampleObject('dispute', id);
          if (dispute === undefined) return resourceMissing('dispute', id);
          if (paths.includes('charge') && typeof dispute.charge === 'string') {
            dispute.charge = store.get('charge', dispute.charge, account) ?? exampleObject('charge', dispute.charge);
          }
          return { status: 200, body: dispute };
        }),
    },
  ];
}
