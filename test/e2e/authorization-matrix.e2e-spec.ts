import { JwtService } from '@nestjs/jwt';
import { createECDH, randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { generateVAPIDKeys } from 'web-push';
import { ClientEvents } from '../../src/realtime/socket-events';
import { PASSWORD, Session, TestContext } from '../utils/context';
import { HttpResponse } from '../utils/http-client';
import { fileForm, solidPng } from '../utils/images';
import { barrier, ClientSocket, connectSocket, nextEvent, send } from '../utils/sockets';
import { startTestApp, TEST_JWT_SECRET, TestApp } from '../utils/test-app';
import { WebhookReceiver } from '../utils/webhook-receiver';

/**
 * The authorization matrix (issue 8). Every operation of the served OpenAPI document is either in
 * PUBLIC_OPERATIONS or in MATRIX, so a new route fails this file until someone decides who may call
 * it. For each protected operation: every kind of bad token is a 401 with the documented code; every
 * user the route does not serve gets the documented refusal; refused requests change no row and
 * show no data of the resource; the allowed user then succeeds, proving the request was aimed right.
 * The socket half does the same for every event of ClientEvents. The admin API is not for users at
 * all: its operations (security scheme `admin`) are in ADMIN_MATRIX, where no token is a 401 and
 * every other one, a user's included, is a 403.
 */

const OTHER_SECRET = 'another-secret-that-is-also-long-enough-0123456789';
/** ADMIN_API_TOKEN of the app under test. */
const ADMIN_TOKEN = randomBytes(32).toString('base64url');
/** The OpenAPI security scheme of the admin API (ADMIN_API_TOKEN instead of a user's token). */
const ADMIN_SCHEME = 'admin';
const VAPID = generateVAPIDKeys();
const PUSH_SUBSCRIPTIONS = '/api/v1/me/push-subscriptions';
const WEBHOOKS = '/api/v1/admin/webhooks';

const PUBLIC_OPERATIONS = [
  'POST /api/v1/auth/register',
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/refresh',
  'GET /health/live',
  'GET /health/ready',
  // Signed links: the signature names the reader, who is checked at every request
  // (attachments.e2e-spec.ts).
  'GET /api/v1/attachments/{attachmentId}',
  'GET /api/v1/attachments/{attachmentId}/thumbnail',
  // displayPictureUrl: a signed link to an avatar, which every signed-in user may see anyway.
  'GET /api/v1/avatars/{userId}',
];
/** Served but not operations of the document. */
const PUBLIC_DOCS = [
  'GET /docs',
  'GET /docs-json',
  'GET /docs-yaml',
  'GET /asyncapi',
  'GET /asyncapi.yaml',
];
/** The page at the root, for a person with a browser. */
const HOME_PAGE = 'GET /';
/** The web app's files (web-app.e2e-spec.ts): it signs in through the API like any client. */
const WEB_APP = ['GET /app', 'GET /app*'];

/** Every table a request could change; `users.last_seen_at` moves with socket presence. */
const TABLES = [
  'users',
  'refresh_tokens',
  'user_avatars',
  'friend_requests',
  'friendships',
  'user_blocks',
  'chat_sessions',
  'chat_participants',
  'messages',
  'message_reactions',
  'message_mentions',
  'uploads',
  'attachment_blobs',
  'webhook_endpoints',
  'webhook_events',
  'webhook_deliveries',
  'push_subscriptions',
] as const;

type Snapshot = Record<(typeof TABLES)[number], string>;

interface World {
  owner: Session;
  admin: Session;
  member: Session;
  /** Was in every group, removed by the owner. */
  former: Session;
  /** The owner's friend, in no group. */
  friend: Session;
  /** In none of the owner's chats, not the owner's friend. */
  stranger: Session;
  /** The stranger's friend, with whom the stranger has a chat of their own. */
  pal: Session;
  palChat: { id: number };
  palMessage: { id: number; body: string };
  /** A real access token whose user row was deleted since. */
  deletedUserToken: string;
}

type Role = 'owner' | 'admin' | 'member' | 'former' | 'friend' | 'stranger' | 'pal';
type Who<F> = Role | ((fixture: F) => Session);

interface RequestSpec {
  path: string;
  body?: unknown;
  /** Sent as the multipart `file` field. */
  file?: Buffer;
}

interface Fixture {
  /** Strings of the resource that no refused answer may contain. */
  secrets: string[];
}

interface Outsider<F> {
  role: string;
  who: Who<F>;
  expect: [status: number, code?: string];
  request?: (fixture: F) => RequestSpec;
}

interface RouteCase<F extends Fixture = Fixture> {
  build: () => Promise<F>;
  /** The user the route serves: forged tokens are made out in this user's name. */
  actor: Who<F>;
  request: (fixture: F) => RequestSpec;
  success: number[];
  outsiders: Outsider<F>[];
  /** Why no other user's access applies, when `outsiders` is empty. */
  noOutsider?: string;
  /** The allowed answer shows resource data: proves the secret scan could see a leak. */
  reveals?: boolean;
}

const route = <F extends Fixture>(spec: RouteCase<F>) => spec as unknown as RouteCase;

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const secret = (kind: string) => `${kind}-${hex(6)}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);
const sign = (secretKey: string, claims: object) =>
  new JwtService({ secret: secretKey }).sign(claims);
const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const claimsOf = (session: Session, exp: number | null = nowSeconds() + 600) => ({
  sub: String(session.id),
  username: session.username,
  ...(exp === null ? {} : { exp }),
});

let t: TestApp;
let ctx: TestContext;
let w: World;

interface TokenCase {
  name: string;
  code: string;
  token: (actor: Session) => string | undefined;
}

const TOKEN_CASES: TokenCase[] = [
  { name: 'no token', code: 'TOKEN_MISSING', token: () => undefined },
  { name: 'a malformed token', code: 'TOKEN_INVALID', token: () => 'not-a-jwt' },
  {
    name: 'a token signed with another secret',
    code: 'TOKEN_INVALID',
    token: (actor) => sign(OTHER_SECRET, claimsOf(actor)),
  },
  {
    name: 'an expired token',
    code: 'TOKEN_EXPIRED',
    token: (actor) => sign(TEST_JWT_SECRET, claimsOf(actor, nowSeconds() - 60)),
  },
  { name: 'the token of a deleted user', code: 'TOKEN_INVALID', token: () => w.deletedUserToken },
  {
    name: 'an unsigned token (alg none)',
    code: 'TOKEN_INVALID',
    token: (actor) => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claimsOf(actor))}.`,
  },
  {
    name: "another user's token with its subject changed",
    code: 'TOKEN_INVALID',
    token: (actor) => {
      const [header, , signature] = w.stranger.accessToken.split('.');
      return `${header}.${base64url(claimsOf(actor))}.${signature}`;
    },
  },
  {
    name: 'a well-signed token without expiry',
    code: 'TOKEN_INVALID',
    token: (actor) => sign(TEST_JWT_SECRET, claimsOf(actor, null)),
  },
];

async function user(prefix: string): Promise<Session> {
  return ctx.newUser(`${prefix}_${hex(4)}`);
}

async function expectStatus(response: Promise<HttpResponse>, status: number): Promise<any> {
  const res = await response;
  if (res.status !== status) throw new Error(`fixture: ${res.status} ${res.text}`);
  return res.body;
}

const usernames = (...sessions: Session[]) => sessions.map((session) => session.username);

interface GroupFixture extends Fixture {
  chat: { id: number; name: string; topic: string };
  message: { id: number; body: string };
}

/** A group of the owner with an admin and a plain member, a removed member, and a message. */
async function group(): Promise<GroupFixture> {
  const name = secret('secret-group');
  const chat = await ctx.group(w.owner, name, [w.admin, w.member, w.former]);
  const token = w.owner.accessToken;
  await expectStatus(
    t.http.patch(`/api/v1/chats/${chat.id}/participants/${w.admin.id}`, {
      token,
      body: { role: 'admin' },
    }),
    200,
  );
  await expectStatus(
    t.http.delete(`/api/v1/chats/${chat.id}/participants/${w.former.id}`, { token }),
    204,
  );
  const message = await ctx.send(w.owner, chat.id, secret('secret-body'));
  return {
    chat,
    message,
    secrets: [name, chat.topic, message.body, ...usernames(w.owner, w.admin, w.member)],
  };
}

/** A group fixture whose secrets also hold the stranger's own chat, for cross-chat probes. */
async function groupAndPalChat(): Promise<GroupFixture> {
  const fixture = await group();
  return { ...fixture, secrets: [...fixture.secrets, w.palMessage.body] };
}

interface RequestFixture extends Fixture {
  from: Session;
  to: Session;
  request: { id: number };
}

