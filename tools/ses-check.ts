/**
 * `npm run ses:check`: reads the SES account the pipeline will send through and prints, as a checklist,
 * what to fix before going live (sandbox, sending paused, unverified sender, no DKIM, a missing
 * configuration set, no suppression). Exits 1 when something blocks sending, 0 otherwise. Emulators
 * implement only part of SES: what cannot be read is said so, never a crash.
 */
import { parseArgs } from 'node:util';
import {
  DescribeConfigurationSetCommand,
  GetAccountSendingEnabledCommand,
  GetIdentityDkimAttributesCommand,
  GetIdentityVerificationAttributesCommand,
  GetSendQuotaCommand,
  SESClient,
} from '@aws-sdk/client-ses';
import {
  GetAccountCommand,
  type GetAccountCommandOutput,
  GetConfigurationSetCommand,
  GetConfigurationSetEventDestinationsCommand,
  SESv2Client,
} from '@aws-sdk/client-sesv2';
import { envVarNames } from '../config/contract';

const usage = `Usage: npm run ses:check -- [--sender ADDRESS] [--configuration-set NAME] [--region REGION]

Reads the SES account and prints what to fix before going live: sandbox or production, sending
enabled, enforcement status, quota and rate, the sender identity's verification and DKIM, the
configuration set and its suppression and event destination, account-level suppression.

  --sender ADDRESS           the From address (default: $${envVarNames.senderAddress})
  --configuration-set NAME   the configuration set the consumer names (default: $${envVarNames.sesConfigurationSetName};
                             the stack creates one, see the EmailDeliverability construct)
  --region REGION            default: $AWS_REGION, else $AWS_DEFAULT_REGION, else us-east-1
  -h, --help                 this text

Credentials come from the usual AWS chain; AWS_ENDPOINT_URL points it at an emulator (moto, LocalStack).
Exit code: 1 when something blocks sending (a ✗ line), 0 otherwise (✓ fine, ! worth a look).`;

export class SesCheckUsageError extends Error {
  constructor(message: string) {
    super(`${message}\n\n${usage}`);
    this.name = 'SesCheckUsageError';
  }
}

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckLine {
  readonly status: CheckStatus;
  readonly text: string;
  /** The endpoint did not answer this call (not implemented by an emulator, denied, unreachable). */
  readonly unread?: boolean;
  /** Not checked because nothing was given to check. */
  readonly skipped?: boolean;
}

export interface SesCheckOptions {
  readonly sender?: string;
  readonly configurationSet?: string;
  readonly region: string;
  readonly endpoint?: string;
}

export interface SesCheckClients {
  readonly ses: SESClient;
  readonly sesv2: SESv2Client;
}

const symbols: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗' };

