import type { Json } from './refs';

/*
 * The reference page at GET /docs: the OpenAPI document rendered on the server as plain HTML, with
 * one inline stylesheet and no script, so it loads nothing from anywhere (see docs-route.ts for its
 * Content-Security-Policy).
 */

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export const DOCS_STYLE = `
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem 2rem; color: #1d2330; }
h1, h2, h3 { line-height: 1.2; } h2 { border-bottom: 1px solid #d8dde6; padding-bottom: .3rem; margin-top: 2.5rem; }
code, pre { font: 13px/1.4 ui-monospace, monospace; } pre { background: #f4f6f9; padding: .6rem; overflow-x: auto; }
.op { border: 1px solid #d8dde6; border-radius: 6px; margin: 1rem 0; padding: .2rem 1rem .8rem; }
.method { display: inline-block; min-width: 4rem; font-weight: 700; text-transform: uppercase; }
.get { color: #1769aa; } .post { color: #1d7a3a; } .patch { color: #9a5b00; } .delete { color: #b3261e; }
table { border-collapse: collapse; width: 100%; } td, th { border-top: 1px solid #e3e7ee; padding: .3rem .5rem; text-align: left; vertical-align: top; }
nav a { margin-right: 1rem; } .muted { color: #5b6577; }
`;

function escapeHtml(text: unknown): string {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const anchor = (kind: string, name: string) => `${kind}-${name.replace(/[^A-Za-z0-9_.-]/g, '-')}`;

/** A schema as a link to its component, or inline JSON. */
function schema(value: unknown): string {
  const ref = (value as Json | undefined)?.$ref;
  if (typeof ref === 'string') {
    const name = ref.split('/').pop() ?? ref;
    const kind = ref.includes('/responses/') ? 'response' : ref.includes('/parameters/') ? 'parameter' : 'schema';
    return `<a href="#${anchor(kind, name)}"><code>${escapeHtml(name)}</code></a>`;
  }
  return `<code>${escapeHtml(JSON.stringify(value))}</code>`;
}

function parameters(list: Json[] | undefined, components: Json): string {
  if (!list?.length) return '';
  const shared = (components.parameters ?? {}) as Record<string, Json>;
  const rows = list.map((p) => {
    const ref = typeof p.$ref === 'string' ? p.$ref.split('/').pop()! : undefined;
    const param = ref ? (shared[ref] ?? {}) : p;
    return `<tr><td><code>${escapeHtml(param.name)}</code></td><td>${escapeHtml(param.in)}</td><td>${param.required ? 'required' : 'optional'}</td><td>${schema(param.schema)}</td><td>${escapeHtml(param.description ?? '')}</td></tr>`;
  });
  return `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th></th><th>schema</th><th></th></tr>${rows.join('')}</table>`;
}

function content(body: Json | undefined): string {
  const media = (body?.content ?? {}) as Record<string, Json>;
  return Object.entries(media)
    .map(
      ([type, m]) =>
        `<div class="muted">${escapeHtml(type)}: ${m.schema ? schema(m.schema) : ''}</div>${
          m.example === undefined
            ? ''
            : `<pre>${escapeHtml(typeof m.example === 'string' ? m.example : JSON.stringify(m.example, null, 2))}</pre>`
        }`,
    )
    .join('');
}

function operation(method: string, path: string, op: Json, components: Json): string {
  const body = op.requestBody as Json | undefined;
  const responses = Object.entries((op.responses ?? {}) as Record<string, Json>).map(([status, r]) =>
    r.$ref
      ? `<li><b>${escapeHtml(status)}</b> ${schema(r)}</li>`
      : `<li><b>${escapeHtml(status)}</b> ${escapeHtml(r.description)}${content(r)}</li>`,
  );
  const open = Array.isArray(op.security) && op.security.length === 0;
  return `<section class="op" id="${anchor('op', String(op.operationId))}">
<h3><span class="method ${method}">${method}</span> <code>${escapeHtml(path)}</code></h3>
<p>${escapeHtml(op.summary ?? '')}${open ? ' <span class="muted">(no key needed)</span>' : ''}</p>
${op.description ? `<p class="muted">${escapeHtml(op.description)}</p>` : ''}
${parameters(op.parameters as Json[] | undefined, components)}
${body ? `<h4>Request body${body.required === false ? ' (optional)' : ''}</h4>${content(body)}` : ''}
<h4>Responses</h4><ul>${responses.join('')}</ul>
</section>`;
}

/** The whole page for one document. */
export function renderDocsPage(document: Json): string {
  const info = document.info as Json;
  const components = document.components as Json;
  const paths = document.paths as Record<string, Json>;
  const byTag = new Map<string, string[]>();
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      const tag = (op.tags as string[] | undefined)?.[0] ?? 'other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), operation(method, path, op, components)]);
    }
  }
  // In the order of the document's tags.
  const order = ((document.tags ?? []) as Json[]).map((t) => String(t.name));
  const rank = (tag: string) => (order.includes(tag) ? order.indexOf(tag) : order.length);
  const tags = [...byTag].sort(([a], [b]) => rank(a) - rank(b));
  const sections = tags.map(([tag, ops]) => `<h2 id="${anchor('tag', tag)}">${escapeHtml(tag)}</h2>${ops.join('\n')}`);
  const named = (kind: string, entries: Record<string, unknown>) =>
    Object.entries(entries)
      .map(
        ([name, value]) =>
          `<h3 id="${anchor(kind, name)}"><code>${escapeHtml(name)}</code></h3><pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre>`,
      )
      .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(info.title)} reference</title>
<style>${DOCS_STYLE}</style></head>
<body>
<h1>${escapeHtml(info.title)} <span class="muted">${escapeHtml(info.version)}</span></h1>
${String(info.description ?? '')
  .split('\n\n')
  .map((p) => `<p>${escapeHtml(p)}</p>`)
  .join('\n')}
<p>The machine-readable document: <a href="openapi.json"><code>openapi.json</code></a> (OpenAPI ${escapeHtml(document.openapi)}).</p>
<nav>${tags.map(([tag]) => `<a href="#${anchor('tag', tag)}">${escapeHtml(tag)}</a>`).join('')}<a href="#schemas">schemas</a><a href="#responses">errors</a></nav>
${sections.join('\n')}
<h2 id="responses">Error responses</h2>
${named('response', components.responses as Record<string, unknown>)}
<h2 id="parameters">Shared parameters</h2>
${named('parameter', components.parameters as Record<string, unknown>)}
<h2 id="schemas">Schemas</h2>
${named('schema', components.schemas as Record<string, unknown>)}
</body></html>
`;
}
