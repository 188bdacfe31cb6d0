/**
 * Plays the sample scenario against a running server with real Socket.IO clients and prints who
 * sent what and who received it live, then the accounts and what to try next. Safe to run again and
 * again against the same server.
 *
 *   npm start      # one terminal: the server, with its embedded PostgreSQL
 *   npm run demo   # another: API_URL=http://host:port for a server elsewhere
 *
 * DEMO_PASSWORD (default: the README's) is the password of shahn, shivam and udit; DEMO_TIMEOUT_MS
 * (default 5000) is how long to wait for each live event.
 */
import { randomUUID } from 'node:crypto';
import { io, Socket } from 'socket.io-client';

const API_URL = (process.env.API_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
const PASSWORD = process.env.DEMO_PASSWORD ?? 'correct horse battery staple';
const WAIT_MS = Number(process.env.DEMO_TIMEOUT_MS ?? 5000);
const HTTP_TIMEOUT_MS = 15_000;

interface Actor {
  name: string;
  id: number;
  token: string;
  socket: Socket;
}

interface Message {
  id: number;
  chatId: number;
  seq: number;
  senderId: number;
  body: string;
  clientMessageId: string | null;
}

interface Chat {
  id: number;
  type: 'direct' | 'group';
  name: string;
  participants: { userId: number }[];
}

interface ApiResponse {
  status: number;
  body: any;
}

class DemoError extends Error {}

const say = (line = ''): void => console.log(line);

async function api(method: string, path: string, token?: string, body?: object) {
  const url = path.startsWith('/health') ? API_URL + path : `${API_URL}/api/v1${path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
  } catch (error) {
    throw new DemoError(
      `Cannot reach the chat server at ${API_URL} (${networkCause(error)}). ` +
        'Start the server with `npm start` first, or set API_URL to where it runs.',
    );
  }
  const text = await response.text();
  const json = response.headers.get('content-type')?.includes('json') && text;
  return { status: response.status, body: json ? JSON.parse(text) : text } as ApiResponse;
}

function networkCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; errors?: { code?: string }[] } }).cause;
  return cause?.code ?? cause?.errors?.[0]?.code ?? (error as Error).message;
}

function check(response: ApiResponse, expected: number[], what: string): any {
  if (expected.includes(response.status)) return response.body;
  const { code, message } = response.body ?? {};
  throw new DemoError(
    `${what} failed: HTTP ${response.status}${code ? ` ${code}` : ''}` +
      `${message ? `: ${[message].flat().join('; ')}` : ''}`,
  );
}

/** Every item of a `{ items, nextCursor }` list. */
async function listAll(path: string, token: string): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const page = `${path}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const body = check(await api('GET', page, token), [200], `GET ${path}`);
    items.push(...body.items);
    cursor = body.nextCursor;
  } while (cursor);
  return items;
}

/** A live event someone should receive; listening starts before the action that causes it. */
class Expectation<T> {
  readonly received: Promise<T>;
  private stop = (): void => undefined;

  constructor(actor: Actor, event: string, matches: (payload: T) => boolean, what: string) {
    this.received = new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.stop();
        reject(
          new DemoError(
            `${actor.name} did not receive ${what} live ("${event}") within ${WAIT_MS} ms`,
          ),
        );
      }, WAIT_MS);
      const listener = (payload: T) => {
        if (!matches(payload)) return;
        this.stop();
        resolve(payload);
      };
      this.stop = () => {
        clearTimeout(timer);
        actor.socket.off(event, listener);
      };
      actor.socket.on(event, listener);
    });
    this.received.catch(() => undefined);
  }

  cancel(): void {
    this.stop();
  }
}

const expectLive = <T = any>(
  actor: Actor,
  event: string,
  matches: (payload: T) => boolean,
  what: string,
) => new Expectation<T>(actor, event, matches, what);

async function emit(actor: Actor, event: string, payload: object): Promise<any> {
  let ack: any;
  try {
    ack = await actor.socket.timeout(WAIT_MS).emitWithAck(event, payload);
  } catch {
    throw new DemoError(`${actor.name} got no acknowledgement for "${event}" within ${WAIT_MS} ms`);
  }
  if (!ack?.ok) {
    throw new DemoError(
      `"${event}" from ${actor.name} was refused: ${ack?.error?.code} ${ack?.error?.message}`,
    );
  }
  return ack;
}

async function checkServer(): Promise<void> {
  const ready = await api('GET', '/health/ready');
  if (ready.status === 200) return;
  throw new DemoError(
    ready.status === 404
      ? `${API_URL} does not look like the chat server (no /health/ready). Set API_URL to it.`
      : `The chat server at ${API_URL} is not ready (HTTP ${ready.status}); is its database up?`,
  );
}

