/**
 * The rehearsal's stand-in for CloudFormation's side of custom resources (issue 23). moto calls a custom
 * resource's Lambda only in Docker, and does not wait for its answer when the stack comes from a change set;
 * tools/deploy-rehearsal/moto_server_cfn.py writes each request it would send (Create, and Delete when the
 * stack is deleted) to a folder instead. Here each request is run on the DEPLOYED function and answered on
 * moto's response URL, as the function (or the Provider framework around it) would answer CloudFormation.
 */
import { readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { check, type DeployedFunction, invokeInChild, region } from './steps';

/** A request as moto_server_cfn.py writes it (CloudFormation's event without ResponseURL). */
export interface CustomResourceRequest {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly RequestId: string;
  readonly ServiceToken: string;
  readonly StackId: string;
  readonly LogicalResourceId: string;
  readonly ResourceType: string;
  readonly ResourceProperties: Record<string, unknown>;
  readonly PhysicalResourceId?: string;
}

export interface CustomResourceAnswer {
  readonly logicalId: string;
  readonly type: string;
  readonly physicalId: string;
  /** What ran: the deployed function's name, or why nothing did. */
  readonly how: string;
}

/** The requests of `type` waiting in the spool folder, oldest first; each is taken (renamed) once. */
export function takeRequests(spool: string, type: CustomResourceRequest['RequestType']): CustomResourceRequest[] {
  const requests: CustomResourceRequest[] = [];
  for (const file of readdirSync(spool)
    .filter((name) => name.endsWith('.json'))
    .sort()) {
    const request = JSON.parse(readFileSync(join(spool, file), 'utf8')) as CustomResourceRequest;
    if (request.RequestType !== type) continue;
    renameSync(join(spool, file), join(spool, `${file}.done`));
    requests.push(request);
  }
  return requests;
}

/** moto's URL for a custom resource's answer (the one its own CustomModel hands the function). */
export function responseUrl(endpointUrl: string, stackId: string): string {
  return `${endpointUrl}/cloudformation_${region}/cfnresponse?stack=${encodeURIComponent(stackId)}`;
}

async function answer(
  endpointUrl: string,
  request: CustomResourceRequest,
  body: { Status: 'SUCCESS' | 'FAILED'; PhysicalResourceId: string; Reason?: string; Data?: unknown },
): Promise<void> {
  // moto deletes the stack without waiting for a Delete's answer (the stack is gone by then): nothing to post.
  if (request.RequestType === 'Delete') return;
  const response = await fetch(responseUrl(endpointUrl, request.StackId), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      ...body,
      StackId: request.StackId,
      RequestId: request.RequestId,
      LogicalResourceId: request.LogicalResourceId,
    }),
  });
  check(response.ok, `moto answered ${response.status} to the custom resource response: ${await response.text()}`);
}

export interface CustomResourceRunOptions {
  readonly endpointUrl: string;
  /** The deployed functions, by physical name (the Provider framework's, to find its onEvent function). */
  readonly functionsByName: ReadonlyMap<string, DeployedFunction>;
  readonly work: string;
}

const functionNameOf = (arn: string) => arn.split(':function:')[1]?.split(':')[0] ?? arn;

/**
 * Runs one request: a Provider framework resource on its onEvent function (the framework's own function is
 * not run: it would call that function through Lambda's Invoke, which moto runs only in Docker); an
 * AwsCustomResource (Custom::AWS) is answered without its SDK call (see features.ts, accountLevelSuppression).
 */
export async function runCustomResource(
  request: CustomResourceRequest,
  options: CustomResourceRunOptions,
): Promise<CustomResourceAnswer> {
  const { endpointUrl, functionsByName, work } = options;
  const base = { logicalId: request.LogicalResourceId, type: request.ResourceType };
  if (request.ResourceType === 'Custom::AWS') {
    const call = JSON.parse(String(request.ResourceProperties[request.RequestType] ?? '{}')) as {
      service?: string;
      action?: string;
      physicalResourceId?: { id?: string };
    };
    const physicalId = request.PhysicalResourceId ?? call.physicalResourceId?.id ?? request.LogicalResourceId;
    await answer(endpointUrl, request, { Status: 'SUCCESS', PhysicalResourceId: physicalId });
    return {
      ...base,
      physicalId,
      how: call.action
        ? `answered without its call ${call.service}.${call.action} (not in moto)`
        : `answered (no ${request.RequestType} call)`,
    };
  }
  const framework = functionsByName.get(functionNameOf(request.ServiceToken));
  check(framework, `no deployed function for the ServiceToken ${request.ServiceToken} of ${request.LogicalResourceId}`);
  const userArn = framework.env.USER_ON_EVENT_FUNCTION_ARN;
  check(userArn, `${framework.name} is not a Provider framework function (no USER_ON_EVENT_FUNCTION_ARN)`);
  const onEvent = functionsByName.get(functionNameOf(userArn));
  check(onEvent, `the onEvent function ${userArn} of ${framework.name} is not deployed`);
  // The framework hands its onEvent function the request with the response URL blanked, and answers itself.
  const event = { ...request, ResponseURL: '...' };
  const result = await invokeInChild(onEvent.directory, onEvent.handler, event, onEvent.env, onEvent.timeout, work);
  if (!result.ok) {
    const reason = `${onEvent.name} threw: ${result.error}`;
    await answer(endpointUrl, request, {
      Status: 'FAILED',
      PhysicalResourceId: request.PhysicalResourceId ?? request.LogicalResourceId,
      Reason: reason.slice(0, 500),
    });
    check(false, `${request.RequestType} ${request.LogicalResourceId}: ${reason}\n${result.stderr.slice(-800)}`);
  }
  const value = (result.result ?? {}) as { PhysicalResourceId?: string; Data?: unknown };
  const physicalId = value.PhysicalResourceId ?? request.PhysicalResourceId ?? request.RequestId;
  await answer(endpointUrl, request, {
    Status: 'SUCCESS',
    PhysicalResourceId: physicalId,
    ...(value.Data === undefined ? {} : { Data: value.Data }),
  });
  return { ...base, physicalId, how: `ran ${onEvent.name.replace(/^StripeWebhooks-\w+-/, '')}` };
}