/** Why a call could not be read, in a few words: emulators answer unknown calls with an HTML 404 page. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (error.message.includes('Deserialization error')) {
    return `not implemented by this endpoint: it answered HTTP ${status ?? '?'} with no SES response`;
  }
  const firstLine = (error.message.split('\n')[0] ?? '').slice(0, 120);
  return `${error.name}${status === undefined ? '' : `, HTTP ${status}`}: ${firstLine}`;
}

const couldNotRead = (what: string, error: unknown): CheckLine => ({
  status: 'warn',
  text: `could not read ${what} from this endpoint (${reasonOf(error)})`,
  unread: true,
});

async function attempt<T>(call: () => Promise<T>): Promise<{ value: T } | { error: unknown }> {
  try {
    return { value: await call() };
  } catch (error) {
    return { error };
  }
}

const sandboxAdvice =
  'in the sandbox, SES sends only to verified addresses, at most 200 emails per 24 h and 1 per second: request production access (SES console → Account dashboard → Request production access).';

function quotaLine(max24h: number | undefined, rate: number | undefined, sent: number | undefined): CheckLine {
  const text = `Quota: ${max24h ?? '?'} emails per 24 h, ${rate ?? '?'} per second (${sent ?? '?'} sent in the last 24 h)`;
  if (max24h !== undefined && max24h > 0 && sent !== undefined && sent / max24h >= 0.8) {
    return { status: 'warn', text: `${text}: over 80 % used, ask for a higher quota before it throttles every send.` };
  }
  return { status: 'ok', text };
}

function suppressionLine(where: string, reasons: readonly string[] | undefined, fix: string): CheckLine {
  const listed = (reasons ?? []).map((reason) => reason.toUpperCase());
  if (listed.includes('BOUNCE') && listed.includes('COMPLAINT')) {
    return { status: 'ok', text: `${where} suppresses BOUNCE and COMPLAINT` };
  }
  return {
    status: 'warn',
    text: `${where} suppresses ${listed.length === 0 ? 'nothing' : listed.join(', ')}: ${fix}`,
  };
}

async function accountChecks({ ses, sesv2 }: SesCheckClients): Promise<CheckLine[]> {
  const account = await attempt(() => sesv2.send(new GetAccountCommand({})));
  if ('value' in account) return accountLinesOf(account.value);
  const lines: CheckLine[] = [
    couldNotRead(
      'the account (SES v2 GetAccount: sandbox, enforcement status, sending, account-level suppression)',
      account.error,
    ),
  ];
  const quota = await attempt(() => ses.send(new GetSendQuotaCommand({})));
  if ('value' in quota) {
    const { Max24HourSend, MaxSendRate, SentLast24Hours } = quota.value;
    lines.push(quotaLine(Max24HourSend, MaxSendRate, SentLast24Hours));
    // The sandbox's quota, exactly: a good hint when GetAccount cannot say it.
    if (Max24HourSend === 200 && MaxSendRate === 1) {
      lines.push({
        status: 'warn',
        text: `Probably in the sandbox (its quota of 200 per 24 h at 1/s): ${sandboxAdvice}`,
      });
    }
  } else {
    lines.push(couldNotRead('the sending quota (GetSendQuota)', quota.error));
  }
  const enabled = await attempt(() => ses.send(new GetAccountSendingEnabledCommand({})));
  if ('value' in enabled) lines.push(sendingEnabledLine(enabled.value.Enabled));
  else lines.push(couldNotRead('whether sending is enabled (GetAccountSendingEnabled)', enabled.error));
  return lines;
}

function sendingEnabledLine(enabled: boolean | undefined): CheckLine {
  return enabled === false
    ? {
        status: 'fail',
        text: 'Sending is disabled for the account in this region: see the reputation dashboard in the SES console; once the cause is fixed, `aws ses update-account-sending-enabled --enabled`.',
      }
    : { status: 'ok', text: 'Sending is enabled for the account' };
}

function accountLinesOf(account: GetAccountCommandOutput): CheckLine[] {
  const lines: CheckLine[] = [];
  lines.push(
    account.ProductionAccessEnabled
      ? { status: 'ok', text: 'Production access: emails can go to any address' }
      : { status: 'warn', text: `Sandbox: ${sandboxAdvice}` },
  );
  lines.push(sendingEnabledLine(account.SendingEnabled));
  const enforcement = account.EnforcementStatus ?? 'unknown';
  if (enforcement === 'HEALTHY') lines.push({ status: 'ok', text: 'Enforcement status: HEALTHY' });
  else if (enforcement === 'SHUTDOWN') {
    lines.push({
      status: 'fail',
      text: 'Enforcement status: SHUTDOWN, AWS stopped the account from sending: see the SES console and answer the case AWS opened.',
    });
  } else {
    lines.push({
      status: 'warn',
      text: `Enforcement status: ${enforcement}: the account is under review (bounce rate over 5 % or complaint rate over 0.1 %); bring the rates down before AWS pauses sending at 10 % / 0.5 %.`,
    });
  }
  const quota = account.SendQuota;
  lines.push(quotaLine(quota?.Max24HourSend, quota?.MaxSendRate, quota?.SentLast24Hours));
  lines.push(
    suppressionLine(
      'Account-level suppression list',
      account.SuppressionAttributes?.SuppressedReasons,
      'turn it on with `aws sesv2 put-account-suppression-attributes --suppressed-reasons BOUNCE COMPLAINT` (account-wide), or deploy with -c accountLevelSuppression=true.',
    ),
  );
  return lines;
}

async function senderChecks({ ses }: SesCheckClients, sender: string | undefined): Promise<CheckLine[]> {
  if (sender === undefined) {
    return [
      {
        status: 'warn',
        text: `No sender address given (--sender or ${envVarNames.senderAddress}): its identity was not checked.`,
        skipped: true,
      },
    ];
  }
  const domain = sender.split('@').at(-1)?.toLowerCase() ?? '';
  const lines: CheckLine[] = [];
  const verification = await attempt(() =>
    ses.send(new GetIdentityVerificationAttributesCommand({ Identities: [sender, domain] })),
  );
  if ('value' in verification) {
    const attributes = verification.value.VerificationAttributes ?? {};
    const statusOf = (identity: string) => attributes[identity]?.VerificationStatus;
    if (statusOf(sender) === 'Success' || statusOf(domain) === 'Success') {
      const as = statusOf(domain) === 'Success' ? `its domain ${domain}` : 'the address itself';
      lines.push({ status: 'ok', text: `Sender ${sender} is verified (as ${as})` });
    } else {
      lines.push({
        status: 'fail',
        text: `Sender ${sender} is not verified (address: ${statusOf(sender) ?? 'no identity'}, domain ${domain}: ${statusOf(domain) ?? 'no identity'}): SES refuses every send from it. Verify the domain in this region: \`aws sesv2 create-email-identity --email-identity ${domain}\` and publish the DKIM records it returns.`,
      });
    }
  } else {
    lines.push(couldNotRead('the identity verification (GetIdentityVerificationAttributes)', verification.error));
  }
  const dkim = await attempt(() => ses.send(new GetIdentityDkimAttributesCommand({ Identities: [domain] })));
  if ('value' in dkim) {
    const attributes = dkim.value.DkimAttributes?.[domain];
    if (attributes?.DkimEnabled && attributes.DkimVerificationStatus === 'Success') {
      lines.push({ status: 'ok', text: `DKIM: ${domain} signs with Easy DKIM` });
    } else {
      lines.push({
        status: 'warn',
        text: `DKIM is not set up for ${domain} (status ${attributes?.DkimVerificationStatus ?? 'none'}): mailbox providers (Gmail, Yahoo) expect DKIM-signed mail; publish the CNAME records from \`aws sesv2 get-email-identity --email-identity ${domain}\`.`,
      });
    }
  } else {
    lines.push(couldNotRead('the DKIM status (GetIdentityDkimAttributes)', dkim.error));
  }
  return lines;
}

async function configurationSetChecks(clients: SesCheckClients, name: string | undefined): Promise<CheckLine[]> {
  if (name === undefined) {
    return [
      {
        status: 'warn',
        text: `No configuration set given (--configuration-set or ${envVarNames.sesConfigurationSetName}): the stack creates one (output of the EmailDeliverability construct); pass its name to check it.`,
        skipped: true,
      },
    ];
  }
  const found = await attempt(() => clients.sesv2.send(new GetConfigurationSetCommand({ ConfigurationSetName: name })));
  if ('error' in found) {
    if (found.error instanceof Error && found.error.name === 'NotFoundException') {
      return [
        {
          status: 'fail',
          text: `Configuration set ${name} does not exist in this region: every send naming it fails. Deploy the stack, or fix ${envVarNames.sesConfigurationSetName}.`,
        },
      ];
    }
    return [couldNotRead(`the configuration set ${name} (SES v2 GetConfigurationSet)`, found.error)];
  }
  const set = found.value;
  const lines: CheckLine[] = [{ status: 'ok', text: `Configuration set ${name} exists` }];
  if (set.SendingOptions?.SendingEnabled === false) {
    lines.push({
      status: 'fail',
      text: `Sending is paused for configuration set ${name}: \`aws sesv2 put-configuration-set-sending-options --configuration-set-name ${name} --sending-enabled\` once the cause is fixed.`,
    });
  }
  lines.push(
    suppressionLine(
      `Configuration set ${name}`,
      set.SuppressionOptions?.SuppressedReasons,
      'set its suppression to BOUNCES_AND_COMPLAINTS (the EmailDeliverability construct does).',
    ),
  );
  if (set.ReputationOptions?.ReputationMetricsEnabled !== true) {
    lines.push({
      status: 'warn',
      text: `Reputation metrics are off for ${name}: turn them on to see its bounce and complaint rates in CloudWatch.`,
    });
  }
  lines.push(await eventDestinationLine(clients, name));
  return lines;
}

async function eventDestinationLine({ ses, sesv2 }: SesCheckClients, name: string): Promise<CheckLine> {
  let destinations: { enabled: boolean; types: string[] }[];
  const v2 = await attempt(() =>
    sesv2.send(new GetConfigurationSetEventDestinationsCommand({ ConfigurationSetName: name })),
  );
  if ('value' in v2) {
    destinations = (v2.value.EventDestinations ?? []).map((d) => ({
      enabled: d.Enabled !== false,
      types: (d.MatchingEventTypes ?? []).map((type) => type.toUpperCase()),
    }));
  } else {
    const v1 = await attempt(() =>
      ses.send(
        new DescribeConfigurationSetCommand({
          ConfigurationSetName: name,
          ConfigurationSetAttributeNames: ['eventDestinations'],
        }),
      ),
    );
    if ('error' in v1) return couldNotRead(`the event destinations of ${name}`, v2.error);
    destinations = (v1.value.EventDestinations ?? []).map((d) => ({
      enabled: d.Enabled !== false,
      types: (d.MatchingEventTypes ?? []).map((type) => type.toUpperCase()),
    }));
  }
  const published = new Set(destinations.filter((d) => d.enabled).flatMap((d) => d.types));
  if (published.has('BOUNCE') && published.has('COMPLAINT')) {
    return { status: 'ok', text: `Configuration set ${name} publishes bounces and complaints` };
  }
  return {
    status: 'warn',
    text: `Configuration set ${name} publishes no bounces and complaints to any destination: the suppression table never learns of them (the EmailDeliverability construct adds the SNS destination).`,
  };
}

/** Every check, in the order of the checklist. */
export async function checkSes(options: SesCheckOptions, clients: SesCheckClients): Promise<CheckLine[]> {
  const lines = [
    ...(await accountChecks(clients)),
    ...(await senderChecks(clients, options.sender)),
    ...(await configurationSetChecks(clients, options.configurationSet)),
  ];
  // Without a single answer there is nothing to vouch for: most likely no credentials, or the wrong region.
  if (lines.every((line) => line.unread || line.skipped)) {
    lines.push({
      status: 'fail',
      text: 'Nothing could be read from SES: check the credentials (AWS_PROFILE or AWS_ACCESS_KEY_ID), the region and AWS_ENDPOINT_URL.',
    });
  }
  return lines;
}

