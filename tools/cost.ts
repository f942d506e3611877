/**
 * `npm run cost`: dollars per million events for the deployed architecture, from the AWS calls and
 * Lambda durations measured per event on the local pipeline (tools/measure/local-pipeline-run.ts) times the
 * list prices in tools/measure/cost-model.ts.
 */

import { defaultFunctionMemoryMb } from '../lib/pipeline-function';
import { parseCommandLine, runCommand, wantsHelp } from './cli';
import {
  type CostLine,
  costLines,
  floorUsage,
  type Ingress,
  ingressNames,
  listPrices,
  perEventUsage,
  pricesAsOf,
  totalUsd,
} from './measure/cost-model';
import { markdownTable, num, ratio, verdict } from './measure/format';
import { positiveIntOption, runLocalPipeline, runOptions } from './measure/local-pipeline-run';
import { median } from './measure/timing';

const usage = `Usage: npm run cost -- [--events N] [--senders K]

Runs the local pipeline on moto behind a proxy that counts every AWS call, posts N signed
invoice.paid events from K concurrent senders (defaults 200 and 1: a Lambda container takes
one request at a time, so one sender times the receiver as it runs there), waits until all are processed,
and prints markdown to stdout (about 30 s; progress on stderr):
  - dollars per million events, line by line, ours beside the floor of the same services, the
    ratio ours / floor (goal <= 1.2x) and what the difference is;
  - a what-if table for the ingress: API Gateway HTTP API (deployed), REST API, Lambda function URL;
  - the calls counted per event and per container start, and the list prices with their source.
Lambda is priced arm64 at the construct's memory; durations are measured on moto, slower than AWS.`;

const usd = (value: number) => `$${num(value, 2)}`;

function perEventCell(line: CostLine): string {
  return line.perEvent === 0 ? '0' : line.perEvent < 0.01 ? line.perEvent.toExponential(2) : num(line.perEvent, 2);
}

async function main(argv: readonly string[]): Promise<void> {
  if (wantsHelp(argv)) {
    console.log(usage);
    return;
  }
  const { values } = parseCommandLine(argv, { options: runOptions }, usage);
  const events = positiveIntOption('--events', values.events, 200, usage);
  const senders = positiveIntOption('--senders', values.senders, 1, usage);
  const run = await runLocalPipeline({ events, senders, progress: (line) => console.error(`cost: ${line}`) });
  if (run.notProcessed > 0) throw new Error(`${run.notProcessed} of ${events} events were not processed in time`);
  const memoryMb = defaultFunctionMemoryMb;
  const ours = perEventUsage({
    events,
    calls: run.calls,
    receiverDurationsMs: run.ackMs,
    consumerDurationsMs: run.consumerInvocationsMs,
    memoryMb,
  });
  const floor = floorUsage(ours);
  const oursLines = costLines(ours, 'http-api');
  const floorLines = costLines(floor, 'http-api');
  const oursTotal = totalUsd(oursLines);
  const floorTotal = totalUsd(floorLines);

  console.log(`# Cost per million events, ${new Date().toISOString()}\n`);
  console.log(
    `Measured on the local pipeline: ${events} signed invoice.paid events from ${senders} sender${senders === 1 ? '' : 's'}, ` +
      `every AWS call counted at the emulator. Lambda arm64 at ${memoryMb} MB; receiver ` +
      `${num(median(run.ackMs), 1)} ms per invocation (median acknowledgement, an upper bound), consumer ` +
      `${num(median(run.consumerInvocationsMs), 1)} ms per invocation for ` +
      `${num(1 / ours.consumerInvocations, 1)} events per invocation. Prices: us-east-1 list prices as of ${pricesAsOf}.\n`,
  );
  console.log(
    markdownTable(
      ['Per event', 'ours', 'floor', 'ours $/M events', 'floor $/M events'],
      [
        ...oursLines.map((line, i) => {
          const floorLine = floorLines[i] as CostLine;
          return [
            line.item,
            perEventCell(line),
            perEventCell(floorLine),
            usd(line.usdPerMillionEvents),
            usd(floorLine.usdPerMillionEvents),
          ];
        }),
        ['**Total**', '', '', `**${usd(oursTotal)}**`, `**${usd(floorTotal)}**`],
      ],
    ),
  );
  const overFloor = oursTotal / floorTotal;
  console.log(`\nOurs / floor: ${ratio(overFloor)} (goal ≤ 1.20×: ${verdict(overFloor <= 1.2)}).`);
  const withoutEmail = (lines: readonly CostLine[]) => totalUsd(lines.filter((line) => line.item !== 'SES emails'));
  console.log(
    `Without the emails (SES, the same in both): ours ${usd(withoutEmail(oursLines))}, floor ` +
      `${usd(withoutEmail(floorLines))}, ${ratio(withoutEmail(oursLines) / withoutEmail(floorLines))}.`,
  );
  const rest = oursLines
    .map((line, i) => ({ item: line.item, usd: line.usdPerMillionEvents - (floorLines[i]?.usdPerMillionEvents ?? 0) }))
    .filter((line) => Math.abs(line.usd) >= 0.005)
    .sort((a, b) => b.usd - a.usd);
  console.log(
    `The rest (ours − floor, $/M events): ${rest.map((line) => `${line.item} ${line.usd >= 0 ? '+' : '−'}${usd(Math.abs(line.usd))}`).join(', ') || 'none'}.`,
  );

  const ingresses: Ingress[] = ['http-api', 'rest-api', 'function-url'];
  const httpApi = totalUsd(costLines(ours, 'http-api'));
  console.log('\n## What if: the ingress\n');
  console.log(
    markdownTable(
      ['Ingress', 'ours $/M events', 'floor $/M events', 'vs HTTP API'],
      ingresses.map((ingress) => {
        const total = totalUsd(costLines(ours, ingress));
        return [
          `${ingressNames[ingress]}${ingress === 'http-api' ? ' (deployed)' : ''}`,
          usd(total),
          usd(totalUsd(costLines(floor, ingress))),
          ratio(total / httpApi),
        ];
      }),
    ),
  );

  const counted = (calls: typeof run.calls, per: number) => {
    const counts = new Map<string, number>();
    for (const call of calls)
      counts.set(`${call.service} ${call.operation}`, (counts.get(`${call.service} ${call.operation}`) ?? 0) + 1);
    return [...counts].map(([name, count]) => [name, num(count / per, 2)]);
  };
  console.log('\n## Calls counted\n');
  console.log(markdownTable(['Per event (warm)', 'calls'], counted(run.calls, events)));
  console.log(`\n${markdownTable(['Per container start (first event)', 'calls'], counted(run.coldCalls, 1))}`);
  console.log('\n## List prices\n');
  console.log(
    markdownTable(
      ['Unit', '$ per million', 'Source'],
      Object.values(listPrices).map((price) => [price.unit, num(price.usdPerMillion, 4), price.source]),
      ['left', 'right', 'left'],
    ),
  );
}

runCommand(main, { describeFailure: (error) => (error instanceof Error ? error.message : String(error)) });
