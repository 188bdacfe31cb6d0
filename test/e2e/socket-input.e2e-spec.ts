import { JwtService } from '@nestjs/jwt';
import { io, ManagerOptions, SocketOptions } from 'socket.io-client';
import { Env } from '../../src/config/load-config';
import { Session, TestContext, uniqueUsername } from '../utils/context';
import {
  barrier,
  ClientSocket,
  connectSocket,
  ConnectOptions,
  nextDisconnect,
  nextEvent,
  record,
  send,
} from '../utils/sockets';
import { startTestApp, TEST_JWT_SECRET, TestApp } from '../utils/test-app';

/**
 * Everything a client can throw at the socket: handshakes, origins, malformed and oversized
 * payloads, events on chats the user is not in, floods. Every event is answered by an ack
 * (send() fails after 5 s without one), and a bad event never costs the socket its connection.
 */

const MAX_INT_ID = 2_147_483_647;
const OTHER_SECRET = 'another-secret-that-is-also-long-enough-0123456789';

const ackFailure = (code: string) => ({
  ok: false,
  error: { code, message: expect.stringMatching(/\S/) },
});

const sign = (secret: string, claims: object) => new JwtService({ secret }).sign(claims);
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** One app on its own database, with the sockets opened against it. */
class Harness {
  t!: TestApp;
  ctx!: TestContext;
  readonly sockets: ClientSocket[] = [];

  async start(env: Env = {}): Promise<void> {
    this.t = await startTestApp(env);
    this.ctx = new TestContext(this.t);
  }

  async online(session: Session, options: ConnectOptions = {}): Promise<ClientSocket> {
    const socket = await connectSocket(this.t.baseUrl, { token: session.accessToken, ...options });
    this.sockets.push(socket);
    return socket;
  }

  closeSockets(): void {
    for (const socket of this.sockets.splice(0)) socket.close();
  }

  async stop(): Promise<void> {
    this.closeSockets();
    await this.t?.close();
  }

  async messageCount(chatId: number): Promise<number> {
    const { rows } = await this.t.db.query(
      'SELECT count(*)::int AS n FROM messages WHERE chat_id = $1',
      [chatId],
    );
    return rows[0].n;
  }

  async messageRow(messageId: number): Promise<{ body: string | null; edited: boolean }> {
    const { rows } = await this.t.db.query(
      `SELECT body, edited_at IS NOT NULL OR deleted_at IS NOT NULL AS edited
         FROM messages WHERE id = $1`,
      [messageId],
    );
    return rows[0];
  }
}

function useHarness(env: Env = {}): Harness {
  const harness = new Harness();
  beforeAll(() => harness.start(env));
  afterAll(() => harness.stop());
  return harness;
}

/** Opens a socket with raw client options; resolves with the connect_error (fails if it connects). */
function refusal(
  baseUrl: string,
  options: Partial<ManagerOptions & SocketOptions>,
): Promise<Error & { data?: any }> {
  const socket = io(baseUrl, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...options,
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('neither connect nor connect_error within 5000 ms'));
    }, 5000);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.close();
      reject(new Error('the socket connected, but it should have been refused'));
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      socket.close();
      resolve(error);
    });
  });
}

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i += 1) value = { a: value };
  return value;
}

let rawAckId = 900_000;

/**
 * Emits an event whose payload is JSON text written by hand, with an ack id of our own. The client's
 * encoder (JSON.stringify and its binary scan) cannot build payloads nested as deep as a hostile
 * client can write them; the server's parser can read them.
 */
function rawEmitWithAck(socket: ClientSocket, event: string, payloadJson: string): Promise<any> {
  rawAckId += 1;
  const id = rawAckId;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.io.off('packet', onPacket);
      reject(new Error(`no ack for raw "${event}" within 5000 ms`));
    }, 5000);
    const onPacket = (packet: { type: number; id?: number; data?: unknown[] }) => {
      if (packet.type !== 3 /* ACK */ || packet.id !== id) return;
      clearTimeout(timer);
      socket.io.off('packet', onPacket);
      resolve(packet.data?.[0]);
    };
    socket.io.on('packet', onPacket);
    // Socket.IO packet: type 2 (EVENT), the ack id, then the JSON array [event, ...args].
    socket.io.engine.send(`2${id}[${JSON.stringify(event)},${payloadJson}]`);
  });
}

