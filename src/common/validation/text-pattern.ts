/** Unicode control characters (Cc) and lone surrogates (Cs), as a character-class body. */
export const CONTROL_CHARACTERS = '\\u0000-\\u001F\\u007F-\\u009F\\uD800-\\uDFFF';

/** NUL, which PostgreSQL text cannot hold, as a character-class body. */
export const NUL_CHARACTER = '\\u0000';

/**
 * The documented pattern (ECMA-262, Unicode mode) of text the server trims and then refuses when
 * empty or holding a `forbidden` character: at least one character that is neither whitespace nor
 * forbidden, and forbidden ones only in the whitespace trimmed off the ends.
 */
export function trimmedTextPattern(forbidden: string): string {
  const kept = `[^\\s${forbidden}]`;
  return `^\\s*${kept}(?:[^${forbidden}]*${kept})?\\s*$`;
}