/** Logs in, or registers a name that is still free. */
async function signIn(name: string): Promise<Omit<Actor, 'socket'> & { how: string }> {
  const credentials = { username: name, password: PASSWORD };
  // Login first: a registration attempt counts against the per-IP registration limit even when taken.
  const login = await api('POST', '/auth/login', undefined, credentials);
  let how = 'logged in';
  let session = login.body;
  if (login.status !== 200) {
    check(login, [401], `Login as ${name}`);
    const registered = await api('POST', '/auth/register', undefined, credentials);
    if (registered.body?.code === 'USERNAME_TAKEN') {
      throw new DemoError(
        `The user "${name}" already exists on ${API_URL} with a different password. ` +
          'Set DEMO_PASSWORD to it, or run the demo against a fresh database.',
      );
    }
    session = check(registered, [201], `Registering ${name}`);
    how = 'registered';
  }
  return { name, id: session.user.id, token: session.accessToken, how };
}

function connect(name: string, token: string): Promise<Socket> {
  const socket = io(API_URL, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: WAIT_MS,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(new DemoError(`${name}'s socket could not connect to ${API_URL}: ${error.message}`));
    });
  });
}

async function befriend(from: Actor, to: Actor, message: string): Promise<void> {
  const friends = await listAll('/friends', from.token);
  if (friends.some((friend) => friend.user.id === to.id)) {
    say(`${from.name} and ${to.name} are friends already (from an earlier run)`);
    return;
  }
  const incoming = expectLive(to, 'friend-request:new', (r) => r.fromUserId === from.id, 'it');
  const sent = await api('POST', '/friend-requests', from.token, { toUserId: to.id, message });
  if (sent.status === 201) {
    say(`[${from.name} → ${to.name}] friend request: "${message}"`);
    say(`  ${to.name} received it live (request ${(await incoming.received).id})`);
    return accept(to, from, sent.body.id);
  }
  incoming.cancel();
  const code = sent.body?.code;
  if (sent.status === 200 || code === 'ALREADY_FRIENDS') {
    say(`${from.name} and ${to.name} are friends already (a request from an earlier run)`);
  } else if (code === 'FRIEND_REQUEST_EXISTS') {
    const pending = await listAll('/friend-requests?direction=outgoing&status=pending', from.token);
    const request = pending.find((r) => r.toUserId === to.id);
    if (!request) throw new DemoError(`${from.name}'s pending request to ${to.name} is missing`);
    say(`${from.name}'s friend request to ${to.name} is still pending from an earlier run`);
    await accept(to, from, request.id);
  } else {
    check(sent, [201], `${from.name}'s friend request to ${to.name}`);
  }
}

async function accept(recipient: Actor, sender: Actor, requestId: number): Promise<void> {
  const answer = expectLive(
    sender,
    'friend-request:updated',
    (r) => r.id === requestId && r.status === 'accepted',
    'the acceptance',
  );
  const path = `/friend-requests/${requestId}/accept`;
  check(await api('POST', path, recipient.token), [200], `${recipient.name} accepting`);
  say(`[${recipient.name}] accepts ${sender.name}'s request`);
  await answer.received;
  say(`  ${sender.name} received the acceptance live; they are friends`);
}

/** Sends over the socket (or REST) and waits until every other member has it live. */
async function sendMessage(
  sender: Actor,
  chat: Chat,
  others: Actor[],
  body: string,
  over: 'socket' | 'REST' = 'socket',
): Promise<Message> {
  const clientMessageId = randomUUID();
  const deliveries = others.map((other) =>
    expectLive<Message>(
      other,
      'message:new',
      (m) => m.clientMessageId === clientMessageId,
      `"${body}"`,
    ),
  );
  const message: Message =
    over === 'socket'
      ? (await emit(sender, 'message:send', { chatId: chat.id, body, clientMessageId })).message
      : check(
          await api('POST', `/chats/${chat.id}/messages`, sender.token, { body, clientMessageId }),
          [201],
          `${sender.name} sending "${body}"`,
        );
  say(`[${sender.name} → ${chat.name}] ${body}${over === 'REST' ? '   (sent over REST)' : ''}`);
  for (const [i, delivery] of deliveries.entries()) {
    const received = await delivery.received;
    say(`  ${others[i].name} received it live (seq ${received.seq})`);
  }
  return message;
}

async function directChat(shivam: Actor, shahn: Actor): Promise<Chat> {
  const announced = expectLive<Chat>(
    shahn,
    'chat:created',
    (c) => c.type === 'direct' && c.participants.some((p) => p.userId === shivam.id),
    'it',
  );
  const opened = await api('POST', '/chats/direct', shivam.token, { userId: shahn.id });
  const chat: Chat = check(opened, [200, 201], 'Opening the direct chat');
  const how = opened.status === 201 ? 'created' : 'found: it exists from an earlier run';
  say(
    `${shivam.name} opens the direct chat with ${shahn.name}: ${chat.name} (chat ${chat.id}, ${how})`,
  );
  if (opened.status === 201) {
    await announced.received;
    say(`  ${shahn.name} received chat:created live`);
  } else {
    announced.cancel();
  }
  return chat;
}