async function pendingRequest(): Promise<RequestFixture> {
  const [from, to] = await Promise.all([user('azfrom'), user('azto')]);
  const message = secret('secret-request');
  const request = await expectStatus(
    t.http.post('/api/v1/friend-requests', {
      token: from.accessToken,
      body: { toUserId: to.id, message },
    }),
    201,
  );
  return { from, to, request, secrets: [message, ...usernames(from, to)] };
}

interface PairFixture extends Fixture {
  a: Session;
  b: Session;
}

async function freshPair(friends: boolean): Promise<PairFixture> {
  const [a, b] = await Promise.all([user('aza'), user('azb')]);
  if (friends) await ctx.befriend(a, b);
  return { a, b, secrets: usernames(a, b) };
}

interface PushFixture extends Fixture {
  session: Session;
  /** A browser's PushSubscription, as `JSON.stringify(subscription)` gives it. */
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } };
}

/**
 * A fresh user (in no chat, so never pushed to) and a device's subscription, already subscribed or
 * not. The endpoint is on loopback, allowed by OUTBOUND_ALLOWED_NETWORKS, so no DNS is asked.
 */
async function pushDevice(subscribed: boolean): Promise<PushFixture> {
  const session = await user('azpush');
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const subscription = {
    endpoint: `http://127.0.0.1:9/push/${secret('secret-device')}`,
    keys: {
      p256dh: ecdh.getPublicKey().toString('base64url'),
      auth: randomBytes(16).toString('base64url'),
    },
  };
  if (subscribed) {
    await expectStatus(
      t.http.post(PUSH_SUBSCRIPTIONS, { token: session.accessToken, body: subscription }),
      201,
    );
  }
  return { session, subscription, secrets: [subscription.endpoint] };
}

const chatPath = (fixture: GroupFixture) => `/api/v1/chats/${fixture.chat.id}`;
const messagePath = (fixture: GroupFixture) =>
  `${chatPath(fixture)}/messages/${fixture.message.id}`;

/** 👍, URL-encoded as a path segment. */
const THUMBS_UP = '%F0%9F%91%8D';
const reactionPath = (chatId: number, messageId: number) =>
  `/api/v1/chats/${chatId}/messages/${messageId}/reactions/${THUMBS_UP}`;

async function react(session: Session, chatId: number, messageId: number) {
  await expectStatus(
    t.http.put(reactionPath(chatId, messageId), { token: session.accessToken }),
    200,
  );
}

/**
 * A group fixture (with the stranger's chat) whose message has reactions: the member's, and the
 * removed member's from before the removal (kept, so a refused take-back has a row to leave). The
 * pal reacted in the stranger's chat: the pal's name is what a cross-chat list would show.
 */
async function reactedGroup(): Promise<GroupFixture> {
  const fixture = await groupAndPalChat();
  const token = w.owner.accessToken;
  await expectStatus(
    t.http.post(`${chatPath(fixture)}/participants`, { token, body: { userIds: [w.former.id] } }),
    200,
  );
  await react(w.former, fixture.chat.id, fixture.message.id);
  await expectStatus(
    t.http.delete(`${chatPath(fixture)}/participants/${w.former.id}`, { token }),
    204,
  );
  await react(w.member, fixture.chat.id, fixture.message.id);
  await react(w.pal, w.palChat.id, w.palMessage.id);
  return { ...fixture, secrets: [...fixture.secrets, w.pal.username] };
}

interface BlockedDirectFixture extends GroupFixture {
  /** A direct chat whose other user blocked `blocked` after sending `message`. */
  direct: { blocked: Session; chat: { id: number }; message: { id: number; body: string } };
}

async function reactedGroupAndBlockedDirect(): Promise<BlockedDirectFixture> {
  const fixture = await reactedGroup();
  const { a: blocked, b: blocker } = await freshPair(true);
  const chat = await ctx.directChat(blocker, blocked);
  const message = await ctx.send(blocker, chat.id, secret('secret-blocked'));
  await expectStatus(
    t.http.post('/api/v1/blocks', { token: blocker.accessToken, body: { userId: blocked.id } }),
    201,
  );
  return {
    ...fixture,
    direct: { blocked, chat, message },
    secrets: [...fixture.secrets, message.body, blocker.username],
  };
}

/** A reaction request aimed at the group's message through a chat it is not in, and the reverse. */
const REACTION_ACROSS_CHATS: Outsider<GroupFixture>[] = [
  {
    role: 'not a participant, through a chat of their own',
    who: 'stranger',
    expect: [404, 'MESSAGE_NOT_FOUND'],
    request: (f) => ({ path: reactionPath(w.palChat.id, f.message.id) }),
  },
  {
    role: 'a participant, naming a message of a chat they are not in',
    who: 'member',
    expect: [404, 'MESSAGE_NOT_FOUND'],
    request: (f) => ({ path: reactionPath(f.chat.id, w.palMessage.id) }),
  },
];

const NOT_IN_CHAT: Outsider<GroupFixture>[] = [
  { role: 'not a participant', who: 'stranger', expect: [404, 'CHAT_NOT_FOUND'] },
  { role: 'a removed participant', who: 'former', expect: [404, 'CHAT_NOT_FOUND'] },
];

/** Delete: the sender (or the group's owner and admins: moderation.e2e-spec.ts), through its own chat. */
const NOT_THE_SENDER: Outsider<GroupFixture>[] = [
  ...NOT_IN_CHAT,
  { role: 'a participant, not the sender', who: 'member', expect: [403, 'NOT_MESSAGE_SENDER'] },
];

/** Edit: only the sender, an admin of the group neither. */
const NOT_THE_EDITOR: Outsider<GroupFixture>[] = [
  ...NOT_THE_SENDER,
  { role: 'an admin, not the sender', who: 'admin', expect: [403, 'NOT_MESSAGE_SENDER'] },
];

