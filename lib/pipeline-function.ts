import { type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { bundleConditions } from './pipeline-runtime';

/** Runtime of both functions: the newest Node.js that this aws-cdk-lib knows (cdk-nag AwsSolutions-L1). */
export const functionRuntime = Runtime.NODEJS_24_X;

/** Both functions run on Graviton: cheaper per GB-second, and the bundle is plain JavaScript. */
export const functionArchitecture = Architecture.ARM_64;
/** Memory of every pipeline function unless told (`npm run cost` prices Lambda at it). */
export const defaultFunctionMemoryMb = 256;

/** Options of {@link createPipelineFunction}. */
export interface PipelineFunctionOptions {
  /** Absolute path of the TypeScript file exporting `handler`. */
  readonly entry: string;
  /** Short description shown in the Lambda console. */
  readonly description: string;
  /** Function timeout. */
  readonly timeout: Duration;
  /** Environment variables, on top of nothing: the function sees exactly these. */
  readonly environment: Record<string, string>;
  /**
   * Memory in MiB; CPU share grows with it.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * How long the function's log events are kept.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Module ids esbuild replaces with files, e.g. the consumer's subscriptions entry.
   * @default none
   */
  readonly alias?: Readonly<Record<string, string>>;
}

/** The function and its log group. */
export interface PipelineFunction {
  readonly fn: NodejsFunction;
  readonly logGroup: LogGroup;
}

/**
 * Creates a `NodejsFunction` with the settings both pipeline functions share, and its own log group.
 * The function's construct id must be unique in the stack: `sam local invoke` accepts it as the function id.
 */
export function createPipelineFunction(
  scope: Construct,
  id: string,
  options: PipelineFunctionOptions,
): PipelineFunction {
  const logGroup = new LogGroup(scope, `${id}LogGroup`, {
    retention: options.logRetention ?? RetentionDays.ONE_MONTH,
    // Operational logs only (no event payloads are logged); deleting the stack should not leave them behind.
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const fn = new NodejsFunction(scope, id, {
    entry: options.entry,
    handler: 'handler',
    description: options.description,
    runtime: functionRuntime,
    architecture: functionArchitecture,
    memorySize: options.memorySize ?? defaultFunctionMemoryMb,
    timeout: options.timeout,
    environment: options.environment,
    logGroup,
    bundling: {
      // Bundle with the esbuild in node_modules: no Docker on the build machines.
      forceDockerBundling: false,
      // The oldest Node.js the bundle must run on: the local one (package.json engines, and the infra test
      // that requires the bundle); the Lambda runtime is newer and runs it unchanged.
      target: 'node20',
      format: OutputFormat.CJS,
      minify: true,
      // Minified names would make stack traces and error names useless; keeping them costs a few bytes.
      keepNames: true,
      // No source maps: `--enable-source-maps` slows every cold start and the names above are enough to debug.
      sourceMap: false,
      // Bundle everything, the AWS SDK v3 clients included, instead of using the copy in the Lambda runtime:
      // the code then runs with the exact versions pinned in package-lock.json and tested locally, not with
      // whatever SDK version the runtime ships that week; tree-shaking keeps the bundle small.
      externalModules: [],
      esbuildArgs: {
        ...(bundleConditions.length > 0 ? { '--conditions': bundleConditions.join(',') } : {}),
        ...(options.alias ? { '--alias': Object.entries(options.alias).map(([id, file]) => `${id}=${file}`) } : {}),
      },
    },
  });
  // Every pipeline function has the AWS managed baseline for its logs, and nothing else unscoped: acknowledged here
  // once for all of them (cdk-nag's AwsSolutions-IAM4), not by each construct that makes one.
  if (fn.role !== undefined) {
    Validations.of(fn.role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        'AWS managed baseline for Lambda: only lets the function write its own CloudWatch logs. All other permissions are scoped grants.',
    });
  }
  return { fn, logGroup };
}
