import { parse } from 'yaml';

/** The parts of an AsyncAPI 3 document the page shows; any of them may be a local `$ref`. */
interface Ref {
  $ref?: string;
}

interface Example {
  name?: string;
  summary?: string;
  payload?: unknown;
}

interface Message extends Ref {
  name?: string;
  title?: string;
  examples?: Example[];
}

interface Operation {
  action: 'send' | 'receive';
  title: string;
  summary?: string;
  description?: string;
  messages?: Message[];
  reply?: Ref & { messages?: Message[] };
}

interface Server {
  title?: string;
  host: string;
  protocol: string;
  pathname?: string;
  description?: string;
}

interface AsyncApiDocument {
  asyncapi: string;
  info: { title: string; version: string; description?: string };
  servers?: Record<string, Server>;
  operations?: Record<string, Operation>;
  components?: { securitySchemes?: Record<string, { description?: string }> };
}

type Deref = <T extends Ref>(node: T) => T;

/**
 * docs/asyncapi.yaml as a small HTML page a reader of /docs can follow: how to connect, then every
 * event with its summary and example payloads. Rendered once on the server with no script and no
 * asset from elsewhere, so the Content-Security-Policy of the rest of the site holds.
 */
export function renderAsyncApiPage(yamlText: string): string {
  const document = parse(yamlText) as AsyncApiDocument;
  const deref: Deref = (node) => (node.$ref ? deref(at(document, node.$ref)) : node);
  const operations = Object.values(document.operations ?? {});
  const section = (action: string) =>
    operations
      .filter((operation) => operation.action === action)
      .map((operation) => eventHtml(operation, deref))
      .join('\n');
  const { title, version, description } = document.info;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escape(title)} <small>${escape(version)} · AsyncAPI ${escape(document.asyncapi)}</small></h1>
<p>The machine-readable document: <a href="/asyncapi.yaml">/asyncapi.yaml</a>. The REST API: <a href="/docs">/docs</a>.</p>
${paragraphs(description)}
<h2>Connecting</h2>
${Object.values(document.servers ?? {})
  .map(serverHtml)
  .join('\n')}
<h3>Authentication</h3>
${Object.values(document.components?.securitySchemes ?? {})
  .map((scheme) => paragraphs(scheme.description))
  .join('\n')}
<h2>Client to server</h2>
<p>Each event answers through the Socket.IO acknowledgement callback.</p>
${section('receive')}
<h2>Server to client</h2>
${section('send')}
</body>
</html>
`;
}

function serverHtml(server: Server): string {
  const url = `${server.protocol}://${server.host}${server.pathname ?? ''}`;
  return `<h3>${escape(server.title ?? server.host)}</h3>
<p><code>${escape(url)}</code></p>
${paragraphs(server.description)}`;
}

function eventHtml(operation: Operation, deref: Deref): string {
  const [message = {}] = (operation.messages ?? []).map(deref);
  const reply = operation.reply ? deref(operation.reply) : null;
  const replies = (reply?.messages ?? []).map(deref);
  return `<section>
<h3><code>${escape(message.name ?? operation.title)}</code> ${escape(message.title ?? '')}</h3>
${paragraphs(operation.summary)}
${paragraphs(operation.description)}
${examplesHtml('Payload', message)}
${replies.map((ack) => examplesHtml('Acknowledgement', ack)).join('\n')}
</section>`;
}

function examplesHtml(label: string, message: Message): string {
  return (message.examples ?? [])
    .map(
      (example) =>
        `<p class="label">${escape(label)}: ${escape(example.name ?? '')}${example.summary ? ` — ${inline(example.summary)}` : ''}</p>` +
        `<pre>${escape(JSON.stringify(example.payload, null, 2))}</pre>`,
    )
    .join('\n');
}

/** The node a local `$ref` (`#/a/b`) points at. */
function at<T>(document: AsyncApiDocument, ref: string): T {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], document) as T;
}

/** Markdown paragraphs, reduced to what the document uses: `code`, **strong** and links. */
function paragraphs(text: unknown): string {
  if (typeof text !== 'string') return '';
  return text
    .split(/\n\s*\n/)
    .filter((paragraph) => paragraph.trim())
    .map((paragraph) => `<p>${inline(paragraph.trim())}</p>`)
    .join('\n');
}

function inline(text: string): string {
  return escape(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/g, '<a href="$2">$1</a>')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1');
}

function escape(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

const STYLE = `
body { font: 16px/1.5 system-ui, sans-serif; max-width: 56rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; }
h1 small { font-size: 0.5em; color: #666; font-weight: normal; }
h2 { border-bottom: 1px solid #ddd; margin-top: 2.5rem; }
section { border-top: 1px solid #eee; padding-top: 0.5rem; }
code, pre { font-family: ui-monospace, monospace; font-size: 0.9em; }
pre { background: #f6f8fa; padding: 0.75rem; overflow-x: auto; border-radius: 4px; }
.label { margin-bottom: 0; color: #555; }
`;
