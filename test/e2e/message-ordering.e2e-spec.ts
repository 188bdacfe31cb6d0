import { Session, TestContext } from '../utils/context';
import { startTestApp, TestApp } from '../utils/test-app';

describe('concurrency guarantees of chats and messages', () => {
  let t: TestApp;
  let ctx: TestContext;

  beforeAll(async () => {
    t = await startTestApp({ DATABASE_POOL_SIZE: '20' });
    ctx = new TestContext(t);
  });
  afterAll(() => t.close());

  async function friends(): Promise<[Session, Session]> {
    const a = await ctx.newUser();
    const b = await ctx.newUser();
    await ctx.befriend(a, b);
    return [a, b];
  }

  it('makes exactly one direct chat under 10 concurrent calls from both sides', async () => {
    const [a, b] = await friends();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        i % 2
          ? t.http.post('/api/v1/chats/direct', { token: a.accessToken, body: { userId: b.id } })
          : t.http.post('/api/v1/chats/direct', { token: b.accessToken, body: { userId: a.id } }),
      ),
    );
    const ids = new Set(results.map((r) => r.body.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200)).toHaveLength(9);
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS chats, (SELECT count(*)::int FROM chat_participants WHERE chat_id = $3) AS members
         FROM chat_sessions WHERE type = 'direct' AND user_1_id = LEAST($1::int, $2::int) AND user_2_id = GREATEST($1::int, $2::int)`,
      [a.id, b.id, [...ids][0]],
    );
    expect(rows[0]).toEqual({ chats: 1, members: 2 });
  });

  it('stores one message for 5 concurrent resends of the same clientMessageId', async () => {
    const [a, b] = await friends();
    const chat = await ctx.directChat(a, b);
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        t.http.post(`/api/v1/chats/${chat.id}/messages`, {
          token: a.accessToken,
          body: { body: 'only once', clientMessageId: 'resend-1' },
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    const { rows } = await t.db.query(
      'SELECT count(*)::int AS n, max(seq)::int AS seq FROM messages WHERE chat_id = $1',
      [chat.id],
    );
    expect(rows[0]).toEqual({ n: 1, seq: 1 });
    const resentLater = await t.http.post(`/api/v1/chats/${chat.id}/messages`, {
      token: a.accessToken,
      body: { body: 'different body, same id', clientMessageId: 'resend-1' },
    });
    expect(resentLater.status).toBe(200);
    expect(resentLater.body).toMatchObject({ id: results[0].body.id, body: 'only once' });
  });

  it('lets another sender or chat reuse a clientMessageId', async () => {
    const [a, b] = await friends();
    const chat = await ctx.directChat(a, b);
    const first = await ctx.send(a, chat.id, 'from a', 'same-id');
    const second = await ctx.send(b, chat.id, 'from b', 'same-id');
    expect(second.id).not.toBe(first.id);
  });

  it('numbers 20 concurrent senders 1..20 with no gaps, ids and seqs in commit order', async () => {
    const owner = await ctx.newUser();
    const senders = await Promise.all(Array.from({ length: 19 }, () => ctx.newUser()));
    for (const sender of senders) await ctx.befriend(owner, sender);
    const group = await ctx.group(owner, 'busy', senders);
    const everyone = [owner, ...senders];

    const sent = await Promise.all(
      everyone.map((sender, i) => ctx.send(sender, group.id, `message ${i}`)),
    );
    expect(sent.map((m) => m.seq).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );

    const { rows } = await t.db.query(
      'SELECT id, seq FROM messages WHERE chat_id = $1 ORDER BY id',
      [group.id],
    );
    expect(rows.map((row) => Number(row.seq))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const { rows: chatRows } = await t.db.query(
      'SELECT last_seq FROM chat_sessions WHERE id = $1',
      [group.id],
    );
    expect(Number(chatRows[0].last_seq)).toBe(20);
  });

  it('gives every send of one group-commit batch its own outcome', async () => {
    const [a, b] = await friends();
    const [c, outsider] = await Promise.all([ctx.newUser(), ctx.newUser()]);
    await ctx.befriend(a, c);
    const ab = await ctx.directChat(a, b);
    const ac = await ctx.directChat(a, c);
    await t.http.post('/api/v1/blocks', { token: c.accessToken, body: { userId: a.id } });
    const post = (who: Session, chatId: number, body: string, clientMessageId?: string) =>
      t.http.post(`/api/v1/chats/${chatId}/messages`, {
        token: who.accessToken,
        body: { body, clientMessageId },
      });

    // Fired together, these land in one or a few flushes: none may spoil another.
    const results = await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => post(i % 2 ? a : b, ab.id, `m${i}`)),
      post(a, ab.id, 'twice', 'same-key'),
      post(a, ab.id, 'twice', 'same-key'),
      post(outsider, ab.id, 'not a member'),
      post(a, ac.id, 'blocked'),
    ]);
    expect(results.slice(0, 30).every((r) => r.status === 201)).toBe(true);
    const [first, second] = results.slice(30, 32);
    expect([first.status, second.status].sort()).toEqual([200, 201]);
    expect(first.body.id).toBe(second.body.id);
    expect(results[32]).toMatchObject({ status: 404, body: { code: 'CHAT_NOT_FOUND' } });
    expect(results[33]).toMatchObject({ status: 403, body: { code: 'DIRECT_CHAT_NOT_ALLOWED' } });

    const { rows } = await t.db.query('SELECT seq FROM messages WHERE chat_id = $1 ORDER BY id', [
      ab.id,
    ]);
    expect(rows.map((row) => Number(row.seq))).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
    const chat = await t.http.get(`/api/v1/chats/${ab.id}`, { token: b.accessToken });
    expect(chat.body.lastMessage.seq).toBe(31);
    const { rows: none } = await t.db.query(
      'SELECT count(*)::int AS n FROM messages WHERE chat_id = $1',
      [ac.id],
    );
    expect(none[0].n).toBe(0);
  });

  it('pages through 120 messages with limit 50: each exactly once, in order, both ways', async () => {
    const [a, b] = await friends();
    const chat = await ctx.directChat(a, b);
    for (let i = 1; i <= 120; i += 1) await ctx.send(i % 2 ? a : b, chat.id, `m${i}`);

    const backwards: number[] = [];
    let path = `/api/v1/chats/${chat.id}/messages?limit=50`;
    for (;;) {
      const page = await t.http.get(path, { token: a.accessToken });
      expect(page.status).toBe(200);
      backwards.push(...page.body.items.map((m: any) => m.seq));
      if (!page.body.nextCursor) break;
      path = `/api/v1/chats/${chat.id}/messages?limit=50&cursor=${page.body.nextCursor}`;
    }
    expect(backwards).toEqual(Array.from({ length: 120 }, (_, i) => 120 - i));

    const forwards: number[] = [];
    path = `/api/v1/chats/${chat.id}/messages?limit=50&after=0`;
    for (;;) {
      const page = await t.http.get(path, { token: b.accessToken });
      forwards.push(...page.body.items.map((m: any) => m.seq));
      if (!page.body.nextCursor) break;
      path = `/api/v1/chats/${chat.id}/messages?limit=50&cursor=${page.body.nextCursor}`;
    }
    expect(forwards).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
  });
});
