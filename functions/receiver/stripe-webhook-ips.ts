/**
 * The IP addresses Stripe sends webhooks from, for the optional allowlist (`stripeIpAllowlist`).
 *
 * Source: Stripe's published list, https://stripe.com/files/ips/ips_webhooks.txt (and .json), described
 * at https://docs.stripe.com/ips#webhook-notifications. Stripe announces changes seven days ahead on
 * its API announce mailing list (https://groups.google.com/a/lists.stripe.com/g/api-announce).
 *
 * Retrieved 2026-06 (15 addresses, IPv4 only). This copy was not downloaded from stripe.com itself but
 * taken from several independent copies of that file dated May and June 2026, which agree. Check it
 * before turning the allowlist on, and whenever Stripe announces a change:
 *
 *   curl -s https://stripe.com/files/ips/ips_webhooks.txt | sort
 *
 * then update the list and `retrieved`. A missing address makes the receiver answer 403 to Stripe's
 * deliveries from it; Stripe retries them for up to 3 days, so fix the list within that time.
 */
export const stripeWebhookIps = {
  retrieved: '2026-06',
  addresses: [
    '3.18.12.63',
    '3.69.109.8',
    '3.120.168.93',
    '3.130.192.231',
    '13.235.14.237',
    '13.235.122.149',
    '18.211.135.69',
    '35.154.171.200',
    '35.157.207.129',
    '52.15.183.38',
    '54.88.130.119',
    '54.88.130.237',
    '54.187.174.169',
    '54.187.205.235',
    '54.187.216.72',
  ],
} as const;
