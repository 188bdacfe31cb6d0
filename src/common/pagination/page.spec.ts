import { CommonError } from '../errors/common-error';
import { decodeCursor, encodeCursor, toPage } from './page';

const isKey = (value: unknown): value is { id: number } =>
  typeof (value as { id?: unknown })?.id === 'number';

describe('cursors', () => {
  it('round-trip an opaque key', () => {
    const cursor = encodeCursor({ id: 42 });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, isKey)).toEqual({ id: 42 });
  });

  it.each([['not base64 json'], [encodeCursor({ other: 1 })], [encodeCursor(null)], ['']])(
    'refuse %p with INVALID_CURSOR',
    (cursor) => {
      expect(() => decodeCursor(cursor, isKey)).toThrow(CommonError);
      expect(() => decodeCursor(cursor, isKey)).toThrow('cursor is not valid');
    },
  );
});

describe('toPage', () => {
  const rows = [{ id: 1 }, { id: 2 }, { id: 3 }];

  it('cuts the probe row and points the cursor at the last row shown', () => {
    const page = toPage(
      rows,
      2,
      (row) => ({ id: row.id }),
      (row) => row.id,
    );
    expect(page.items).toEqual([1, 2]);
    expect(decodeCursor(page.nextCursor!, isKey)).toEqual({ id: 2 });
  });

  it('has no cursor on the last page', () => {
    expect(
      toPage(
        rows,
        3,
        (row) => row,
        (row) => row.id,
      ),
    ).toEqual({ items: [1, 2, 3], nextCursor: null });
    expect(
      toPage(
        [],
        3,
        (row) => row,
        (row) => row,
      ),
    ).toEqual({ items: [], nextCursor: null });
  });
});