const MATRIX: Record<string, RouteCase> = {
  'POST /api/v1/auth/logout': route<Fixture & { session: Session }>({
    build: async () => {
      const session = await user('azlogout');
      return { session, secrets: [session.refreshToken] };
    },
    actor: (f) => f.session,
    request: (f) => ({
      path: '/api/v1/auth/logout',
      body: { refreshToken: f.session.refreshToken },
    }),
    success: [204],
    outsiders: [
      // Silently ignored (docs/api.md): the answer must not tell whose token it is, and nothing is revoked.
      { role: "another user, with this user's refresh token", who: 'stranger', expect: [204] },
    ],
  }),
  'GET /api/v1/users/me': route<PairFixture>({
    build: () => freshPair(false),
    actor: (f) => f.a,
    request: () => ({ path: '/api/v1/users/me' }),
    success: [200],
    outsiders: [],
    noOutsider: "names no resource: it is always the caller's own profile",
  }),
  'GET /api/v1/users/me/export': route<PairFixture>({
    build: () => freshPair(true),
    actor: (f) => f.a,
    request: () => ({ path: '/api/v1/users/me/export' }),
    success: [200],
    outsiders: [],
    noOutsider: "names no resource: it is always the caller's own data",
  }),
  'DELETE /api/v1/users/me': route<PairFixture>({
    build: () => freshPair(false),
    actor: (f) => f.a,
    request: () => ({ path: '/api/v1/users/me', body: { password: PASSWORD } }),
    success: [204],
    outsiders: [],
    noOutsider: "names no resource: it is always the caller's own account",
  }),
  'PATCH /api/v1/users/me': route<PairFixture>({
    build: () => freshPair(false),
    actor: (f) => f.a,
    request: () => ({ path: '/api/v1/users/me', body: { displayName: 'Renamed by someone' } }),
    success: [200],
    outsiders: [],
    noOutsider: "names no resource: it is always the caller's own profile",
  }),
  'PUT /api/v1/users/me/avatar': route<PairFixture>({
    build: () => freshPair(false),
    actor: (f) => f.a,
    request: () => ({ path: '/api/v1/users/me/avatar', file: solidPng(8, 8) }),
    success: [200],
    outsiders: [],
    noOutsider: "names no resource: it is always the caller's own avatar",
  }),
  'POST /api/v1/uploads': route<PairFixture>({
    build: () => freshPair(false),
    actor: (f) => f.a,
    request: () => ({ path: '/api/v1/uploads', file: solidPng(8, 8) }),
    success: [201],
    outsiders: [],
    noOutsider: 'names no resource: the upload is the caller’s own until it is attached',
  }),
  'GET /api/v1/users/{userId}/avatar': route<Fixture>({
    build: async () => ({ secrets: [] }),
    actor: 'stranger',
    request: () => ({ path: `/api/v1/users/${w.owner.id}/avatar` }),
    success: [200],
    outsiders: [],
    noOutsider: 'avatars are shown to every signed-in user (docs/api.md)',
  }),
  'GET /api/v1/users': route<Fixture>({
    build: async () => ({ secrets: [] }),
    actor: 'stranger',
    request: () => ({ path: `/api/v1/users?q=${w.owner.username.slice(0, 8)}` }),
    success: [200],
    outsiders: [],
    noOutsider: 'public profiles: every signed-in user may search them',
  }),
  'GET /api/v1/users/{userId}': route<Fixture>({
    build: async () => ({ secrets: [] }),
    actor: 'stranger',
    request: () => ({ path: `/api/v1/users/${w.owner.id}` }),
    success: [200],
    outsiders: [],
    noOutsider: 'public profiles: every signed-in user may read them',
  }),

  'POST /api/v1/friend-requests': route<PairFixture>({
    build: () => freshPair(false),
    actor: (f) => f.a,
    request: (f) => ({ path: '/api/v1/friend-requests', body: { toUserId: f.b.id } }),
    success: [201],
    outsiders: [],
    noOutsider: 'creates a request of the caller; refusals by settings and blocks: friends.e2e',
  }),
  'GET /api/v1/friend-requests': route<RequestFixture>({
    build: pendingRequest,
    actor: (f) => f.to,
    request: () => ({ path: '/api/v1/friend-requests?direction=incoming' }),
    success: [200],
    reveals: true,
    outsiders: [
      { role: 'neither sender nor recipient', who: 'stranger', expect: [200] },
      {
        role: 'neither sender nor recipient, outgoing',
        who: 'stranger',
        expect: [200],
        request: () => ({ path: '/api/v1/friend-requests?direction=outgoing' }),
      },
    ],
  }),
  'POST /api/v1/friend-requests/{requestId}/accept': route<RequestFixture>({
    build: pendingRequest,
    actor: (f) => f.to,
    request: (f) => ({ path: `/api/v1/friend-requests/${f.request.id}/accept` }),
    success: [200],
    outsiders: [
      {
        role: 'neither sender nor recipient',
        who: 'stranger',
        expect: [404, 'FRIEND_REQUEST_NOT_FOUND'],
      },
      { role: 'the sender', who: (f) => f.from, expect: [403, 'NOT_REQUEST_RECIPIENT'] },
    ],
  }),
  'POST /api/v1/friend-requests/{requestId}/reject': route<RequestFixture>({
    build: pendingRequest,
    actor: (f) => f.to,
    request: (f) => ({ path: `/api/v1/friend-requests/${f.request.id}/reject` }),
    success: [200],
    outsiders: [
      {
        role: 'neither sender nor recipient',
        who: 'stranger',
        expect: [404, 'FRIEND_REQUEST_NOT_FOUND'],
      },
      { role: 'the sender', who: (f) => f.from, expect: [403, 'NOT_REQUEST_RECIPIENT'] },
    ],
  }),
  'DELETE /api/v1/friend-requests/{requestId}': route<RequestFixture>({
    build: pendingRequest,
    actor: (f) => f.from,
    request: (f) => ({ path: `/api/v1/friend-requests/${f.request.id}` }),
    success: [204],
    outsiders: [
      {
        role: 'neither sender nor recipient',
        who: 'stranger',
        expect: [404, 'FRIEND_REQUEST_NOT_FOUND'],
      },
      { role: 'the recipient', who: (f) => f.to, expect: [403, 'NOT_REQUEST_SENDER'] },
    ],
  }),
  'GET /api/v1/friends': route<Fixture>({
    build: async () => ({ secrets: usernames(w.admin, w.member, w.former, w.friend) }),
    actor: 'owner',
    request: () => ({ path: '/api/v1/friends' }),
    success: [200],
    reveals: true,
    outsiders: [{ role: 'not a friend of theirs', who: 'stranger', expect: [200] }],
  }),
  'DELETE /api/v1/friends/{userId}': route<PairFixture>({
    build: () => freshPair(true),
    actor: (f) => f.b,
    request: (f) => ({ path: `/api/v1/friends/${f.a.id}` }),
    success: [204],
    outsiders: [{ role: 'not in the friendship', who: 'stranger', expect: [404, 'NOT_FRIENDS'] }],
  }),
  'POST /api/v1/blocks': route<PairFixture>({
    build: () => freshPair(false),
    actor: (f) => f.a,
    request: (f) => ({ path: '/api/v1/blocks', body: { userId: f.b.id } }),
    success: [201],
    outsiders: [],
    noOutsider: "acts on the caller's own block list",
  }),
  'GET /api/v1/blocks': route<PairFixture>({
    build: async () => {
      const pair = await freshPair(false);
      await expectStatus(
        t.http.post('/api/v1/blocks', { token: pair.a.accessToken, body: { userId: pair.b.id } }),
        201,
      );
      return { ...pair, secrets: [pair.b.username] };
    },
    actor: (f) => f.a,
    request: () => ({ path: '/api/v1/blocks' }),
    success: [200],
    reveals: true,
    outsiders: [{ role: 'not the blocker', who: 'stranger', expect: [200] }],
  }),
  'DELETE /api/v1/blocks/{userId}': route<PairFixture>({
    build: async () => {
      const pair = await freshPair(false);
      await expectStatus(
        t.http.post('/api/v1/blocks', { token: pair.a.accessToken, body: { userId: pair.b.id } }),
        201,
      );
      return pair;
    },
    actor: (f) => f.a,
    request: (f) => ({ path: `/api/v1/blocks/${f.b.id}` }),
    success: [204],
    outsiders: [{ role: 'not the blocker', who: 'stranger', expect: [404, 'BLOCK_NOT_FOUND'] }],
  }),

  'POST /api/v1/chats/direct': route<Fixture>({
    build: async () => {
      const chat = await ctx.directChat(w.owner, w.friend);
      const message = await ctx.send(w.friend, chat.id, secret('secret-direct'));
      return { secrets: [chat.name, chat.topic, message.body] };
    },
    actor: 'owner',
    request: () => ({ path: '/api/v1/chats/direct', body: { userId: w.friend.id } }),
    success: [200, 201],
    reveals: true,
    outsiders: [
      {
        role: 'not a friend, asking for a chat that exists between others',
        who: 'stranger',
        expect: [403, 'DIRECT_CHAT_NOT_ALLOWED'],
      },
    ],
  }),
  'POST /api/v1/chats/groups': route<Fixture & { name: string }>({
    build: async () => ({ name: secret('new-group'), secrets: usernames(w.friend) }),
    actor: 'owner',
    request: (f) => ({
      path: '/api/v1/chats/groups',
      body: { name: f.name, memberIds: [w.friend.id] },
    }),
    success: [201],
    outsiders: [
      {
        role: 'not a friend of the members',
        who: 'stranger',
        expect: [403, 'MEMBERS_NOT_FRIENDS'],
      },
    ],
  }),
  'GET /api/v1/chats': route<GroupFixture>({
    build: group,
    actor: 'member',
    request: () => ({ path: '/api/v1/chats' }),
    success: [200],
    reveals: true,
    outsiders: [
      { role: 'not a participant', who: 'stranger', expect: [200] },
      { role: 'a removed participant', who: 'former', expect: [200] },
    ],
  }),
  'GET /api/v1/chats/{chatId}': route<GroupFixture>({
    build: group,
    actor: 'member',
    request: (f) => ({ path: chatPath(f) }),
    success: [200],
    reveals: true,
    outsiders: NOT_IN_CHAT,
  }),
  'GET /api/v1/chats/{chatId}/read-markers': route<GroupFixture>({
    build: group,
    actor: 'member',
    request: (f) => ({ path: `${chatPath(f)}/read-markers` }),
    success: [200],
    outsiders: NOT_IN_CHAT,
  }),
  'PATCH /api/v1/chats/{chatId}/settings': route<GroupFixture>({
    build: group,
    actor: 'member',
    request: (f) => ({ path: `${chatPath(f)}/settings`, body: { muted: true } }),
    success: [200],
    outsiders: NOT_IN_CHAT,
  }),
  'GET /api/v1/me/unread': route<PairFixture>({
    build: () => freshPair(false),
    actor: (f) => f.a,
    request: () => ({ path: '/api/v1/me/unread' }),
    success: [200],
    outsiders: [],
    noOutsider: "names no resource: it is always the caller's own totals",
  }),
  'PATCH /api/v1/chats/{chatId}': route<GroupFixture>({
    build: group,
    actor: 'admin',
    request: (f) => ({ path: chatPath(f), body: { name: 'renamed by someone' } }),
    success: [200],
    outsiders: [
      ...NOT_IN_CHAT,
      { role: 'a plain member', who: 'member', expect: [403, 'NOT_CHAT_ADMIN'] },
    ],
  }),
  'POST /api/v1/chats/{chatId}/participants': route<GroupFixture>({
    build: group,
    actor: 'owner',
    request: (f) => ({ path: `${chatPath(f)}/participants`, body: { userIds: [w.friend.id] } }),
    success: [200],
    outsiders: [
      ...NOT_IN_CHAT,
      {
        role: 'a removed participant, adding themself back',
        who: 'former',
        expect: [404, 'CHAT_NOT_FOUND'],
        request: (f) => ({ path: `${chatPath(f)}/participants`, body: { userIds: [w.former.id] } }),
      },
      { role: 'a plain member', who: 'member', expect: [403, 'NOT_CHAT_ADMIN'] },
    ],
  }),
  'PATCH /api/v1/chats/{chatId}/participants/{userId}': route<GroupFixture>({
    build: group,
    actor: 'owner',
    request: (f) => ({
      path: `${chatPath(f)}/participants/${w.member.id}`,
      body: { role: 'admin' },
    }),
    success: [200],
    outsiders: [
      ...NOT_IN_CHAT,
      {
        role: 'a plain member (promoting themself)',
        who: 'member',
        expect: [403, 'NOT_CHAT_OWNER'],
      },
      { role: 'an admin, not the owner', who: 'admin', expect: [403, 'NOT_CHAT_OWNER'] },
    ],
  }),
  'DELETE /api/v1/chats/{chatId}/participants/{userId}': route<GroupFixture>({
    build: group,
    // The owner leaving: the request aims at the owner, whom no one else may remove.
    actor: 'owner',
    request: (f) => ({ path: `${chatPath(f)}/participants/${w.owner.id}` }),
    success: [204],
    outsiders: [
      ...NOT_IN_CHAT,
      {
        role: 'not a participant, "leaving"',
        who: 'stranger',
        expect: [404, 'CHAT_NOT_FOUND'],
        request: (f) => ({ path: `${chatPath(f)}/participants/${w.stranger.id}` }),
      },
      { role: 'a plain member', who: 'member', expect: [403, 'NOT_CHAT_ADMIN'] },
      {
        role: 'an admin, removing the owner',
        who: 'admin',
        expect: [403, 'CANNOT_REMOVE_PARTICIPANT'],
      },
    ],
  }),

  'GET /api/v1/messages/search': route<GroupFixture>({
    build: group,
    actor: 'member',
    request: (f) => ({
      path: `/api/v1/messages/search?q=${encodeURIComponent(f.message.body)}&chatId=${f.chat.id}`,
    }),
    success: [200],
    reveals: true,
    // Search names no chat it could refuse: the chats I am not in simply find nothing.
    outsiders: [
      { role: 'not a participant', who: 'stranger', expect: [200] },
      { role: 'a removed participant', who: 'former', expect: [200] },
    ],
  }),
  'GET /api/v1/chats/{chatId}/messages': route<GroupFixture>({
    build: group,
    actor: 'member',
    request: (f) => ({ path: `${chatPath(f)}/messages` }),
    success: [200],
    reveals: true,
    outsiders: [
      ...NOT_IN_CHAT,
      {
        role: 'not a participant, paging after a message id',
        who: 'stranger',
        expect: [404, 'CHAT_NOT_FOUND'],
        request: (f) => ({ path: `${chatPath(f)}/messages?after=0` }),
      },
    ],
  }),
  'POST /api/v1/chats/{chatId}/messages': route<GroupFixture>({
    build: group,
    actor: 'member',
    request: (f) => ({
      path: `${chatPath(f)}/messages`,
      body: { body: 'posted by someone', clientMessageId: 'az-post' },
    }),
    success: [201],
    outsiders: NOT_IN_CHAT,
  }),
  'GET /api/v1/chats/{chatId}/changes': route<GroupFixture>({
    build: group,
    actor: 'member',
    request: (f) => ({ path: `${chatPath(f)}/changes?afterRev=0` }),
    success: [200],
    reveals: true,
    outsiders: NOT_IN_CHAT,
  }),
  'PATCH /api/v1/chats/{chatId}/messages/{messageId}': route<GroupFixture>({
    build: groupAndPalChat,
    actor: 'owner',
    request: (f) => ({ path: messagePath(f), body: { body: 'edited by someone' } }),
    success: [200],
    outsiders: [
      ...NOT_THE_EDITOR,
      {
        role: 'not a participant, through a chat of their own',
        who: 'stranger',
        expect: [404, 'MESSAGE_NOT_FOUND'],
        request: (f) => ({
          path: `/api/v1/chats/${w.palChat.id}/messages/${f.message.id}`,
          body: { body: 'edited by someone' },
        }),
      },
      {
        role: 'a participant, naming a message of a chat they are not in',
        who: 'member',
        expect: [404, 'MESSAGE_NOT_FOUND'],
        request: (f) => ({
          path: `${chatPath(f)}/messages/${w.palMessage.id}`,
          body: { body: 'edited by someone' },
        }),
      },
    ],
  }),
  'DELETE /api/v1/chats/{chatId}/messages/{messageId}': route<GroupFixture>({
    build: groupAndPalChat,
    actor: 'owner',
    request: (f) => ({ path: messagePath(f) }),
    success: [204],
    outsiders: [
      ...NOT_THE_SENDER,
      {
        role: 'not a participant, through a chat of their own',
        who: 'stranger',
        expect: [404, 'MESSAGE_NOT_FOUND'],
        request: (f) => ({ path: `/api/v1/chats/${w.palChat.id}/messages/${f.message.id}` }),
      },
      {
        role: 'a participant, naming a message of a chat they are not in',
        who: 'member',
        expect: [404, 'MESSAGE_NOT_FOUND'],
        request: (f) => ({ path: `${chatPath(f)}/messages/${w.palMessage.id}` }),
      },
    ],
  }),
  'PUT /api/v1/chats/{chatId}/messages/{messageId}/reactions/{emoji}': route<BlockedDirectFixture>({
    build: reactedGroupAndBlockedDirect,
    actor: 'admin',
    request: (f) => ({ path: reactionPath(f.chat.id, f.message.id) }),
    success: [200],
    outsiders: [
      ...NOT_IN_CHAT,
      ...REACTION_ACROSS_CHATS,
      {
        role: 'in a direct chat, blocked by the other',
        who: (f) => f.direct.blocked,
        expect: [403, 'DIRECT_CHAT_NOT_ALLOWED'],
        request: (f) => ({ path: reactionPath(f.direct.chat.id, f.direct.message.id) }),
      },
    ],
  }),
  'DELETE /api/v1/chats/{chatId}/messages/{messageId}/reactions/{emoji}': route<GroupFixture>({
    build: reactedGroup,
    actor: 'member',
    request: (f) => ({ path: reactionPath(f.chat.id, f.message.id) }),
    success: [200],
    outsiders: [...NOT_IN_CHAT, ...REACTION_ACROSS_CHATS],
  }),
  'GET /api/v1/chats/{chatId}/messages/{messageId}/reactions/{emoji}': route<GroupFixture>({
    build: reactedGroup,
    actor: 'member',
    request: (f) => ({ path: reactionPath(f.chat.id, f.message.id) }),
    success: [200],
    reveals: true,
    outsiders: [...NOT_IN_CHAT, ...REACTION_ACROSS_CHATS],
  }),
  'POST /api/v1/chats/{chatId}/read': route<GroupFixture>({
    build: groupAndPalChat,
    actor: 'member',
    request: (f) => ({ path: `${chatPath(f)}/read`, body: { messageId: f.message.id } }),
    success: [204],
    outsiders: [
      ...NOT_IN_CHAT,
      {
        role: 'not a participant, through a chat of their own',
        who: 'stranger',
        expect: [404, 'MESSAGE_NOT_FOUND'],
        request: (f) => ({
          path: `/api/v1/chats/${w.palChat.id}/read`,
          body: { messageId: f.message.id },
        }),
      },
      {
        role: 'a participant, naming a message of a chat they are not in',
        who: 'member',
        expect: [404, 'MESSAGE_NOT_FOUND'],
        request: (f) => ({ path: `${chatPath(f)}/read`, body: { messageId: w.palMessage.id } }),
      },
    ],
  }),

  'GET /api/v1/me/push-subscriptions/vapid-public-key': route<PushFixture>({
    build: () => pushDevice(false),
    actor: (f) => f.session,
    request: () => ({ path: `${PUSH_SUBSCRIPTIONS}/vapid-public-key` }),
    success: [200],
    outsiders: [],
    noOutsider: "names no other user's resource: the server's one public key",
  }),
  'POST /api/v1/me/push-subscriptions': route<PushFixture>({
    build: () => pushDevice(false),
    actor: (f) => f.session,
    request: (f) => ({ path: PUSH_SUBSCRIPTIONS, body: f.subscription }),
    success: [201],
    reveals: true,
    outsiders: [],
    noOutsider: "names no other user's resource: it is always the caller's own subscriptions",
  }),
  'DELETE /api/v1/me/push-subscriptions': route<PushFixture>({
    build: () => pushDevice(true),
    actor: (f) => f.session,
    request: (f) => ({ path: PUSH_SUBSCRIPTIONS, body: { endpoint: f.subscription.endpoint } }),
    success: [204],
    outsiders: [
      // Idempotent (docs of unsubscribePush): another user's endpoint is silently left alone, so the
      // answer is the same 204, and the probe checks that no row went.
      { role: "another user, naming this user's endpoint", who: 'stranger', expect: [204] },
    ],
  }),
};

