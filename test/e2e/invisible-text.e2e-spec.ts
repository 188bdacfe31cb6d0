import { PASSWORD, Session, TestContext, uniqueUsername } from '../utils/context';
import { errorMessages, expectError } from '../utils/expect-error';
import { HttpResponse } from '../utils/http-client';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * Names and notes other people read: display names, group names (create and rename) and
 * friend-request messages refuse text that hides or reorders what is shown, and store what they take
 * exactly as sent (trimmed).
 */
const HOSTILE: [label: string, text: string, problem: string][] = [
  ['a right-to-left override', 'Admin\u202Egnp.exe', 'bidirectional control characters'],
  ['a left-to-right embedding', '\u202AAdmin', 'bidirectional control characters'],
  ['a first-strong isolate', 'Admin\u2068x\u2069', 'bidirectional control characters'],
  ['a right-to-left mark', 'Admin\u200F', 'bidirectional control characters'],
  ['a zero-width space', 'Ad\u200Bmin', 'invisible characters (found U+200B)'],
  ['a zero-width non-joiner', 'Ad\u200Cmin', 'invisible characters (found U+200C)'],
  ['a zero-width joiner between letters', 'Ad\u200Dmin', 'may only join two emoji'],
  ['a word joiner', 'Ad\u2060min', 'invisible characters (found U+2060)'],
  ['a byte order mark inside', 'Ad\uFEFFmin', 'invisible characters (found U+FEFF)'],
  ['a soft hyphen', 'Ad\u00ADmin', 'invisible characters (found U+00AD)'],
  ['a tag character', 'Admin\u{E0041}', 'invisible characters (found U+E0041)'],
  ['only a Hangul filler', '\u3164', 'invisible characters (found U+3164)'],
  ['only a Hangul choseong filler', '\u115F', 'invisible characters (found U+115F)'],
  ['only braille blanks', '\u2800\u2800', 'at least one visible character'],
  ['only a variation selector', '\uFE0F', 'at least one visible character'],
  ['a control character', 'Ad\u0007min', 'control characters'],
  ['a line separator inside', 'Ad\u2028min', 'line or paragraph separators'],
];

/** Emoji sequences joined by U+200D or ended by tag letters: these stay allowed. */
const EMOJI_NAMES = [
  '👩\u200D💻 Dev',
  '🏳\uFE0F\u200D🌈',
  '👨🏽\u200D🦰 Sam',
  '\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F} fan',
];

