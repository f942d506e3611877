/** Shared helpers of the infra tests (not a test file: jest only runs `*.test.ts`). */
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { addStripeWebhooks } from '../../lib/app';
import { StripeWebhookPipeline, type StripeWebhookPipelineProps } from '../../lib/stripe-webhook-pipeline';
import type { StripeWebhooksStack } from '../../lib/stripe-webhooks-stack';
import type { WebhookReceiver } from '../../lib/webhook-receiver';

/** Context that makes CDK skip esbuild: template tests do not need the bundles, the bundle test does. */
export const skipBundling = { 'aws:cdk:bundling-stacks': [] as string[] };

/** Context the CDK CLI sets by default: resource metadata that `sam local` relies on. */
export const cliContext = { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true };

/** Builds the app exactly like `bin/stripe-webhooks.ts`, with the given context. */
export function buildStack(
  context: Record<string, unknown> = {},
  options: { readonly bundle?: boolean; readonly outdir?: string } = {},
): StripeWebhooksStack {
  const app = new App({
    context: { ...cliContext, ...(options.bundle ? {} : skipBundling), ...context },
    ...(options.outdir === undefined ? {} : { outdir: options.outdir }),
  });
  return addStripeWebhooks(app);
}

/** The pipeline construct in a stack of a team's own app (as a team uses the construct), bundling skipped. */
export function pipelineIn(props: Partial<StripeWebhookPipelineProps> = {}): {
  pipeline: StripeWebhookPipeline;
  stack: Stack;
} {
  const stack = new Stack(new App({ context: skipBundling }), 'TeamStack');
  const pipeline = new StripeWebhookPipeline(stack, 'Webhooks', { senderAddress: 'receipts@example.org', ...props });
  return { pipeline, stack };
}

/** Logical ID of the L1 resource behind an L2 construct. */
export function logicalIdOf(construct: IConstruct): string {
  const child = construct.node.defaultChild;
  if (!CfnElement.isCfnElement(child)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(construct).getLogicalId(child);
}

export interface Statement {
  readonly Effect: string;
  readonly Action: string[];
  readonly Resource: unknown[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

export function resourcesOf(template: Template): Record<string, CfnResource> {
  return template.toJSON().Resources as Record<string, CfnResource>;
}

export function resourceOf(template: Template, logicalId: string): CfnResource {
  const resource = resourcesOf(template)[logicalId];
  if (resource === undefined) throw new Error(`No resource ${logicalId} in the template`);
  return resource;
}

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/** Every statement of every AWS::IAM::Policy attached to the role, with Action and Resource as arrays. */
export function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  return Object.values(resourcesOf(template))
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) =>
      asArray(r.Properties?.Roles).some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleLogicalId })),
    )
    .flatMap((r) => asArray((r.Properties?.PolicyDocument as { Statement?: unknown } | undefined)?.Statement))
    .map((s) => {
      const statement = s as Record<string, unknown>;
      return {
        Effect: statement.Effect as string,
        Action: asArray(statement.Action) as string[],
        Resource: asArray(statement.Resource),
        ...(statement.Condition === undefined
          ? {}
          : { Condition: statement.Condition as Record<string, Record<string, unknown>> }),
      };
    });
}

/** Logical IDs of all Lambda functions in the template. */
export function functionLogicalIds(template: Template): string[] {
  return Object.keys(template.findResources('AWS::Lambda::Function')).sort();
}

/** The pipeline's receiver, which exists unless `ingress` is `eventbridge`; throws when it does not. */
export function receiverOf(pipeline: StripeWebhookPipeline): WebhookReceiver {
  if (pipeline.receiver === undefined) throw new Error(`${pipeline.node.path} has no receiver (ingress: eventbridge)`);
  return pipeline.receiver;
}