interface WebhookFixture extends Fixture {
  endpoint: { id: number; url: string; secret: string };
}

interface DeliveredFixture extends WebhookFixture {
  delivery: { id: number; eventId: string };
}

/** An admin operation: no user may call it, whatever the role; only ADMIN_API_TOKEN. */
interface AdminCase<F extends Fixture = Fixture> {
  build: () => Promise<F>;
  request: (fixture: F) => RequestSpec;
  success: number[];
  /** The allowed answer shows resource data: proves the secret scan could see a leak. */
  reveals?: boolean;
}

const adminRoute = <F extends Fixture>(spec: AdminCase<F>) => spec as unknown as AdminCase;

const asAdmin = { token: ADMIN_TOKEN };

/** Stands in for the operator's receiver: answers 200, so a delivery settles at once. */
let receiver: WebhookReceiver;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `find` until it gives something (deliveries are asynchronous), or fails naming `what`. */
async function until<T>(what: string, find: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`fixture: still no ${what}`);
    await sleep(100);
  }
}

/** A webhook endpoint on the receiver, under a path nobody could guess. */
async function webhook(): Promise<WebhookFixture> {
  const url = receiver.url(`/${secret('secret-hook')}`);
  const endpoint = await expectStatus(
    t.http.post(WEBHOOKS, { ...asAdmin, body: { url, events: ['message.created'] } }),
    201,
  );
  return { endpoint, secrets: [url, endpoint.secret] };
}

