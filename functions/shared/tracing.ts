/**
 * X-Ray tracing through Powertools Tracer, opt-in: the construct sets `POWERTOOLS_TRACE_ENABLED=true` on
 * the functions only with `tracing: true` (context `tracing=true`). Without it the Tracer is never
 * loaded, so a function that does not trace pays nothing for it at cold start. What goes into a trace:
 * the AWS and Stripe calls (timings, status), and the `eventId` annotation, never a body or an address.
 */
import type { Tracer } from '@aws-lambda-powertools/tracer';

/** Name of the environment variable that turns tracing on (Powertools' own). */
export const traceEnabledVariable = 'POWERTOOLS_TRACE_ENABLED';

/** Sets a searchable annotation (`annotation.eventId = "evt_..."` in X-Ray) on the current subsegment. */
export type Annotate = (key: string, value: string) => void;

/** What the handlers use of tracing. */
export interface TracingPort {
  /** The client, with its calls traced; an SQS client also sends the trace header, which carries the trace across SQS. */
  captureClient<T>(client: T): T;
  /** Runs `work` in a subsegment named `name`, which `annotate` annotates. */
  inSubsegment<T>(name: string, work: (annotate: Annotate) => Promise<T>): Promise<T>;
}

const ignore: Annotate = () => undefined;

/** Tracing off: clients as they are, work run as it is. */
export const noTracing: TracingPort = {
  captureClient: (client) => client,
  inSubsegment: (_name, work) => work(ignore),
};

/** Whether the environment turns tracing on (`POWERTOOLS_TRACE_ENABLED=true`, set by the construct with `tracing: true`). */
export function isTracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[traceEnabledVariable]?.trim().toLowerCase() === 'true';
}

/** Tracing as the environment says: Powertools Tracer with `POWERTOOLS_TRACE_ENABLED=true`, else {@link noTracing}. */
export function createTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): TracingPort {
  if (!isTracingEnabled(env)) return noTracing;
  // Required only here, so that the X-Ray SDK is loaded (and costs init time) only where tracing is on.
  const { Tracer: TracerClass } = require('@aws-lambda-powertools/tracer') as {
    Tracer: typeof Tracer;
  };
  const tracer = new TracerClass({ serviceName: env.POWERTOOLS_SERVICE_NAME ?? serviceName });
  return {
    captureClient: (client) => tracer.captureAWSv3Client(client),
    async inSubsegment(name, work) {
      const parent = tracer.getSegment();
      if (parent === undefined || !tracer.isTracingEnabled()) return work(ignore);
      const subsegment = parent.addNewSubsegment(name);
      tracer.setSegment(subsegment);
      tracer.annotateColdStart();
      tracer.addServiceNameAnnotation();
      try {
        return await work((key, value) => tracer.putAnnotation(key, value));
      } finally {
        // No error metadata: an error's message may name a recipient (see sanitizeErrorText); the logs have it, sanitised.
        subsegment.close();
        tracer.setSegment(parent);
      }
    },
  };
}