describe('invisible and misleading text', () => {
  let t: TestApp;
  let ctx: TestContext;

  beforeAll(async () => {
    t = await startTestApp();
    ctx = new TestContext(t);
  });
  afterAll(() => t.close());

  function expectRefused(res: HttpResponse, field: string, problem: string): void {
    expectError(res, 400, 'VALIDATION_FAILED');
    expect(errorMessages(res)).toEqual([expect.stringContaining(`${field} must `)]);
    expect(errorMessages(res)[0]).toContain(problem);
  }

  const displayNameOf = async (userId: number): Promise<string> =>
    (await t.db.query('SELECT display_name FROM users WHERE id = $1', [userId])).rows[0]
      .display_name;

  const chatNameOf = async (chatId: number): Promise<string> =>
    (await t.db.query('SELECT name FROM chat_sessions WHERE id = $1', [chatId])).rows[0].name;

  describe('display name at registration', () => {
    it.each(HOSTILE)('refuses %s and creates no account', async (_label, text, problem) => {
      const username = uniqueUsername('inv');
      const res = await t.http.post('/api/v1/auth/register', {
        body: { username, password: PASSWORD, displayName: text },
      });
      expectRefused(res, 'displayName', problem);
      const { rows } = await t.db.query('SELECT 1 FROM users WHERE lower(username) = lower($1)', [
        username,
      ]);
      expect(rows).toEqual([]);
    });

    it.each(EMOJI_NAMES)('accepts the emoji sequence %p and stores it as sent', async (name) => {
      const session = await ctx.newUser(uniqueUsername('emo'), name);
      expect(await displayNameOf(session.id)).toBe(name);
    });
  });

  describe('display name on PATCH /users/me', () => {
    it.each(HOSTILE)('refuses %s and keeps the old name', async (_label, text, problem) => {
      const session = await ctx.newUser(uniqueUsername('inv'), 'Plain Name');
      const res = await t.http.patch('/api/v1/users/me', {
        token: session.accessToken,
        body: { displayName: text },
      });
      expectRefused(res, 'displayName', problem);
      expect(await displayNameOf(session.id)).toBe('Plain Name');
    });

    it.each(EMOJI_NAMES)('accepts %p', async (name) => {
      const session = await ctx.newUser();
      const res = await t.http.patch('/api/v1/users/me', {
        token: session.accessToken,
        body: { displayName: ` ${name} ` },
      });
      expect(res.status).toBe(200);
      expect(res.body.displayName).toBe(name);
      expect(await displayNameOf(session.id)).toBe(name);
    });
  });

  describe('group names', () => {
    let owner: Session;
    beforeAll(async () => {
      owner = await ctx.newUser();
    });

    it.each(HOSTILE)(
      'creating with %s is refused and makes no chat',
      async (_label, text, problem) => {
        const before = await t.db.query('SELECT count(*)::int AS n FROM chat_sessions');
        const res = await t.http.post('/api/v1/chats/groups', {
          token: owner.accessToken,
          body: { name: text, memberIds: [] },
        });
        expectRefused(res, 'name', problem);
        const after = await t.db.query('SELECT count(*)::int AS n FROM chat_sessions');
        expect(after.rows[0].n).toBe(before.rows[0].n);
      },
    );

    it.each(HOSTILE)(
      'renaming to %s is refused and keeps the name',
      async (_label, text, problem) => {
        const chat = await ctx.group(owner, 'Original', []);
        const res = await t.http.patch(`/api/v1/chats/${chat.id}`, {
          token: owner.accessToken,
          body: { name: text },
        });
        expectRefused(res, 'name', problem);
        expect(await chatNameOf(chat.id)).toBe('Original');
      },
    );

    it.each(EMOJI_NAMES)('creates and renames with %p', async (name) => {
      const chat = await ctx.group(owner, name, []);
      expect(await chatNameOf(chat.id)).toBe(name);
      const res = await t.http.patch(`/api/v1/chats/${chat.id}`, {
        token: owner.accessToken,
        body: { name: `${name}!` },
      });
      expect(res.status).toBe(200);
      expect(await chatNameOf(chat.id)).toBe(`${name}!`);
    });
  });

  describe('friend-request messages', () => {
    it.each(HOSTILE)('with %s are refused and send no request', async (_label, text, problem) => {
      const [a, b] = [await ctx.newUser(), await ctx.newUser()];
      const res = await t.http.post('/api/v1/friend-requests', {
        token: a.accessToken,
        body: { toUserId: b.id, message: text },
      });
      expectRefused(res, 'message', problem);
      const { rows } = await t.db.query(
        'SELECT 1 FROM friend_requests WHERE from_user_id = $1 AND to_user_id = $2',
        [a.id, b.id],
      );
      expect(rows).toEqual([]);
    });

    it.each(EMOJI_NAMES)('accepts %p and stores it as sent', async (message) => {
      const [a, b] = [await ctx.newUser(), await ctx.newUser()];
      const res = await t.http.post('/api/v1/friend-requests', {
        token: a.accessToken,
        body: { toUserId: b.id, message },
      });
      expect(res.status).toBe(201);
      const { rows } = await t.db.query('SELECT message FROM friend_requests WHERE id = $1', [
        res.body.id,
      ]);
      expect(rows).toEqual([{ message }]);
    });
  });

  it('documents the rule on every such field of the OpenAPI document', async () => {
    const { components } = (await t.http.get('/docs-json')).body;
    const fields = [
      components.schemas.RegisterDto.properties.displayName,
      components.schemas.UpdateProfileDto.properties.displayName,
      components.schemas.CreateGroupChatDto.properties.name,
      components.schemas.RenameChatDto.properties.name,
      components.schemas.SendFriendRequestDto.properties.message,
    ];
    for (const field of fields) {
      const pattern = new RegExp(field.pattern, 'u');
      expect(field.description).toContain('invisible characters');
      expect(HOSTILE.filter(([, text]) => pattern.test(text))).toEqual([]);
      expect(EMOJI_NAMES.filter((text) => !pattern.test(text))).toEqual([]);
    }
  });
});
