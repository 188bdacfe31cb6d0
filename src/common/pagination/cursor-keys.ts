import { MAX_INT_ID } from '../validation/parse-id.pipe';

const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * What our cursors carry, checked strictly: a forged cursor must fail as 400, never reach SQL.
 * Date rolls impossible dates over ("02-31" reads as March 2nd) where PostgreSQL refuses them, so only
 * a timestamp that reads back unchanged is one, and year 0 does not exist for PostgreSQL.
 */
export function isIsoTimestamp(value: unknown): value is string {
  if (typeof value !== 'string' || !ISO_MILLIS.test(value) || value.startsWith('0000'))
    return false;
  const time = Date.parse(value);
  return !Number.isNaN(time) && new Date(time).toISOString() === value;
}

export function isIntId(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_INT_ID;
}

export function isBigId(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
