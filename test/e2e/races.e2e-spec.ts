import { ChatsRepository } from '../../src/chats/chats.repository';
import { ChatsService } from '../../src/chats/chats.service';
import { DomainEventsListener } from '../../src/realtime/domain-events.listener';
import { Session, TestContext, uniqueUsername } from '../utils/context';
import { HttpResponse } from '../utils/http-client';
import { barrier, ClientSocket, connectSocket, nextEvent, record, send } from '../utils/sockets';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * Issue 8, "races": the same thing done several ways at once, over REST and sockets together, must
 * end in one state that the tables, the answers and the live events all agree on. Each race runs
 * ROUNDS times, since whether a bad interleaving shows depends on timing. (Crossing friend
 * requests and the two-way accept/reject/withdraw races are in friends.e2e-spec.ts.)
 */
const ROUNDS = 10;

/** A REST response or a socket ack, reduced to what both have. */
interface Answer {
  ok: boolean;
  code: string | null;
  message?: any;
}

const fromRest = (res: HttpResponse): Answer => ({
  ok: res.status >= 200 && res.status < 300,
  code: res.status >= 400 ? `${res.status} ${res.body?.code}` : null,
  message: res.status < 300 && typeof res.body === 'object' ? res.body : undefined,
});
const fromAck = (ack: any): Answer => ({
  ok: ack.ok === true,
  code: ack.ok ? null : `${ack.error?.code}`,
  message: ack.message,
});

const iso = (value: Date | null) => (value ? value.toISOString() : null);

