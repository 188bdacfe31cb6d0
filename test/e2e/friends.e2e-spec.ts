import { EventEmitter2 } from '@nestjs/event-emitter';
import { BlocksService } from '../../src/friends/blocks.service';
import { FriendsEvents } from '../../src/friends/events/friends.events';
import { Session, TestContext, uniqueUsername } from '../utils/context';
import { expectError } from '../utils/expect-error';
import { HttpResponse } from '../utils/http-client';
import { startTestApp, TestApp } from '../utils/test-app';

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const MAX_ID = 2147483647;
const BAD_IDS = [
  'abc',
  '0',
  '-1',
  '1e3',
  '0x10',
  '1.5',
  '007',
  '2147483648',
  '99999999999999999999',
];
const ROUNDS = 10;

interface CapturedEvent {
  name: string;
  payload: any;
}

/** The base64url JSON the server uses for cursors, to build well-formed but hostile ones. */
const cursorOf = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');

const pairOf = (a: number, b: number): [number, number] => (a < b ? [a, b] : [b, a]);

const sortedStatuses = (results: HttpResponse[]) => results.map((r) => r.status).sort();

describe('friends', () => {
  let t: TestApp;
  let ctx: TestContext;
  let events: CapturedEvent[];
  const detach: (() => void)[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    ctx = new TestContext(t);
    const emitter = t.app.get(EventEmitter2);
    for (const name of Object.values(FriendsEvents)) {
      const listener = (payload: unknown) => events.push({ name, payload });
      emitter.on(name, listener);
      detach.push(() => emitter.off(name, listener));
    }
  });
  beforeEach(() => {
    events = [];
  });
  afterAll(async () => {
    detach.forEach((off) => off());
    await t.close();
  });

  // ---- helpers -------------------------------------------------------------------------------

  const send = (from: Session, toUserId: unknown, message?: unknown) =>
    t.http.post('/api/v1/friend-requests', {
      token: from.accessToken,
      body: message === undefined ? { toUserId } : { toUserId, message },
    });
  const accept = (me: Session, requestId: number) =>
    t.http.post(`/api/v1/friend-requests/${requestId}/accept`, { token: me.accessToken });
  const reject = (me: Session, requestId: number) =>
    t.http.post(`/api/v1/friend-requests/${requestId}/reject`, { token: me.accessToken });
  const withdraw = (me: Session, requestId: number) =>
    t.http.delete(`/api/v1/friend-requests/${requestId}`, { token: me.accessToken });
  const listRequests = (me: Session, query = '') =>
    t.http.get(`/api/v1/friend-requests${query ? `?${query}` : ''}`, { token: me.accessToken });
  const listFriends = (me: Session, query = '') =>
    t.http.get(`/api/v1/friends${query ? `?${query}` : ''}`, { token: me.accessToken });
  const unfriend = (me: Session, userId: number) =>
    t.http.delete(`/api/v1/friends/${userId}`, { token: me.accessToken });
  const block = (me: Session, userId: unknown) =>
    t.http.post('/api/v1/blocks', { token: me.accessToken, body: { userId } });
  const listBlocks = (me: Session, query = '') =>
    t.http.get(`/api/v1/blocks${query ? `?${query}` : ''}`, { token: me.accessToken });
  const unblock = (me: Session, userId: number) =>
    t.http.delete(`/api/v1/blocks/${userId}`, { token: me.accessToken });
  const setAllowRequests = async (me: Session, allowFriendRequests: boolean) => {
    const res = await t.http.patch('/api/v1/users/me', {
      token: me.accessToken,
      body: { allowFriendRequests },
    });
    expect(res.status).toBe(200);
  };

  const users = (n: number, prefix = 'fr') =>
    Promise.all(Array.from({ length: n }, () => ctx.newUser(uniqueUsername(prefix))));

  /** A public profile as the API shows it. */
  const profile = (session: Session) => ({
    id: session.id,
    username: session.username,
    displayName: session.username,
    displayPictureUrl: null,
    joinedAt: expect.stringMatching(ISO_MS),
    deleted: false,
  });

  /** Makes two users friends through the API: a asks, b accepts. */
  async function befriend(a: Session, b: Session): Promise<number> {
    const sent = await send(a, b.id);
    expect(sent.status).toBe(201);
    const accepted = await accept(b, sent.body.id);
    expect(accepted.status).toBe(200);
    return sent.body.id;
  }

  async function pendingRequest(from: Session, to: Session, message?: string): Promise<number> {
    const sent = await send(from, to.id, message);
    expect(sent.status).toBe(201);
    return sent.body.id;
  }

  interface PairState {
    friendships: { user_low_id: number; user_high_id: number; created_at: Date }[];
    requests: {
      id: number;
      from_user_id: number;
      to_user_id: number;
      message: string | null;
      status: string;
      sent_at: Date;
      responded_at: Date | null;
    }[];
    blocks: { blocker_id: number; blocked_id: number }[];
  }

  /** Every row between two users, straight from the tables. */
  async function pairState(a: number, b: number): Promise<PairState> {
    const [low, high] = pairOf(a, b);
    const friendships = await t.db.query(
      `SELECT user_low_id, user_high_id, created_at FROM friendships
        WHERE LEAST(user_low_id, user_high_id) = $1 AND GREATEST(user_low_id, user_high_id) = $2`,
      [low, high],
    );
    const requests = await t.db.query(
      `SELECT id, from_user_id, to_user_id, message, status, sent_at, responded_at
         FROM friend_requests
        WHERE LEAST(from_user_id, to_user_id) = $1 AND GREATEST(from_user_id, to_user_id) = $2
        ORDER BY id`,
      [low, high],
    );
    const blocks = await t.db.query(
      `SELECT blocker_id, blocked_id FROM user_blocks
        WHERE (blocker_id = $1 AND blocked_id = $2) OR (blocker_id = $2 AND blocked_id = $1)`,
      [low, high],
    );
    return { friendships: friendships.rows, requests: requests.rows, blocks: blocks.rows };
  }

  /** The rules that must hold between any two users, whatever happened. */
  function expectConsistent(state: PairState): void {
    const pending = state.requests.filter((r) => r.status === 'pending');
    expect(state.friendships.length).toBeLessThanOrEqual(1);
    expect(pending.length).toBeLessThanOrEqual(1);
    for (const f of state.friendships) expect(f.user_low_id).toBeLessThan(f.user_high_id);
    if (state.friendships.length > 0) expect(pending).toEqual([]);
    if (state.blocks.length > 0) {
      expect(state.friendships).toEqual([]);
      expect(pending).toEqual([]);
    }
    for (const r of state.requests) {
      expect(r.responded_at === null).toBe(r.status === 'pending');
    }
  }

  const eventsNamed = (name: string) => events.filter((e) => e.name === name);

  // ---- sending -------------------------------------------------------------------------------

  describe('POST /friend-requests', () => {
    it('creates a pending request with both public profiles (201) and stores it', async () => {
      const [a, b] = await users(2);
      const res = await send(a, b.id, 'hi there');
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.any(Number),
        fromUserId: a.id,
        toUserId: b.id,
        message: 'hi there',
        status: 'pending',
        sentAt: expect.stringMatching(ISO_MS),
        respondedAt: null,
        fromUser: profile(a),
        toUser: profile(b),
      });
      expect(res.text).not.toMatch(/allowFriendRequests|argon2|password/i);
      const state = await pairState(a.id, b.id);
      expect(state.requests).toEqual([
        {
          id: res.body.id,
          from_user_id: a.id,
          to_user_id: b.id,
          message: 'hi there',
          status: 'pending',
          sent_at: expect.any(Date),
          responded_at: null,
        },
      ]);
      expect(state.requests[0].sent_at.toISOString()).toBe(res.body.sentAt);
      expect(state.friendships).toEqual([]);
    });

    it.each([
      ['omitted', undefined, null],
      ['null', null, null],
      ['empty', '', null],
      ['only whitespace', ' \t\n ', null],
      ['padded', '   hello  ', 'hello'],
    ])('stores a message that is %s as %j', async (_label, message, stored) => {
      const [a, b] = await users(2);
      const res = await send(a, b.id, message);
      expect(res.status).toBe(201);
      expect(res.body.message).toBe(stored);
      const { rows } = await t.db.query('SELECT message FROM friend_requests WHERE id = $1', [
        res.body.id,
      ]);
      expect(rows[0].message).toBe(stored);
    });

    it('accepts a message of exactly 200 characters (also after trimming)', async () => {
      const [a, b, c] = await users(3);
      const exact = 'm'.repeat(200);
      const res = await send(a, b.id, exact);
      expect(res.status).toBe(201);
      expect(res.body.message).toBe(exact);
      const padded = await send(a, c.id, `  ${'p'.repeat(200)}  `);
      expect(padded.status).toBe(201);
      expect(padded.body.message).toBe('p'.repeat(200));
    });

    it('counts the message length in characters, not UTF-16 units (200 emoji are fine)', async () => {
      const [a, b] = await users(2);
      const emoji = '😀'.repeat(200);
      const res = await send(a, b.id, emoji);
      expect(res.status).toBe(201);
      expect(res.body.message).toBe(emoji);
    });

    it('counts the message in code points, as the database does (never a 500 for a long one)', async () => {
      // '❤️' is two code points (U+2764 U+FE0F); the database counts both, so 150 of them are 300.
      const [a, b] = await users(2);
      const res = await send(a, b.id, '❤️'.repeat(150));
      expect(res.status).toBeLessThan(500);
      expect(res.status).toBe(400);
      expect((await pairState(a.id, b.id)).requests).toEqual([]);
      // 100 of them are 200 characters: still fine
      const fits = await send(a, b.id, '❤️'.repeat(100));
      expect(fits.status).toBe(201);
      expect(fits.body.message).toBe('❤️'.repeat(100));
    });

    it.each([
      ['a message of 201 characters', (id: number) => ({ toUserId: id, message: 'x'.repeat(201) })],
      ['a numeric message', (id: number) => ({ toUserId: id, message: 42 })],
      ['toUserId as a string', (id: number) => ({ toUserId: String(id) })],
      ['toUserId 0', () => ({ toUserId: 0 })],
      ['toUserId -1', () => ({ toUserId: -1 })],
      ['toUserId 1.5', () => ({ toUserId: 1.5 })],
      ['toUserId beyond the id range', () => ({ toUserId: MAX_ID + 1 })],
      ['toUserId null', () => ({ toUserId: null })],
      ['no toUserId', () => ({ message: 'hi' })],
      ['an unknown extra field', (id: number) => ({ toUserId: id, status: 'accepted' })],
    ])('rejects %s with 400 and stores nothing', async (_label, body) => {
      const [a, b] = await users(2);
      const res = await t.http.post('/api/v1/friend-requests', {
        token: a.accessToken,
        body: body(b.id),
      });
      expectError(res, 400, 'VALIDATION_FAILED');
      expect((await pairState(a.id, b.id)).requests).toEqual([]);
      expect(events).toEqual([]);
    });

    it.each([['[]'], ['null'], ['42'], ['{"toUserId":']])(
      'rejects the JSON body %s with 400',
      async (rawBody) => {
        const [a] = await users(1);
        const res = await t.http.post('/api/v1/friend-requests', {
          token: a.accessToken,
          rawBody,
          headers: { 'content-type': 'application/json' },
        });
        expectError(res, 400);
      },
    );

    it('rejects a non-JSON content type with 415', async () => {
      const [a, b] = await users(2);
      const res = await t.http.post('/api/v1/friend-requests', {
        token: a.accessToken,
        rawBody: `toUserId=${b.id}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expectError(res, 415);
    });

    it('refuses a request to myself (400 FRIEND_REQUEST_TO_SELF)', async () => {
      const [a] = await users(1);
      expectError(await send(a, a.id), 400, 'FRIEND_REQUEST_TO_SELF');
      const { rows } = await t.db.query(
        'SELECT count(*)::int AS n FROM friend_requests WHERE from_user_id = $1',
        [a.id],
      );
      expect(rows[0].n).toBe(0);
    });

    it('answers 404 USER_NOT_FOUND for a user nobody has', async () => {
      const [a] = await users(1);
      expectError(await send(a, MAX_ID), 404, 'USER_NOT_FOUND');
    });

    it('refuses a second pending request in the same direction (409 FRIEND_REQUEST_EXISTS)', async () => {
      const [a, b] = await users(2);
      await pendingRequest(a, b);
      events = [];
      expectError(await send(a, b.id, 'again'), 409, 'FRIEND_REQUEST_EXISTS');
      const state = await pairState(a.id, b.id);
      expect(state.requests).toHaveLength(1);
      expect(events).toEqual([]);
    });

    it('accepts their pending request instead when they already asked me (200, friends)', async () => {
      const [a, b] = await users(2);
      const theirs = await pendingRequest(b, a, 'from b');
      const res = await send(a, b.id, 'from a');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        id: theirs,
        fromUserId: b.id,
        toUserId: a.id,
        message: 'from b',
        status: 'accepted',
        sentAt: expect.stringMatching(ISO_MS),
        respondedAt: expect.stringMatching(ISO_MS),
        fromUser: profile(b),
        toUser: profile(a),
      });
      const state = await pairState(a.id, b.id);
      expect(state.requests.map((r) => [r.id, r.status])).toEqual([[theirs, 'accepted']]);
      expect(state.friendships).toEqual([
        {
          user_low_id: pairOf(a.id, b.id)[0],
          user_high_id: pairOf(a.id, b.id)[1],
          created_at: expect.any(Date),
        },
      ]);
      expectConsistent(state);
    });

    it('refuses a request between friends, either way (409 ALREADY_FRIENDS)', async () => {
      const [a, b] = await users(2);
      await befriend(a, b);
      events = [];
      expectError(await send(a, b.id), 409, 'ALREADY_FRIENDS');
      expectError(await send(b, a.id), 409, 'ALREADY_FRIENDS');
      const state = await pairState(a.id, b.id);
      expect(state.requests).toHaveLength(1);
      expect(state.friendships).toHaveLength(1);
      expect(events).toEqual([]);
    });

    it('may ask again after a rejection', async () => {
      const [a, b] = await users(2);
      const first = await pendingRequest(a, b);
      expect((await reject(b, first)).status).toBe(200);
      const again = await send(a, b.id, 'second try');
      expect(again.status).toBe(201);
      expect(again.body.id).not.toBe(first);
      const state = await pairState(a.id, b.id);
      expect(state.requests.map((r) => r.status)).toEqual(['rejected', 'pending']);
    });

    it('refuses users who turned friend requests off (403), until they turn them on again', async () => {
      const [a, b] = await users(2);
      await setAllowRequests(b, false);
      expectError(await send(a, b.id), 403, 'FRIEND_REQUESTS_NOT_ACCEPTED');
      expect((await pairState(a.id, b.id)).requests).toEqual([]);
      expect(events).toEqual([]);
      // b can still ask others
      expect((await send(b, a.id)).status).toBe(201);
      await setAllowRequests(b, true);
      const [c] = await users(1);
      expect((await send(c, b.id)).status).toBe(201);
    });
  });

  // ---- listing requests ----------------------------------------------------------------------

  describe('a crossing request', () => {
    it('completes the other user’s pending request even after they turned requests off', async () => {
      const [a, b] = await users(2);
      const theirs = await send(b, a.id);
      expect(theirs.status).toBe(201);
      await setAllowRequests(b, false);
      const mine = await send(a, b.id);
      expect(mine.status).toBe(200);
      expect(mine.body).toMatchObject({ id: theirs.body.id, status: 'accepted' });
      const { rows } = await t.db.query(
        'SELECT count(*)::int AS n FROM friendships WHERE user_low_id = LEAST($1::int, $2::int) AND user_high_id = GREATEST($1::int, $2::int)',
        [a.id, b.id],
      );
      expect(rows[0].n).toBe(1);
    });
  });

  describe('GET /friend-requests', () => {
    it('lists incoming (the default) and outgoing requests, newest first, with profiles', async () => {
      const [me, x, y, z] = await users(4);
      const fromX = await pendingRequest(x, me, 'x here');
      const fromY = await pendingRequest(y, me);
      const toZ = await pendingRequest(me, z, 'to z');

      const incoming = await listRequests(me);
      expect(incoming.status).toBe(200);
      expect(incoming.body.nextCursor).toBeNull();
      expect(incoming.body.items.map((r: { id: number }) => r.id)).toEqual([fromY, fromX]);
      expect(incoming.body.items[1]).toEqual({
        id: fromX,
        fromUserId: x.id,
        toUserId: me.id,
        message: 'x here',
        status: 'pending',
        sentAt: expect.stringMatching(ISO_MS),
        respondedAt: null,
        fromUser: profile(x),
        toUser: profile(me),
      });
      expect((await listRequests(me, 'direction=incoming')).body).toEqual(incoming.body);

      const outgoing = await listRequests(me, 'direction=outgoing');
      expect(outgoing.status).toBe(200);
      expect(outgoing.body.items.map((r: { id: number }) => r.id)).toEqual([toZ]);
      expect(outgoing.body.items[0]).toMatchObject({ fromUser: profile(me), toUser: profile(z) });

      // the other side sees the same requests in the opposite direction
      const zIncoming = await listRequests(z);
      expect(zIncoming.body.items).toEqual(outgoing.body.items);
      expect((await listRequests(x, 'direction=outgoing')).body.items).toEqual([
        incoming.body.items[1],
      ]);
      // a third party sees none of them
      const [other] = await users(1);
      expect((await listRequests(other)).body).toEqual({ items: [], nextCursor: null });
      expect((await listRequests(other, 'direction=outgoing')).body).toEqual({
        items: [],
        nextCursor: null,
      });
    });

    it('filters by status', async () => {
      const [me, a, b, c] = await users(4);
      const ra = await pendingRequest(a, me);
      const rb = await pendingRequest(b, me);
      const rc = await pendingRequest(c, me);
      await accept(me, ra);
      await reject(me, rb);
      const ids = async (query: string) =>
        (await listRequests(me, query)).body.items.map((r: { id: number }) => r.id);
      expect(await ids('status=pending')).toEqual([rc]);
      expect(await ids('status=accepted')).toEqual([ra]);
      expect(await ids('status=rejected')).toEqual([rb]);
      expect(await ids('')).toEqual([rc, rb, ra]);
      expect(await ids('direction=outgoing&status=pending')).toEqual([]);
      const rejected = await listRequests(me, 'status=rejected');
      expect(rejected.body.items[0]).toMatchObject({
        status: 'rejected',
        respondedAt: expect.stringMatching(ISO_MS),
      });
    });

    it('pages with a cursor: every request exactly once, newest first', async () => {
      const [me, ...senders] = await users(7);
      const ids: number[] = [];
      for (const sender of senders) ids.push(await pendingRequest(sender, me));
      const seen: number[] = [];
      const sizes: number[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page = await listRequests(me, query);
        expect(page.status).toBe(200);
        sizes.push(page.body.items.length);
        seen.push(...page.body.items.map((r: { id: number }) => r.id));
        cursor = page.body.nextCursor;
      } while (cursor !== null && sizes.length < 10);
      expect(sizes).toEqual([4, 2]);
      expect(seen).toEqual([...ids].sort((x, y) => y - x));

      const exact = await listRequests(me, 'limit=6');
      expect(exact.body.items).toHaveLength(6);
      expect(exact.body.nextCursor).toBeNull();
      const withStatus = await listRequests(me, 'status=pending&limit=5');
      const next = await listRequests(
        me,
        `status=pending&limit=5&cursor=${encodeURIComponent(withStatus.body.nextCursor)}`,
      );
      expect(next.body.items.map((r: { id: number }) => r.id)).toEqual([Math.min(...ids)]);
    });

    it.each([
      ['direction=sideways', 'VALIDATION_FAILED'],
      ['status=maybe', 'VALIDATION_FAILED'],
      ['status=PENDING', 'VALIDATION_FAILED'],
      ['limit=0', 'VALIDATION_FAILED'],
      ['limit=101', 'VALIDATION_FAILED'],
      ['limit=abc', 'VALIDATION_FAILED'],
      ['limit=1.5', 'VALIDATION_FAILED'],
      ['unknown=1', 'VALIDATION_FAILED'],
      ['cursor=not-a-cursor!', 'INVALID_CURSOR'],
      [`cursor=${cursorOf({ since: '2022-01-01T00:00:00.000Z', userId: 1 })}`, 'INVALID_CURSOR'],
      [`cursor=${cursorOf({ id: 1.5 })}`, 'INVALID_CURSOR'],
      [`cursor=${cursorOf({ id: '5' })}`, 'INVALID_CURSOR'],
      [`cursor=${cursorOf(null)}`, 'INVALID_CURSOR'],
    ])('rejects ?%s with 400 %s', async (query, code) => {
      const [me] = await users(1);
      expectError(await listRequests(me, query), 400, code);
    });

    it('a well-formed cursor whose id is out of the id range is a 400 INVALID_CURSOR, never a 500', async () => {
      const [me] = await users(1);
      const res = await listRequests(me, `cursor=${cursorOf({ id: MAX_ID + 1 })}`);
      expect(res.status).toBeLessThan(500);
      expectError(res, 400, 'INVALID_CURSOR');
    });
  });

  // ---- answering -----------------------------------------------------------------------------

  describe('accept / reject / withdraw', () => {
    it('accept: 200 with status accepted; the friendship is created in the same transaction', async () => {
      const [a, b] = await users(2);
      const id = await pendingRequest(a, b, 'hello');
      const res = await accept(b, id);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        id,
        fromUserId: a.id,
        toUserId: b.id,
        message: 'hello',
        status: 'accepted',
        sentAt: expect.stringMatching(ISO_MS),
        respondedAt: expect.stringMatching(ISO_MS),
        fromUser: profile(a),
        toUser: profile(b),
      });
      const state = await pairState(a.id, b.id);
      const [low, high] = pairOf(a.id, b.id);
      expect(state.friendships).toEqual([
        { user_low_id: low, user_high_id: high, created_at: expect.any(Date) },
      ]);
      // now() is the transaction's start: equal timestamps show one transaction did both
      expect(state.friendships[0].created_at.toISOString()).toBe(res.body.respondedAt);
      expect(state.requests[0].responded_at!.toISOString()).toBe(res.body.respondedAt);
      expect(state.requests[0].status).toBe('accepted');
      expectConsistent(state);
      // bidirectional by construction
      const aFriends = await listFriends(a);
      const bFriends = await listFriends(b);
      expect(aFriends.body.items).toEqual([{ user: profile(b), since: res.body.respondedAt }]);
      expect(bFriends.body.items).toEqual([{ user: profile(a), since: res.body.respondedAt }]);
    });

    it('reject: 200 with status rejected; no friendship', async () => {
      const [a, b] = await users(2);
      const id = await pendingRequest(a, b);
      const res = await reject(b, id);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id,
        fromUserId: a.id,
        toUserId: b.id,
        status: 'rejected',
        respondedAt: expect.stringMatching(ISO_MS),
        fromUser: profile(a),
        toUser: profile(b),
      });
      const state = await pairState(a.id, b.id);
      expect(state.friendships).toEqual([]);
      expect(state.requests.map((r) => r.status)).toEqual(['rejected']);
      expect(state.requests[0].responded_at!.toISOString()).toBe(res.body.respondedAt);
    });

    it('withdraw: 204 for the sender; the request is gone', async () => {
      const [a, b] = await users(2);
      const id = await pendingRequest(a, b);
      const res = await withdraw(a, id);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      const state = await pairState(a.id, b.id);
      expect(state.requests).toEqual([]);
      expect(state.friendships).toEqual([]);
      expect((await listRequests(b)).body.items).toEqual([]);
      // a may ask again afterwards
      expect((await send(a, b.id)).status).toBe(201);
    });

    it('only the recipient may answer: the sender gets 403, a third party 404', async () => {
      const [a, b, c] = await users(3);
      const id = await pendingRequest(a, b);
      events = [];
      expectError(await accept(a, id), 403, 'NOT_REQUEST_RECIPIENT');
      expectError(await reject(a, id), 403, 'NOT_REQUEST_RECIPIENT');
      expectError(await accept(c, id), 404, 'FRIEND_REQUEST_NOT_FOUND');
      expectError(await reject(c, id), 404, 'FRIEND_REQUEST_NOT_FOUND');
      const state = await pairState(a.id, b.id);
      expect(state.requests.map((r) => r.status)).toEqual(['pending']);
      expect(state.friendships).toEqual([]);
      expect(events).toEqual([]);
    });

    it('only the sender may withdraw: the recipient gets 403, a third party 404', async () => {
      const [a, b, c] = await users(3);
      const id = await pendingRequest(a, b);
      expectError(await withdraw(b, id), 403, 'NOT_REQUEST_SENDER');
      expectError(await withdraw(c, id), 404, 'FRIEND_REQUEST_NOT_FOUND');
      expect((await pairState(a.id, b.id)).requests.map((r) => r.status)).toEqual(['pending']);
    });

    it('a third party gets the same 404 as for an id nobody has', async () => {
      const [a, b, c] = await users(3);
      const id = await pendingRequest(a, b);
      const theirs = await accept(c, id);
      const missing = await accept(c, MAX_ID);
      expect(theirs.body).toEqual(missing.body);
    });

    it.each(['accept', 'reject', 'withdraw'] as const)(
      '%s of an id nobody has is a 404',
      async (action) => {
        const [me] = await users(1);
        const res =
          action === 'accept'
            ? await accept(me, MAX_ID)
            : action === 'reject'
              ? await reject(me, MAX_ID)
              : await withdraw(me, MAX_ID);
        expectError(res, 404, 'FRIEND_REQUEST_NOT_FOUND');
      },
    );

    it('an answered request cannot be answered or withdrawn again (409 FRIEND_REQUEST_NOT_PENDING)', async () => {
      const [a, b, c, d] = await users(4);
      const accepted = await pendingRequest(a, b);
      await accept(b, accepted);
      const rejected = await pendingRequest(c, d);
      await reject(d, rejected);
      events = [];
      for (const [recipient, sender, id] of [
        [b, a, accepted],
        [d, c, rejected],
      ] as const) {
        expectError(await accept(recipient, id), 409, 'FRIEND_REQUEST_NOT_PENDING');
        expectError(await reject(recipient, id), 409, 'FRIEND_REQUEST_NOT_PENDING');
        expectError(await withdraw(sender, id), 409, 'FRIEND_REQUEST_NOT_PENDING');
      }
      expect((await pairState(a.id, b.id)).requests.map((r) => r.status)).toEqual(['accepted']);
      expect((await pairState(c.id, d.id)).requests.map((r) => r.status)).toEqual(['rejected']);
      expect((await pairState(c.id, d.id)).friendships).toEqual([]);
      expect(events).toEqual([]);
    });

    it('a withdrawn request is gone: accepting it is a 404, withdrawing it again too', async () => {
      const [a, b] = await users(2);
      const id = await pendingRequest(a, b);
      expect((await withdraw(a, id)).status).toBe(204);
      expectError(await accept(b, id), 404, 'FRIEND_REQUEST_NOT_FOUND');
      expectError(await withdraw(a, id), 404, 'FRIEND_REQUEST_NOT_FOUND');
      expect((await pairState(a.id, b.id)).friendships).toEqual([]);
    });
  });

  // ---- friends -------------------------------------------------------------------------------

  describe('GET /friends and DELETE /friends/:userId', () => {
    it('lists friends with their public profile and since, most recent first, paged', async () => {
      const [me, ...others] = await users(6);
      for (const [i, other] of others.entries()) {
        if (i % 2) await befriend(me, other);
        else await befriend(other, me);
      }
      const { rows } = await t.db.query(
        `SELECT CASE WHEN user_low_id = $1 THEN user_high_id ELSE user_low_id END AS user_id, created_at
           FROM friendships WHERE user_low_id = $1 OR user_high_id = $1
          ORDER BY created_at DESC, 1 DESC`,
        [me.id],
      );
      const byId = new Map(others.map((o) => [o.id, o]));
      const expected = rows.map((row) => ({
        user: profile(byId.get(row.user_id)!),
        since: (row.created_at as Date).toISOString(),
      }));
      expect(expected).toHaveLength(5);

      const all = await listFriends(me);
      expect(all.status).toBe(200);
      expect(all.body).toEqual({ items: expected, nextCursor: null });
      // most recent first: the last friendship made comes first
      const sinces = all.body.items.map((i: { since: string }) => i.since);
      expect([...sinces].sort().reverse()).toEqual(sinces);

      const items: unknown[] = [];
      const sizes: number[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page = await listFriends(me, query);
        expect(page.status).toBe(200);
        sizes.push(page.body.items.length);
        items.push(...page.body.items);
        cursor = page.body.nextCursor;
      } while (cursor !== null && sizes.length < 10);
      expect(sizes).toEqual([2, 2, 1]);
      expect(items).toEqual(expected);

      // each friend sees me once
      for (const other of others) {
        const theirs = await listFriends(other);
        expect(theirs.body.items).toEqual([{ user: profile(me), since: expect.any(String) }]);
      }
    });

    it('an empty list for someone with no friends', async () => {
      const [me] = await users(1);
      expect((await listFriends(me)).body).toEqual({ items: [], nextCursor: null });
    });

    it('unfriend: 204; neither side is a friend any more; a second time is a 404', async () => {
      const [a, b, c] = await users(3);
      await befriend(a, b);
      await befriend(a, c);
      events = [];
      const res = await unfriend(b, a.id);
      expect(res.status).toBe(204);
      expect((await pairState(a.id, b.id)).friendships).toEqual([]);
      expect((await listFriends(b)).body.items).toEqual([]);
      expect((await listFriends(a)).body.items).toEqual([
        { user: profile(c), since: expect.any(String) },
      ]);
      expect(events).toEqual([
        { name: FriendsEvents.friendshipRemoved, payload: { userIds: [b.id, a.id] } },
      ]);
      events = [];
      expectError(await unfriend(b, a.id), 404, 'NOT_FRIENDS');
      expectError(await unfriend(a, b.id), 404, 'NOT_FRIENDS');
      expect(events).toEqual([]);
      // they may become friends again
      await befriend(b, a);
      expect((await pairState(a.id, b.id)).friendships).toHaveLength(1);
    });

    it('unfriending someone who is not a friend, myself or nobody is a 404 NOT_FRIENDS', async () => {
      const [a, b] = await users(2);
      await pendingRequest(a, b);
      expectError(await unfriend(a, b.id), 404, 'NOT_FRIENDS');
      expectError(await unfriend(a, a.id), 404, 'NOT_FRIENDS');
      expectError(await unfriend(a, MAX_ID), 404, 'NOT_FRIENDS');
    });

    it.each([
      ['limit=0', 'VALIDATION_FAILED'],
      ['limit=101', 'VALIDATION_FAILED'],
      ['limit=x', 'VALIDATION_FAILED'],
      ['direction=incoming', 'VALIDATION_FAILED'],
      ['cursor=%%%', 'INVALID_CURSOR'],
      ['cursor=abc', 'INVALID_CURSOR'],
      [`cursor=${cursorOf({ id: 5 })}`, 'INVALID_CURSOR'],
      [`cursor=${cursorOf({ since: 'yesterday', userId: 5 })}`, 'INVALID_CURSOR'],
      [`cursor=${cursorOf({ since: '2022-01-01T00:00:00.000Z', userId: '5' })}`, 'INVALID_CURSOR'],
    ])('GET /friends?%s is a 400 %s', async (query, code) => {
      const [me] = await users(1);
      const res = await t.http.get(`/api/v1/friends?${query}`, { token: me.accessToken });
      expectError(res, 400, code);
    });

    it.each([
      ['a date-like string PostgreSQL cannot read', { since: '1', userId: 1 }],
      ['a user id beyond the id range', { since: '2022-01-01T00:00:00.000Z', userId: MAX_ID + 1 }],
    ])(
      'a friends or blocks cursor with %s is a 400 INVALID_CURSOR, never a 500',
      async (_label, key) => {
        const [me] = await users(1);
        const res = await listFriends(me, `cursor=${cursorOf(key)}`);
        expect(res.status).toBeLessThan(500);
        expectError(res, 400, 'INVALID_CURSOR');
        const blocks = await listBlocks(me, `cursor=${cursorOf(key)}`);
        expectError(blocks, 400, 'INVALID_CURSOR');
      },
    );
  });

  // ---- blocks --------------------------------------------------------------------------------

  describe('blocks', () => {
    it('block: 201 {user, blockedAt}; idempotent; listed for me only', async () => {
      const [a, b] = await users(2);
      const res = await block(a, b.id);
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ user: profile(b), blockedAt: expect.stringMatching(ISO_MS) });
      const again = await block(a, b.id);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(res.body);
      const { rows } = await t.db.query(
        'SELECT blocker_id, blocked_id, created_at FROM user_blocks WHERE blocker_id = $1',
        [a.id],
      );
      expect(rows).toEqual([{ blocker_id: a.id, blocked_id: b.id, created_at: expect.any(Date) }]);
      expect((rows[0].created_at as Date).toISOString()).toBe(res.body.blockedAt);
      expect((await listBlocks(a)).body).toEqual({ items: [res.body], nextCursor: null });
      // silent: the blocked user sees no block anywhere
      expect((await listBlocks(b)).body).toEqual({ items: [], nextCursor: null });
    });

    it('ends the friendship, for both sides', async () => {
      const [a, b] = await users(2);
      await befriend(a, b);
      events = [];
      expect((await block(a, b.id)).status).toBe(201);
      const state = await pairState(a.id, b.id);
      expect(state.friendships).toEqual([]);
      expect(state.requests.map((r) => r.status)).toEqual(['accepted']);
      expect((await listFriends(a)).body.items).toEqual([]);
      expect((await listFriends(b)).body.items).toEqual([]);
      expectConsistent(state);
      expect(events).toEqual([
        { name: FriendsEvents.friendshipRemoved, payload: { userIds: [a.id, b.id] } },
      ]);
    });

    it("rejects the blocked user's pending request to me, like an ordinary rejection", async () => {
      const [a, b] = await users(2);
      const id = await pendingRequest(b, a, 'please');
      events = [];
      expect((await block(a, b.id)).status).toBe(201);
      const state = await pairState(a.id, b.id);
      expect(state.requests).toEqual([
        expect.objectContaining({ id, status: 'rejected', responded_at: expect.any(Date) }),
      ]);
      expectConsistent(state);
      const seenByB = await listRequests(b, 'direction=outgoing');
      expect(seenByB.body.items).toEqual([
        expect.objectContaining({ id, status: 'rejected', respondedAt: expect.any(String) }),
      ]);
      expect(events).toEqual([
        {
          name: FriendsEvents.requestUpdated,
          payload: { request: seenByB.body.items[0] },
        },
      ]);
      expectError(await accept(a, id), 409, 'FRIEND_REQUEST_NOT_PENDING');
    });

    it('withdraws my own pending request to the user I block', async () => {
      const [a, b] = await users(2);
      const id = await pendingRequest(a, b);
      events = [];
      expect((await block(a, b.id)).status).toBe(201);
      const state = await pairState(a.id, b.id);
      expect(state.requests).toEqual([]);
      expect((await listRequests(b)).body.items).toEqual([]);
      expect(events).toEqual([
        {
          name: FriendsEvents.requestWithdrawn,
          payload: { requestId: id, fromUserId: a.id, toUserId: b.id },
        },
      ]);
      expectError(await accept(b, id), 404, 'FRIEND_REQUEST_NOT_FOUND');
    });

    it('is silent: the blocked user gets exactly the answer of a user who does not accept requests', async () => {
      const [blocker, blocked, closed, sender] = await users(4);
      await block(blocker, blocked.id);
      await setAllowRequests(closed, false);
      events = [];
      const toBlocker = await send(blocked, blocker.id, 'hi');
      const toClosed = await send(sender, closed.id, 'hi');
      expectError(toBlocker, 403, 'FRIEND_REQUESTS_NOT_ACCEPTED');
      expect(toBlocker.body).toEqual(toClosed.body);
      expect(toBlocker.text).not.toMatch(/block/i);
      expect((await pairState(blocker.id, blocked.id)).requests).toEqual([]);
      expect(events).toEqual([]);
      // the blocked user may still see the blocker's profile and block them back
      expect(
        (await t.http.get(`/api/v1/users/${blocker.id}`, { token: blocked.accessToken })).status,
      ).toBe(200);
      expect((await block(blocked, blocker.id)).status).toBe(201);
    });

    it('the blocker cannot send requests to the user they block (409 USER_BLOCKED)', async () => {
      const [a, b] = await users(2);
      await block(a, b.id);
      expectError(await send(a, b.id), 409, 'USER_BLOCKED');
      expect((await pairState(a.id, b.id)).requests).toEqual([]);
    });

    it('prevents direct messages between the two, in both directions', async () => {
      const [a, b, c] = await users(3);
      const blocks = t.app.get(BlocksService);
      await block(a, b.id);
      expect(await blocks.hasBlockBetween(a.id, b.id)).toBe(true);
      expect(await blocks.hasBlockBetween(b.id, a.id)).toBe(true);
      expect(await blocks.hasBlockBetween(a.id, c.id)).toBe(false);
      await unblock(a, b.id);
      expect(await blocks.hasBlockBetween(a.id, b.id)).toBe(false);
    });

    it('unblock: 204; requests work again in both directions; a second unblock is a 404', async () => {
      const [a, b] = await users(2);
      await befriend(a, b);
      await block(a, b.id);
      const res = await unblock(a, b.id);
      expect(res.status).toBe(204);
      expect((await pairState(a.id, b.id)).blocks).toEqual([]);
      expect((await listBlocks(a)).body.items).toEqual([]);
      // the friendship is not restored
      expect((await listFriends(a)).body.items).toEqual([]);
      expectError(await unblock(a, b.id), 404, 'BLOCK_NOT_FOUND');
      const id = await pendingRequest(b, a);
      expect((await withdraw(b, id)).status).toBe(204);
      await befriend(a, b);
    });

    it('unblocking someone I do not block (or nobody) is a 404; their block on me stays', async () => {
      const [a, b] = await users(2);
      await block(b, a.id);
      expectError(await unblock(a, b.id), 404, 'BLOCK_NOT_FOUND');
      expectError(await unblock(a, MAX_ID), 404, 'BLOCK_NOT_FOUND');
      expect((await pairState(a.id, b.id)).blocks).toEqual([
        { blocker_id: b.id, blocked_id: a.id },
      ]);
    });

    it('with blocks both ways, lifting one still leaves the other in force', async () => {
      const [a, b] = await users(2);
      await block(a, b.id);
      await block(b, a.id);
      await unblock(a, b.id);
      expectError(await send(a, b.id), 403, 'FRIEND_REQUESTS_NOT_ACCEPTED');
      expectError(await send(b, a.id), 409, 'USER_BLOCKED');
    });

    it('refuses to block myself (400 BLOCK_SELF) or nobody (404 USER_NOT_FOUND)', async () => {
      const [a] = await users(1);
      expectError(await block(a, a.id), 400, 'BLOCK_SELF');
      expectError(await block(a, MAX_ID), 404, 'USER_NOT_FOUND');
      const { rows } = await t.db.query(
        'SELECT count(*)::int AS n FROM user_blocks WHERE blocker_id = $1',
        [a.id],
      );
      expect(rows[0].n).toBe(0);
    });

    it('lists blocks most recent first, paged', async () => {
      const [me, ...others] = await users(4);
      for (const other of others) expect((await block(me, other.id)).status).toBe(201);
      const { rows } = await t.db.query(
        `SELECT blocked_id, created_at FROM user_blocks WHERE blocker_id = $1
          ORDER BY created_at DESC, blocked_id DESC`,
        [me.id],
      );
      const byId = new Map(others.map((o) => [o.id, o]));
      const expected = rows.map((row) => ({
        user: profile(byId.get(row.blocked_id)!),
        blockedAt: (row.created_at as Date).toISOString(),
      }));
      const first = await listBlocks(me, 'limit=2');
      expect(first.status).toBe(200);
      expect(first.body.items).toEqual(expected.slice(0, 2));
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await listBlocks(
        me,
        `limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
      );
      expect(second.body).toEqual({ items: expected.slice(2), nextCursor: null });
    });

    it.each([
      ['userId as a string', (id: number) => ({ userId: String(id) })],
      ['userId 0', () => ({ userId: 0 })],
      ['userId 1.5', () => ({ userId: 1.5 })],
      ['userId beyond the id range', () => ({ userId: MAX_ID + 1 })],
      ['no userId', () => ({})],
      ['an unknown extra field', (id: number) => ({ userId: id, reason: 'spam' })],
    ])('POST /blocks with %s is a 400', async (_label, body) => {
      const [a, b] = await users(2);
      const res = await t.http.post('/api/v1/blocks', { token: a.accessToken, body: body(b.id) });
      expectError(res, 400, 'VALIDATION_FAILED');
      expect((await pairState(a.id, b.id)).blocks).toEqual([]);
    });

    it.each([
      ['limit=0', 'VALIDATION_FAILED'],
      ['limit=101', 'VALIDATION_FAILED'],
      ['cursor=***', 'INVALID_CURSOR'],
      [`cursor=${cursorOf({ id: 3 })}`, 'INVALID_CURSOR'],
    ])('GET /blocks?%s is a 400 %s', async (query, code) => {
      const [me] = await users(1);
      expectError(await listBlocks(me, query), 400, code);
    });
  });

  // ---- events --------------------------------------------------------------------------------

  describe('domain events', () => {
    it('friend-request.created carries the request as the response shows it, after commit', async () => {
      const [a, b] = await users(2);
      const seen: Promise<number>[] = [];
      const emitter = t.app.get(EventEmitter2);
      const check = (event: { request: { id: number } }) => {
        seen.push(
          t.db
            .query('SELECT count(*)::int AS n FROM friend_requests WHERE id = $1', [
              event.request.id,
            ])
            .then(({ rows }) => rows[0].n),
        );
      };
      emitter.on(FriendsEvents.requestCreated, check);
      try {
        const res = await send(a, b.id, 'evented');
        expect(res.status).toBe(201);
        expect(events).toEqual([
          { name: FriendsEvents.requestCreated, payload: { request: res.body } },
        ]);
        expect(await Promise.all(seen)).toEqual([1]);
      } finally {
        emitter.off(FriendsEvents.requestCreated, check);
      }
    });

    it('accepting emits friend-request.updated then friendship.created with since', async () => {
      const [a, b] = await users(2);
      const id = await pendingRequest(a, b);
      events = [];
      const res = await accept(b, id);
      expect(events).toEqual([
        { name: FriendsEvents.requestUpdated, payload: { request: res.body } },
        {
          name: FriendsEvents.friendshipCreated,
          payload: { userIds: [a.id, b.id], since: res.body.respondedAt },
        },
      ]);
      const state = await pairState(a.id, b.id);
      expect(state.friendships[0].created_at.toISOString()).toBe(res.body.respondedAt);
    });

    it('a crossing request emits updated and friendship.created, but no created', async () => {
      const [a, b] = await users(2);
      await pendingRequest(b, a);
      events = [];
      const res = await send(a, b.id);
      expect(res.status).toBe(200);
      expect(eventsNamed(FriendsEvents.requestCreated)).toEqual([]);
      expect(events).toEqual([
        { name: FriendsEvents.requestUpdated, payload: { request: res.body } },
        {
          name: FriendsEvents.friendshipCreated,
          payload: { userIds: [b.id, a.id], since: res.body.respondedAt },
        },
      ]);
    });

    it('rejecting emits friend-request.updated; withdrawing friend-request.withdrawn', async () => {
      const [a, b, c] = await users(3);
      const r1 = await pendingRequest(a, b);
      const r2 = await pendingRequest(a, c);
      events = [];
      const rejected = await reject(b, r1);
      expect(events).toEqual([
        { name: FriendsEvents.requestUpdated, payload: { request: rejected.body } },
      ]);
      events = [];
      await withdraw(a, r2);
      expect(events).toEqual([
        {
          name: FriendsEvents.requestWithdrawn,
          payload: { requestId: r2, fromUserId: a.id, toUserId: c.id },
        },
      ]);
    });

    it('failed requests emit nothing', async () => {
      const [a, b, c] = await users(3);
      const id = await pendingRequest(a, b);
      await befriend(c, a);
      events = [];
      expectError(await send(a, b.id), 409, 'FRIEND_REQUEST_EXISTS');
      expectError(await send(a, c.id), 409, 'ALREADY_FRIENDS');
      expectError(await send(a, a.id), 400, 'FRIEND_REQUEST_TO_SELF');
      expectError(await accept(a, id), 403, 'NOT_REQUEST_RECIPIENT');
      expectError(await accept(c, id), 404, 'FRIEND_REQUEST_NOT_FOUND');
      expectError(await withdraw(b, id), 403, 'NOT_REQUEST_SENDER');
      await reject(b, id);
      events = [];
      expectError(await accept(b, id), 409, 'FRIEND_REQUEST_NOT_PENDING');
      expectError(await reject(b, id), 409, 'FRIEND_REQUEST_NOT_PENDING');
      expectError(await withdraw(a, id), 409, 'FRIEND_REQUEST_NOT_PENDING');
      expectError(await unfriend(a, b.id), 404, 'NOT_FRIENDS');
      expectError(await unblock(a, b.id), 404, 'BLOCK_NOT_FOUND');
      expect(events).toEqual([]);
    });

    it('blocking a stranger emits nothing', async () => {
      const [a, b] = await users(2);
      events = [];
      await block(a, b.id);
      await block(a, b.id);
      await unblock(a, b.id);
      expect(events).toEqual([]);
    });
  });

  // ---- concurrency ---------------------------------------------------------------------------

  describe('under concurrency', () => {
    it('two users asking each other at once become friends exactly once (10 pairs)', async () => {
      const pairs = await Promise.all(Array.from({ length: ROUNDS }, () => users(2, 'cross')));
      const results = await Promise.all(
        pairs.map(([a, b]) => Promise.all([send(a, b.id, 'from a'), send(b, a.id, 'from b')])),
      );
      for (const [i, [a, b]] of pairs.entries()) {
        const [ab, ba] = results[i];
        expect(sortedStatuses([ab, ba])).toEqual([200, 201]);
        const created = ab.status === 201 ? ab : ba;
        const completed = ab.status === 201 ? ba : ab;
        expect(completed.body).toMatchObject({ id: created.body.id, status: 'accepted' });
        const state = await pairState(a.id, b.id);
        expect(state.friendships).toHaveLength(1);
        expect(state.requests).toEqual([
          expect.objectContaining({ id: created.body.id, status: 'accepted' }),
        ]);
        expectConsistent(state);
      }
    });

    it('many requests both ways at once: one created, one completed, the rest 409', async () => {
      const [a, b] = await users(2);
      const results = await Promise.all(
        Array.from({ length: ROUNDS }, () => [send(a, b.id), send(b, a.id)]).flat(),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      for (const res of results.filter((r) => r.status !== 200 && r.status !== 201)) {
        expect(res.status).toBe(409);
        expect(['ALREADY_FRIENDS', 'FRIEND_REQUEST_EXISTS']).toContain(res.body.code);
      }
      const state = await pairState(a.id, b.id);
      expect(state.friendships).toHaveLength(1);
      expect(state.requests.map((r) => r.status)).toEqual(['accepted']);
      expectConsistent(state);
      expect(eventsNamed(FriendsEvents.friendshipCreated)).toHaveLength(1);
      expect(eventsNamed(FriendsEvents.requestCreated)).toHaveLength(1);
    });

    it('the same request sent many times at once is stored once', async () => {
      const [a, b] = await users(2);
      const results = await Promise.all(Array.from({ length: ROUNDS }, () => send(a, b.id)));
      expect(sortedStatuses(results)).toEqual([201, ...Array(ROUNDS - 1).fill(409)]);
      for (const res of results.filter((r) => r.status === 409)) {
        expect(res.body.code).toBe('FRIEND_REQUEST_EXISTS');
      }
      const state = await pairState(a.id, b.id);
      expect(state.requests.map((r) => r.status)).toEqual(['pending']);
    });

    it('accept racing withdraw: exactly one wins, and the tables agree (10 rounds)', async () => {
      const pairs = await Promise.all(Array.from({ length: ROUNDS }, () => users(2, 'aw')));
      const ids = await Promise.all(pairs.map(([a, b]) => pendingRequest(a, b)));
      const results = await Promise.all(
        pairs.map(([a, b], i) => Promise.all([accept(b, ids[i]), withdraw(a, ids[i])])),
      );
      for (const [i, [a, b]] of pairs.entries()) {
        const [accepted, withdrawn] = results[i];
        const state = await pairState(a.id, b.id);
        expectConsistent(state);
        if (accepted.status === 200) {
          expectError(withdrawn, 409, 'FRIEND_REQUEST_NOT_PENDING');
          expect(state.friendships).toHaveLength(1);
          expect(state.requests.map((r) => [r.id, r.status])).toEqual([[ids[i], 'accepted']]);
        } else {
          expectError(accepted, 404, 'FRIEND_REQUEST_NOT_FOUND');
          expect(withdrawn.status).toBe(204);
          expect(state.friendships).toEqual([]);
          expect(state.requests).toEqual([]);
        }
      }
    });

    it('two accepts at once: one 200, one 409, one friendship (10 rounds)', async () => {
      const pairs = await Promise.all(Array.from({ length: ROUNDS }, () => users(2, 'aa')));
      const ids = await Promise.all(pairs.map(([a, b]) => pendingRequest(a, b)));
      events = [];
      const results = await Promise.all(
        pairs.map(([, b], i) => Promise.all([accept(b, ids[i]), accept(b, ids[i])])),
      );
      for (const [i, [a, b]] of pairs.entries()) {
        expect(sortedStatuses(results[i])).toEqual([200, 409]);
        expect(results[i].find((r) => r.status === 409)!.body.code).toBe(
          'FRIEND_REQUEST_NOT_PENDING',
        );
        const state = await pairState(a.id, b.id);
        expect(state.friendships).toHaveLength(1);
        expectConsistent(state);
      }
      expect(eventsNamed(FriendsEvents.friendshipCreated)).toHaveLength(ROUNDS);
    });

    it('accept racing reject: one answer sticks, and the friendship matches it (10 rounds)', async () => {
      const pairs = await Promise.all(Array.from({ length: ROUNDS }, () => users(2, 'ar')));
      const ids = await Promise.all(pairs.map(([a, b]) => pendingRequest(a, b)));
      const results = await Promise.all(
        pairs.map(([, b], i) => Promise.all([accept(b, ids[i]), reject(b, ids[i])])),
      );
      for (const [i, [a, b]] of pairs.entries()) {
        expect(sortedStatuses(results[i])).toEqual([200, 409]);
        const state = await pairState(a.id, b.id);
        const accepted = results[i][0].status === 200;
        expect(state.requests.map((r) => r.status)).toEqual([accepted ? 'accepted' : 'rejected']);
        expect(state.friendships).toHaveLength(accepted ? 1 : 0);
        expectConsistent(state);
      }
    });

    it('block racing accept: the block always wins in the end (10 rounds each way)', async () => {
      const pairs = await Promise.all(Array.from({ length: 2 * ROUNDS }, () => users(2, 'ba')));
      const ids = await Promise.all(pairs.map(([a, b]) => pendingRequest(a, b)));
      const results = await Promise.all(
        pairs.map(([a, b], i) =>
          Promise.all([
            accept(b, ids[i]),
            // the first half: the sender blocks; the second half: the recipient blocks
            i < ROUNDS ? block(a, b.id) : block(b, a.id),
          ]),
        ),
      );
      for (const [i, [a, b]] of pairs.entries()) {
        const [accepted, blocked] = results[i];
        expect(blocked.status).toBe(201);
        expect([200, 404, 409]).toContain(accepted.status);
        const state = await pairState(a.id, b.id);
        expect(state.blocks).toHaveLength(1);
        expect(state.friendships).toEqual([]);
        expectConsistent(state);
        if (accepted.status === 200) {
          expect(state.requests.map((r) => r.status)).toEqual(['accepted']);
        } else if (i < ROUNDS) {
          expectError(accepted, 404, 'FRIEND_REQUEST_NOT_FOUND');
          expect(state.requests).toEqual([]);
        } else {
          expectError(accepted, 409, 'FRIEND_REQUEST_NOT_PENDING');
          expect(state.requests.map((r) => r.status)).toEqual(['rejected']);
        }
        expect((await listFriends(a)).body.items).toEqual([]);
        expect((await listFriends(b)).body.items).toEqual([]);
      }
    });

    it('block racing a request from the blocked user leaves nothing pending (10 rounds)', async () => {
      const pairs = await Promise.all(Array.from({ length: ROUNDS }, () => users(2, 'bs')));
      const results = await Promise.all(
        pairs.map(([a, b]) => Promise.all([send(b, a.id), block(a, b.id)])),
      );
      for (const [i, [a, b]] of pairs.entries()) {
        const [sent, blocked] = results[i];
        expect(blocked.status).toBe(201);
        const state = await pairState(a.id, b.id);
        expectConsistent(state);
        if (sent.status === 201) {
          expect(state.requests.map((r) => r.status)).toEqual(['rejected']);
        } else {
          expectError(sent, 403, 'FRIEND_REQUESTS_NOT_ACCEPTED');
          expect(state.requests).toEqual([]);
        }
      }
    });

    it('both unfriending at once: one 204, one 404, no friendship', async () => {
      const [a, b] = await users(2);
      await befriend(a, b);
      const results = await Promise.all([unfriend(a, b.id), unfriend(b, a.id)]);
      expect(sortedStatuses(results)).toEqual([204, 404]);
      expect((await pairState(a.id, b.id)).friendships).toEqual([]);
      expect(eventsNamed(FriendsEvents.friendshipRemoved)).toHaveLength(1);
    });

    it('after all of this, the whole database still obeys the rules', async () => {
      const { rows: doublePending } = await t.db.query(
        `SELECT LEAST(from_user_id, to_user_id) AS low, GREATEST(from_user_id, to_user_id) AS high
           FROM friend_requests WHERE status = 'pending' GROUP BY 1, 2 HAVING count(*) > 1`,
      );
      expect(doublePending).toEqual([]);
      const { rows: friendsWithPending } = await t.db.query(
        `SELECT f.user_low_id, f.user_high_id FROM friendships f JOIN friend_requests r
             ON r.status = 'pending'
            AND LEAST(r.from_user_id, r.to_user_id) = f.user_low_id
            AND GREATEST(r.from_user_id, r.to_user_id) = f.user_high_id`,
      );
      expect(friendsWithPending).toEqual([]);
      const { rows: blockedFriends } = await t.db.query(
        `SELECT f.user_low_id, f.user_high_id FROM friendships f JOIN user_blocks b
             ON (b.blocker_id = f.user_low_id AND b.blocked_id = f.user_high_id)
             OR (b.blocker_id = f.user_high_id AND b.blocked_id = f.user_low_id)`,
      );
      expect(blockedFriends).toEqual([]);
      const { rows: blockedPending } = await t.db.query(
        `SELECT r.id FROM friend_requests r JOIN user_blocks b
             ON (b.blocker_id = r.from_user_id AND b.blocked_id = r.to_user_id)
             OR (b.blocker_id = r.to_user_id AND b.blocked_id = r.from_user_id)
          WHERE r.status = 'pending'`,
      );
      expect(blockedPending).toEqual([]);
      const { rows: friendsWithoutAcceptance } = await t.db.query(
        `SELECT f.user_low_id, f.user_high_id FROM friendships f
          WHERE NOT EXISTS (SELECT 1 FROM friend_requests r WHERE r.status = 'accepted'
            AND LEAST(r.from_user_id, r.to_user_id) = f.user_low_id
            AND GREATEST(r.from_user_id, r.to_user_id) = f.user_high_id)`,
      );
      expect(friendsWithoutAcceptance).toEqual([]);
    });

    it('no request is answered before it was sent, even when requests cross', async () => {
      // The answer of a crossing request is stamped with now(), the start of its transaction,
      // which may have begun before the other user's transaction inserted the request. Whether
      // the bad order shows depends on timing, so this runs many crossings (and checks every
      // request the races above made as well).
      const pairs = await Promise.all(Array.from({ length: ROUNDS }, () => users(2, 'ts')));
      for (let round = 0; round < 8; round += 1) {
        const crossed = await Promise.all(
          pairs.map(([a, b]) => Promise.all([send(a, b.id), send(b, a.id)])),
        );
        for (const results of crossed) expect(sortedStatuses(results)).toEqual([200, 201]);
        const ended = await Promise.all(pairs.map(([a, b]) => unfriend(a, b.id)));
        expect(ended.map((r) => r.status)).toEqual(Array(ROUNDS).fill(204));
      }
      const { rows } = await t.db.query(
        `SELECT id, status, sent_at, responded_at FROM friend_requests
          WHERE responded_at < sent_at`,
      );
      expect(rows).toEqual([]);
      const { rows: early } = await t.db.query(
        `SELECT f.user_low_id, f.user_high_id FROM friendships f JOIN friend_requests r
             ON LEAST(r.from_user_id, r.to_user_id) = f.user_low_id
            AND GREATEST(r.from_user_id, r.to_user_id) = f.user_high_id
          WHERE f.created_at < r.sent_at`,
      );
      expect(early).toEqual([]);
    });
  });

  // ---- database constraints ------------------------------------------------------------------

  describe('database constraints', () => {
    async function expectPgError(
      sql: string,
      params: unknown[],
      code: string,
      constraint?: string,
    ) {
      const error = await t.db.query(sql, params).then(
        () => null,
        (e: { code?: string; constraint?: string }) => e,
      );
      expect(error).toMatchObject({ code, ...(constraint ? { constraint } : {}) });
    }

    it('a friendship is stored once, ordered, never with oneself', async () => {
      const [a, b] = await users(2);
      await befriend(a, b);
      const [low, high] = pairOf(a.id, b.id);
      await expectPgError(
        'INSERT INTO friendships (user_low_id, user_high_id) VALUES ($1, $2)',
        [low, high],
        '23505',
        'friendships_pkey',
      );
      await expectPgError(
        'INSERT INTO friendships (user_low_id, user_high_id) VALUES ($1, $2)',
        [high, low],
        '23514',
        'friendships_ordered_pair',
      );
      await expectPgError(
        'INSERT INTO friendships (user_low_id, user_high_id) VALUES ($1, $1)',
        [low],
        '23514',
        'friendships_ordered_pair',
      );
    });

    it('at most one pending request per pair, in either direction; none to oneself', async () => {
      const [a, b] = await users(2);
      await pendingRequest(a, b);
      const insert = 'INSERT INTO friend_requests (from_user_id, to_user_id) VALUES ($1, $2)';
      await expectPgError(insert, [a.id, b.id], '23505', 'friend_requests_one_pending_per_pair');
      await expectPgError(insert, [b.id, a.id], '23505', 'friend_requests_one_pending_per_pair');
      await expectPgError(insert, [a.id, a.id], '23514', 'friend_requests_not_to_self');
      await expectPgError(
        `INSERT INTO friend_requests (from_user_id, to_user_id, status, responded_at)
         VALUES ($1, $2, 'maybe', now())`,
        [b.id, a.id],
        '23514',
        'friend_requests_status',
      );
      await expectPgError(
        `INSERT INTO friend_requests (from_user_id, to_user_id, status) VALUES ($1, $2, 'accepted')`,
        [b.id, a.id],
        '23514',
        'friend_requests_responded',
      );
      // answered requests do not count
      const { rows } = await t.db.query(
        `INSERT INTO friend_requests (from_user_id, to_user_id, status, responded_at)
         VALUES ($1, $2, 'rejected', now()) RETURNING id`,
        [b.id, a.id],
      );
      await t.db.query('DELETE FROM friend_requests WHERE id = $1', [rows[0].id]);
    });

    it('no block of oneself, and one block row per direction', async () => {
      const [a, b] = await users(2);
      await block(a, b.id);
      const insert = 'INSERT INTO user_blocks (blocker_id, blocked_id) VALUES ($1, $2)';
      await expectPgError(insert, [a.id, b.id], '23505', 'user_blocks_pkey');
      await expectPgError(insert, [a.id, a.id], '23514', 'user_blocks_not_self');
    });
  });

  // ---- authentication and path ids -----------------------------------------------------------

  describe('every route', () => {
    const routes: [string, string, unknown][] = [
      ['POST', '/api/v1/friend-requests', { toUserId: 1 }],
      ['GET', '/api/v1/friend-requests', null],
      ['POST', '/api/v1/friend-requests/1/accept', null],
      ['POST', '/api/v1/friend-requests/1/reject', null],
      ['DELETE', '/api/v1/friend-requests/1', null],
      ['GET', '/api/v1/friends', null],
      ['DELETE', '/api/v1/friends/1', null],
      ['POST', '/api/v1/blocks', { userId: 1 }],
      ['GET', '/api/v1/blocks', null],
      ['DELETE', '/api/v1/blocks/1', null],
    ];

    it.each(routes)('%s %s without a token is a 401', async (method, path, body) => {
      const res = await t.http.request(method, path, body === null ? {} : { body });
      expectError(res, 401, 'TOKEN_MISSING');
    });

    it.each(routes)('%s %s with a bad token is a 401', async (method, path, body) => {
      const res = await t.http.request(method, path, {
        token: 'not-a-jwt',
        ...(body === null ? {} : { body }),
      });
      expectError(res, 401, 'TOKEN_INVALID');
    });

    it('a 401 changes nothing', async () => {
      const [a, b] = await users(2);
      const id = await pendingRequest(a, b);
      events = [];
      await t.http.post(`/api/v1/friend-requests/${id}/accept`);
      await t.http.delete(`/api/v1/friend-requests/${id}`);
      await t.http.post('/api/v1/blocks', { body: { userId: b.id } });
      const state = await pairState(a.id, b.id);
      expect(state.requests.map((r) => r.status)).toEqual(['pending']);
      expect(state.friendships).toEqual([]);
      expect(state.blocks).toEqual([]);
      expect(events).toEqual([]);
    });

    const idRoutes: [string, (id: string) => string][] = [
      ['POST', (id) => `/api/v1/friend-requests/${id}/accept`],
      ['POST', (id) => `/api/v1/friend-requests/${id}/reject`],
      ['DELETE', (id) => `/api/v1/friend-requests/${id}`],
      ['DELETE', (id) => `/api/v1/friends/${id}`],
      ['DELETE', (id) => `/api/v1/blocks/${id}`],
    ];
    const cases = idRoutes.flatMap(([method, path]) =>
      BAD_IDS.map((id) => [method, path(id)] as const),
    );

    it.each(cases)('%s %s is a 400', async (method, path) => {
      const [me] = await users(1);
      const res = await t.http.request(method, path, { token: me.accessToken });
      expectError(res, 400, 'VALIDATION_FAILED');
    });
  });

  // ---- the sample scenario, through the API ---------------------------------------------------

  describe('the sample scenario', () => {
    it('shahn, shivam and udit become friends; shahn asked shivam "hi", shivam accepted', async () => {
      const shahn = await ctx.newUser(uniqueUsername('shahn'));
      const shivam = await ctx.newUser(uniqueUsername('shivam'));
      const udit = await ctx.newUser(uniqueUsername('udit'));

      const hi = await send(shahn, shivam.id, 'hi');
      expect(hi.status).toBe(201);
      expect((await accept(shivam, hi.body.id)).status).toBe(200);
      await befriend(shahn, udit);
      await befriend(shivam, udit);

      const ids = [shahn.id, shivam.id, udit.id];
      const { rows: friendships } = await t.db.query(
        `SELECT user_low_id, user_high_id FROM friendships
          WHERE user_low_id = ANY($1) OR user_high_id = ANY($1)
          ORDER BY user_low_id, user_high_id`,
        [ids],
      );
      expect(friendships).toEqual(
        [pairOf(shahn.id, shivam.id), pairOf(shahn.id, udit.id), pairOf(shivam.id, udit.id)]
          .sort((x, y) => x[0] - y[0] || x[1] - y[1])
          .map(([low, high]) => ({ user_low_id: low, user_high_id: high })),
      );
      for (const f of friendships) expect(f.user_low_id).toBeLessThan(f.user_high_id);

      const { rows: requests } = await t.db.query(
        `SELECT from_user_id, to_user_id, message, status, responded_at FROM friend_requests
          WHERE from_user_id = $1 AND to_user_id = $2`,
        [shahn.id, shivam.id],
      );
      expect(requests).toEqual([
        {
          from_user_id: shahn.id,
          to_user_id: shivam.id,
          message: 'hi',
          status: 'accepted',
          responded_at: expect.any(Date),
        },
      ]);

      const friendIds = async (s: Session) =>
        (await listFriends(s)).body.items.map((i: { user: { id: number } }) => i.user.id).sort();
      expect(await friendIds(shahn)).toEqual([shivam.id, udit.id].sort());
      expect(await friendIds(shivam)).toEqual([shahn.id, udit.id].sort());
      expect(await friendIds(udit)).toEqual([shahn.id, shivam.id].sort());
    });
  });
});
