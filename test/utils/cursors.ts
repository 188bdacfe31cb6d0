/** The base64url JSON the server uses for cursors, to build well-formed but hostile ones. */
export const cursorOf = (key: unknown): string =>
  Buffer.from(JSON.stringify(key)).toString('base64url');

/**
 * Timestamps in the exact shape of the ones cursors carry that name no instant PostgreSQL accepts:
 * JavaScript's Date rolls the impossible days over to the next month instead of refusing them.
 */
export const IMPOSSIBLE_TIMESTAMPS = [
  '2024-02-31T00:00:00.000Z',
  '2023-02-29T12:00:00.000Z',
  '2024-04-31T00:00:00.000Z',
  '2024-01-01T24:00:00.000Z',
  '0000-01-01T00:00:00.000Z',
  '99999-01-01T00:00:00.000Z',
  '+099999-01-01T00:00:00.000Z',
];
