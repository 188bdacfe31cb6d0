import { Client } from 'pg';
import { rebuildSearchIndex } from '../../scripts/search-reindex';
import { Session, TestContext } from '../utils/context';
import { expectError } from '../utils/expect-error';
import { createTestDatabase, startTestApp, TestApp } from '../utils/test-app';

/**
 * Issue 17, search: GET /api/v1/messages/search. Who finds what (member, outsider, removed member,
 * blocked pair, deleted and edited messages), keyset paging, highlights, hostile queries, the
 * statement timeout and the per-user limit.
 */
describe('message search', () => {
  let t: TestApp;
  let ctx: TestContext;

  beforeAll(async () => {
    t = await startTestApp();
    ctx = new TestContext(t);
  });
  afterAll(() => t.close());

  const search = (me: Session, query: string) =>
    t.http.get(`/api/v1/messages/search?${query}`, { token: me.accessToken });
  const find = async (me: Session, q: string, extra = '') => {
    const res = await search(me, `q=${encodeURIComponent(q)}${extra}`);
    expect(res.status).toBe(200);
    return res.body;
  };
  const bodiesFound = async (me: Session, q: string, extra = '') =>
    (await find(me, q, extra)).items.map((hit: any) => hit.message.body);

  /** A word no other test uses, so results are exactly this test's messages. */
  let words = 0;
  const word = () => `w${process.pid}x${(words += 1)}z`;

  async function group(size = 3) {
    const users = await Promise.all(Array.from({ length: size }, () => ctx.newUser()));
    const [owner, ...members] = users;
    for (const member of members) await ctx.befriend(owner, member);
    const chat = await ctx.group(owner, 'search', members);
    return { users, chat };
  }

  it('finds messages of my chats by their words, newest first, as history shows them', async () => {
    const { users, chat } = await group();
    const [a, b] = users;
    const w = word();
    const first = await ctx.send(a, chat.id, `lunch ${w} on monday`);
    await ctx.send(b, chat.id, 'nothing to see');
    const second = await ctx.send(b, chat.id, `${w} again, Lunch?`);
    const page = await find(a, w);
    expect(page.nextCursor).toBeNull();
    expect(page.items.map((hit: any) => hit.message.id)).toEqual([second.id, first.id]);
    const history = await t.http.get(`/api/v1/chats/${chat.id}/messages`, {
      token: a.accessToken,
    });
    const shown = history.body.items.find((m: any) => m.id === second.id);
    expect(page.items[0].message).toEqual(shown);
    // Fragments end at words: punctuation at their edges may be left out.
    expect(page.items[0].highlight).toMatch(new RegExp(`^<mark>${w}</mark> again, Lunch\\??$`));
    // The simple configuration lower-cases, so case does not matter.
    expect(await bodiesFound(a, `LUNCH ${w.toUpperCase()}`)).toEqual([second.body, first.body]);
  });

  it('shows the reactions of each hit: counts, and `me` as the one searching sees it', async () => {
    const { users, chat } = await group(3);
    const [sender, reactor, other] = users;
    const THUMBS = '\u{1F44D}';
    const PARTY = '\u{1F389}';
    const w = word();
    const message = await ctx.send(sender, chat.id, `react to ${w}`);
    const react = (me: Session, emoji: string) =>
      t.http.put(
        `/api/v1/chats/${chat.id}/messages/${message.id}/reactions/${encodeURIComponent(emoji)}`,
        { token: me.accessToken },
      );
    for (const [me, emoji] of [
      [reactor, THUMBS],
      [other, THUMBS],
      [reactor, PARTY],
    ] as const) {
      expect((await react(me, emoji)).status).toBe(200);
    }
    const reactionsFound = async (me: Session) => {
      const { items } = await find(me, w);
      expect(items.map((hit: any) => hit.message.id)).toEqual([message.id]);
      return items[0].message.reactions;
    };
    // Most reactions first, then by emoji.
    expect(await reactionsFound(reactor)).toEqual([
      { emoji: THUMBS, count: 2, me: true },
      { emoji: PARTY, count: 1, me: true },
    ]);
    expect(await reactionsFound(other)).toEqual([
      { emoji: THUMBS, count: 2, me: true },
      { emoji: PARTY, count: 1, me: false },
    ]);
    expect(await reactionsFound(sender)).toEqual([
      { emoji: THUMBS, count: 2, me: false },
      { emoji: PARTY, count: 1, me: false },
    ]);
  });

  it('takes web search syntax: phrases, or, and -word', async () => {
    const { users, chat } = await group(2);
    const [a] = users;
    const w = word();
    await ctx.send(a, chat.id, `${w} red apple`);
    await ctx.send(a, chat.id, `${w} apple red`);
    await ctx.send(a, chat.id, `${w} green pear`);
    expect(await bodiesFound(a, `${w} "red apple"`)).toEqual([`${w} red apple`]);
    expect(await bodiesFound(a, `${w} apple -green`)).toEqual([`${w} apple red`, `${w} red apple`]);
    expect(await bodiesFound(a, `${w} pear or red`)).toHaveLength(3);
  });

  it('highlights as safe HTML: the text escaped, matched words marked', async () => {
    const { users, chat } = await group(2);
    const [a] = users;
    const w = word();
    await ctx.send(a, chat.id, `<img src=x onerror=alert(1)> say "hi" it's ${w} & more`);
    const [hit] = (await find(a, w)).items;
    expect(hit.highlight).not.toMatch(/<img/);
    expect(hit.highlight).toContain('onerror=alert(1)&gt;');
    expect(hit.highlight).toContain(`&quot;hi&quot; it&#39;s <mark>${w}</mark> &amp; more`);
    expect(hit.highlight).toContain(`<mark>${w}</mark>`);
    expect(hit.highlight.replace(/<\/?mark>/g, '')).not.toMatch(/[<>"']/);
  });

  it('pages with a keyset cursor and refuses a forged one', async () => {
    const { users, chat } = await group(2);
    const [a] = users;
    const w = word();
    const sent = [];
    for (let i = 0; i < 7; i += 1) sent.push(await ctx.send(a, chat.id, `${w} number ${i}`));
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await find(a, w, `&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(3);
      for (const hit of page.items) expect(hit.highlight).toContain(`<mark>${w}</mark>`);
      seen.push(...page.items.map((hit: any) => hit.message.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(sent.map((m) => m.id).reverse());
    for (const forged of ['abc', Buffer.from('{"before":"1"}').toString('base64url')]) {
      expectError(await search(a, `q=${w}&cursor=${forged}`), 400, 'INVALID_CURSOR');
    }
  });

  describe('who finds what', () => {
    it('an outsider finds nothing of a chat, even naming it', async () => {
      const { users, chat } = await group(2);
      const stranger = await ctx.newUser();
      const w = word();
      await ctx.send(users[0], chat.id, `secret ${w}`);
      expect(await bodiesFound(stranger, w)).toEqual([]);
      expect(await bodiesFound(stranger, w, `&chatId=${chat.id}`)).toEqual([]);
    });

    it('a removed member finds nothing of the chat any more', async () => {
      const { users, chat } = await group(3);
      const [owner, , gone] = users;
      const w = word();
      await ctx.send(gone, chat.id, `mine ${w}`);
      expect(await bodiesFound(gone, w)).toEqual([`mine ${w}`]);
      const removed = await t.http.delete(`/api/v1/chats/${chat.id}/participants/${gone.id}`, {
        token: owner.accessToken,
      });
      expect(removed.status).toBe(204);
      expect(await bodiesFound(gone, w)).toEqual([]);
      expect(await bodiesFound(owner, w)).toEqual([`mine ${w}`]);
    });

    it('a blocked pair still finds its direct chat, as its history stays readable', async () => {
      const [a, b] = await Promise.all([ctx.newUser(), ctx.newUser()]);
      await ctx.befriend(a, b);
      const chat = await ctx.directChat(a, b);
      const w = word();
      await ctx.send(b, chat.id, `before the block ${w}`);
      const blocked = await t.http.post('/api/v1/blocks', {
        token: a.accessToken,
        body: { userId: b.id },
      });
      expect([200, 201, 204]).toContain(blocked.status);
      expect(await bodiesFound(a, w)).toEqual([`before the block ${w}`]);
      expect(await bodiesFound(b, w)).toEqual([`before the block ${w}`]);
    });

    it('never matches a deleted message; an edited one only by its new text', async () => {
      const { users, chat } = await group(2);
      const [a] = users;
      const [before, after, gone] = [word(), word(), word()];
      const edited = await ctx.send(a, chat.id, `text ${before}`);
      const deleted = await ctx.send(a, chat.id, `text ${gone}`);
      const patched = await t.http.patch(`/api/v1/chats/${chat.id}/messages/${edited.id}`, {
        token: a.accessToken,
        body: { body: `text ${after}` },
      });
      expect(patched.status).toBe(200);
      const removed = await t.http.delete(`/api/v1/chats/${chat.id}/messages/${deleted.id}`, {
        token: a.accessToken,
      });
      expect(removed.status).toBe(204);
      expect(await bodiesFound(a, before)).toEqual([]);
      expect(await bodiesFound(a, after)).toEqual([`text ${after}`]);
      expect(await bodiesFound(a, gone)).toEqual([]);
    });

    it('chatId narrows the search to that chat', async () => {
      const one = await group(2);
      const [a, b] = one.users;
      const other = await ctx.group(a, 'other', [b]);
      const w = word();
      await ctx.send(a, one.chat.id, `here ${w}`);
      await ctx.send(a, other.id, `there ${w}`);
      expect(await bodiesFound(b, w)).toEqual([`there ${w}`, `here ${w}`]);
      expect(await bodiesFound(b, w, `&chatId=${one.chat.id}`)).toEqual([`here ${w}`]);
    });
  });

  describe('bad and hostile queries', () => {
    it.each([
      ['no q', ''],
      ['an empty q', 'q='],
      ['only spaces', 'q=%20%20%20'],
      ['more than 200 characters', `q=${'a'.repeat(201)}`],
      ['a NUL', 'q=a%00b'],
      ['two q', 'q=a&q=b'],
      ['a chatId that is not an id', 'q=a&chatId=abc'],
      ['a chatId of 0', 'q=a&chatId=0'],
      ['a limit of 0', 'q=a&limit=0'],
      ['a limit over 100', 'q=a&limit=101'],
    ])('refuses %s with 400 VALIDATION_FAILED', async (_label, query) => {
      const me = await ctx.newUser();
      expectError(await search(me, query), 400, 'VALIDATION_FAILED');
    });

    it('refuses a query with no word to find (none, or only words to leave out) with 400 SEARCH_QUERY_EMPTY', async () => {
      const me = await ctx.newUser();
      for (const q of [
        '!!!',
        '"',
        '-',
        '&|!',
        '()',
        '<->',
        ':*',
        '   --   ',
        '-lunch',
        '-a -"b c"',
      ]) {
        expectError(await search(me, `q=${encodeURIComponent(q)}`), 400, 'SEARCH_QUERY_EMPTY');
      }
    });

    it('answers every other odd query with results, never a 5xx', async () => {
      const { users, chat } = await group(2);
      const [a] = users;
      const w = word();
      await ctx.send(a, chat.id, `${w} l'été à Zürich — 東京 🎉 o'clock a:b c&d`);
      const odd = [
        `"${w}`,
        `${w}"`,
        `"${w}" -"${w}"`,
        `${w}:*`,
        `${w} & l'été`,
        `${w} | zürich`,
        `!${w}`,
        `${w} <-> 東京`,
        `${w} or or or -`,
        `${w}\\`,
        `'${w}'`,
        `${w} a:b`,
        `${w} c&d`,
        `${w} 🎉`,
        `${w}\u202e\u200d\u0301`,
        `${w} ${'x'.repeat(190 - w.length)}`,
        `${w} ${'é'.repeat(150)}`,
        `${w} ${'-a '.repeat(60)}`,
        '%',
        "'); DROP TABLE messages; --",
      ];
      for (const q of odd) {
        const res = await search(a, `q=${encodeURIComponent(q)}`);
        expect({ q, status: [200, 400].includes(res.status) }).toEqual({ q, status: true });
        if (res.status === 400) expect(res.body.code).toBe('SEARCH_QUERY_EMPTY');
      }
      expect(await bodiesFound(a, `${w} 東京`)).toHaveLength(1);
      expect(await bodiesFound(a, `${w} "o'clock"`)).toHaveLength(1);
      const { rows } = await t.db.query('SELECT count(*)::int AS n FROM messages');
      expect(rows[0].n).toBeGreaterThan(0);
    });
  });

  it('cuts a search that runs past the statement timeout: 400 QUERY_TOO_BROAD, and the next one works', async () => {
    const { users, chat } = await group(2);
    const [a] = users;
    const w = word();
    await ctx.send(a, chat.id, `slow ${w}`);
    // A lock held on the table stands in for a long scan: the search waits, and the timeout
    // (which counts waiting) cancels it.
    const blocker = await t.db.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE messages IN ACCESS EXCLUSIVE MODE');
      expectError(await search(a, `q=${w}`), 400, 'QUERY_TOO_BROAD');
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    expect(await bodiesFound(a, w)).toEqual([`slow ${w}`]);
  });

  describe('SEARCH_TEXT_CONFIG', () => {
    it('after search:reindex, searches in the new configuration (english stems words)', async () => {
      const url = await createTestDatabase();
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        await rebuildSearchIndex(client, 'english');
        await expect(rebuildSearchIndex(client, 'klingon')).rejects.toThrow(/klingon/);
      } finally {
        await client.end();
      }
      const english = await startTestApp({ SEARCH_TEXT_CONFIG: 'english' }, { databaseUrl: url });
      try {
        const englishCtx = new TestContext(english);
        const [a, b] = await Promise.all([englishCtx.newUser(), englishCtx.newUser()]);
        await englishCtx.befriend(a, b);
        const chat = await englishCtx.directChat(a, b);
        await englishCtx.send(a, chat.id, 'The cats were running home');
        const res = await english.http.get('/api/v1/messages/search?q=cat%20run', {
          token: b.accessToken,
        });
        expect(res.body.items.map((hit: any) => hit.message.body)).toEqual([
          'The cats were running home',
        ]);
        // The schema still matches the entities: the reindex kept TypeORM's record in step.
        const { rows } = await english.db.query(
          `SELECT value FROM typeorm_metadata WHERE name = 'search_vector'`,
        );
        expect(rows[0].value).toContain(`'english'::regconfig`);
      } finally {
        await english.close();
      }
    });
  });

  it('limits searches per user with 429, apart from other users', async () => {
    const limited = await startTestApp({ RATE_LIMIT_SEARCH_PER_USER: '3/60' });
    try {
      const limitedCtx = new TestContext(limited);
      const [me, other] = await Promise.all([limitedCtx.newUser(), limitedCtx.newUser()]);
      const get = (who: Session) =>
        limited.http.get('/api/v1/messages/search?q=hello', { token: who.accessToken });
      for (let i = 0; i < 3; i += 1) expect((await get(me)).status).toBe(200);
      const refused = await get(me);
      expectError(refused, 429);
      expect((await get(other)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
