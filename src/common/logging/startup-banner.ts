import { resolve } from 'node:path';
import { AppConfig } from '../../config/app-config';

export interface StartupFacts {
  /** Where the HTTP port answers, e.g. http://localhost:3000. */
  baseUrl: string;
  apiUrl: string;
  metricsUrl: string | null;
  database: AppConfig['database'];
}

/** What a developer who just ran `npm start` needs: where to go, on which database, what next. */
export function startupBanner({ baseUrl, apiUrl, metricsUrl, database }: StartupFacts): string {
  const links: [string, string, string?][] = [
    ['App', `${baseUrl}/app/`, 'the web chat: open it in two windows'],
    ['API', apiUrl],
    ['Docs', `${baseUrl}/docs`, 'OpenAPI; the document at /docs-json'],
    ['Events', `${baseUrl}/asyncapi`, 'Socket.IO; the document at /asyncapi.yaml'],
    ['Health', `${baseUrl}/health/ready`],
    ...(metricsUrl ? [['Metrics', metricsUrl] as [string, string]] : []),
  ];
  const width = Math.max(...links.map(([, url]) => url.length));
  return [
    'Chat backend is ready (development)',
    '',
    ...links.map(
      ([name, url, note]) =>
        `  ${name.padEnd(10)}${note ? `${url.padEnd(width)}   (${note})` : url}`,
    ),
    `  ${'Database'.padEnd(10)}${describeDatabase(database)}`,
    '',
    'Next: `npm run demo` in another terminal plays a chat between shahn, shivam and udit;',
    `then open ${baseUrl}/app/ and log in as shivam with the password the demo prints.`,
    'Request logs follow as JSON lines. Ctrl-C stops the server.',
  ].join('\n');
}

/** The database in use, never with its password. */
export function describeDatabase({ url, embedded }: AppConfig['database']): string {
  if (!url) {
    return `embedded PostgreSQL on 127.0.0.1:${embedded.port}, data in ${resolve(embedded.dir)}`;
  }
  const { hostname, port, pathname } = new URL(url);
  return `PostgreSQL ${hostname}${port ? `:${port}` : ''}${pathname} (DATABASE_URL)`;
}

/** How to reach a server listening on `host:port` from this machine. */
export function localUrl(host: string, port: number): string {
  const shown = ['0.0.0.0', '::', '127.0.0.1', '::1'].includes(host) ? 'localhost' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}