/** The checklist as printed, with a last line that says whether anything blocks sending. */
export function formatChecklist(options: SesCheckOptions, lines: readonly CheckLine[]): string {
  const blocking = lines.filter((line) => line.status === 'fail').length;
  const warnings = lines.filter((line) => line.status === 'warn').length;
  const where = `region ${options.region}${options.endpoint === undefined ? '' : `, endpoint ${options.endpoint}`}`;
  const summary =
    blocking > 0
      ? `${blocking} problem(s) block sending (✗); ${warnings} more to look at (!).`
      : `Nothing blocks sending; ${warnings} thing(s) to look at (!).`;
  return [`SES check (${where})`, ...lines.map((line) => `${symbols[line.status]} ${line.text}`), summary].join('\n');
}

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value.trim();

/** The options of a command line, or `'help'`. */
export function parseSesCheckArgs(argv: readonly string[], env: NodeJS.ProcessEnv): SesCheckOptions | 'help' {
  let values: { sender?: string; 'configuration-set'?: string; region?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        sender: { type: 'string' },
        'configuration-set': { type: 'string' },
        region: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new SesCheckUsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return 'help';
  const sender = nonEmpty(values.sender) ?? nonEmpty(env[envVarNames.senderAddress]);
  if (sender !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(sender)) {
    throw new SesCheckUsageError(`--sender must be an email address like receipts@example.com, not ${sender}.`);
  }
  const configurationSet = nonEmpty(values['configuration-set']) ?? nonEmpty(env[envVarNames.sesConfigurationSetName]);
  const endpoint = nonEmpty(env.AWS_ENDPOINT_URL);
  return {
    region: nonEmpty(values.region) ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? 'us-east-1',
    ...(sender === undefined ? {} : { sender }),
    ...(configurationSet === undefined ? {} : { configurationSet }),
    ...(endpoint === undefined ? {} : { endpoint }),
  };
}

/** Runs the check for a command line; resolves with the exit code. */
export async function main(
  argv: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
  print: (text: string) => void = (text) => console.log(text),
): Promise<number> {
  const options = parseSesCheckArgs(argv, env);
  if (options === 'help') {
    print(usage);
    return 0;
  }
  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  const config = {
    region: options.region,
    maxAttempts: 2,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    // Taken from `env` itself, so that a caller's environment is the one used (the SDK reads process.env).
    ...(accessKeyId === undefined || secretAccessKey === undefined
      ? {}
      : {
          credentials: {
            accessKeyId,
            secretAccessKey,
            ...(nonEmpty(env.AWS_SESSION_TOKEN) === undefined ? {} : { sessionToken: env.AWS_SESSION_TOKEN }),
          },
        }),
  };
  const clients = { ses: new SESClient(config), sesv2: new SESv2Client(config) };
  try {
    const lines = await checkSes(options, clients);
    print(formatChecklist(options, lines));
    return lines.some((line) => line.status === 'fail') ? 1 : 0;
  } finally {
    clients.ses.destroy();
    clients.sesv2.destroy();
  }
}

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof SesCheckUsageError ? error.message : error);
      process.exitCode = 2;
    },
  );
}