describe('races end in one consistent state', () => {
  let t: TestApp;
  let ctx: TestContext;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    // A pool as large as a burst, so that the requests of a burst really run at once.
    t = await startTestApp({ DATABASE_POOL_SIZE: '20' });
    ctx = new TestContext(t);
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(() => t.close());

  const user = (prefix: string) => ctx.newUser(uniqueUsername(prefix));
  async function online(session: Session): Promise<ClientSocket> {
    const socket = await connectSocket(t.baseUrl, { token: session.accessToken });
    sockets.push(socket);
    return socket;
  }
  /** Everything the server sent these sockets before now has arrived. */
  const settle = (...of: ClientSocket[]) => Promise.all(of.map((socket) => barrier(socket)));

  async function friends(prefix: string): Promise<[Session, Session]> {
    const [a, b] = await Promise.all([user(prefix), user(prefix)]);
    await ctx.befriend(a, b);
    return [a, b];
  }

  const editRest = (me: Session, chatId: number, messageId: number, body: string) =>
    t.http
      .patch(`/api/v1/chats/${chatId}/messages/${messageId}`, {
        token: me.accessToken,
        body: { body },
      })
      .then(fromRest);
  const editSocket = (socket: ClientSocket, chatId: number, messageId: number, body: string) =>
    send(socket, 'message:edit', { chatId, messageId, body }).then(fromAck);
  const deleteRest = (me: Session, chatId: number, messageId: number) =>
    t.http
      .delete(`/api/v1/chats/${chatId}/messages/${messageId}`, { token: me.accessToken })
      .then(fromRest);
  const deleteSocket = (socket: ClientSocket, chatId: number, messageId: number) =>
    send(socket, 'message:delete', { chatId, messageId }).then(fromAck);
  const readRest = (me: Session, chatId: number, messageId: number) =>
    t.http
      .post(`/api/v1/chats/${chatId}/read`, { token: me.accessToken, body: { messageId } })
      .then(fromRest);
  const readSocket = (socket: ClientSocket, chatId: number, messageId: number) =>
    send(socket, 'chat:read', { chatId, messageId }).then(fromAck);
  const addMembers = (me: Session, chatId: number, userIds: number[]) =>
    t.http
      .post(`/api/v1/chats/${chatId}/participants`, { token: me.accessToken, body: { userIds } })
      .then(fromRest);
  const removeMember = (me: Session, chatId: number, userId: number) =>
    t.http
      .delete(`/api/v1/chats/${chatId}/participants/${userId}`, { token: me.accessToken })
      .then(fromRest);

  async function messageRow(id: number) {
    const { rows } = await t.db.query(
      'SELECT body, edited_at, deleted_at FROM messages WHERE id = $1',
      [id],
    );
    return rows[0] as { body: string | null; edited_at: Date | null; deleted_at: Date | null };
  }
  async function lastMessageOf(chatId: number) {
    const { rows } = await t.db.query('SELECT last_message FROM chat_sessions WHERE id = $1', [
      chatId,
    ]);
    return rows[0].last_message;
  }
  async function participantsOf(chatId: number): Promise<Record<number, string>> {
    const { rows } = await t.db.query(
      'SELECT user_id, role FROM chat_participants WHERE chat_id = $1',
      [chatId],
    );
    return Object.fromEntries(rows.map((row) => [row.user_id, row.role]));
  }

  /**
   * Makes the next call of `method` on one of the app's providers wait until released. Changes
   * used to read something back after their commit and only then answer and publish; this holds
   * one of them right there, as a slow query or a GC pause would, so that a rare interleaving
   * happens every time. `finished` settles when the held call has run.
   */
  function stallNext<T extends object>(provider: new (...args: any[]) => T, method: keyof T) {
    const instance = t.app.get(provider);
    const original = (instance[method] as (...args: unknown[]) => Promise<unknown>).bind(instance);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let reach!: () => void;
    const reached = new Promise<void>((resolve) => (reach = resolve));
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    jest.spyOn(instance, method as any).mockImplementationOnce((async (...args: unknown[]) => {
      reach();
      await released;
      try {
        return await original(...args);
      } finally {
        finish();
      }
    }) as any);
    return { reached, release, finished };
  }
  const stallNextChatRead = () => stallNext(ChatsService, 'get');
  /**
   * Resolves once `request` is held at the stall after its commit, or has been answered: a change
   * that no longer reads anything back after its commit is not held, and the rest of the test then
   * runs with the same order of commits.
   */
  const heldOrAnswered = (stall: { reached: Promise<void> }, request: Promise<unknown>) =>
    Promise.race([stall.reached, request]);

  // ---- friend requests -----------------------------------------------------------------------

  it('accept, reject and withdraw of one request at once: exactly one wins (10 rounds)', async () => {
    const wins: Record<string, number> = {};
    for (let round = 0; round < ROUNDS; round += 1) {
      const [a, b] = await Promise.all([user('fra'), user('frb')]);
      const [aSocket, bSocket] = await Promise.all([online(a), online(b)]);
      const sent = await t.http.post('/api/v1/friend-requests', {
        token: a.accessToken,
        body: { toUserId: b.id },
      });
      expect(sent.status).toBe(201);
      const id: number = sent.body.id;
      const seen = [aSocket, bSocket].map((socket) => ({
        updated: record(socket, 'friend-request:updated'),
        withdrawn: record(socket, 'friend-request:withdrawn'),
      }));

      const moves = [
        () => t.http.post(`/api/v1/friend-requests/${id}/accept`, { token: b.accessToken }),
        () => t.http.post(`/api/v1/friend-requests/${id}/reject`, { token: b.accessToken }),
        () => t.http.delete(`/api/v1/friend-requests/${id}`, { token: a.accessToken }),
      ];
      // Each round another one goes out first.
      const order = [0, 1, 2].map((i) => (i + round) % 3);
      const results: HttpResponse[] = [];
      await Promise.all(order.map(async (i) => (results[i] = await moves[i]())));
      const [accepted, rejected, withdrawn] = results;
      const answers = { accept: accepted, reject: rejected, withdraw: withdrawn };
      const winners = Object.entries(answers).filter(([, res]) => res.status < 300);
      expect({ round, winners: winners.map(([name]) => name).length }).toEqual({
        round,
        winners: 1,
      });
      const winner = winners[0][0] as keyof typeof answers;
      wins[winner] = (wins[winner] ?? 0) + 1;

      const { rows: requests } = await t.db.query(
        'SELECT status, responded_at FROM friend_requests WHERE id = $1',
        [id],
      );
      const { rows: friendships } = await t.db.query(
        `SELECT 1 FROM friendships WHERE user_low_id = LEAST($1::int, $2::int)
            AND user_high_id = GREATEST($1::int, $2::int)`,
        [a.id, b.id],
      );
      const losers = Object.fromEntries(
        Object.entries(answers)
          .filter(([name]) => name !== winner)
          .map(([name, res]) => [name, `${res.status} ${res.body.code}`]),
      );
      const expected = {
        accept: {
          row: [{ status: 'accepted', answered: true }],
          friends: 1,
          losers: {
            reject: '409 FRIEND_REQUEST_NOT_PENDING',
            withdraw: '409 FRIEND_REQUEST_NOT_PENDING',
          },
        },
        reject: {
          row: [{ status: 'rejected', answered: true }],
          friends: 0,
          losers: {
            accept: '409 FRIEND_REQUEST_NOT_PENDING',
            withdraw: '409 FRIEND_REQUEST_NOT_PENDING',
          },
        },
        withdraw: {
          row: [],
          friends: 0,
          losers: {
            accept: '404 FRIEND_REQUEST_NOT_FOUND',
            reject: '404 FRIEND_REQUEST_NOT_FOUND',
          },
        },
      }[winner];
      expect({
        round,
        winner,
        row: requests.map((r) => ({ status: r.status, answered: r.responded_at !== null })),
        friends: friendships.length,
        losers,
      }).toEqual({ round, winner, ...expected });
      if (winner !== 'withdraw') expect(answers[winner].body.status).toBe(requests[0].status);

      // Both users hear exactly the outcome that stuck, once.
      await settle(aSocket, bSocket);
      for (const { updated, withdrawn: gone } of seen) {
        expect({
          round,
          updated: updated.filter((r) => r.id === id).map((r) => r.status),
          withdrawn: gone.filter((r) => r.id === id).length,
        }).toEqual({
          round,
          updated: winner === 'withdraw' ? [] : [requests[0].status],
          withdrawn: winner === 'withdraw' ? 1 : 0,
        });
      }
      for (const socket of sockets.splice(0)) socket.close();
    }
    // Not an assertion (timing decides), but a race that one side always wins proves little.
    console.log(`friend-request three-way race winners: ${JSON.stringify(wins)}`);
  });

  // ---- direct chats --------------------------------------------------------------------------

  it('direct chat opened 8 times at once from both sides: one chat, one pair of members (10 rounds)', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const [a, b] = await friends('dc');
      const [aSocket, bSocket] = await Promise.all([online(a), online(b)]);
      const created = [aSocket, bSocket].map((socket) => record(socket, 'chat:created'));

      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => {
          const [me, other] = i % 2 ? [a, b] : [b, a];
          return t.http.post('/api/v1/chats/direct', {
            token: me.accessToken,
            body: { userId: other.id },
          });
        }),
      );
      const ids = [...new Set(results.map((r) => r.body.id))];
      expect({
        round,
        statuses: results.map((r) => r.status).sort(),
        ids: ids.length,
      }).toEqual({ round, statuses: [200, 200, 200, 200, 200, 200, 200, 201], ids: 1 });
      const chatId = ids[0];
      const { rows: chats } = await t.db.query(
        `SELECT id FROM chat_sessions WHERE type = 'direct'
            AND user_1_id = LEAST($1::int, $2::int) AND user_2_id = GREATEST($1::int, $2::int)`,
        [a.id, b.id],
      );
      expect({
        round,
        chats: chats.map((c) => c.id),
        members: await participantsOf(chatId),
      }).toEqual({ round, chats: [chatId], members: { [a.id]: 'member', [b.id]: 'member' } });

      // Each side was told once, and both sockets are in the room.
      await settle(aSocket, bSocket);
      expect(created.map((events) => events.map((chat) => chat.id))).toEqual([[chatId], [chatId]]);
      const arrives = nextEvent(bSocket, 'message:new', (m) => m.chatId === chatId);
      await ctx.send(a, chatId, `round ${round}`);
      await arrives;
      for (const socket of sockets.splice(0)) socket.close();
    }
  });

  // ---- read markers --------------------------------------------------------------------------

  it('read markers set at once at different messages end at the furthest, never back (10 rounds)', async () => {
    const [a, b] = await friends('rm');
    const chat = await ctx.directChat(a, b);
    const [aSocket, bSocket] = await Promise.all([online(a), online(b)]);
    const told = record(bSocket, 'chat:read');
    let previous = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const incoming: any[] = [];
      for (let i = 0; i < 8; i += 1) incoming.push(await ctx.send(b, chat.id, `r${round}.${i}`));
      // Reads of b's messages in a shuffled order, half over REST and half over the socket, and
      // two sends of a's own (a sender has read up to their message) in the same burst.
      const order = [...incoming].sort(() => Math.random() - 0.5);
      const answers = await Promise.all([
        ...order.map((m, i) =>
          i % 2 ? readRest(a, chat.id, m.id) : readSocket(aSocket, chat.id, m.id),
        ),
        t.http
          .post(`/api/v1/chats/${chat.id}/messages`, {
            token: a.accessToken,
            body: { body: `mine ${round}`, clientMessageId: `rm-${round}-rest` },
          })
          .then(fromRest),
        send(aSocket, 'message:send', {
          chatId: chat.id,
          body: `mine ${round}`,
          clientMessageId: `rm-${round}-socket`,
        }).then(fromAck),
      ]);
      expect({ round, refused: answers.filter((x) => !x.ok) }).toEqual({ round, refused: [] });
      const mine = answers.slice(-2).map((x) => x.message);
      const furthest = [...incoming, ...mine].reduce((max, m) => (m.seq > max.seq ? m : max));

      const { rows } = await t.db.query(
        `SELECT last_read_message_id::int AS id, last_read_seq::int AS seq FROM chat_participants
          WHERE chat_id = $1 AND user_id = $2`,
        [chat.id, a.id],
      );
      expect({ round, marker: rows[0] }).toEqual({
        round,
        marker: { id: furthest.id, seq: furthest.seq },
      });
      expect(rows[0].seq).toBeGreaterThan(previous);
      previous = rows[0].seq;
      const view = await t.http.get(`/api/v1/chats/${chat.id}`, { token: a.accessToken });
      expect(view.body.unreadCount).toBe(0);
    }
    // What b was told of a's marker only ever moved forward.
    await settle(bSocket);
    const ids = told.filter((e) => e.userId === a.id).map((e) => e.messageId);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.filter((id, i) => i > 0 && id <= ids[i - 1])).toEqual([]);
  });

  // ---- edits and deletes ---------------------------------------------------------------------

  it('concurrent edits of one message: the table, the answers and the events agree (10 rounds)', async () => {
    const [a, b] = await friends('ed');
    const chat = await ctx.directChat(a, b);
    const [aSocket, bSocket] = await Promise.all([online(a), online(b)]);
    const updates = record(bSocket, 'message:updated');
    for (let round = 0; round < ROUNDS; round += 1) {
      const sent = await ctx.send(a, chat.id, `original ${round}`);
      const bodies = Array.from({ length: 6 }, (_, i) => `edit ${round}.${i}`);
      const answers = await Promise.all(
        bodies.map((body, i) =>
          i % 2 ? editRest(a, chat.id, sent.id, body) : editSocket(aSocket, chat.id, sent.id, body),
        ),
      );
      expect({ round, refused: answers.filter((x) => !x.ok) }).toEqual({ round, refused: [] });
      const row = await messageRow(sent.id);
      const stored = { body: row.body, editedAt: iso(row.edited_at) };
      const answered = answers.map((x) => ({ body: x.message.body, editedAt: x.message.editedAt }));
      await settle(bSocket);
      const events = updates.filter((m) => m.id === sent.id);
      const last = events[events.length - 1];
      const preview = await lastMessageOf(chat.id);
      expect({
        round,
        // The stored edit is one that was answered, exactly as answered.
        storedWasAnswered: answered.some(
          (x) => x.body === stored.body && x.editedAt === stored.editedAt,
        ),
        // Everyone who follows the events ends on the stored edit.
        events: events.length,
        lastEvent: { body: last.body, editedAt: last.editedAt },
        preview: { body: preview.body, editedAt: preview.editedAt },
        // A client keeping the edit with the newest editedAt ends on the stored one too.
        newestAnswered: answered.reduce((max, x) => (x.editedAt > max ? x.editedAt : max), ''),
      }).toEqual({
        round,
        storedWasAnswered: true,
        events: bodies.length,
        lastEvent: stored,
        preview: stored,
        newestAnswered: stored.editedAt,
      });
    }
  });

  it('an edit racing a delete: a tombstone, later edits refused, the events in that order (10 rounds)', async () => {
    const [a, b] = await friends('ev');
    const chat = await ctx.directChat(a, b);
    const [aSocket, bSocket] = await Promise.all([online(a), online(b)]);
    const events: { name: string; id: number; body?: string }[] = [];
    bSocket.on('message:updated', (m) => events.push({ name: 'updated', id: m.id, body: m.body }));
    bSocket.on('message:deleted', (m) => events.push({ name: 'deleted', id: m.messageId }));
    const outcomes: Record<string, number> = {};
    for (let round = 0; round < ROUNDS; round += 1) {
      const sent = await ctx.send(a, chat.id, `doomed ${round}`);
      const viaSocket = round % 2 === 0;
      const [deleted, ...edits] = await Promise.all([
        viaSocket ? deleteSocket(aSocket, chat.id, sent.id) : deleteRest(a, chat.id, sent.id),
        editRest(a, chat.id, sent.id, `rest edit ${round}`),
        editSocket(aSocket, chat.id, sent.id, `socket edit ${round}`),
      ]);
      expect({ round, deleted }).toEqual({ round, deleted: { ok: true, code: null } });
      for (const edit of edits) {
        expect(edit.ok ? 'ok' : edit.code).toMatch(/^(ok|(409 )?MESSAGE_DELETED)$/);
        outcomes[edit.ok ? 'edited' : 'refused'] =
          (outcomes[edit.ok ? 'edited' : 'refused'] ?? 0) + 1;
      }
      const row = await messageRow(sent.id);
      expect({ round, body: row.body, deleted: row.deleted_at !== null }).toEqual({
        round,
        body: null,
        deleted: true,
      });
      // An edit that got through committed before the delete, and says so in its time.
      if (row.edited_at)
        expect(row.edited_at.getTime()).toBeLessThanOrEqual(row.deleted_at!.getTime());
      expect(await lastMessageOf(chat.id)).toMatchObject({
        id: sent.id,
        body: null,
        deletedAt: iso(row.deleted_at),
      });

      const later = await Promise.all([
        editRest(a, chat.id, sent.id, 'too late'),
        editSocket(aSocket, chat.id, sent.id, 'too late'),
      ]);
      expect(later.map((x) => x.code)).toEqual(['409 MESSAGE_DELETED', 'MESSAGE_DELETED']);
      expect((await messageRow(sent.id)).body).toBeNull();

      // b saw the successful edits, then the delete, and nothing after it.
      await settle(bSocket);
      const seen = events.filter((e) => e.id === sent.id).map((e) => e.name);
      const edited = edits.filter((x) => x.ok).length;
      expect({ round, seen }).toEqual({
        round,
        seen: [...Array(edited).fill('updated'), 'deleted'],
      });
    }
    console.log(`edit racing delete, edit outcomes: ${JSON.stringify(outcomes)}`);
  });

  it('concurrent deletes: one tombstone, every answer a success, one event (10 rounds)', async () => {
    const [a, b] = await friends('dd');
    const chat = await ctx.directChat(a, b);
    const [aSocket, bSocket] = await Promise.all([online(a), online(b)]);
    const deletions = record(bSocket, 'message:deleted');
    for (let round = 0; round < ROUNDS; round += 1) {
      const sent = await ctx.send(a, chat.id, `twice ${round}`);
      const answers = await Promise.all([
        deleteRest(a, chat.id, sent.id),
        deleteSocket(aSocket, chat.id, sent.id),
        deleteRest(a, chat.id, sent.id),
        deleteSocket(aSocket, chat.id, sent.id),
      ]);
      expect({ round, refused: answers.filter((x) => !x.ok) }).toEqual({ round, refused: [] });
      const row = await messageRow(sent.id);
      expect({ round, body: row.body, deleted: row.deleted_at !== null }).toEqual({
        round,
        body: null,
        deleted: true,
      });
      // Deleting again answers the same and leaves the tombstone as it was.
      expect((await deleteRest(a, chat.id, sent.id)).ok).toBe(true);
      expect((await messageRow(sent.id)).deleted_at).toEqual(row.deleted_at);
      await settle(bSocket);
      expect({ round, events: deletions.filter((e) => e.messageId === sent.id).length }).toEqual({
        round,
        events: 1,
      });
    }
    const { rows } = await t.db.query(
      'SELECT count(*)::int AS n FROM messages WHERE chat_id = $1 AND deleted_at IS NULL',
      [chat.id],
    );
    expect(rows[0].n).toBe(0);
  });

  // ---- group membership ----------------------------------------------------------------------

  it("adding and removing one member at once: the row, the events and the member's sockets agree (20 rounds)", async () => {
    const owner = await user('gown');
    const [watcher, target] = await Promise.all([user('gwat'), user('gtar')]);
    await ctx.befriend(owner, watcher);
    await ctx.befriend(owner, target);
    const group = await ctx.group(owner, 'add and remove', [watcher]);
    const [watcherSocket, targetSocket] = await Promise.all([online(watcher), online(target)]);
    /** What the watcher heard about the target, in order: "added" / "removed". */
    const heard: string[] = [];
    watcherSocket.on('chat:member-added', (e) => e.userId === target.id && heard.push('added'));
    watcherSocket.on('chat:member-removed', (e) => e.userId === target.id && heard.push('removed'));
    const targetGot = record(targetSocket, 'message:new');
    let member = false;
    for (let round = 0; round < 2 * ROUNDS; round += 1) {
      // Odd rounds start with the target in the group, and it leaves as well.
      const wasMember = round % 2 === 1;
      if (wasMember !== member) {
        const set = wasMember
          ? await addMembers(owner, group.id, [target.id])
          : await removeMember(owner, group.id, target.id);
        expect(set.ok).toBe(true);
      }
      await settle(watcherSocket, targetSocket);
      heard.length = 0;

      const [add, ...removals] = await Promise.all([
        addMembers(owner, group.id, [target.id]),
        removeMember(owner, group.id, target.id),
        ...(wasMember ? [removeMember(target, group.id, target.id)] : []),
      ]);
      const roles = await participantsOf(group.id);
      member = roles[target.id] !== undefined;
      await settle(watcherSocket, targetSocket);

      // Whoever can see the chat, its events and its messages, it is the row that decides.
      const probe = await ctx.send(owner, group.id, `probe ${round}`);
      await settle(targetSocket);
      const view = await t.http.get(`/api/v1/chats/${group.id}`, { token: target.accessToken });
      const heardNet = heard.filter((e) => e === 'added').length - heard.length / 2;
      expect({
        round,
        wasMember,
        member,
        add: add.code ?? 'ok',
        removals: removals.map((x) => x.code ?? 'ok').sort(),
        heard,
        eventsAddUp: Number(wasMember) + 2 * heardNet === Number(member),
        removalsHeard: heard.filter((e) => e === 'removed').length,
        lastHeard: heard[heard.length - 1],
        socketGetsMessages: targetGot.some((m) => m.id === probe.id),
        restSeesChat: view.status === 200,
        owners: Object.values(roles).filter((role) => role === 'owner').length,
      }).toEqual({
        round,
        wasMember,
        member,
        add: 'ok',
        removals: expect.any(Array),
        heard,
        eventsAddUp: true,
        removalsHeard: removals.filter((x) => x.ok).length,
        lastHeard: heard.length ? (member ? 'added' : 'removed') : undefined,
        socketGetsMessages: member,
        restSeesChat: member,
        owners: 1,
      });
      for (const refusal of removals.filter((x) => !x.ok)) {
        expect(refusal.code).toMatch(/^404 (PARTICIPANT_NOT_FOUND|CHAT_NOT_FOUND)$/);
      }
    }
  });

  it('an admin adding a member while the owner removes the admin: the answer, the row and the sockets agree (10 rounds)', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const owner = await user('aown');
      const [admin, newcomer] = await Promise.all([user('aadm'), user('anew')]);
      await ctx.befriend(owner, admin);
      await ctx.befriend(admin, newcomer);
      const group = await ctx.group(owner, 'admin adds', [admin]);
      const promoted = await t.http.patch(`/api/v1/chats/${group.id}/participants/${admin.id}`, {
        token: owner.accessToken,
        body: { role: 'admin' },
      });
      expect(promoted.status).toBe(200);
      const [ownerSocket, newcomerSocket] = await Promise.all([online(owner), online(newcomer)]);
      const heard = record(ownerSocket, 'chat:member-added');
      const told = record(newcomerSocket, 'chat:created');
      const got = record(newcomerSocket, 'message:new');

      const [add, removal] = await Promise.all([
        addMembers(admin, group.id, [newcomer.id]),
        removeMember(owner, group.id, admin.id),
      ]);
      expect(removal.ok).toBe(true);
      const roles = await participantsOf(group.id);
      const added = roles[newcomer.id] !== undefined;
      await settle(ownerSocket, newcomerSocket);
      const probe = await ctx.send(owner, group.id, `probe ${round}`);
      await settle(newcomerSocket);
      expect({
        round,
        // The admin's answer says what happened to the newcomer...
        add: add.code ?? 'ok',
        // ...and so do the events and the newcomer's live view.
        heard: heard.filter((e) => e.userId === newcomer.id).length,
        told: told.filter((chat) => chat.id === group.id).length,
        socketGetsMessages: got.some((m) => m.id === probe.id),
      }).toEqual({
        round,
        add: added ? 'ok' : '404 CHAT_NOT_FOUND',
        heard: Number(added),
        told: Number(added),
        socketGetsMessages: added,
      });
      for (const socket of sockets.splice(0)) socket.close();
    }
  });

  describe('with an answer held back after its commit', () => {
    afterEach(() => jest.restoreAllMocks());

    it('a read marker moved further meanwhile is the last one the others hear of', async () => {
      const [a, b] = await friends('sread');
      const chat = await ctx.directChat(a, b);
      const first = await ctx.send(b, chat.id, 'first');
      const second = await ctx.send(b, chat.id, 'second');
      const bSocket = await online(b);
      const told = record(bSocket, 'chat:read');

      // The marker-moving update has committed when the chat is looked up for the event's topic.
      const stall = stallNext(ChatsRepository, 'findChat');
      const reading = readRest(a, chat.id, first.id);
      await heldOrAnswered(stall, reading);
      const further = await readRest(a, chat.id, second.id);
      stall.release();
      const earlier = await reading;

      await settle(bSocket);
      const { rows } = await t.db.query(
        'SELECT last_read_message_id::int AS id FROM chat_participants WHERE chat_id = $1 AND user_id = $2',
        [chat.id, a.id],
      );
      const heard = told.filter((e) => e.userId === a.id).map((e) => e.messageId);
      expect({
        answers: [earlier.code ?? 'ok', further.code ?? 'ok'],
        marker: rows[0].id,
        heard,
        lastHeard: heard[heard.length - 1],
      }).toEqual({ answers: ['ok', 'ok'], marker: second.id, heard, lastHeard: second.id });
    });

    it('a member removed while the add that let them in is still answering stays out of the room', async () => {
      const owner = await user('sown');
      const target = await user('star');
      await ctx.befriend(owner, target);
      const group = await ctx.group(owner, 'held add', []);
      const targetSocket = await online(target);
      const got = record(targetSocket, 'message:new');

      const stall = stallNextChatRead();
      const adding = addMembers(owner, group.id, [target.id]);
      await heldOrAnswered(stall, adding); // the add has committed
      const removal = await removeMember(owner, group.id, target.id);
      stall.release();
      const add = await adding;

      const probe = await ctx.send(owner, group.id, 'not for the removed member');
      await settle(targetSocket);
      const view = await t.http.get(`/api/v1/chats/${group.id}`, { token: target.accessToken });
      expect({
        add: add.code ?? 'ok',
        removal: removal.code ?? 'ok',
        member: (await participantsOf(group.id))[target.id] ?? null,
        restSeesChat: view.status,
        socketGetsMessages: got.some((m) => m.id === probe.id),
      }).toEqual({
        add: 'ok',
        removal: 'ok',
        member: null,
        restSeesChat: 404,
        socketGetsMessages: false,
      });
    });

    it('an owner who leaves is answered 204 even if the new owner leaves right after', async () => {
      const owner = await user('sown');
      const heir = await user('sheir');
      await ctx.befriend(owner, heir);
      const group = await ctx.group(owner, 'held leave', [heir]);

      const stall = stallNextChatRead();
      const leaving = removeMember(owner, group.id, owner.id);
      await heldOrAnswered(stall, leaving); // the owner's leave has committed, the heir owns the group
      const heirLeaves = await removeMember(heir, group.id, heir.id);
      stall.release();
      const ownerLeaves = await leaving;

      const { rows } = await t.db.query('SELECT id FROM chat_sessions WHERE id = $1', [group.id]);
      expect({
        ownerLeaves: ownerLeaves.code ?? 'ok',
        heirLeaves: heirLeaves.code ?? 'ok',
        chat: rows.length,
      }).toEqual({ ownerLeaves: 'ok', heirLeaves: 'ok', chat: 0 });
    });

    it("an admin's add is answered and announced even if the admin is removed right after", async () => {
      const owner = await user('sown');
      const [admin, newcomer] = await Promise.all([user('sadm'), user('snew')]);
      await ctx.befriend(owner, admin);
      await ctx.befriend(admin, newcomer);
      const group = await ctx.group(owner, 'held admin add', [admin]);
      const promoted = await t.http.patch(`/api/v1/chats/${group.id}/participants/${admin.id}`, {
        token: owner.accessToken,
        body: { role: 'admin' },
      });
      expect(promoted.status).toBe(200);
      const newcomerSocket = await online(newcomer);
      const told = record(newcomerSocket, 'chat:created');
      const got = record(newcomerSocket, 'message:new');

      const stall = stallNextChatRead();
      const adding = addMembers(admin, group.id, [newcomer.id]);
      await heldOrAnswered(stall, adding); // the newcomer is in
      const removal = await removeMember(owner, group.id, admin.id);
      stall.release();
      const add = await adding;

      const probe = await ctx.send(owner, group.id, 'welcome');
      await settle(newcomerSocket);
      expect({
        add: add.code ?? 'ok',
        removal: removal.code ?? 'ok',
        member: (await participantsOf(group.id))[newcomer.id] ?? null,
        toldOfChat: told.filter((chat) => chat.id === group.id).length,
        socketGetsMessages: got.some((m) => m.id === probe.id),
      }).toEqual({
        add: 'ok',
        removal: 'ok',
        member: 'member',
        toldOfChat: 1,
        socketGetsMessages: true,
      });
    });
  });

  describe('with a room change relayed late', () => {
    afterEach(() => jest.restoreAllMocks());

    it('a join relayed after the removal that followed it does not let the member back in', async () => {
      const owner = await user('rown');
      const target = await user('rtar');
      await ctx.befriend(owner, target);
      const group = await ctx.group(owner, 'late join', []);
      const targetSocket = await online(target);
      const got = record(targetSocket, 'message:new');

      const stall = stallNext(DomainEventsListener, 'memberAdded');
      const add = await addMembers(owner, group.id, [target.id]);
      await stall.reached; // the add is committed and published; its relay is held
      const removal = await removeMember(owner, group.id, target.id);
      stall.release();
      await stall.finished;

      const probe = await ctx.send(owner, group.id, 'not for the removed member');
      await settle(targetSocket);
      expect({
        add: add.code ?? 'ok',
        removal: removal.code ?? 'ok',
        member: (await participantsOf(group.id))[target.id] ?? null,
        socketGetsMessages: got.some((m) => m.id === probe.id),
      }).toEqual({ add: 'ok', removal: 'ok', member: null, socketGetsMessages: false });
    });

    it('a leave relayed after the add that followed it does not keep the member out', async () => {
      const owner = await user('rown');
      const target = await user('rtar');
      await ctx.befriend(owner, target);
      const group = await ctx.group(owner, 'late leave', [target]);
      const targetSocket = await online(target);
      const got = record(targetSocket, 'message:new');

      const stall = stallNext(DomainEventsListener, 'memberRemoved');
      const removal = await removeMember(owner, group.id, target.id);
      await stall.reached; // the removal is committed and published; its relay is held
      const add = await addMembers(owner, group.id, [target.id]);
      stall.release();
      await stall.finished;

      const probe = await ctx.send(owner, group.id, 'for the member added back');
      await settle(targetSocket);
      expect({
        removal: removal.code ?? 'ok',
        add: add.code ?? 'ok',
        member: (await participantsOf(group.id))[target.id] ?? null,
        socketGetsMessages: got.some((m) => m.id === probe.id),
      }).toEqual({ removal: 'ok', add: 'ok', member: 'member', socketGetsMessages: true });
    });
  });

  it('the last members leaving at once: the chat is deleted, never left without an owner (10 rounds)', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const owner = await user('lown');
      const others = await Promise.all([user('lm1'), user('lm2')]);
      for (const other of others) await ctx.befriend(owner, other);
      const group = await ctx.group(owner, 'leaving', others);
      await ctx.send(owner, group.id, 'before the end');
      const [first, second] = others;
      const stayerSocket = await online(second);

      // The owner and the longest-standing member leave at once: the third must end as owner.
      const pairLeaving = await Promise.all([
        removeMember(owner, group.id, owner.id),
        removeMember(first, group.id, first.id),
      ]);
      expect({ round, answers: pairLeaving.map((x) => x.code ?? 'ok') }).toEqual({
        round,
        answers: ['ok', 'ok'],
      });
      expect({ round, members: await participantsOf(group.id) }).toEqual({
        round,
        members: { [second.id]: 'owner' },
      });
      const arrives = nextEvent(stayerSocket, 'message:new', (m) => m.chatId === group.id);
      await ctx.send(second, group.id, 'alone now');
      await arrives;

      // Now a group of two, both leaving at once.
      await ctx.befriend(second, first);
      expect((await addMembers(second, group.id, [first.id])).ok).toBe(true);
      const lastTwo = await Promise.all([
        removeMember(second, group.id, second.id),
        removeMember(first, group.id, first.id),
      ]);
      const { rows: chats } = await t.db.query('SELECT id FROM chat_sessions WHERE id = $1', [
        group.id,
      ]);
      const members = await participantsOf(group.id);
      const { rows: messages } = await t.db.query(
        'SELECT count(*)::int AS n FROM messages WHERE chat_id = $1',
        [group.id],
      );
      expect({
        round,
        answers: lastTwo.map((x) => x.code ?? 'ok'),
        chat: chats.length,
        members,
        messages: messages[0].n,
      }).toEqual({ round, answers: ['ok', 'ok'], chat: 0, members: {}, messages: 0 });
      for (const socket of sockets.splice(0)) socket.close();
    }
  });

  // ---- afterwards ----------------------------------------------------------------------------

  it('after all of this, every chat still obeys the rules', async () => {
    const { rows: ownerless } = await t.db.query(
      `SELECT c.id, count(*) FILTER (WHERE p.role = 'owner')::int AS owners, count(p.user_id)::int AS members
         FROM chat_sessions c LEFT JOIN chat_participants p ON p.chat_id = c.id
        WHERE c.type = 'group' GROUP BY c.id
       HAVING count(*) FILTER (WHERE p.role = 'owner') <> 1 OR count(p.user_id) = 0`,
    );
    expect(ownerless).toEqual([]);
    const { rows: directs } = await t.db.query(
      `SELECT c.id FROM chat_sessions c
        WHERE c.type = 'direct' AND (SELECT count(*) FROM chat_participants p
                                      WHERE p.chat_id = c.id AND p.user_id IN (c.user_1_id, c.user_2_id)) <> 2
           OR c.type = 'direct' AND (SELECT count(*) FROM chat_participants p WHERE p.chat_id = c.id) <> 2`,
    );
    expect(directs).toEqual([]);
    const { rows: gaps } = await t.db.query(
      `SELECT c.id, c.last_seq, count(m.id)::int AS n, max(m.seq) AS max_seq
         FROM chat_sessions c LEFT JOIN messages m ON m.chat_id = c.id GROUP BY c.id
       HAVING count(m.id) <> c.last_seq OR coalesce(max(m.seq), 0) <> c.last_seq`,
    );
    expect(gaps).toEqual([]);
    const { rows: markers } = await t.db.query(
      `SELECT p.chat_id, p.user_id FROM chat_participants p
         JOIN chat_sessions c ON c.id = p.chat_id
         LEFT JOIN messages m ON m.id = p.last_read_message_id
        WHERE p.last_read_seq > c.last_seq
           OR (p.last_read_message_id IS NULL) <> (p.last_read_seq = 0)
           OR (m.id IS NOT NULL AND (m.chat_id <> p.chat_id OR m.seq <> p.last_read_seq))`,
    );
    expect(markers).toEqual([]);
    const { rows: tombstones } = await t.db.query(
      `SELECT id FROM messages WHERE (deleted_at IS NULL) = (body IS NULL)
           OR deleted_at < edited_at`,
    );
    expect(tombstones).toEqual([]);
  });
});
