/**
 * The Stripe API version the handlers (and the built-in emails) are written for: the version the
 * pinned `stripe` package's types describe (`Stripe.API_VERSION`). A constant rather than an import of
 * the package, so that the consumer does not load the `stripe` module just to compare a string; a unit
 * test fails when the package is upgraded without this.
 */
export const declaredStripeApiVersion = '2026-10-28.endive';
