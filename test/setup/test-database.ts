/** Where the global setup left the test database server, passed to workers through the environment. */
export const ADMIN_URL_VAR = 'CHAT_TEST_ADMIN_URL';
export const TEMPLATE_VAR = 'CHAT_TEST_TEMPLATE_DB';

export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}
