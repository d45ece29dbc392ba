import { z } from 'zod';
import { PROBLEM_CONTENT_TYPE, PROBLEM_KINDS, type ProblemType } from './problems';
import { type AnyObject, openApiPath, type RouteSpec } from './registry';
import { models } from './schemas';

/**
 * The OpenAPI 3.1 document, generated from the route specs and their zod schemas. Response models
 * come from the `models` registry as components; request bodies become components named after
 * their operation. Nothing here is written by hand except prose.
 */

export type JsonSchema = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  tags: { name: string }[];
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, unknown> };
}

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const uri = (id: string) => `#/components/schemas/${id}`;
const requestName = (spec: RouteSpec) =>
  `${spec.operationId[0]!.toUpperCase()}${spec.operationId.slice(1)}Request`;

function clean(schema: JsonSchema): JsonSchema {
  const { $schema: _s, $id: _i, ...rest } = schema;
  return rest;
}

function parameters(spec: RouteSpec): unknown[] {
  const list: unknown[] = [];
  const add = (where: 'path' | 'query', object: AnyObject | undefined) => {
    for (const [name, schema] of Object.entries(object?.shape ?? {})) {
      const json = clean(
        z.toJSONSchema(schema as z.ZodType, { io: 'input', unrepresentable: 'any' }) as JsonSchema,
      );
      const { description, ...rest } = json;
      list.push({
        name,
        in: where,
        required: where === 'path' || !(schema as z.ZodType).safeParse(undefined).success,
        ...(description ? { description } : {}),
        schema: rest,
      });
    }
  };
  add('path', spec.params);
  add('query', spec.query);
  if (spec.idempotent) {
    list.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description:
        'Any unique string (e.g. a UUID). A retry with the same key and body gets the stored response ' +
        '(with `Idempotent-Replayed: true`) instead of creating again; the same key with another body is a 422.',
      schema: { type: 'string', minLength: 1, maxLength: 200 },
    });
  }
  return list;
}

function problemResponses(spec: RouteSpec): Record<string, unknown> {
  const types = new Set<ProblemType>(['unauthenticated', 'rate-limited']);
  if (spec.role === 'admin') types.add('forbidden');
  if (spec.params || spec.query || spec.body || spec.idempotent) types.add('invalid-request');
  if (spec.params || spec.notFound) types.add('not-found');
  if (spec.conflicts) {
    types.add('invalid-state');
    types.add('conflict');
  }
  if (spec.body) {
    types.add('malformed-json');
    types.add('payload-too-large');
    types.add('unsupported-media-type');
  }
  if (spec.idempotent) {
    types.add('idempotency-key-mismatch');
    types.add('idempotency-key-in-use');
  }
  const byStatus = new Map<number, ProblemType[]>();
  for (const type of types) {
    const status = PROBLEM_KINDS[type].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), type]);
  }
  const responses: Record<string, unknown> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: list.map((t) => `${PROBLEM_KINDS[t].title} (\`/api/docs#problem-${t}\`)`).join('; '),
      content: { [PROBLEM_CONTENT_TYPE]: { schema: ref('Problem') } },
    };
  }
  return responses;
}

export function buildOpenApi(routes: readonly RouteSpec[], version = '1.0.0'): OpenApiDocument {
  const requests = z.registry<{ id: string }>();
  const responses = models;
  for (const spec of routes) {
    // A body schema shared by several routes (the empty body of actions) is one component.
    if (spec.body && !requests.has(spec.body)) requests.add(spec.body, { id: requestName(spec) });
    if (spec.response && !responses.has(spec.response)) {
      throw new Error(`${spec.operationId}: register its response schema as a model in schemas.ts`);
    }
  }
  const schemas: Record<string, JsonSchema> = {};
  for (const [registry, io] of [
    [responses, 'output'],
    [requests, 'input'],
  ] as const) {
    const converted = z.toJSONSchema(registry, { uri, io, unrepresentable: 'any' }) as {
      schemas: Record<string, JsonSchema>;
    };
    for (const [id, schema] of Object.entries(converted.schemas)) schemas[id] = clean(schema);
  }

  const paths: OpenApiDocument['paths'] = {};
  for (const spec of routes) {
    const operation: Record<string, unknown> = {
      operationId: spec.operationId,
      tags: [spec.tag],
      summary: spec.summary,
      description: [spec.description, `Role: **${spec.role}**${spec.role === 'agent' ? ' (or admin)' : ''}.`]
        .filter(Boolean)
        .join('\n\n'),
      'x-required-role': spec.role,
      security: [{ bearerAuth: [] }],
      parameters: parameters(spec),
      responses: {
        [String(spec.status)]: spec.response
          ? {
              description: 'Success',
              content: { 'application/json': { schema: ref(responses.get(spec.response)!.id) } },
            }
          : { description: 'Success, no content' },
        ...problemResponses(spec),
      },
    };
    if (spec.body) {
      // Action routes whose body is empty accept no body at all.
      const optional = spec.body.safeParse({}).success;
      operation.requestBody = {
        required: !optional,
        content: { 'application/json': { schema: ref(requests.get(spec.body)!.id) } },
      };
    }
    const path = openApiPath(spec.path);
    paths[path] = { ...paths[path], [spec.method]: operation };
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Helpdesk staff API',
      version,
      description:
        'Open customer accounts, manage identities and staff, and handle tickets from the queue to resolution (S1). ' +
        'Authenticate with `Authorization: Bearer <token>` (`npm run staff:token`). Errors are ' +
        '`application/problem+json` documents (RFC 9457) whose `type` names one of the problem kinds on ' +
        '/api/docs. Requests are rate limited per token (429 with `Retry-After`).',
    },
    servers: [{ url: '/api/v1' }],
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'A staff API token (hd_...).' },
      },
    },
  };
}
