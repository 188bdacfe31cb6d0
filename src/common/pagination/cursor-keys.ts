import { MAX_INT_ID } from '../validation/parse-id.pipe';

const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** What our cursors carry, checked strictly: a forged cursor must fail as 400, never reach SQL. */
export function isIsoTimestamp(value: unknown): value is string {
  return typeof value === 'string' && ISO_MILLIS.test(value) && !Number.isNaN(Date.parse(value));
}

export function isIntId(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_INT_ID;
}

export function isBigId(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