/**
 * An endpoint with a real delivery, settled: a message sent in a chat of a fresh pair, delivered to
 * the receiver. Subscribed to message.created only, so the pair's friendship and chat make none.
 */
async function deliveredWebhook(): Promise<DeliveredFixture> {
  const fixture = await webhook();
  const { a, b } = await freshPair(true);
  const chat = await ctx.directChat(a, b);
  const message = await ctx.send(a, chat.id, secret('secret-hooked'));
  const delivery = await until('succeeded delivery', async () => {
    const res = await t.http.get(`${WEBHOOKS}/${fixture.endpoint.id}/deliveries`, asAdmin);
    const items = (res.status === 200 ? res.body.items : []) as (DeliveredFixture['delivery'] & {
      status: string;
    })[];
    return items.find((item) => item.status === 'succeeded');
  });
  return { ...fixture, delivery, secrets: [...fixture.secrets, delivery.eventId, message.body] };
}

const webhookPath = (f: WebhookFixture) => `${WEBHOOKS}/${f.endpoint.id}`;

const ADMIN_MATRIX: Record<string, AdminCase> = {
  'POST /api/v1/admin/webhooks': adminRoute<Fixture & { url: string }>({
    build: async () => {
      const url = receiver.url(`/${secret('secret-hook')}`);
      return { url, secrets: [url] };
    },
    request: (f) => ({ path: WEBHOOKS, body: { url: f.url, events: ['message.created'] } }),
    success: [201],
    reveals: true,
  }),
  'GET /api/v1/admin/webhooks': adminRoute<WebhookFixture>({
    build: webhook,
    request: () => ({ path: WEBHOOKS }),
    success: [200],
    reveals: true,
  }),
  'GET /api/v1/admin/webhooks/{webhookId}': adminRoute<WebhookFixture>({
    build: webhook,
    request: (f) => ({ path: webhookPath(f) }),
    success: [200],
    reveals: true,
  }),
  'PATCH /api/v1/admin/webhooks/{webhookId}': adminRoute<WebhookFixture>({
    build: webhook,
    request: (f) => ({
      path: webhookPath(f),
      body: { events: ['message.created', 'message.deleted'] },
    }),
    success: [200],
    reveals: true,
  }),
  'DELETE /api/v1/admin/webhooks/{webhookId}': adminRoute<WebhookFixture>({
    build: webhook,
    request: (f) => ({ path: webhookPath(f) }),
    success: [204],
  }),
  'GET /api/v1/admin/webhooks/{webhookId}/deliveries': adminRoute<DeliveredFixture>({
    build: deliveredWebhook,
    request: (f) => ({ path: `${webhookPath(f)}/deliveries` }),
    success: [200],
    reveals: true,
  }),
  'POST /api/v1/admin/webhooks/{webhookId}/deliveries/{deliveryId}/replay':
    adminRoute<DeliveredFixture>({
      build: deliveredWebhook,
      request: (f) => ({ path: `${webhookPath(f)}/deliveries/${f.delivery.id}/replay` }),
      success: [202],
      reveals: true,
    }),
  'PUT /api/v1/admin/users/by-external-id/{externalId}': adminRoute<
    Fixture & { externalId: string; username: string }
  >({
    build: async () => {
      const externalId = secret('secret-external');
      const username = `azext_${hex(4)}`;
      return { externalId, username, secrets: [externalId, username] };
    },
    request: (f) => ({
      path: `/api/v1/admin/users/by-external-id/${f.externalId}`,
      body: { username: f.username },
    }),
    success: [201],
    reveals: true,
  }),
  'POST /api/v1/admin/users/{userId}/sessions': adminRoute<PairFixture>({
    build: () => freshPair(false),
    request: (f) => ({ path: `/api/v1/admin/users/${f.a.id}/sessions` }),
    success: [201],
    reveals: true,
  }),
  'POST /api/v1/admin/users/{userId}/suspension': adminRoute<PairFixture>({
    build: () => freshPair(false),
    request: (f) => ({ path: `/api/v1/admin/users/${f.a.id}/suspension`, body: {} }),
    success: [200],
  }),
  'DELETE /api/v1/admin/users/{userId}/suspension': adminRoute<PairFixture>({
    build: () => freshPair(false),
    request: (f) => ({ path: `/api/v1/admin/users/${f.a.id}/suspension` }),
    success: [204],
  }),
  'DELETE /api/v1/admin/users/{userId}': adminRoute<PairFixture>({
    build: () => freshPair(false),
    request: (f) => ({ path: `/api/v1/admin/users/${f.a.id}` }),
    success: [204],
  }),
  'PUT /api/v1/admin/friendships': adminRoute<PairFixture>({
    build: () => freshPair(false),
    request: (f) => ({ path: '/api/v1/admin/friendships', body: { userIds: [f.a.id, f.b.id] } }),
    success: [201],
  }),
};

const withCharChanged = (token: string, index: number) =>
  token.slice(0, index) + (token[index] === 'A' ? 'B' : 'A') + token.slice(index + 1);

/** Every credential but the admin token: users' own valid tokens, and near misses of the real one. */
const NOT_THE_ADMIN_TOKEN: { name: string; token: () => string }[] = [
  ...(['owner', 'admin', 'stranger'] as const).map((role) => ({
    name: `the ${role}'s valid access token`,
    token: () => w[role].accessToken,
  })),
  {
    name: 'the admin token with a character changed',
    token: () => withCharChanged(ADMIN_TOKEN, ADMIN_TOKEN.length >> 1),
  },
  { name: 'the admin token less its last character', token: () => ADMIN_TOKEN.slice(0, -1) },
  { name: 'the admin token and one character more', token: () => `${ADMIN_TOKEN}A` },
];

interface Operation {
  security?: Record<string, string[]>[];
  responses: Record<string, unknown>;
}

const counts = {
  operations: 0,
  tokenCases: 0,
  outsiderCases: 0,
  allowedCases: 0,
  handshakeCases: 0,
  socketEvents: 0,
  socketOutsiderCases: 0,
  socketAllowedCases: 0,
  adminOperations: 0,
  adminRefusals: 0,
  adminAllowedCases: 0,
};

function resolve<F>(who: Who<F>, fixture: F): Session {
  return typeof who === 'function' ? who(fixture) : w[who];
}

function call(method: string, spec: RequestSpec, token?: string): Promise<HttpResponse> {
  return t.http.request(method, spec.path, {
    token,
    body: spec.body,
    rawBody: spec.file ? fileForm(spec.file) : undefined,
  });
}

async function snapshot(): Promise<Snapshot> {
  const columns = TABLES.map(
    (table) =>
      `(SELECT coalesce(json_agg(r ORDER BY r::text), '[]')::text ` +
      `FROM (SELECT to_jsonb(x) - 'last_seen_at' AS r FROM ${table} x) s) AS ${table}`,
  );
  const { rows } = await t.db.query<Snapshot>(`SELECT ${columns.join(', ')}`);
  return rows[0];
}

const changedTables = (before: Snapshot, after: Snapshot) =>
  TABLES.filter((table) => before[table] !== after[table]);

