import { ChatClient } from '../../sdk/src/chat-client';
import type { Chat, ChatChanges, Message } from '../../sdk/src/types';

/**
 * The SDK's catch-up logic against a scripted server: a socket.io-client stand-in the test drives,
 * and a fetch that answers from tables. What the real server does is in test/e2e/sdk.e2e-spec.ts;
 * here are the orders of events a real server produces only by chance.
 */

type Handler = (...args: unknown[]) => void;

class FakeSocket {
  connected = false;
  readonly handlers = new Map<string, Handler[]>();
  readonly io = { engine: { close: () => this.drop() } };
  readonly volatile = { emit: () => undefined };

  on(event: string, handler: Handler): this {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
    return this;
  }

  /** The server sends an event. */
  serverEmit(event: string, ...args: unknown[]): void {
    for (const handler of this.handlers.get(event) ?? []) handler(...args);
  }

  connect(): this {
    this.connected = true;
    queueMicrotask(() => this.serverEmit('connect'));
    return this;
  }

  disconnect(): this {
    this.drop('io client disconnect');
    return this;
  }

  drop(reason = 'transport close'): void {
    if (!this.connected) return;
    this.connected = false;
    this.serverEmit('disconnect', reason);
  }

  timeout() {
    return { emitWithAck: () => new Promise(() => undefined) };
  }
}

let socket: FakeSocket;
jest.mock('socket.io-client', () => ({
  io: () => {
    socket = new FakeSocket();
    return socket.connect();
  },
}));

const ME = { id: 1, username: 'me', displayName: 'Me' };
const CHAT = {
  id: 7,
  type: 'group',
  name: 'g',
  participants: [],
  rev: 1,
  lastRev: 5,
  lastMessage: null,
  unreadCount: 0,
  unreadMentionCount: 0,
  muted: false,
  archived: false,
  createdAt: '2026-01-01T00:00:00.000Z',
} as unknown as Chat;

const message = (seq: number, rev: number): Message =>
  ({
    id: 100 + seq,
    chatId: 7,
    seq,
    rev,
    senderId: 2,
    body: `m${seq}`,
    clientMessageId: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    editedAt: null,
    deletedAt: null,
    deletedBy: null,
    replyTo: null,
    reactions: [],
    mentions: [],
    attachments: [],
    attachmentCount: 0,
  }) as Message;

interface Server {
  /** The change feed's answers, by afterRev; a function may hold the answer back. */
  changes: (afterRev: number) => Promise<ChatChanges | Response>;
  calls: string[];
}

function fakeFetch(server: Server): typeof fetch {
  const json = (body: unknown) =>
    new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
  return (async (input: string | URL | Request) => {
    const url = new URL(String(input));
    server.calls.push(`${url.pathname}${url.search}`);
    if (url.pathname === '/api/v1/users/me') return json(ME);
    if (url.pathname === '/api/v1/chats') return json({ items: [CHAT], nextCursor: null });
    if (url.pathname === '/api/v1/chats/7/messages') {
      return json({ items: [message(3, 4), message(2, 3), message(1, 2)], nextCursor: null });
    }
    if (url.pathname === '/api/v1/chats/7/changes') {
      const answer = await server.changes(Number(url.searchParams.get('afterRev')));
      return answer instanceof Response ? answer : json(answer);
    }
    return new Response('{}', { status: 404 });
  }) as typeof fetch;
}

async function started(server: Server) {
  const client = ChatClient.resume(
    { url: 'http://chat.test', fetch: fakeFetch(server) },
    { accessToken: 'a.e30.s', refreshToken: 'r' },
  );
  const seen: number[] = [];
  client.on('message', (m) => seen.push(m.rev));
  await client.start();
  return { client, seen };
}

const page = (messages: Message[], upToRev: number, hasMore = false): ChatChanges => ({
  messages,
  chat: null,
  upToRev,
  hasMore,
});

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

describe('the SDK chat client (scripted server)', () => {
  const clients: ChatClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
  });

  it('repairs a gap with a sync, holds what arrives meanwhile, then applies it in rev order', async () => {
    let release: () => void = () => undefined;
    let n = 0;
    const server: Server = {
      calls: [],
      changes: async () => {
        // The first sync is the one that follows the history load: nothing changed since.
        if ((n += 1) === 1) return page([], 5);
        await new Promise<void>((resolve) => (release = resolve));
        return page([message(4, 6), message(5, 7)], 7);
      },
    };
    const { client, seen } = await started(server);
    clients.push(client);
    seen.length = 0;

    socket.serverEmit('message:new', message(5, 7)); // rev 6 was missed: a gap
    await until(() => n === 2);
    socket.serverEmit('message:new', message(6, 8)); // arrives during the sync
    expect(seen).toEqual([]);
    release();
    await until(() => seen.length === 3);
    expect(seen).toEqual([6, 7, 8]);
    expect(client.messages(7).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    // Old states arriving late change nothing.
    socket.serverEmit('message:new', message(5, 7));
    expect(seen).toEqual([6, 7, 8]);
  });

  it('takes a rev only from the last page of a sync', async () => {
    let n = 0;
    const server: Server = {
      calls: [],
      changes: async (afterRev) => {
        n += 1;
        if (n === 1) return page([], 5);
        if (n === 2 && afterRev === 5) return page([message(4, 6)], 6, true);
        return page([message(5, 7)], 7);
      },
    };
    const { client, seen } = await started(server);
    clients.push(client);
    seen.length = 0;
    socket.serverEmit('message:new', message(6, 8));
    await until(() => seen.length === 3);
    expect(seen).toEqual([6, 7, 8]);
  });

  it('backs off when a sync fails instead of asking again at once', async () => {
    let n = 0;
    let failures = 0;
    const server: Server = {
      calls: [],
      changes: async () => {
        if ((n += 1) === 1) return page([], 5);
        failures += 1;
        return new Response('{"code":"SERVICE_UNAVAILABLE"}', { status: 503 });
      },
    };
    const { client } = await started(server);
    clients.push(client);
    socket.serverEmit('message:new', message(5, 7));
    await new Promise((r) => setTimeout(r, 300));
    // One try, then a wait of a second before the next.
    expect(failures).toBe(1);
  });
});
