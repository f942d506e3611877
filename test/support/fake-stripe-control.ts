/** Sets an object as the fake Stripe API's current truth, through its control API (as for a fake a test did not start). */
export async function setInStripe(stripeApiUrl: string, object: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${stripeApiUrl}/_fake/objects`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(object),
  });
  if (!response.ok) throw new Error(`the fake refused ${String(object.id)}: ${await response.text()}`);
}
