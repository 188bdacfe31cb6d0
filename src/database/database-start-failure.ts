import { AppConfig } from '../config/app-config';
import { describeDatabase } from '../common/logging/startup-banner';
import { isDatabaseUnavailable, isPgError } from './pg-errors';

/** Wrong password or user, or no such database: the settings are wrong, not the server away. */
const REFUSED_LOGIN_CODES = ['28P01', '28000', '3D000'];

/** The application could not start on its database: the message names it (never its password). */
export class DatabaseStartError extends Error {
  constructor(database: AppConfig['database'], cause: unknown) {
    const advice = database.url
      ? 'Check DATABASE_URL, or unset it to use the embedded PostgreSQL'
      : 'Check the embedded PostgreSQL in EMBEDDED_DATABASE_DIR';
    super(`cannot use ${describeDatabase(database)}: ${(cause as Error).message}. ${advice}`);
  }
}

/** What a failed start on `database` should report. */
export function databaseStartFailure(error: unknown, database: AppConfig['database']): unknown {
  const aboutDatabase =
    isDatabaseUnavailable(error) || REFUSED_LOGIN_CODES.some((code) => isPgError(error, code));
  return aboutDatabase ? new DatabaseStartError(database, error) : error;
}
