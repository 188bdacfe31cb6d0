const CENSOR = '[redacted]';
const SENSITIVE_PARTS = ['token', 'password', 'passwd', 'secret', 'signature', 'apikey', 'jwt'];
const SENSITIVE_NAMES = new Set(['auth', 'authorization', 'code', 'key', 'pass', 'pwd', 'sig']);

/**
 * The URL as it may be logged: values of query parameters that look like credentials are blanked.
 * Clients do put tokens in URLs (`?access_token=`, Socket.IO's `?token=` where headers cannot be
 * set), and a log keeps them long after they are revoked.
 */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  const pairs = url
    .slice(queryStart + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals === -1 || !isSensitive(pair.slice(0, equals))) return pair;
      return `${pair.slice(0, equals)}=${CENSOR}`;
    });
  return `${url.slice(0, queryStart + 1)}${pairs.join('&')}`;
}

function isSensitive(rawName: string): boolean {
  const name = decoded(rawName)
    .toLowerCase()
    .replace(/[^a-z]/g, '');
  return SENSITIVE_NAMES.has(name) || SENSITIVE_PARTS.some((part) => name.includes(part));
}

function decoded(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}
