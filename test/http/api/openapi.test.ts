import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { STAFF_API_ROUTES } from '../../../http/api';
import { PROBLEM_KINDS } from '../../../http/api/problems';
import { openApiPath } from '../../../http/api/registry';
import { type ApiHarness, startApi } from './harness';

/** Every `$ref` in the document, to check each one resolves. */
function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refs(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

describe('staff API: OpenAPI document and reference page', () => {
  let api: ApiHarness;
  // biome-ignore lint/suspicious/noExplicitAny: the document is inspected as plain JSON
  let doc: any;
  let ajv: Ajv2020;

  beforeAll(async () => {
    api = await startApi();
    const res = await api.call('GET', '/api/v1/openapi.json', { token: null });
    expect(res.status).toBe(200);
    doc = res.json;
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(doc, 'openapi.json');
  });
  afterAll(async () => {
    await api.stop();
  });

  /** Validates a live response body against the schema the document gives for this operation. */
  const conforms = (path: string, method: string, status: number, body: unknown) => {
    const content = doc.paths[path][method].responses[String(status)].content;
    const [, media] = Object.entries(content)[0] as [string, { schema: { $ref: string } }][][0];
    const validate = ajv.getSchema(`openapi.json${media.schema.$ref}`)!;
    const ok = validate(body);
    if (!ok) throw new Error(`${method} ${path} ${status}: ${ajv.errorsText(validate.errors)}`);
  };

  it('is OpenAPI 3.1, public, and lists every route with security, parameters and responses', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: '/api/v1' }]);
    for (const route of STAFF_API_ROUTES) {
      const op = doc.paths[openApiPath(route.path)]?.[route.method];
      expect(op).toBeDefined();
      expect(op.operationId).toBe(route.operationId);
      expect(op.security).toEqual([{ bearerAuth: [] }]);
      expect(op['x-required-role']).toBe(route.role);
      expect(op.responses[String(route.status)]).toBeDefined();
      expect(op.responses['401'].content['application/problem+json'].schema).toEqual({
        $ref: '#/components/schemas/Problem',
      });
      if (route.role === 'admin') expect(op.responses['403']).toBeDefined();
      if (route.body) expect(op.responses['413']).toBeDefined();
      const pathParams = (route.path.match(/:(\w+)/g) ?? []).map((p) => p.slice(1));
      expect(
        op.parameters.filter((p: { in: string }) => p.in === 'path').map((p: { name: string }) => p.name),
      ).toEqual(pathParams);
    }
    const open = doc.paths['/accounts'].post;
    expect(open.parameters.map((p: { name: string }) => p.name)).toContain('Idempotency-Key');
    expect(open.responses['422']).toBeDefined();
  });

  it('is generated from the same schemas the API validates with', () => {
    const body =
      doc.components.schemas[
        doc.paths['/accounts'].post.requestBody.content['application/json'].schema.$ref.split('/').pop()
      ];
    expect(body.required.sort()).toEqual(['identities', 'name']);
    expect(body.additionalProperties).toBe(false);
    expect(body.properties.identities.minItems).toBe(1);
    const limit = doc.paths['/queue'].get.parameters.find((p: { name: string }) => p.name === 'limit');
    expect(limit).toMatchObject({
      in: 'query',
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: 50 },
    });
    const order = doc.paths['/ratings'].get.parameters.find((p: { name: string }) => p.name === 'order');
    expect(order.schema.enum).toEqual(['low-first', 'newest']);
  });

  it('has every $ref resolvable and every schema compilable', () => {
    for (const ref of refs(doc)) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas[ref.split('/').pop()!]).toBeDefined();
    }
    for (const name of Object.keys(doc.components.schemas)) {
      expect(ajv.getSchema(`openapi.json#/components/schemas/${name}`)).toBeDefined();
    }
  });

  it('describes what the API really answers', async () => {
    const org = await api.call('POST', '/api/v1/organizations', { body: { name: 'Doc Org' } });
    conforms('/organizations', 'post', 201, org.json);
    const acct = await api.call('POST', '/api/v1/accounts', {
      body: {
        email: 'doc@example.com',
        name: 'Doc',
        identities: [{ organizationId: org.json.id, displayName: 'Doc' }],
      },
    });
    conforms('/accounts', 'post', 201, acct.json);
    conforms(
      '/accounts/{accountId}',
      'get',
      200,
      (await api.call('GET', `/api/v1/accounts/${acct.json.account.id}`)).json,
    );
    conforms('/staff', 'get', 200, (await api.call('GET', '/api/v1/staff')).json);
    conforms('/queue', 'get', 200, (await api.call('GET', '/api/v1/queue')).json);
    conforms('/ratings', 'get', 200, (await api.call('GET', '/api/v1/ratings')).json);
    const problem = await api.call('POST', '/api/v1/accounts', { body: { name: '' } });
    conforms('/accounts', 'post', 400, problem.json);
    conforms('/accounts', 'post', 401, (await api.call('POST', '/api/v1/accounts', { token: null })).json);
  });

  it('renders a self-contained reference page at /api/docs', async () => {
    const res = await fetch(`${api.url}/api/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="https?:/i);
    for (const route of STAFF_API_ROUTES) {
      expect(html).toContain(`id="op-${route.operationId}"`);
      expect(html).toContain(`/api/v1${route.path.replace(/:(\w+)/g, '{$1}')}`);
    }
    for (const type of Object.keys(PROBLEM_KINDS)) expect(html).toContain(`id="problem-${type}"`);
    expect(html).toContain('id="schema-TicketDetails"');
    expect(html).toContain('处理回复');
  });
});