async function playDirectChat(shivam: Actor, shahn: Actor): Promise<void> {
  say('\n== Direct chat ==');
  const chat = await directChat(shivam, shahn);
  const helloo = await sendMessage(shivam, chat, [shahn], 'helloo');

  const read = expectLive(shivam, 'chat:read', (r) => r.messageId === helloo.id, 'the read marker');
  await emit(shahn, 'chat:read', { chatId: chat.id, messageId: helloo.id });
  say(`[${shahn.name} in ${chat.name}] reads "helloo"`);
  await read.received;
  say(`  ${shivam.name} saw the read marker move live (message ${helloo.id})`);

  const typing = expectLive(shivam, 'typing', (t) => t.userId === shahn.id && t.isTyping, 'it');
  await emit(shahn, 'typing', { chatId: chat.id, isTyping: true });
  say(`[${shahn.name} in ${chat.name}] is typing…`);
  await typing.received;
  say(`  ${shivam.name} saw "${shahn.name} is typing" live`);
  await sendMessage(shahn, chat, [shivam], 'hey shivam!');
  await emit(shahn, 'typing', { chatId: chat.id, isTyping: false });
}

function isGroup1(chat: Chat, members: Actor[]): boolean {
  const ids = chat.participants.map((p) => p.userId);
  return (
    chat.type === 'group' && chat.name === 'group-1' && members.every((m) => ids.includes(m.id))
  );
}

/** Shahn makes group-1 unless it is there; Shivam pulls his chats and chooses it. */
async function groupChat(shahn: Actor, shivam: Actor, udit: Actor): Promise<Chat> {
  const members = [shahn, shivam, udit];
  if ((await listAll('/chats', shivam.token)).some((chat) => isGroup1(chat, members))) {
    say('group-1 is there already (from an earlier run)');
  } else {
    const announced = [shivam, udit].map((member) =>
      expectLive<Chat>(member, 'chat:created', (c) => c.name === 'group-1', 'the new group'),
    );
    const body = { name: 'group-1', memberIds: [shivam.id, udit.id] };
    const group = check(await api('POST', '/chats/groups', shahn.token, body), [201], 'group-1');
    say(`[${shahn.name}] creates group-1 (chat ${group.id}) with ${shivam.name} and ${udit.name}`);
    for (const [i, announcement] of announced.entries()) {
      await announcement.received;
      say(`  ${[shivam, udit][i].name} received chat:created live`);
    }
  }
  const chats: Chat[] = await listAll('/chats', shivam.token);
  const chosen = chats.find((chat) => isGroup1(chat, members))!;
  const names = chats.map((chat) => chat.name);
  const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? ', …' : '');
  say(`[${shivam.name}] pulls his chats (${shown}) and chooses group-1 (chat ${chosen.id})`);
  return chosen;
}

async function playGroupChat(shahn: Actor, shivam: Actor, udit: Actor): Promise<void> {
  say('\n== Group chat ==');
  const chat = await groupChat(shahn, shivam, udit);
  await sendMessage(shivam, chat, [shahn, udit], 'hi group');
  await sendMessage(shahn, chat, [shivam, udit], 'welcome to group-1', 'REST');
  const typo = await sendMessage(udit, chat, [shahn, shivam], 'helo everyone');

  const edits = [shahn, shivam].map((member) =>
    expectLive<Message>(member, 'message:updated', (m) => m.id === typo.id, 'the edit'),
  );
  const edit = { chatId: chat.id, messageId: typo.id, body: 'hello everyone' };
  await emit(udit, 'message:edit', edit);
  say(`[${udit.name} edits in ${chat.name}] "helo everyone" → "hello everyone"`);
  for (const [i, received] of edits.entries()) {
    say(`  ${[shahn, shivam][i].name} received the edit live: "${(await received.received).body}"`);
  }
}

/** The accounts are there to be used: where to go with them. */
function sayWhatNext(): void {
  say(`\nThe accounts: shahn, shivam and udit, each with the password "${PASSWORD}".`);
  say(`Next: open ${API_URL}/docs and log in as shivam with POST /api/v1/auth/login;`);
  say('press Authorize, paste the accessToken it returns, then try GET /api/v1/chats.');
}

async function main(): Promise<void> {
  if (!(WAIT_MS > 0)) throw new DemoError('DEMO_TIMEOUT_MS must be a positive number of ms');
  say(`Chat demo against ${API_URL}`);
  await checkServer();
  const actors: Actor[] = [];
  for (const name of ['shahn', 'shivam', 'udit']) {
    const session = await signIn(name);
    actors.push({ ...session, socket: await connect(name, session.token) });
    say(`${name} ${session.how} (user ${session.id}) and connected a socket`);
  }
  const [shahn, shivam, udit] = actors;
  try {
    say('\n== Friends ==');
    await befriend(shahn, shivam, 'hi');
    await befriend(shahn, udit, 'hi udit');
    await befriend(shivam, udit, 'hey udit');
    await playDirectChat(shivam, shahn);
    await playGroupChat(shahn, shivam, udit);
    say('\nDone: every message and event above was received live.');
    sayWhatNext();
  } finally {
    actors.forEach((actor) => actor.socket.close());
  }
}

// `npm run demo | head` closes the pipe early: that is the reader's choice, not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main().then(
  () => (process.exitCode = 0),
  (error: unknown) => {
    console.error(error instanceof DemoError ? `\nDemo failed: ${error.message}` : error);
    process.exit(1);
  },
);
