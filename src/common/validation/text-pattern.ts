/**
 * What PostgreSQL cannot store faithfully, as a character-class body: NUL (text cannot hold it) and
 * lone surrogates (not Unicode; jsonb refuses them, text would turn them into U+FFFD).
 */
export const UNSTORABLE_CHARACTERS = '\\u0000\\uD800-\\uDFFF';

/**
 * The documented pattern (ECMA-262, Unicode mode) of text the server trims and then refuses when
 * empty or holding a `forbidden` character: at least one character that is neither whitespace nor
 * forbidden, and forbidden ones only in the whitespace trimmed off the ends.
 */
export function trimmedTextPattern(forbidden: string): string {
  const kept = `[^\\s${forbidden}]`;
  return `^\\s*${kept}(?:[^${forbidden}]*${kept})?\\s*$`;
}