const leaksIn = (text: string, secrets: string[]) =>
  secrets.filter((value) => value && text.includes(value));

/** API.md's error shape: exactly { statusCode, error, message, code } (5xx adds requestId). */
function errorShapeProblems(res: HttpResponse, status: number, code: string): string[] {
  const body = res.body as Record<string, unknown>;
  if (typeof body !== 'object' || body === null) return [`answers no JSON error: ${res.text}`];
  const problems: string[] = [];
  const keys = Object.keys(body).sort();
  if (keys.join() !== 'code,error,message,statusCode') problems.push(`error keys ${keys.join()}`);
  if (body.statusCode !== status) problems.push(`statusCode ${String(body.statusCode)}`);
  if (body.error !== STATUS_CODES[status]) problems.push(`error "${String(body.error)}"`);
  const message = body.message;
  const messageOk =
    (typeof message === 'string' && message.trim() !== '') ||
    (Array.isArray(message) && message.length > 0);
  if (!messageOk) problems.push(`message ${JSON.stringify(message)}`);
  if (body.code !== code) problems.push(`code ${String(body.code)}, expected ${code}`);
  return problems;
}

interface Probe {
  label: string;
  run: () => Promise<HttpResponse>;
  status: number;
  code?: string;
  secrets: string[];
}

/** One request that must not get through: its answer, the rows it left, the data it showed. */
async function probe(problems: string[], { label, run, status, code, secrets }: Probe) {
  const before = await snapshot();
  const res = await run();
  const after = await snapshot();
  const found: string[] = [];
  if (res.status !== status) found.push(`status ${res.status}, expected ${status}`);
  if (code !== undefined) found.push(...errorShapeProblems(res, status, code));
  const leaked = leaksIn(res.text, secrets);
  if (leaked.length > 0) found.push(`shows ${leaked.join(', ')}`);
  const changed = changedTables(before, after);
  if (changed.length > 0) found.push(`changed rows of ${changed.join(', ')}`);
  if (found.length > 0)
    problems.push(`${label}: ${found.join('; ')} (body: ${res.text.slice(0, 300)})`);
}

