import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { triggerableEventTypes } from '../../tools/event-catalogue';
import { devSigningSecret } from '../../tools/local/defaults';
import { runTrigger, type TriggerIo } from '../../tools/run-trigger';
import { supportedEventTypes } from '../../tools/stripe-events';

const secret = 'whsec_trigger_test_secret';

interface ReceivedRequest {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

interface TestServer {
  readonly port: number;
  readonly url: string;
  readonly requests: ReceivedRequest[];
  close(): Promise<void>;
}

async function startServer(status = 200, answer = '{"received":true}'): Promise<TestServer> {
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: Buffer.concat(chunks),
      });
      response.writeHead(status, { 'content-type': 'application/json' }).end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}/webhook`,
    requests,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

function captureIo(env: TriggerIo['env'] = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: TriggerIo = { out: (line) => out.push(line), err: (line) => err.push(line), env };
  return { io, out, err };
}

describe('runTrigger', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startServer();
  });

  afterEach(async () => {
    await server.close();
  });

  it('POSTs the signed event byte for byte, with the headers Stripe sends', async () => {
    // Prepare
    const { io, out, err } = captureIo();

    // Act
    const result = await runTrigger(['invoice.paid', '--url', server.url, '--secret', secret], io);

    // Assess
    expect(err).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/webhook');
    expect(request?.body.equals(Buffer.from(result.sent?.body ?? '', 'utf8'))).toBe(true);
    expect(request?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(request?.headers['user-agent']).toBe('Stripe/1.0 (+https://stripe.com/docs/webhooks)');
    const verified = Stripe.webhooks.constructEvent(
      request?.body ?? Buffer.alloc(0),
      request?.headers['stripe-signature'] ?? '',
      secret,
    );
    expect(verified.id).toBe(result.sent?.event.id);
    expect(verified.type).toBe('invoice.paid');
    expect(out).toEqual([`→ invoice.paid ${verified.id} to ${server.url} : 200 {"received":true}`]);
  });

  it('applies --amount, --currency and --email to the event', async () => {
    // Prepare
    const { io } = captureIo();
    const argv = ['invoice.paid', '--url', server.url, '--secret', secret];

    // Act
    const result = await runTrigger(
      [...argv, '--amount', '1500', '--currency', 'jpy', '--email', 'yen@example.com'],
      io,
    );

    // Assess
    expect(result.exitCode).toBe(0);
    const received = JSON.parse(server.requests[0]?.body.toString('utf8') ?? '{}') as Stripe.InvoicePaidEvent;
    expect(received.data.object).toMatchObject({
      amount_paid: 1500,
      currency: 'jpy',
      customer_email: 'yen@example.com',
    });
  });

  it('signs with STRIPE_WEBHOOK_SECRET when no --secret is given', async () => {
    // Prepare
    const { io } = captureIo({ STRIPE_WEBHOOK_SECRET: secret });

    // Act
    const result = await runTrigger(['customer.created', '--url', server.url], io);

    // Assess
    expect(result.exitCode).toBe(0);
    const [request] = server.requests;
    const verify = () =>
      Stripe.webhooks.constructEvent(request?.body ?? '', request?.headers['stripe-signature'] ?? '', secret);
    expect(verify).not.toThrow();
  });

  it('defaults to the dev secret and to PORT on 127.0.0.1 at the webhook path', async () => {
    // Prepare
    const { io } = captureIo({ PORT: String(server.port) });

    // Act
    const result = await runTrigger(['checkout.session.completed'], io);

    // Assess
    expect(result.exitCode).toBe(0);
    expect(result.sent?.url).toBe(server.url);
    const [request] = server.requests;
    const verify = () =>
      Stripe.webhooks.constructEvent(request?.body ?? '', request?.headers['stripe-signature'] ?? '', devSigningSecret);
    expect(verify).not.toThrow();
  });

  it('without --url or PORT, posts to the running npm start found in .local/pipeline.json', async () => {
    // Prepare: npm start on another port, as its state file says
    const { io } = captureIo({});
    const running = { ...io, localPipeline: () => ({ webhookUrl: server.url }) };

    // Act
    const result = await runTrigger(['invoice.paid', '--secret', secret], running);

    // Assess
    expect(result.exitCode).toBe(0);
    expect(result.sent?.url).toBe(server.url);
    expect(server.requests).toHaveLength(1);
  });

  it('takes PORT over the running npm start, and --url over both', async () => {
    // Prepare
    const elsewhere = { webhookUrl: 'http://127.0.0.1:9/webhook' };
    const withPort = { ...captureIo({ PORT: String(server.port) }).io, localPipeline: () => elsewhere };
    const withUrl = { ...captureIo({ PORT: '9' }).io, localPipeline: () => elsewhere };

    // Act
    const byPort = await runTrigger(['invoice.paid', '--secret', secret], withPort);
    const byUrl = await runTrigger(['invoice.paid', '--secret', secret, '--url', server.url], withUrl);

    // Assess
    expect(byPort.sent?.url).toBe(server.url);
    expect(byUrl.sent?.url).toBe(server.url);
    expect(server.requests).toHaveLength(2);
  });

  it('exits 1 when the endpoint answers non-2xx', async () => {
    // Prepare
    await server.close();
    server = await startServer(400, '{"error":{"code":"signature_mismatch"}}');
    const { io, out, err } = captureIo();

    // Act
    const result = await runTrigger(['invoice.paid', '--url', server.url, '--secret', secret], io);

    // Assess
    expect(result.exitCode).toBe(1);
    expect(out).toEqual([]);
    expect(err[0]).toMatch(/^→ invoice\.paid evt_test_\w+ to .* : 400 \{"error":\{"code":"signature_mismatch"\}\}$/);
    expect(err.join('\n')).toContain('--secret');
  });

  it('exits 1 and says to start the pipeline when nothing is listening', async () => {
    // Prepare
    const url = server.url;
    await server.close();
    server = await startServer();
    const { io, err } = captureIo();

    // Act
    const result = await runTrigger(['invoice.paid', '--url', url], io);

    // Assess
    expect(result.exitCode).toBe(1);
    expect(err.join('\n')).toContain(`Nothing is listening at ${url} — start the local pipeline with \`npm start\``);
  });

  it('exits 2 for an unknown event type, pointing at --list', async () => {
    // Prepare
    const { io, err } = captureIo();

    // Act
    const result = await runTrigger(['plan.exploded', '--url', server.url], io);

    // Assess
    expect(result.exitCode).toBe(2);
    expect(server.requests).toHaveLength(0);
    expect(err.join('\n')).toContain('Unknown event type "plan.exploded"');
    expect(err.join('\n')).toContain('npm run trigger -- --list');
  });

  it('--list prints every buildable type, one per line, the rich and thin ones among them', async () => {
    // Prepare
    const { io, out } = captureIo();

    // Act
    const result = await runTrigger(['--list'], io);

    // Assess
    expect(result.exitCode).toBe(0);
    expect(out).toEqual([...triggerableEventTypes]);
    for (const type of [...supportedEventTypes, 'plan.created', 'v2.core.event_destination.ping'])
      expect(out).toContain(type);
  });

  it('sends a type without a rich builder, and a thin type, signed, with --override applied', async () => {
    // Prepare
    const { io } = captureIo();

    // Act
    const plan = await runTrigger(
      ['plan.created', '--url', server.url, '--secret', secret, '--override', 'data.object.amount=999'],
      io,
    );
    const thin = await runTrigger(
      ['v1.billing.meter.error_report_triggered', '--url', server.url, '--secret', secret],
      io,
    );

    // Assess
    expect([plan.exitCode, thin.exitCode]).toEqual([0, 0]);
    const [planRequest, thinRequest] = server.requests;
    const verified = Stripe.webhooks.constructEvent(
      planRequest?.body ?? '',
      planRequest?.headers['stripe-signature'] ?? '',
      secret,
    );
    expect(verified).toMatchObject({ type: 'plan.created', data: { object: { object: 'plan', amount: 999 } } });
    const notification = new Stripe('sk_test_not_a_real_key_trigger').parseEventNotification(
      thinRequest?.body ?? '',
      thinRequest?.headers['stripe-signature'] ?? '',
      secret,
    );
    expect(notification).toMatchObject({ object: 'v2.core.event', type: 'v1.billing.meter.error_report_triggered' });
  });

  it.each([
    [[], /Name the event type to send/],
    [['invoice.paid', '--amount', '20.5'], /--amount "20.5" must be a whole number/],
    [['invoice.paid', '--currency', 'dollars'], /"currency" is "dollars"/],
    [['invoice.paid', '--url', 'not a url'], /is not an absolute URL/],
    [['invoice.paid', '--bogus'], /Unknown option '--bogus'/],
    [['invoice.paid', '--override', 'amount'], /"override" is "amount", but it must be path=value/],
  ])('exits 2 for the bad command line %j', async (argv, message) => {
    // Prepare
    const { io, err } = captureIo();

    // Act
    const result = await runTrigger(argv, io);

    // Assess
    expect(result.exitCode).toBe(2);
    expect(err.join('\n')).toMatch(message);
    expect(server.requests).toHaveLength(0);
  });

  it('prints usage for --help', async () => {
    // Prepare
    const { io, out } = captureIo();

    // Act
    const result = await runTrigger(['--help'], io);

    // Assess
    expect(result.exitCode).toBe(0);
    expect(out.join('\n')).toMatch(/^Usage: npm run trigger -- <event-type>/);
  });
});
