/**
 * The PostgreSQL text search configuration that messages are indexed and searched with
 * (`SEARCH_TEXT_CONFIG`, `simple` by default: it splits on spaces and punctuation and lower-cases,
 * so every language is searchable; `english`, `german`, ... add stemming and stop words for one).
 * It is part of the schema (the generated column's expression), so the entity and the migration
 * read it too, the same way the app's config does.
 */
export const SEARCH_TEXT_CONFIG_VAR = 'SEARCH_TEXT_CONFIG';
export const DEFAULT_SEARCH_TEXT_CONFIG = 'simple';
export const SEARCH_TEXT_CONFIG_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function searchTextConfig(env: Record<string, string | undefined> = process.env): string {
  const value = env[SEARCH_TEXT_CONFIG_VAR]?.trim() || DEFAULT_SEARCH_TEXT_CONFIG;
  if (!SEARCH_TEXT_CONFIG_NAME.test(value)) {
    throw new Error(
      `${SEARCH_TEXT_CONFIG_VAR} must name a text search configuration (lower-case letters, digits, _), got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/**
 * For the entity's description of the schema, read as the module loads: never throws (an invalid
 * SEARCH_TEXT_CONFIG is reported by the configuration's own check, with every other problem).
 */
export function schemaSearchTextConfig(): string {
  try {
    return searchTextConfig();
  } catch {
    return DEFAULT_SEARCH_TEXT_CONFIG;
  }
}

/** What the search_vector column holds: a deleted message (body null) matches nothing. */
export function searchVectorSql(config: string): string {
  return `to_tsvector('${config}'::regconfig, coalesce("body", ''))`;
}

/** The configuration a search_vector expression (as PostgreSQL prints it) was built with. */
export function configOfSearchVector(expression: string): string | null {
  return /to_tsvector\('([^']+)'::regconfig/.exec(expression)?.[1] ?? null;
}
