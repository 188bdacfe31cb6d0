/** SQLSTATE codes the repositories translate into domain errors. */
export const PG_UNIQUE_VIOLATION = '23505';
export const PG_FOREIGN_KEY_VIOLATION = '23503';
export const PG_CHECK_VIOLATION = '23514';
/** A statement cancelled by statement_timeout (or by a cancel request). */
export const PG_QUERY_CANCELED = '57014';
/** Text the database cannot store: a NUL character, or longer than its column (a missed check). */
const PG_UNSTORABLE_TEXT = new Set(['22021', '22P05', '22001']);

interface PgError {
  code?: string;
  constraint?: string;
}

function driverErrorOf(error: unknown): PgError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { driverError } = error as { driverError?: PgError };
  return driverError ?? (error as PgError);
}

export function isPgError(error: unknown, code: string, constraint?: string): boolean {
  const pgError = driverErrorOf(error);
  return pgError?.code === code && (constraint === undefined || pgError.constraint === constraint);
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Connection ended unexpectedly|Query read timeout|is not queryable/i;
/**
 * TypeORM hands a connection back to the pool when it fails, so the transaction's next statement
 * (often COMMIT) finds it gone: the connection died, the database is what failed.
 */
const RELEASED_CONNECTION_ERRORS = new Set([
  'QueryRunnerAlreadyReleasedError',
  'QueryRunnerProviderAlreadyReleasedError',
]);

/** Refused before reaching the database, because it is not keeping up (see MessageBatcher). */
export class DatabaseUnavailableError extends Error {
  constructor(message = 'The database is not answering; retry shortly') {
    super(message);
    this.name = 'DatabaseUnavailableError';
  }
}

/** True when the database could not be reached or went away: retrying later may work. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  if (error instanceof Error && RELEASED_CONNECTION_ERRORS.has(error.constructor.name)) return true;
  const pgError = driverErrorOf(error) as (PgError & { message?: string }) | undefined;
  if (!pgError) return false;
  return (
    UNAVAILABLE_CODES.has(pgError.code ?? '') || UNAVAILABLE_MESSAGE.test(pgError.message ?? '')
  );
}

/** True when input text could not be stored as sent: the client's fault. */
export function isUnstorableText(error: unknown): boolean {
  return PG_UNSTORABLE_TEXT.has(driverErrorOf(error)?.code ?? '');
}
