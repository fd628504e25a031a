import type { Template } from 'aws-cdk-lib/assertions';
import { ENV } from '../../../functions/config';

/** A CloudFormation resource as it appears in the synthesized template. */
export interface CfnResource {
  Type: string;
  Properties: Record<string, any>;
  DeletionPolicy?: string;
  DependsOn?: string[];
}

export type Resources = Record<string, CfnResource>;

/** One IAM policy statement as synthesized. */
export interface StatementJson {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, any>;
}

export function resourcesOf(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

function only(resources: Resources, what: string): [string, CfnResource] {
  const entries = Object.entries(resources);
  if (entries.length !== 1) throw new Error(`Expected exactly one ${what}, found ${entries.length}.`);
  return entries[0]!;
}

/** Logical id referenced by `{ Ref }` or `{ Fn::GetAtt: [id, attr] }`. */
export function referencedId(value: unknown): string | undefined {
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] } | undefined;
  return v?.Ref ?? v?.['Fn::GetAtt']?.[0];
}

/** The resources of one task type, found by following references from its worker's TASKLANE_TASK_TYPE. */
export function taskTypeResources(template: Template, typeName: string) {
  const functions = resourcesOf(template, 'AWS::Lambda::Function');
  const [workerId, worker] = only(
    Object.fromEntries(
      Object.entries(functions).filter(([, f]) => f.Properties.Environment?.Variables?.[ENV.taskType] === typeName),
    ),
    `worker of "${typeName}"`,
  );
  const [mappingId, mapping] = only(
    Object.fromEntries(
      Object.entries(resourcesOf(template, 'AWS::Lambda::EventSourceMapping')).filter(
        ([, m]) => referencedId(m.Properties.FunctionName) === workerId,
      ),
    ),
    `event source mapping of "${typeName}"`,
  );
  const queues = resourcesOf(template, 'AWS::SQS::Queue');
  const queueId = referencedId(mapping.Properties.EventSourceArn)!;
  const queue = queues[queueId]!;
  const dlqId = referencedId(queue.Properties.RedrivePolicy?.deadLetterTargetArn)!;
  return { workerId, worker, mappingId, mapping, queueId, queue, dlqId, dlq: queues[dlqId]! };
}

/** Every route of the HTTP API by its route key, "METHOD /path". */
export function httpRoutesOf(template: Template): Map<string, CfnResource> {
  return new Map(
    Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route')).map((route) => [route.Properties.RouteKey, route]),
  );
}

/** Every route of the REST API (the stream's) as "METHOD /path", built from the Resource tree. */
export function routesOf(template: Template): Map<string, CfnResource> {
  const resources = resourcesOf(template, 'AWS::ApiGateway::Resource');
  const pathOf = (id: string | undefined): string => {
    const resource = id ? resources[id] : undefined;
    if (!resource) return '';
    return `${pathOf(referencedId(resource.Properties.ParentId))}/${resource.Properties.PathPart}`;
  };
  const routes = new Map<string, CfnResource>();
  for (const method of Object.values(resourcesOf(template, 'AWS::ApiGateway::Method'))) {
    routes.set(`${method.Properties.HttpMethod} ${pathOf(referencedId(method.Properties.ResourceId)) || '/'}`, method);
  }
  return routes;
}

/** The statements of the policy attached to a function's role. */
export function statementsOfFunction(template: Template, fn: CfnResource): StatementJson[] {
  const role = referencedId(fn.Properties.Role);
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((p) => asArray(p.Properties.Roles).some((r) => referencedId(r) === role))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

/** Every statement of every IAM policy (separate policies and roles' inline ones). */
export function policyStatements(template: Template): StatementJson[] {
  const fromPolicies = Object.values(resourcesOf(template, 'AWS::IAM::Policy')).flatMap(
    (p) => p.Properties.PolicyDocument.Statement,
  );
  const fromRoles = Object.values(resourcesOf(template, 'AWS::IAM::Role')).flatMap((r) =>
    (r.Properties.Policies ?? []).flatMap(
      (p: { PolicyDocument: { Statement: unknown[] } }) => p.PolicyDocument.Statement,
    ),
  );
  return [...fromPolicies, ...fromRoles];
}

export function asArray<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}
