import { isIntId, isIsoTimestamp } from '../common/pagination/cursor-keys';
import { decodeCursor } from '../common/pagination/page';
import { RelationCursor, RelationRow } from './friends.repository';

const isRelationCursor = (value: unknown): value is RelationCursor => {
  const cursor = value as RelationCursor | null;
  return isIsoTimestamp(cursor?.since) && isIntId(cursor?.userId);
};

/** Cursors of the friends and blocks lists: the (since, userId) of the last row shown. */
export function decodeRelationCursor(cursor: string | undefined): RelationCursor | null {
  return cursor === undefined ? null : decodeCursor(cursor, isRelationCursor);
}

export function relationCursorOf(row: RelationRow): RelationCursor {
  return { since: row.since.toISOString(), userId: row.userId };
}