describe('authorization matrix', () => {
  let operations: Map<string, Operation>;
  let document: any;
  const started = Date.now();

  const securityOf = (operation: Operation): Record<string, string[]>[] =>
    operation.security ?? document.security ?? [];
  const isAdmin = (operation: Operation) =>
    securityOf(operation).some((requirement) => ADMIN_SCHEME in requirement);

  beforeAll(async () => {
    t = await startTestApp({
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      VAPID_PUBLIC_KEY: VAPID.publicKey,
      VAPID_PRIVATE_KEY: VAPID.privateKey,
      VAPID_SUBJECT: 'mailto:ops@example.com',
      // Push endpoints and webhook URLs on loopback, accepted without DNS.
      OUTBOUND_ALLOWED_NETWORKS: '127.0.0.1',
    });
    ctx = new TestContext(t);
    const res = await t.http.get('/docs-json');
    expect(res.status).toBe(200);
    document = res.body;
    operations = new Map(
      Object.entries(document.paths as Record<string, Record<string, Operation>>).flatMap(
        ([path, methods]) =>
          Object.entries(methods).map(
            ([method, operation]) => [`${method.toUpperCase()} ${path}`, operation] as const,
          ),
      ),
    );

    const [owner, admin, member, former, friend, stranger, pal, doomed] = await Promise.all(
      [
        'azowner',
        'azadmin',
        'azmember',
        'azformer',
        'azfriend',
        'azstranger',
        'azpal',
        'azdeleted',
      ].map(user),
    );
    for (const other of [admin, member, former, friend]) await ctx.befriend(owner, other);
    await ctx.befriend(stranger, pal);
    const palChat = await ctx.directChat(stranger, pal);
    const palMessage = await ctx.send(stranger, palChat.id, secret('secret-pal'));
    await expectStatus(
      t.http.put('/api/v1/users/me/avatar', {
        token: owner.accessToken,
        rawBody: fileForm(solidPng(8, 8)),
      }),
      200,
    );
    // A user with no data but a session: the foreign keys let the row go.
    await t.db.query('DELETE FROM users WHERE id = $1', [doomed.id]);
    w = {
      owner,
      admin,
      member,
      former,
      friend,
      stranger,
      pal,
      palChat,
      palMessage,
      deletedUserToken: doomed.accessToken,
    };
  });

  afterAll(async () => {
    const http = counts.tokenCases + counts.outsiderCases + counts.allowedCases;
    const sockets = counts.handshakeCases + counts.socketOutsiderCases + counts.socketAllowedCases;
    console.log(
      `authorization matrix: ${counts.operations} protected operations × ` +
        `${TOKEN_CASES.length} token cases (+HEAD for GETs) = ${counts.tokenCases}, ` +
        `${counts.outsiderCases} outsider cases, ${counts.allowedCases} allowed controls ` +
        `(${http} HTTP requests); ${counts.handshakeCases} socket handshakes, ` +
        `${counts.socketEvents} client events × outsiders = ${counts.socketOutsiderCases}, ` +
        `${counts.socketAllowedCases} allowed controls (${sockets} socket cases); ` +
        `${counts.adminOperations} admin operations × refusals = ${counts.adminRefusals}, ` +
        `${counts.adminAllowedCases} allowed controls; ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    await t.close();
  });

  describe('the table', () => {
    it('knows every operation of the OpenAPI document, and only those', () => {
      const documented = [...operations.keys()].sort();
      const publicOnes = documented.filter((key) => securityOf(operations.get(key)!).length === 0);
      const adminOnes = documented.filter((key) => isAdmin(operations.get(key)!));
      const protectedOnes = documented.filter(
        (key) => !publicOnes.includes(key) && !adminOnes.includes(key),
      );
      expect(publicOnes).toEqual([...PUBLIC_OPERATIONS].sort());
      expect(adminOnes).toEqual(Object.keys(ADMIN_MATRIX).sort());
      expect({
        protectedButNotInMatrix: protectedOnes.filter((key) => !(key in MATRIX)),
        inMatrixButNotDocumented: Object.keys(MATRIX).filter((key) => !operations.has(key)),
        inMatrixButPublic: Object.keys(MATRIX).filter((key) => publicOnes.includes(key)),
        inMatrixButAdmin: Object.keys(MATRIX).filter((key) => adminOnes.includes(key)),
      }).toEqual({
        protectedButNotInMatrix: [],
        inMatrixButNotDocumented: [],
        inMatrixButPublic: [],
        inMatrixButAdmin: [],
      });
    });

    it('has no route the server answers that the document leaves out', () => {
      const tree: string = t.app
        .getHttpAdapter()
        .getInstance()
        .printRoutes({ commonPrefix: false });
      const served = servedRoutes(tree);
      // The parse found the documented routes, so it can be trusted to find the others.
      expect(served).toEqual(expect.arrayContaining([...operations.keys()]));
      const undocumented = served.filter(
        (key) =>
          key !== HOME_PAGE &&
          !WEB_APP.includes(key) &&
          !operations.has(key) &&
          !PUBLIC_DOCS.some((docs) => key.startsWith(docs)),
      );
      expect(undocumented).toEqual([]);
    });

    it('lets the public operations through without a token, and ignores a bad one', async () => {
      const problems: string[] = [];
      for (const key of [...PUBLIC_OPERATIONS, ...PUBLIC_DOCS, HOME_PAGE]) {
        const [method, path] = key.split(' ');
        const body = method === 'POST' ? {} : undefined;
        for (const token of [undefined, 'not-a-jwt']) {
          const res = await t.http.request(method, path, { token, body });
          const code = typeof res.body === 'object' && res.body ? res.body.code : undefined;
          if (/^TOKEN_/.test(code ?? '')) {
            problems.push(`${key} with ${token ?? 'no token'}: ${res.status} ${res.text}`);
          }
          if (res.status >= 500) problems.push(`${key}: ${res.status} ${res.text}`);
        }
      }
      expect(problems).toEqual([]);
    });
  });

  describe('HTTP', () => {
    it.each(Object.keys(MATRIX).sort())(
      '%s: refuses every bad token and every outsider, and serves the allowed user',
      async (key) => {
        const [method] = key.split(' ');
        const spec = MATRIX[key];
        const operation = operations.get(key);
        expect({ key, documented: operation !== undefined }).toEqual({ key, documented: true });
        const problems: string[] = [];
        if ((operation!.security ?? []).length === 0)
          problems.push('not marked as needing a token');
        if (spec.outsiders.length === 0 && !spec.noOutsider) {
          problems.push('names no outsider and does not say why none applies');
        }
        const statuses = [401, ...spec.success, ...spec.outsiders.map((o) => o.expect[0])];
        for (const status of new Set(statuses)) {
          if (!(String(status) in operation!.responses)) problems.push(`documents no ${status}`);
        }

        const fixture = await spec.build();
        const actor = resolve(spec.actor, fixture);
        const request = spec.request(fixture);
        counts.operations += 1;

        for (const tokenCase of TOKEN_CASES) {
          counts.tokenCases += 1;
          await probe(problems, {
            label: tokenCase.name,
            run: () => call(method, request, tokenCase.token(actor)),
            status: 401,
            code: tokenCase.code,
            secrets: fixture.secrets,
          });
        }
        if (method === 'GET') {
          counts.tokenCases += 1;
          await probe(problems, {
            label: 'HEAD without a token',
            run: () => call('HEAD', request),
            status: 401,
            secrets: fixture.secrets,
          });
        }

        for (const outsider of spec.outsiders) {
          counts.outsiderCases += 1;
          const [status, code] = outsider.expect;
          const session = resolve(outsider.who, fixture);
          await probe(problems, {
            label: `${outsider.role} (${session.username})`,
            run: () => call(method, outsider.request?.(fixture) ?? request, session.accessToken),
            status,
            code,
            secrets: fixture.secrets,
          });
        }

        counts.allowedCases += 1;
        const allowed = await call(method, request, actor.accessToken);
        if (!spec.success.includes(allowed.status)) {
          problems.push(`the allowed user got ${allowed.status}: ${allowed.text.slice(0, 300)}`);
        } else if (spec.reveals && leaksIn(allowed.text, fixture.secrets).length === 0) {
          problems.push('the allowed answer shows none of the secrets: the leak scan is blind');
        }
        expect(problems).toEqual([]);
      },
    );

    it("never hands one sender's message to another through a reused clientMessageId", async () => {
      const fixture = await group();
      const clientMessageId = `az-shared-${hex(4)}`;
      const first = await ctx.send(
        w.owner,
        fixture.chat.id,
        secret('secret-first'),
        clientMessageId,
      );
      const byMember = await t.http.post(`${chatPath(fixture)}/messages`, {
        token: w.member.accessToken,
        body: { body: 'mine', clientMessageId },
      });
      expect(byMember.status).toBe(201);
      expect(byMember.body).toMatchObject({ senderId: w.member.id, body: 'mine' });
      const elsewhere = await t.http.post(`/api/v1/chats/${w.palChat.id}/messages`, {
        token: w.stranger.accessToken,
        body: { body: 'mine too', clientMessageId },
      });
      expect(elsewhere.status).toBe(201);
      expect(elsewhere.body).toMatchObject({ senderId: w.stranger.id, chatId: w.palChat.id });
      expect(leaksIn(elsewhere.text, [first.body, ...fixture.secrets])).toEqual([]);
    });
  });

  describe('admin API', () => {
    beforeAll(async () => {
      receiver = await WebhookReceiver.start();
    });
    afterEach(async () => {
      // A replayed delivery is attempted after the answer: let it settle, then remove every endpoint,
      // so that no later request of this file has a subscriber to make deliveries for.
      await until('settling of the deliveries', async () => {
        const { rows } = await t.db.query<{ pending: number }>(
          "SELECT count(*)::int AS pending FROM webhook_deliveries WHERE status = 'pending'",
        );
        return rows[0].pending === 0 ? true : undefined;
      });
      await t.db.query('DELETE FROM webhook_endpoints');
    });
    afterAll(() => receiver.close());

    it.each(Object.keys(ADMIN_MATRIX).sort())(
      "%s: refuses no token and every token but ADMIN_API_TOKEN (users' too), and serves that one",
      async (key) => {
        const [method] = key.split(' ');
        const spec = ADMIN_MATRIX[key];
        const operation = operations.get(key);
        expect({ key, documented: operation !== undefined }).toEqual({ key, documented: true });
        const problems: string[] = [];
        const security = securityOf(operation!);
        if (JSON.stringify(security) !== JSON.stringify([{ [ADMIN_SCHEME]: [] }])) {
          problems.push(`security ${JSON.stringify(security)}, expected only ${ADMIN_SCHEME}`);
        }
        for (const status of new Set([401, 403, ...spec.success])) {
          if (!(String(status) in operation!.responses)) problems.push(`documents no ${status}`);
        }

        const fixture = await spec.build();
        const request = spec.request(fixture);
        counts.adminOperations += 1;

        counts.adminRefusals += 1;
        await probe(problems, {
          label: 'no token',
          run: () => call(method, request),
          status: 401,
          code: 'ADMIN_TOKEN_MISSING',
          secrets: fixture.secrets,
        });
        if (method === 'GET') {
          counts.adminRefusals += 1;
          await probe(problems, {
            label: 'HEAD without a token',
            run: () => call('HEAD', request),
            status: 401,
            secrets: fixture.secrets,
          });
        }
        for (const wrong of NOT_THE_ADMIN_TOKEN) {
          counts.adminRefusals += 1;
          await probe(problems, {
            label: wrong.name,
            run: () => call(method, request, wrong.token()),
            status: 403,
            code: 'ADMIN_TOKEN_INVALID',
            secrets: fixture.secrets,
          });
        }

        counts.adminAllowedCases += 1;
        const allowed = await call(method, request, ADMIN_TOKEN);
        if (!spec.success.includes(allowed.status)) {
          problems.push(`the admin token got ${allowed.status}: ${allowed.text.slice(0, 300)}`);
        } else if (spec.reveals && leaksIn(allowed.text, fixture.secrets).length === 0) {
          problems.push('the allowed answer shows none of the secrets: the leak scan is blind');
        }
        expect(problems).toEqual([]);
      },
    );
  });

  describe('sockets', () => {
    const opened: ClientSocket[] = [];
    const online = async (token: string) => {
      const socket = await connectSocket(t.baseUrl, { token });
      opened.push(socket);
      return socket;
    };
    afterAll(() => {
      for (const socket of opened) socket.close();
    });

    const handshakes: [string, string, TokenCase][] = TOKEN_CASES.flatMap((tokenCase) => [
      [tokenCase.name, 'auth.token', tokenCase],
      ...(tokenCase.name === 'no token'
        ? []
        : [[tokenCase.name, 'an Authorization header', tokenCase] as [string, string, TokenCase]]),
    ]);

    it.each(handshakes)(
      'refuses a handshake with %s (in %s)',
      async (_name, carrier, tokenCase) => {
        counts.handshakeCases += 1;
        const token = tokenCase.token(w.member);
        const attempt = connectSocket(
          t.baseUrl,
          carrier === 'auth.token' ? { token } : { headers: { authorization: `Bearer ${token}` } },
        );
        const refusal = await attempt.then(
          (socket) => {
            socket.close();
            return null;
          },
          (error: Error & { data?: { code?: string } }) => error,
        );
        expect(refusal).not.toBeNull();
        expect({ message: refusal!.message, code: refusal!.data?.code }).toEqual({
          message: expect.stringMatching(/\S/),
          code: tokenCase.code,
        });
      },
    );

    it('tells a socket its token expired, then disconnects it', async () => {
      counts.handshakeCases += 1;
      const token = sign(TEST_JWT_SECRET, claimsOf(w.member, nowSeconds() + 2));
      const socket = await online(token);
      const expired = nextEvent(socket, 'session:expired');
      const disconnected = nextEvent(socket, 'disconnect');
      expect(await expired).toEqual({ code: 'TOKEN_EXPIRED', message: expect.any(String) });
      await disconnected;
      expect(socket.connected).toBe(false);
    });

    describe('client events', () => {
      type SocketRole = 'stranger' | 'former' | 'member' | 'admin' | 'owner';
      interface SocketFixture extends GroupFixture {
        fresh: { id: number; body: string };
      }
      interface SocketOutsider {
        role: string;
        who: SocketRole;
        code: string;
        payload?: (f: SocketFixture) => object;
      }
      interface SocketCase {
        actor: SocketRole;
        payload: (f: SocketFixture) => object;
        outsiders: SocketOutsider[];
      }

      const notInChat: SocketOutsider[] = [
        { role: 'not a participant', who: 'stranger', code: 'CHAT_NOT_FOUND' },
        {
          role: 'removed while connected',
          who: 'former',
          code: 'CHAT_NOT_FOUND',
        },
      ];
      const notTheSender: SocketOutsider[] = [
        ...notInChat,
        { role: 'a participant, not the sender', who: 'member', code: 'NOT_MESSAGE_SENDER' },
      ];
      const notTheEditor: SocketOutsider[] = [
        ...notTheSender,
        { role: 'an admin, not the sender', who: 'admin', code: 'NOT_MESSAGE_SENDER' },
      ];
      const viaOwnChat = (code: string, payload: (f: SocketFixture) => object): SocketOutsider => ({
        role: 'not a participant, through a chat of their own',
        who: 'stranger',
        code,
        payload,
      });

      const SOCKET_MATRIX: Record<string, SocketCase> = {
        [ClientEvents.messageSend]: {
          actor: 'member',
          payload: (f) => ({ chatId: f.chat.id, body: 'sent by someone', clientMessageId: 'az-s' }),
          outsiders: notInChat,
        },
        [ClientEvents.messageEdit]: {
          actor: 'owner',
          payload: (f) => ({ chatId: f.chat.id, messageId: f.fresh.id, body: 'edited by someone' }),
          outsiders: [
            ...notTheEditor,
            viaOwnChat('MESSAGE_NOT_FOUND', (f) => ({
              chatId: w.palChat.id,
              messageId: f.fresh.id,
              body: 'edited by someone',
            })),
          ],
        },
        [ClientEvents.messageDelete]: {
          actor: 'owner',
          payload: (f) => ({ chatId: f.chat.id, messageId: f.fresh.id }),
          outsiders: [
            ...notTheSender,
            viaOwnChat('MESSAGE_NOT_FOUND', (f) => ({
              chatId: w.palChat.id,
              messageId: f.fresh.id,
            })),
          ],
        },
        [ClientEvents.chatJoin]: {
          actor: 'member',
          payload: (f) => ({ chatId: f.chat.id }),
          outsiders: notInChat,
        },
        [ClientEvents.chatRead]: {
          actor: 'member',
          payload: (f) => ({ chatId: f.chat.id, messageId: f.fresh.id }),
          outsiders: [
            ...notInChat,
            viaOwnChat('MESSAGE_NOT_FOUND', (f) => ({
              chatId: w.palChat.id,
              messageId: f.fresh.id,
            })),
            {
              role: 'a participant, naming a message of a chat they are not in',
              who: 'member',
              code: 'MESSAGE_NOT_FOUND',
              payload: (f) => ({ chatId: f.chat.id, messageId: w.palMessage.id }),
            },
          ],
        },
        [ClientEvents.typing]: {
          actor: 'member',
          payload: (f) => ({ chatId: f.chat.id, isTyping: true }),
          outsiders: notInChat,
        },
        [ClientEvents.sync]: {
          actor: 'member',
          payload: (f) => ({ chatId: f.chat.id, afterSeq: 0 }),
          outsiders: [
            ...notInChat,
            {
              role: 'not a participant, by message id',
              who: 'stranger',
              code: 'CHAT_NOT_FOUND',
              payload: (f) => ({ chatId: f.chat.id, afterMessageId: 0 }),
            },
          ],
        },
        [ClientEvents.reactionSet]: {
          actor: 'member',
          payload: (f) => ({ chatId: f.chat.id, messageId: f.fresh.id, emoji: '👍', on: true }),
          outsiders: [
            ...notInChat,
            {
              role: 'removed while connected, taking a reaction back',
              who: 'former',
              code: 'CHAT_NOT_FOUND',
              payload: (f) => ({
                chatId: f.chat.id,
                messageId: f.fresh.id,
                emoji: '👍',
                on: false,
              }),
            },
            viaOwnChat('MESSAGE_NOT_FOUND', (f) => ({
              chatId: w.palChat.id,
              messageId: f.fresh.id,
              emoji: '👍',
              on: true,
            })),
            {
              role: 'a participant, naming a message of a chat they are not in',
              who: 'member',
              code: 'MESSAGE_NOT_FOUND',
              payload: (f) => ({
                chatId: f.chat.id,
                messageId: w.palMessage.id,
                emoji: '👍',
                on: true,
              }),
            },
          ],
        },
      };

      let fixture: GroupFixture;
      const sockets = {} as Record<SocketRole, ClientSocket>;
      /** What the refused sockets heard, from the moment they lost (or never had) access. */
      const heard: Record<'stranger' | 'former', [string, unknown][]> = {
        stranger: [],
        former: [],
      };

      beforeAll(async () => {
        fixture = await group();
        await expectStatus(
          t.http.post(`${chatPath(fixture)}/participants`, {
            token: w.owner.accessToken,
            body: { userIds: [w.former.id] },
          }),
          200,
        );
        for (const role of ['owner', 'admin', 'member', 'former', 'stranger'] as const) {
          sockets[role] = await online(w[role].accessToken);
        }
        const removed = nextEvent(
          sockets.former,
          'chat:member-removed',
          (p: any) => p.chatId === fixture.chat.id && p.userId === w.former.id,
        );
        await expectStatus(
          t.http.delete(`${chatPath(fixture)}/participants/${w.former.id}`, {
            token: w.owner.accessToken,
          }),
          204,
        );
        await removed;
        for (const role of ['stranger', 'former'] as const) {
          sockets[role].onAny((event: string, payload: unknown) =>
            heard[role].push([event, payload]),
          );
        }
      });

      it('covers every event of ClientEvents, and only those', () => {
        expect(Object.keys(SOCKET_MATRIX).sort()).toEqual(Object.values(ClientEvents).sort());
      });

      it.each(Object.values(ClientEvents).sort())(
        '%s: refused to everyone the chat does not allow, with no data and no change',
        async (event) => {
          const spec = SOCKET_MATRIX[event];
          expect(spec).toBeDefined();
          counts.socketEvents += 1;
          const fresh = await ctx.send(w.owner, fixture.chat.id, secret('secret-live'));
          const f: SocketFixture = {
            ...fixture,
            fresh,
            secrets: [...fixture.secrets, fresh.body, w.palMessage.body],
          };
          const problems: string[] = [];
          for (const outsider of spec.outsiders) {
            counts.socketOutsiderCases += 1;
            const before = await snapshot();
            const ack = await send(
              sockets[outsider.who],
              event,
              (outsider.payload ?? spec.payload)(f),
            );
            const after = await snapshot();
            const label = `${outsider.role} (${outsider.who})`;
            const shaped =
              ack?.ok === false &&
              Object.keys(ack).sort().join() === 'error,ok' &&
              Object.keys(ack.error ?? {})
                .sort()
                .join() === 'code,message' &&
              typeof ack.error.message === 'string';
            if (!shaped || ack.error.code !== outsider.code) {
              problems.push(`${label}: ack ${JSON.stringify(ack)}, expected ${outsider.code}`);
            }
            const leaked = leaksIn(JSON.stringify(ack), f.secrets);
            if (leaked.length > 0) problems.push(`${label}: ack shows ${leaked.join(', ')}`);
            const changed = changedTables(before, after);
            if (changed.length > 0)
              problems.push(`${label}: changed rows of ${changed.join(', ')}`);
          }
          counts.socketAllowedCases += 1;
          const allowed = await send(sockets[spec.actor], event, spec.payload(f));
          if (allowed?.ok !== true)
            problems.push(`the allowed user got ${JSON.stringify(allowed)}`);
          expect(problems).toEqual([]);
        },
      );

      const secretsHeardLast: string[] = [];
      /** The events a refused socket got that are about the chat or show its data. */
      const concerning = (role: 'stranger' | 'former') =>
        heard[role]
          .filter(([event, payload]) => {
            const p = (payload ?? {}) as { chatId?: number; id?: number };
            return (
              p.chatId === fixture.chat.id ||
              (event.startsWith('chat:') && p.id === fixture.chat.id) ||
              leaksIn(JSON.stringify(payload) ?? '', [...fixture.secrets, ...secretsHeardLast])
                .length > 0
            );
          })
          .map(([event]) => event);

      it('sends nothing of the chat to the refused sockets, and the chat goes on for its members', async () => {
        const arrival = nextEvent(
          sockets.member,
          'message:new',
          (m: any) => m.chatId === fixture.chat.id,
        );
        const last = await ctx.send(w.owner, fixture.chat.id, secret('secret-last'));
        expect(await arrival).toEqual(last);
        expect(
          await send(sockets.admin, ClientEvents.typing, {
            chatId: fixture.chat.id,
            isTyping: true,
          }),
        ).toEqual({ ok: true });
        await Promise.all((['stranger', 'former'] as const).map((role) => barrier(sockets[role])));
        secretsHeardLast.push(last.body);
        expect({ stranger: concerning('stranger'), former: concerning('former') }).toEqual({
          stranger: [],
          former: [],
        });
      });
    });
  });
});

/** "METHOD /path/{param}" of every route in Fastify's printRoutes tree (HEAD and OPTIONS aside). */
function servedRoutes(tree: string): string[] {
  const routes: string[] = [];
  const stack: string[] = [''];
  for (const line of tree.split('\n')) {
    const match = /^([│├└─ ]*)(\S.*?)(?: \(([A-Z, ]+)\))?\s*$/.exec(line);
    if (!match) continue;
    const depth = match[1].length / 4;
    const path = (stack[depth - 1] ?? '') + match[2];
    stack.length = depth;
    stack[depth] = path;
    for (const method of match[3]?.split(', ') ?? []) {
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      routes.push(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return [...new Set(routes)];
}
