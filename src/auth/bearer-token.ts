import { AuthError, AuthErrorCode } from './auth.errors';

/**
 * Our access tokens are a few hundred characters; this leaves room and bounds the work any
 * credential can cost, whether it comes in a header or in the socket handshake.
 */
export const MAX_CREDENTIAL_LENGTH = 4096;

const SCHEME = 'bearer';

/**
 * The token of an `Authorization: Bearer <token>` header, or undefined when the header carries
 * none. One pass, no regular expression: passport-jwt's unanchored `(\S+)\s+(\S+)` backtracks
 * quadratically over a long header without whitespace (about 155 ms of event loop for 16 KB).
 * A header over the cap is refused before it is read at all.
 */
export function bearerToken(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  if (header.length > MAX_CREDENTIAL_LENGTH) throw tooLong();
  const value = header.trim();
  const schemeEnd = SCHEME.length;
  if (!isWhitespace(value.charCodeAt(schemeEnd))) return undefined;
  if (value.slice(0, schemeEnd).toLowerCase() !== SCHEME) return undefined;
  const token = value.slice(schemeEnd).trimStart();
  return token === '' ? undefined : token;
}

export function assertCredentialLength(token: string): void {
  if (token.length > MAX_CREDENTIAL_LENGTH) throw tooLong();
}

function tooLong(): AuthError {
  return new AuthError(
    AuthErrorCode.TOKEN_INVALID,
    `The access token is invalid: longer than ${MAX_CREDENTIAL_LENGTH} characters`,
  );
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09;
}
