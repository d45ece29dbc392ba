import type { JsonSchema, OpenApiDocument } from './openapi';
import { PROBLEM_KINDS } from './problems';

/**
 * The API reference at /api/docs: plain HTML rendered on the server from the OpenAPI document
 * (no script, no CDN: the product runs without internet). Anchors: `#op-<operationId>`,
 * `#schema-<Name>` and `#problem-<type>` (the `type` URIs of problem documents point here).
 */

const esc = (value: unknown) =>
  String(value).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** `code` spans in prose. */
const prose = (text: string) =>
  esc(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<b>$1</b>');

const refName = (ref: string) => ref.replace('#/components/schemas/', '');

/** A one-line type: `string (uuid)`, `Account`, `array of TicketEvent`, `"a" | "b"`. */
function typeLabel(schema: JsonSchema): string {
  if (typeof schema.$ref === 'string') {
    const name = refName(schema.$ref);
    return `<a href="#schema-${esc(name)}">${esc(name)}</a>`;
  }
  const union = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (union) return union.map(typeLabel).join(' | ');
  if (Array.isArray(schema.enum))
    return schema.enum.map((v) => `<code>${esc(JSON.stringify(v))}</code>`).join(' | ');
  if (schema.const !== undefined) return `<code>${esc(JSON.stringify(schema.const))}</code>`;
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const parts = types.map((t) => {
    if (t === 'array' && schema.items) return `array of ${typeLabel(schema.items as JsonSchema)}`;
    if (t === 'string' && schema.format) return `string (${esc(schema.format)})`;
    return esc(t);
  });
  return parts.join(' | ') || 'any';
}

function constraints(schema: JsonSchema): string {
  const out: string[] = [];
  for (const [key, label] of [
    ['minLength', 'min length'],
    ['maxLength', 'max length'],
    ['minimum', 'min'],
    ['maximum', 'max'],
    ['minItems', 'min items'],
    ['maxItems', 'max items'],
    ['default', 'default'],
  ] as const) {
    if (schema[key] !== undefined) out.push(`${label} ${esc(JSON.stringify(schema[key]))}`);
  }
  return out.join(', ');
}

/** An object schema as a table of its properties; nested objects as nested tables. */
function schemaTable(schema: JsonSchema, depth = 0): string {
  if (depth > 4) return '';
  const union = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (union && !schema.properties) {
    return `<p>One of:</p>${union.map((s) => (s.properties ? schemaTable(s, depth + 1) : `<p>${typeLabel(s)}</p>`)).join('')}`;
  }
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  if (!properties) return `<p>${typeLabel(schema)}</p>`;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const rows = Object.entries(properties).map(([name, prop]) => {
    const nested =
      prop.properties || (prop.items as JsonSchema | undefined)?.properties
        ? schemaTable((prop.properties ? prop : prop.items) as JsonSchema, depth + 1)
        : '';
    return `<tr><td><code>${esc(name)}</code>${required.has(name) ? ' <span class="req">required</span>' : ''}</td>
<td>${typeLabel(prop)}${nested}</td><td>${prose(String(prop.description ?? ''))}${
      constraints(prop) ? `<div class="muted">${constraints(prop)}</div>` : ''
    }</td></tr>`;
  });
  return `<table><thead><tr><th>Field</th><th>Type</th><th>Notes</th></tr></thead><tbody>${rows.join('')}</tbody></table>${
    schema.additionalProperties === false ? '<p class="muted">No other fields.</p>' : ''
  }`;
}

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

function operationHtml(
  path: string,
  method: string,
  op: Record<string, unknown>,
  components: Record<string, JsonSchema>,
): string {
  const params = (op.parameters as Parameter[]) ?? [];
  const body = op.requestBody as
    | { required: boolean; content: Record<string, { schema: JsonSchema }> }
    | undefined;
  const responses = op.responses as Record<
    string,
    { description: string; content?: Record<string, { schema: JsonSchema }> }
  >;
  const paramTable = params.length
    ? `<h4>Parameters</h4><table><thead><tr><th>Name</th><th>In</th><th>Type</th><th>Notes</th></tr></thead><tbody>${params
        .map(
          (p) =>
            `<tr><td><code>${esc(p.name)}</code>${p.required ? ' <span class="req">required</span>' : ''}</td><td>${esc(p.in)}</td><td>${typeLabel(
              p.schema,
            )}</td><td>${prose(p.description ?? '')}${constraints(p.schema) ? `<div class="muted">${constraints(p.schema)}</div>` : ''}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '';
  const bodySchema = body?.content['application/json']?.schema;
  // The body's fields inline: that is what a reader of one operation needs first.
  const bodyFields =
    bodySchema && typeof bodySchema.$ref === 'string' ? components[refName(bodySchema.$ref)] : bodySchema;
  const bodyHtml = body
    ? `<h4>Body${body.required ? '' : ' (optional)'}: <code>application/json</code> (${typeLabel(bodySchema!)})</h4>${
        bodyFields?.properties && Object.keys(bodyFields.properties).length
          ? schemaTable(bodyFields)
          : '<p class="muted">Empty object, or no body.</p>'
      }`
    : '';
  const responseRows = Object.entries(responses)
    .map(([status, r]) => {
      const [type, media] = Object.entries(r.content ?? {})[0] ?? [];
      return `<tr><td><b>${esc(status)}</b></td><td>${prose(r.description)}</td><td>${
        media ? `${typeLabel(media.schema)} <span class="muted">${esc(type)}</span>` : '—'
      }</td></tr>`;
    })
    .join('');
  return `<section class="op" id="op-${esc(op.operationId)}">
<h3><span class="method ${esc(method)}">${esc(method.toUpperCase())}</span> <code>/api/v1${esc(path)}</code></h3>
<p><b>${esc(op.summary)}</b></p><p>${prose(String(op.description ?? '')).replace(/\n\n/g, '</p><p>')}</p>
${paramTable}${bodyHtml}
<h4>Responses</h4><table><tbody>${responseRows}</tbody></table></section>`;
}

export function renderDocsPage(doc: OpenApiDocument): string {
  const byTag = new Map<string, string[]>();
  const toc = new Map<string, string[]>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods) as [string, Record<string, unknown>][]) {
      const tag = (op.tags as string[])[0]!;
      byTag.set(tag, [...(byTag.get(tag) ?? []), operationHtml(path, method, op, doc.components.schemas)]);
      toc.set(tag, [
        ...(toc.get(tag) ?? []),
        `<li><a href="#op-${esc(op.operationId)}"><span class="method ${esc(method)}">${esc(method.toUpperCase())}</span> ${esc(path)}</a></li>`,
      ]);
    }
  }
  const problems = Object.entries(PROBLEM_KINDS)
    .map(
      ([type, kind]) =>
        `<tr id="problem-${esc(type)}"><td><code>/api/docs#problem-${esc(type)}</code></td><td>${kind.status}</td><td>${esc(kind.title)}</td><td>${prose(kind.when)}</td></tr>`,
    )
    .join('');
  const schemas = Object.entries(doc.components.schemas)
    .map(
      ([name, schema]) =>
        `<section id="schema-${esc(name)}"><h3>${esc(name)}</h3>${prose(String(schema.description ?? ''))}${schemaTable(schema)}</section>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.info.title)} — reference</title>
<style>
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;margin:0;color:#1d2433;display:flex}
nav{width:290px;flex:none;height:100vh;position:sticky;top:0;overflow:auto;background:#f4f6fa;padding:16px;box-sizing:border-box;font-size:13px}
nav ul{list-style:none;padding-left:0}nav a{text-decoration:none;color:inherit}
main{padding:24px 40px;max-width:1000px;min-width:0}
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:14px}td,th{border:1px solid #dde2ea;padding:4px 8px;vertical-align:top;text-align:left}
th{background:#f4f6fa}code{background:#eef1f6;padding:0 3px;border-radius:3px}
.method{display:inline-block;min-width:52px;text-align:center;border-radius:4px;color:#fff;font-size:12px;font-weight:600;padding:1px 4px}
.get{background:#2f7d32}.post{background:#1f5fbf}.patch{background:#a35a00}.delete{background:#b3261e}
.req{color:#b3261e;font-size:12px}.muted{color:#667085;font-size:13px}.op{border-top:1px solid #dde2ea;padding-top:8px;margin-top:24px}
</style></head><body>
<nav><b>${esc(doc.info.title)}</b> <span class="muted">${esc(doc.info.version)}</span>
<p><a href="#problems">Problem types</a> · <a href="#schemas">Schemas</a> · <a href="/api/v1/openapi.json">openapi.json</a></p>
${[...toc].map(([tag, items]) => `<p><b>${esc(tag)}</b></p><ul>${items.join('')}</ul>`).join('')}</nav>
<main><h1>${esc(doc.info.title)}</h1><p>${prose(doc.info.description)}</p>
<p>Base URL: <code>${esc(doc.servers[0]?.url ?? '')}</code>. The machine-readable document is at <a href="/api/v1/openapi.json"><code>/api/v1/openapi.json</code></a> (OpenAPI ${esc(doc.openapi)}).</p>
${[...byTag].map(([tag, ops]) => `<h2>${esc(tag)}</h2>${ops.join('')}`).join('')}
<h2 id="problems">Problem types</h2>
<p>Every error is <code>application/problem+json</code>: <code>type</code>, <code>title</code>, <code>status</code>, <code>detail</code>, the request id in <code>instance</code>, a machine-readable <code>code</code> where there is one, and <code>errors: [{ in, field, message }]</code> for the fields at fault.</p>
<table><thead><tr><th>type</th><th>Status</th><th>Title</th><th>When</th></tr></thead><tbody>${problems}</tbody></table>
<h2 id="schemas">Schemas</h2>${schemas}
</main></body></html>`;
}
