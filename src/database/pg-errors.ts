/** SQLSTATE codes the repositories translate into domain errors. */
export const PG_UNIQUE_VIOLATION = '23505';
export const PG_FOREIGN_KEY_VIOLATION = '23503';
export const PG_CHECK_VIOLATION = '23514';

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