describe('socket input', () => {
  describe('handshake', () => {
    const h = useHarness();
    let alice: Session;

    beforeAll(async () => {
      alice = await h.ctx.newUser(uniqueUsername('alice'));
    });
    afterEach(() => h.closeSockets());

    it('connects with auth.token', async () => {
      const socket = await h.online(alice);
      expect(socket.connected).toBe(true);
      expect(await send(socket, 'sync', { chatId: MAX_INT_ID })).toEqual(
        ackFailure('CHAT_NOT_FOUND'),
      );
    });

    it('connects with an Authorization: Bearer header instead of auth.token', async () => {
      const socket = await connectSocket(h.t.baseUrl, {
        headers: { authorization: `Bearer ${alice.accessToken}` },
      });
      h.sockets.push(socket);
      expect(socket.connected).toBe(true);
      expect(await send(socket, 'chat:join', { chatId: MAX_INT_ID })).toEqual(
        ackFailure('CHAT_NOT_FOUND'),
      );
    });

    it('refuses a connection without a token: TOKEN_MISSING', async () => {
      const error = await refusal(h.t.baseUrl, { auth: {} });
      expect(error.message).toMatch(/token/i);
      expect(error.data).toEqual({ code: 'TOKEN_MISSING' });
    });

    it.each([
      ['a number', 42],
      ['an object', { token: 'x' }],
      ['an empty string', ''],
    ])('treats auth.token as %s as missing', async (_label, token) => {
      const error = await refusal(h.t.baseUrl, { auth: { token } as any });
      expect(error.data).toEqual({ code: 'TOKEN_MISSING' });
    });

    it('refuses a header that is not a Bearer token: TOKEN_MISSING', async () => {
      const error = await refusal(h.t.baseUrl, {
        extraHeaders: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      });
      expect(error.data).toEqual({ code: 'TOKEN_MISSING' });
    });

    it('refuses a garbage token: TOKEN_INVALID', async () => {
      const error = await refusal(h.t.baseUrl, { auth: { token: 'not-a-jwt' } });
      expect(error.message).toMatch(/invalid/i);
      expect(error.data).toEqual({ code: 'TOKEN_INVALID' });
    });

    it('refuses a garbage Bearer header: TOKEN_INVALID', async () => {
      const error = await refusal(h.t.baseUrl, {
        extraHeaders: { authorization: 'Bearer not-a-jwt' },
      });
      expect(error.data).toEqual({ code: 'TOKEN_INVALID' });
    });

    it('refuses a token signed with another secret: TOKEN_INVALID', async () => {
      const token = sign(OTHER_SECRET, { sub: String(alice.id), username: alice.username });
      const error = await refusal(h.t.baseUrl, { auth: { token } });
      expect(error.message).toMatch(/invalid/i);
      expect(error.data).toEqual({ code: 'TOKEN_INVALID' });
    });

    it('refuses an expired token: TOKEN_EXPIRED', async () => {
      const token = sign(TEST_JWT_SECRET, {
        sub: String(alice.id),
        username: alice.username,
        exp: nowSeconds() - 10,
      });
      const error = await refusal(h.t.baseUrl, { auth: { token } });
      expect(error.message).toMatch(/expired/i);
      expect(error.data).toEqual({ code: 'TOKEN_EXPIRED' });
    });

    it('refuses a well-signed token of a deleted user: TOKEN_INVALID', async () => {
      const doomed = await h.ctx.newUser(uniqueUsername('doomed'));
      await h.t.db.query('DELETE FROM users WHERE id = $1', [doomed.id]);
      const error = await refusal(h.t.baseUrl, { auth: { token: doomed.accessToken } });
      expect(error.message).toMatch(/user/i);
      expect(error.data).toEqual({ code: 'TOKEN_INVALID' });
    });

    it('refuses a well-signed token whose subject is not a user id: TOKEN_INVALID', async () => {
      const token = sign(TEST_JWT_SECRET, { sub: 'admin', username: 'admin' });
      const error = await refusal(h.t.baseUrl, { auth: { token } });
      expect(error.data).toEqual({ code: 'TOKEN_INVALID' });
    });

    it('refuses a refresh token used as the access token', async () => {
      const error = await refusal(h.t.baseUrl, { auth: { token: alice.refreshToken } });
      expect(error.data).toEqual({ code: 'TOKEN_INVALID' });
      const header = await refusal(h.t.baseUrl, {
        extraHeaders: { authorization: `Bearer ${alice.refreshToken}` },
      });
      expect(header.data).toEqual({ code: 'TOKEN_INVALID' });
    });

    it('tells the socket its session expired, then disconnects it', async () => {
      const token = sign(TEST_JWT_SECRET, {
        sub: String(alice.id),
        username: alice.username,
        exp: nowSeconds() + 2,
      });
      const socket = await connectSocket(h.t.baseUrl, { token });
      h.sockets.push(socket);
      const order: string[] = [];
      socket.on('session:expired', () => order.push('session:expired'));
      socket.on('disconnect', () => order.push('disconnect'));
      const expired = nextEvent(socket, 'session:expired', () => true, 5000);
      const disconnected = nextDisconnect(socket, 5000);
      expect(await send(socket, 'sync', { chatId: MAX_INT_ID })).toEqual(
        ackFailure('CHAT_NOT_FOUND'),
      );

      expect(await expired).toEqual({ code: 'TOKEN_EXPIRED', message: expect.any(String) });
      expect(await disconnected).toBe('io server disconnect');
      expect(order).toEqual(['session:expired', 'disconnect']);
      expect(socket.connected).toBe(false);
    }, 15_000);
  });

  describe('origin allowlist', () => {
    const h = useHarness({ CORS_ORIGINS: 'https://app.example.com' });
    let alice: Session;

    beforeAll(async () => {
      alice = await h.ctx.newUser(uniqueUsername('origin'));
    });
    afterEach(() => h.closeSockets());

    it.each([
      'https://evil.example.com',
      'http://app.example.com',
      'https://app.example.com.evil.com',
      'https://app.example.com:8443',
      'null',
    ])('refuses a socket from %s', async (origin) => {
      await expect(h.online(alice, { origin })).rejects.toBeInstanceOf(Error);
    });

    it('accepts a socket from the allowed origin', async () => {
      const socket = await h.online(alice, { origin: 'https://app.example.com' });
      expect(socket.connected).toBe(true);
    });

    it('accepts a socket without an Origin header (a non-browser client)', async () => {
      const socket = await h.online(alice);
      expect(socket.connected).toBe(true);
    });
  });

  describe('malformed payloads', () => {
    const h = useHarness();
    let alice: Session;
    let bob: Session;
    let chatId: number;
    let messageId: number;
    let socket: ClientSocket;

    type Ids = { chatId: number; messageId: number };
    type Payload = (ids: Ids) => unknown;
    /** [label, payload, a word the error message must contain (or null)] */
    type Case = [string, Payload | typeof NO_PAYLOAD, string | null];
    const NO_PAYLOAD = Symbol('no payload');
    let clientIds = 0;

    const valid: Record<string, (ids: Ids) => Record<string, unknown>> = {
      'message:send': (ids) => ({
        chatId: ids.chatId,
        body: 'hello',
        clientMessageId: `valid-${(clientIds += 1)}`,
      }),
      'message:edit': (ids) => ({ chatId: ids.chatId, messageId: ids.messageId, body: 'edited' }),
      'message:delete': (ids) => ({ chatId: ids.chatId, messageId: ids.messageId }),
      'chat:join': (ids) => ({ chatId: ids.chatId }),
      'chat:read': (ids) => ({ chatId: ids.chatId, messageId: ids.messageId }),
      typing: (ids) => ({ chatId: ids.chatId, isTyping: true }),
      sync: (ids) => ({ chatId: ids.chatId }),
    };
    const events = Object.keys(valid);

    /** The valid payload of `event` with one field replaced (or removed, with undefined). */
    const withField =
      (event: string, field: string, value: unknown | ((ids: Ids) => unknown)): Payload =>
      (ids) => {
        const payload = valid[event](ids);
        const replacement = typeof value === 'function' ? value(ids) : value;
        if (replacement === undefined) delete payload[field];
        else payload[field] = replacement;
        return payload;
      };

    function casesFor(event: string): Case[] {
      const fields = Object.keys(valid[event]({ chatId: 1, messageId: 1 }));
      const cases: Case[] = [
        ['no payload at all (only the ack)', NO_PAYLOAD, null],
        ['null', () => null, null],
        ['a number', () => 42, null],
        ['a string', () => 'hello', null],
        ['a boolean', () => true, null],
        ['an array holding the valid payload', (ids) => [valid[event](ids)], null],
        ['an empty array', () => [], null],
        ['an empty object', () => ({}), null],
        [
          'chatId as a string',
          withField(event, 'chatId', (ids: Ids) => String(ids.chatId)),
          'chatId',
        ],
        ['chatId 1.5', withField(event, 'chatId', 1.5), 'chatId'],
        ['chatId 0', withField(event, 'chatId', 0), 'chatId'],
        ['chatId -1', withField(event, 'chatId', -1), 'chatId'],
        ['chatId 2147483648', withField(event, 'chatId', MAX_INT_ID + 1), 'chatId'],
        ['chatId null', withField(event, 'chatId', null), 'chatId'],
        ['chatId missing', withField(event, 'chatId', undefined), 'chatId'],
        ['chatId as an object', withField(event, 'chatId', { $gt: 0 }), 'chatId'],
        ['chatId as an array', withField(event, 'chatId', (ids: Ids) => [ids.chatId]), 'chatId'],
        ['an unknown extra field', (ids) => ({ ...valid[event](ids), admin: true }), 'admin'],
        ['a nested object in chatId', withField(event, 'chatId', nested(50)), 'chatId'],
        ['a nested extra field', (ids) => ({ ...valid[event](ids), deep: nested(50) }), 'deep'],
      ];
      if (fields.includes('messageId')) {
        cases.push(
          [
            'messageId as a string',
            withField(event, 'messageId', (ids: Ids) => String(ids.messageId)),
            'messageId',
          ],
          ['messageId 1.5', withField(event, 'messageId', 1.5), 'messageId'],
          ['messageId 0', withField(event, 'messageId', 0), 'messageId'],
          ['messageId -1', withField(event, 'messageId', -1), 'messageId'],
          ['messageId 2^53', withField(event, 'messageId', 2 ** 53), 'messageId'],
          ['messageId null', withField(event, 'messageId', null), 'messageId'],
          ['messageId missing', withField(event, 'messageId', undefined), 'messageId'],
        );
      }
      if (fields.includes('body')) {
        cases.push(
          ['body 42', withField(event, 'body', 42), 'body'],
          ['body ""', withField(event, 'body', ''), 'body'],
          ['body of blanks', withField(event, 'body', ' \t\n  '), 'body'],
          ['body of 4001 chars', withField(event, 'body', 'x'.repeat(4001)), 'body'],
          ['body with a NUL', withField(event, 'body', 'a\u0000b'), 'body'],
          ['body null', withField(event, 'body', null), 'body'],
          ['body missing', withField(event, 'body', undefined), 'body'],
          ['body as an array', withField(event, 'body', ['hi']), 'body'],
        );
      }
      if (fields.includes('clientMessageId')) {
        cases.push(
          [
            'clientMessageId missing',
            withField(event, 'clientMessageId', undefined),
            'clientMessageId',
          ],
          [
            'clientMessageId of 65 chars',
            withField(event, 'clientMessageId', 'c'.repeat(65)),
            'clientMessageId',
          ],
          [
            'clientMessageId with a space',
            withField(event, 'clientMessageId', 'a b'),
            'clientMessageId',
          ],
          ['clientMessageId ""', withField(event, 'clientMessageId', ''), 'clientMessageId'],
          ['clientMessageId 42', withField(event, 'clientMessageId', 42), 'clientMessageId'],
          ['clientMessageId null', withField(event, 'clientMessageId', null), 'clientMessageId'],
        );
      }
      if (fields.includes('isTyping')) {
        cases.push(
          ['isTyping "yes"', withField(event, 'isTyping', 'yes'), 'isTyping'],
          ['isTyping 1', withField(event, 'isTyping', 1), 'isTyping'],
          ['isTyping null', withField(event, 'isTyping', null), 'isTyping'],
          ['isTyping missing', withField(event, 'isTyping', undefined), 'isTyping'],
        );
      }
      if (event === 'sync') {
        cases.push(
          [
            'both afterSeq and afterMessageId',
            (ids) => ({ chatId: ids.chatId, afterSeq: 0, afterMessageId: 0 }),
            'afterSeq',
          ],
          ['limit 0', (ids) => ({ chatId: ids.chatId, limit: 0 }), 'limit'],
          ['limit 101', (ids) => ({ chatId: ids.chatId, limit: 101 }), 'limit'],
          ['limit 1.5', (ids) => ({ chatId: ids.chatId, limit: 1.5 }), 'limit'],
          ['limit "10"', (ids) => ({ chatId: ids.chatId, limit: '10' }), 'limit'],
          ['limit null', (ids) => ({ chatId: ids.chatId, limit: null }), 'limit'],
          ['afterSeq -1', (ids) => ({ chatId: ids.chatId, afterSeq: -1 }), 'afterSeq'],
          ['afterSeq "0"', (ids) => ({ chatId: ids.chatId, afterSeq: '0' }), 'afterSeq'],
          ['afterSeq null', (ids) => ({ chatId: ids.chatId, afterSeq: null }), 'afterSeq'],
          [
            'afterMessageId -1',
            (ids) => ({ chatId: ids.chatId, afterMessageId: -1 }),
            'afterMessageId',
          ],
          [
            'afterMessageId "1"',
            (ids) => ({ chatId: ids.chatId, afterMessageId: '1' }),
            'afterMessageId',
          ],
        );
      }
      return cases;
    }

    const table: [string, string, Case[1], string | null][] = events.flatMap((event) =>
      casesFor(event).map(
        ([label, payload, mentions]) =>
          [event, label, payload, mentions] as [string, string, Case[1], string | null],
      ),
    );

    async function expectStillUsable(): Promise<void> {
      expect(socket.connected).toBe(true);
      expect(await send(socket, 'sync', { chatId, afterSeq: 0, limit: 1 })).toMatchObject({
        ok: true,
      });
    }

    beforeAll(async () => {
      [alice, bob] = await Promise.all([
        h.ctx.newUser(uniqueUsername('mal_a')),
        h.ctx.newUser(uniqueUsername('mal_b')),
      ]);
      await h.ctx.befriend(alice, bob);
      chatId = (await h.ctx.group(alice, 'malformed', [bob])).id;
      messageId = (await h.ctx.send(alice, chatId, 'the original', 'original')).id;
      socket = await h.online(alice);
    });
    afterEach(async () => {
      // A case that cost the socket its connection must not fail every later case too.
      if (!socket.connected) socket = await h.online(alice);
    });

    it.each(events)('accepts the valid %s payload the table starts from', async (event) => {
      const target = (await h.ctx.send(alice, chatId, `target of ${event}`)).id;
      const ack = await send(socket, event, valid[event]({ chatId, messageId: target }));
      expect(ack).toMatchObject({ ok: true });
    });

    it.each(table)(
      '%s: %s → VALIDATION_FAILED, still connected',
      async (event, _label, payload, mentions) => {
        const before = await h.messageCount(chatId);
        const ack =
          payload === NO_PAYLOAD
            ? await send(socket, event)
            : await send(socket, event, payload({ chatId, messageId }));
        expect(ack).toEqual(ackFailure('VALIDATION_FAILED'));
        if (mentions) expect(ack.error.message).toContain(mentions);
        await expectStillUsable();
        expect(await h.messageCount(chatId)).toBe(before);
      },
    );

    it('leaves the targeted message untouched by all of that', async () => {
      expect(await h.messageRow(messageId)).toEqual({ body: 'the original', edited: false });
    });

    it.each(events)('%s with extra positional arguments → VALIDATION_FAILED', async (event) => {
      const ack = await send(socket, event, valid[event]({ chatId, messageId }), 'extra');
      expect(ack).toEqual(ackFailure('VALIDATION_FAILED'));
      await expectStillUsable();
    });

    it('answers hand-written (raw) packets like any other: the raw helper is sound', async () => {
      expect(await rawEmitWithAck(socket, 'sync', `{"chatId":${chatId},"limit":1}`)).toMatchObject({
        ok: true,
      });
      const shallow = `{"chatId":${chatId},"deep":${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}}`;
      expect(await rawEmitWithAck(socket, 'sync', shallow)).toEqual(
        ackFailure('VALIDATION_FAILED'),
      );
    });

    // A hostile client writes JSON nested thousands deep: the server's JSON.parse reads it (the
    // client's own encoder could not build it). Validation must refuse it, not overflow the stack.
    it('answers payloads nested thousands deep with VALIDATION_FAILED on every event', async () => {
      const before = await h.messageCount(chatId);
      const codes: Record<string, string> = {};
      for (const event of events) {
        const base = JSON.stringify(valid[event]({ chatId, messageId }));
        const shapes: [string, string][] = [
          [
            'objects 8000 deep in an extra field',
            `${base.slice(0, -1)},"deep":${'{"a":'.repeat(8000)}1${'}'.repeat(8000)}}`,
          ],
          [
            'arrays 20000 deep as chatId',
            base.replace(/"chatId":\d+/, `"chatId":${'['.repeat(20000)}1${']'.repeat(20000)}`),
          ],
        ];
        for (const [shape, payload] of shapes) {
          const ack = await rawEmitWithAck(socket, event, payload);
          expect(ack).toMatchObject({ ok: false, error: { message: expect.any(String) } });
          codes[`${event}: ${shape}`] = ack.error.code;
        }
      }
      await expectStillUsable();
      expect(await h.messageCount(chatId)).toBe(before);
      expect(await h.messageRow(messageId)).toEqual({ body: 'the original', edited: false });
      expect(codes).toEqual(
        Object.fromEntries(Object.keys(codes).map((key) => [key, 'VALIDATION_FAILED'])),
      );
    });

    it.each(events)('%s without an ack and with a bad payload does no harm', async (event) => {
      const before = await h.messageCount(chatId);
      socket.emit(event, null);
      socket.emit(event, { chatId: 'x', body: 42 });
      socket.emit(event);
      await barrier(socket);
      await expectStillUsable();
      expect(await h.messageCount(chatId)).toBe(before);
    });

    it('answers an unknown event with an ack: UNKNOWN_EVENT', async () => {
      const ack = await send(socket, 'message:sendd', { chatId, body: 'x' });
      expect(ack).toEqual({
        ok: false,
        error: { code: 'UNKNOWN_EVENT', message: expect.stringContaining('message:sendd') },
      });
      expect(await send(socket, 'no-such-event')).toEqual(ackFailure('UNKNOWN_EVENT'));
      expect(await send(socket, 'x'.repeat(1000), 1, 2, 3)).toEqual(ackFailure('UNKNOWN_EVENT'));
      await expectStillUsable();
    });

    it('ignores an unknown event without an ack', async () => {
      const before = await h.messageCount(chatId);
      socket.emit('no-such-event');
      socket.emit('no-such-event', { chatId, body: 'x' });
      socket.emit('message:sendd', { chatId, body: 'x', clientMessageId: 'u' });
      await barrier(socket);
      await expectStillUsable();
      expect(await h.messageCount(chatId)).toBe(before);
    });
  });

  describe('oversized payloads', () => {
    const h = useHarness({ SOCKET_MAX_PAYLOAD_BYTES: '16384', SOCKET_MAX_PACKET_BYTES: '65536' });

    it('closes only the socket that sent 100 KB; everyone else carries on', async () => {
      const [alice, bob] = await Promise.all([
        h.ctx.newUser(uniqueUsername('big_a')),
        h.ctx.newUser(uniqueUsername('big_b')),
      ]);
      await h.ctx.befriend(alice, bob);
      const chat = await h.ctx.group(alice, 'big', [bob]);
      const [offender, aliceOther, bobSocket] = await Promise.all([
        h.online(alice),
        h.online(alice),
        h.online(bob),
      ]);
      const bobDisconnects = record<string>(bobSocket, 'disconnect');
      const otherDisconnects = record<string>(aliceOther, 'disconnect');

      const dropped = nextDisconnect(offender);
      offender.emit(
        'message:send',
        { chatId: chat.id, body: 'x'.repeat(100 * 1024), clientMessageId: 'huge' },
        () => undefined,
      );
      expect(await dropped).toMatch(/transport (close|error)/);
      expect(offender.connected).toBe(false);

      expect(bobSocket.connected).toBe(true);
      expect(aliceOther.connected).toBe(true);
      const arrival = nextEvent(bobSocket, 'message:new', (m) => m.chatId === chat.id);
      const ack = await send(aliceOther, 'message:send', {
        chatId: chat.id,
        body: 'still here',
        clientMessageId: 'after-huge',
      });
      expect(ack).toMatchObject({ ok: true, message: { body: 'still here' } });
      expect(await arrival).toEqual(ack.message);
      expect(await send(bobSocket, 'sync', { chatId: chat.id })).toMatchObject({
        ok: true,
        messages: [{ body: 'still here' }],
      });

      expect(await h.messageCount(chat.id)).toBe(1);
      const ready = await h.t.http.get('/health/ready');
      expect(ready.status).toBe(200);
      // The offender may come back.
      const again = await h.online(alice);
      expect(await send(again, 'sync', { chatId: chat.id })).toMatchObject({ ok: true });
      expect(bobDisconnects).toEqual([]);
      expect(otherDisconnects).toEqual([]);
    });

    it('answers a payload under the cap but over the body limit with VALIDATION_FAILED', async () => {
      const alice = await h.ctx.newUser(uniqueUsername('big_c'));
      const socket = await h.online(alice);
      const ack = await send(socket, 'message:send', {
        chatId: 1,
        body: 'x'.repeat(12_000),
        clientMessageId: 'under-cap',
      });
      expect(ack).toEqual(ackFailure('VALIDATION_FAILED'));
      expect(socket.connected).toBe(true);
    });
  });

  describe('authorization', () => {
    const h = useHarness();
    let alice: Session;
    let bob: Session;
    let outsider: Session;
    let chatId: number;
    let message: any;

    beforeAll(async () => {
      [alice, bob, outsider] = await Promise.all(
        ['authz_a', 'authz_b', 'authz_o'].map((name) => h.ctx.newUser(uniqueUsername(name))),
      );
      await h.ctx.befriend(alice, bob);
      chatId = (await h.ctx.group(alice, 'members only', [bob])).id;
      message = await h.ctx.send(alice, chatId, 'secret', 'secret-1');
    });
    afterEach(() => h.closeSockets());

    const outsiderPayloads: [string, (chatId: number, messageId: number) => object][] = [
      ['message:send', (c) => ({ chatId: c, body: 'let me in', clientMessageId: 'intruder' })],
      ['message:edit', (c, m) => ({ chatId: c, messageId: m, body: 'defaced' })],
      ['message:delete', (c, m) => ({ chatId: c, messageId: m })],
      ['chat:join', (c) => ({ chatId: c })],
      ['chat:read', (c, m) => ({ chatId: c, messageId: m })],
      ['typing', (c) => ({ chatId: c, isTyping: true })],
      ['sync', (c) => ({ chatId: c, afterSeq: 0 })],
    ];

    it.each(outsiderPayloads)(
      '%s by a non-participant → CHAT_NOT_FOUND, the same answer as for no chat at all',
      async (event, payload) => {
        const socket = await h.online(outsider);
        const ack = await send(socket, event, payload(chatId, message.id));
        expect(ack).toEqual(ackFailure('CHAT_NOT_FOUND'));
        const none = await send(socket, event, payload(MAX_INT_ID, message.id));
        expect(none).toEqual(ack);
        expect(socket.connected).toBe(true);
      },
    );

    it('stores and changes nothing for the outsider, and tells the members nothing', async () => {
      const [aliceSocket, outsiderSocket] = await Promise.all([
        h.online(alice),
        h.online(outsider),
      ]);
      const aliceSaw = [
        ...['message:new', 'message:updated', 'message:deleted', 'chat:read', 'typing'].map(
          (event) => record(aliceSocket, event),
        ),
      ];
      for (const [event, payload] of outsiderPayloads) {
        expect(await send(outsiderSocket, event, payload(chatId, message.id))).toEqual(
          ackFailure('CHAT_NOT_FOUND'),
        );
      }
      await barrier(aliceSocket);
      expect(aliceSaw.flat()).toEqual([]);
      expect(await h.messageCount(chatId)).toBe(1);
      expect(await h.messageRow(message.id)).toEqual({ body: 'secret', edited: false });
      const { rows } = await h.t.db.query(
        'SELECT count(*)::int AS n FROM chat_participants WHERE chat_id = $1 AND user_id = $2',
        [chatId, outsider.id],
      );
      expect(rows[0].n).toBe(0);

      // chat:join was refused: the outsider's socket is not in the room.
      const outsiderSaw = record(outsiderSocket, 'message:new');
      const aliceAck = await send(aliceSocket, 'message:send', {
        chatId,
        body: 'members only',
        clientMessageId: 'after-intrusion',
      });
      expect(aliceAck.ok).toBe(true);
      await barrier(outsiderSocket);
      expect(outsiderSaw).toEqual([]);
    });

    it("refuses a participant editing or deleting someone else's message: NOT_MESSAGE_SENDER", async () => {
      const bobSocket = await h.online(bob);
      const target = await h.ctx.send(alice, chatId, 'mine', 'mine-1');
      expect(
        await send(bobSocket, 'message:edit', { chatId, messageId: target.id, body: 'yours' }),
      ).toEqual(ackFailure('NOT_MESSAGE_SENDER'));
      expect(await send(bobSocket, 'message:delete', { chatId, messageId: target.id })).toEqual(
        ackFailure('NOT_MESSAGE_SENDER'),
      );
      expect(await h.messageRow(target.id)).toEqual({ body: 'mine', edited: false });
      expect(bobSocket.connected).toBe(true);
    });

    it('refuses a message id of another chat: MESSAGE_NOT_FOUND', async () => {
      const otherChat = await h.ctx.group(alice, 'elsewhere', [bob]);
      const elsewhere = await h.ctx.send(alice, otherChat.id, 'elsewhere', 'elsewhere-1');
      const aliceSocket = await h.online(alice);
      for (const [event, payload] of [
        ['message:edit', { chatId, messageId: elsewhere.id, body: 'moved' }],
        ['message:delete', { chatId, messageId: elsewhere.id }],
        ['chat:read', { chatId, messageId: elsewhere.id }],
      ] as const) {
        expect(await send(aliceSocket, event, payload)).toEqual(ackFailure('MESSAGE_NOT_FOUND'));
      }
      expect(await h.messageRow(elsewhere.id)).toEqual({ body: 'elsewhere', edited: false });
    });

    it('refuses message:send in a direct chat after a block, both ways: DIRECT_CHAT_NOT_ALLOWED', async () => {
      const [carol, dave] = await Promise.all([
        h.ctx.newUser(uniqueUsername('authz_c')),
        h.ctx.newUser(uniqueUsername('authz_d')),
      ]);
      await h.ctx.befriend(carol, dave);
      const direct = await h.ctx.directChat(carol, dave);
      const [carolSocket, daveSocket] = await Promise.all([h.online(carol), h.online(dave)]);
      expect(
        await send(carolSocket, 'message:send', {
          chatId: direct.id,
          body: 'before',
          clientMessageId: 'before-block',
        }),
      ).toMatchObject({ ok: true });

      const blocked = await h.t.http.post('/api/v1/blocks', {
        token: dave.accessToken,
        body: { userId: carol.id },
      });
      expect(blocked.status).toBe(201);

      const daveSaw = record(daveSocket, 'message:new');
      for (const [socket, id] of [
        [carolSocket, 'after-block-c'],
        [daveSocket, 'after-block-d'],
      ] as const) {
        expect(
          await send(socket, 'message:send', {
            chatId: direct.id,
            body: 'after',
            clientMessageId: id,
          }),
        ).toEqual(ackFailure('DIRECT_CHAT_NOT_ALLOWED'));
        expect(socket.connected).toBe(true);
      }
      await barrier(daveSocket);
      expect(daveSaw).toEqual([]);
      expect(await h.messageCount(direct.id)).toBe(1);
    });
  });

  describe('rate limits', () => {
    describe('RATE_LIMIT_SOCKET_EVENTS=5/60', () => {
      const h = useHarness({ RATE_LIMIT_SOCKET_EVENTS: '5/60' });

      it('answers the 6th event RATE_LIMITED, keeps the socket, spares other sockets', async () => {
        const [alice, bob] = await Promise.all([
          h.ctx.newUser(uniqueUsername('rl_a')),
          h.ctx.newUser(uniqueUsername('rl_b')),
        ]);
        await h.ctx.befriend(alice, bob);
        const chat = await h.ctx.group(alice, 'rate', [bob]);
        const [aliceSocket, bobSocket] = await Promise.all([h.online(alice), h.online(bob)]);

        // Bad events count too: a flood of garbage is still a flood.
        expect(await send(aliceSocket, 'sync', null)).toEqual(ackFailure('VALIDATION_FAILED'));
        for (let i = 0; i < 4; i += 1) {
          expect(await send(aliceSocket, 'sync', { chatId: chat.id })).toMatchObject({ ok: true });
        }
        const sixth = await send(aliceSocket, 'message:send', {
          chatId: chat.id,
          body: 'one too many',
          clientMessageId: 'flood-6',
        });
        expect(sixth).toEqual(ackFailure('RATE_LIMITED'));
        expect(sixth.error.message).toMatch(/retry/i);
        expect(await send(aliceSocket, 'sync', { chatId: chat.id })).toEqual(
          ackFailure('RATE_LIMITED'),
        );
        expect(aliceSocket.connected).toBe(true);
        expect(await h.messageCount(chat.id)).toBe(0);

        // Unknown events are answered outside the limiter.
        await barrier(aliceSocket);

        const arrival = nextEvent(aliceSocket, 'message:new', (m) => m.chatId === chat.id);
        const bobAck = await send(bobSocket, 'message:send', {
          chatId: chat.id,
          body: 'not me',
          clientMessageId: 'bob-1',
        });
        expect(bobAck).toMatchObject({ ok: true, message: { body: 'not me' } });
        expect(await arrival).toEqual(bobAck.message);
      });
    });

    describe('RATE_LIMIT_TYPING=3/60', () => {
      const h = useHarness({ RATE_LIMIT_TYPING: '3/60' });

      it('answers the 4th typing event RATE_LIMITED; other events still pass', async () => {
        const [alice, bob] = await Promise.all([
          h.ctx.newUser(uniqueUsername('rt_a')),
          h.ctx.newUser(uniqueUsername('rt_b')),
        ]);
        await h.ctx.befriend(alice, bob);
        const chat = await h.ctx.group(alice, 'typing', [bob]);
        const [aliceSocket, bobSocket] = await Promise.all([h.online(alice), h.online(bob)]);
        const bobSaw = record(bobSocket, 'typing');

        for (const isTyping of [true, false, true]) {
          expect(await send(aliceSocket, 'typing', { chatId: chat.id, isTyping })).toEqual({
            ok: true,
          });
        }
        expect(await send(aliceSocket, 'typing', { chatId: chat.id, isTyping: false })).toEqual(
          ackFailure('RATE_LIMITED'),
        );
        expect(aliceSocket.connected).toBe(true);
        expect(await send(aliceSocket, 'sync', { chatId: chat.id })).toMatchObject({ ok: true });
        expect(await send(bobSocket, 'typing', { chatId: chat.id, isTyping: true })).toEqual({
          ok: true,
        });

        await barrier(bobSocket);
        expect(bobSaw.map((p) => p.isTyping)).toEqual([true, false, true]);
      });
    });
  });

  describe('message:send', () => {
    const h = useHarness();
    let alice: Session;
    let bob: Session;
    let chatId: number;

    beforeAll(async () => {
      [alice, bob] = await Promise.all([
        h.ctx.newUser(uniqueUsername('send_a')),
        h.ctx.newUser(uniqueUsername('send_b')),
      ]);
      await h.ctx.befriend(alice, bob);
      chatId = (await h.ctx.directChat(alice, bob)).id;
    });
    afterEach(() => h.closeSockets());

    const rowsWith = async (clientMessageId: string) => {
      const { rows } = await h.t.db.query(
        'SELECT id FROM messages WHERE chat_id = $1 AND client_message_id = $2',
        [chatId, clientMessageId],
      );
      return rows.map((row) => Number(row.id));
    };

    it('acks with the committed message in the documented shape', async () => {
      const socket = await h.online(alice);
      const ack = await send(socket, 'message:send', {
        chatId,
        body: '  helloo  ',
        clientMessageId: 'shape-1',
      });
      expect(ack).toEqual({
        ok: true,
        message: {
          id: expect.any(Number),
          chatId,
          seq: 1,
          rev: 2,
          senderId: alice.id,
          body: 'helloo',
          clientMessageId: 'shape-1',
          createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
          editedAt: null,
          deletedAt: null,
          deletedBy: null,
          replyTo: null,
          reactions: [],
          mentions: [],
          attachmentCount: 0,
          attachments: [],
        },
      });
      expect(await rowsWith('shape-1')).toEqual([ack.message.id]);
    });

    it('accepts 4000 code points, even when they are 8000 UTF-16 units', async () => {
      const socket = await h.online(alice);
      const ack = await send(socket, 'message:send', {
        chatId,
        body: '😀'.repeat(4000),
        clientMessageId: 'emoji-4000',
      });
      expect(ack).toMatchObject({ ok: true });
      expect(
        await send(socket, 'message:send', {
          chatId,
          body: '😀'.repeat(4001),
          clientMessageId: 'emoji-4001',
        }),
      ).toEqual(ackFailure('VALIDATION_FAILED'));
    });

    it('returns the first message for a resent clientMessageId, and stores one row', async () => {
      const [socket, bobSocket] = await Promise.all([h.online(alice), h.online(bob)]);
      const bobSaw = record(bobSocket, 'message:new');
      const payload = { chatId, body: 'once', clientMessageId: 'resend-1' };
      const first = await send(socket, 'message:send', payload);
      expect(first.ok).toBe(true);
      const again = await send(socket, 'message:send', payload);
      expect(again).toEqual(first);
      const changed = await send(socket, 'message:send', { ...payload, body: 'twice?' });
      expect(changed).toEqual(first);
      // From another socket of the same user, too.
      const laptop = await h.online(alice);
      expect(await send(laptop, 'message:send', payload)).toEqual(first);
      expect(await rowsWith('resend-1')).toEqual([first.message.id]);
      await barrier(bobSocket);
      expect(bobSaw.filter((m) => m.clientMessageId === 'resend-1')).toEqual([first.message]);
    });

    it('stores one row for 5 concurrent resends', async () => {
      const [socket, bobSocket] = await Promise.all([h.online(alice), h.online(bob)]);
      const other = await h.online(alice);
      const bobSaw = record(bobSocket, 'message:new');
      const payload = { chatId, body: 'concurrent', clientMessageId: 'concurrent-1' };
      const acks = await Promise.all(
        [socket, other, socket, other, socket].map((s) => send(s, 'message:send', payload)),
      );
      for (const ack of acks) expect(ack).toEqual(acks[0]);
      expect(acks[0]).toMatchObject({ ok: true, message: { body: 'concurrent' } });
      expect(await rowsWith('concurrent-1')).toEqual([acks[0].message.id]);
      await barrier(bobSocket);
      expect(bobSaw.filter((m) => m.clientMessageId === 'concurrent-1')).toHaveLength(1);
    });

    it('keeps clientMessageIds per sender: the same id from two users makes two messages', async () => {
      const [aliceSocket, bobSocket] = await Promise.all([h.online(alice), h.online(bob)]);
      const payload = { chatId, body: 'same id', clientMessageId: 'shared-1' };
      const [a, b] = await Promise.all([
        send(aliceSocket, 'message:send', payload),
        send(bobSocket, 'message:send', payload),
      ]);
      expect(a.ok && b.ok).toBe(true);
      expect(a.message.id).not.toBe(b.message.id);
      expect((await rowsWith('shared-1')).sort()).toEqual([a.message.id, b.message.id].sort());
    });
  });
});
