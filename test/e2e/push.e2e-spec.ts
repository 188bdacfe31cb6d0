import {
  createDecipheriv,
  createECDH,
  createPublicKey,
  hkdfSync,
  randomBytes,
  verify,
} from 'node:crypto';
import { generateVAPIDKeys } from 'web-push';
import { Session, TestContext, uniqueUsername } from '../utils/context';
import { eventuallyPasses } from '../utils/eventually';
import { expectError } from '../utils/expect-error';
import { ClientSocket, connectSocket } from '../utils/sockets';
import { startTestApp, TestApp } from '../utils/test-app';
import { ReceivedRequest, WebhookReceiver } from '../utils/webhook-receiver';

/**
 * Web Push: subscriptions through the API, and pushes to a real local HTTP server standing in for
 * the push service, decrypted here the way a browser does (RFC 8291) to check what they carry.
 */

const VAPID = generateVAPIDKeys();
const VAPID_SUBJECT = 'mailto:ops@example.com';
const SUBSCRIPTIONS = '/api/v1/me/push-subscriptions';
/** How long "no push" is waited for, once a push sent after it has arrived. */
const SETTLE_MS = 1500;

function pushEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    VAPID_PUBLIC_KEY: VAPID.publicKey,
    VAPID_PRIVATE_KEY: VAPID.privateKey,
    VAPID_SUBJECT,
    // The stand-in push service listens on loopback, which is refused unless allowed.
    OUTBOUND_ALLOWED_NETWORKS: '127.0.0.1',
    ...extra,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A browser's side of a subscription: its endpoint and the key pair that decrypts its pushes. */
class Device {
  readonly path: string;
  readonly endpoint: string;
  private readonly ecdh = createECDH('prime256v1');
  private readonly authSecret = randomBytes(16);

  constructor(receiver: WebhookReceiver, name: string) {
    this.ecdh.generateKeys();
    this.path = `/push/${name}`;
    this.endpoint = receiver.url(this.path);
  }

  /** What `JSON.stringify(pushSubscription)` gives in a browser. */
  get subscription() {
    return {
      endpoint: this.endpoint,
      keys: {
        p256dh: this.ecdh.getPublicKey().toString('base64url'),
        auth: this.authSecret.toString('base64url'),
      },
    };
  }

  /** RFC 8291 over RFC 8188 (aes128gcm, a single record), as the browser reads a push. */
  decrypt(body: Buffer): unknown {
    const salt = body.subarray(0, 16);
    const idLength = body.readUInt8(20);
    const serverKey = body.subarray(21, 21 + idLength);
    const sealed = body.subarray(21 + idLength);
    expect(idLength).toBe(65);
    const keyInfo = Buffer.concat([
      Buffer.from('WebPush: info\0'),
      this.ecdh.getPublicKey(),
      serverKey,
    ]);
    const ikm = hkdf(this.ecdh.computeSecret(serverKey), this.authSecret, keyInfo, 32);
    const key = hkdf(ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16);
    const nonce = hkdf(ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12);
    const decipher = createDecipheriv('aes-128-gcm', key, nonce);
    decipher.setAuthTag(sealed.subarray(-16));
    const padded = Buffer.concat([decipher.update(sealed.subarray(0, -16)), decipher.final()]);
    // The plaintext, then 0x02 (last record), then zero padding.
    let end = padded.length - 1;
    while (padded[end] === 0) end -= 1;
    expect(padded[end]).toBe(2);
    return JSON.parse(padded.subarray(0, end).toString('utf8'));
  }
}

function hkdf(ikm: Buffer, salt: Buffer, info: Buffer, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, length));
}

/** A push as its device sees it: the request, and its decrypted JSON. */
interface Push {
  request: ReceivedRequest;
  payload: any;
}

/** The webhook receiver as a push service, and its devices. */
class PushService {
  private constructor(readonly receiver: WebhookReceiver) {}

  static async start(): Promise<PushService> {
    return new PushService(await WebhookReceiver.start());
  }

  device(name: string): Device {
    return new Device(this.receiver, name);
  }

  /** Every push so far, to any device. */
  get count(): number {
    return this.receiver.requests.length;
  }

  pushesTo(device: Device): Push[] {
    return this.receiver.requests.flatMap((request) =>
      request.path === device.path ? [{ request, payload: device.decrypt(request.raw) }] : [],
    );
  }

  /** Waits for `count` pushes in all, then long enough for any push that should not come. */
  async settleAt(count: number): Promise<void> {
    await this.receiver.waitFor(count);
    await sleep(SETTLE_MS);
    expect(this.count).toBe(count);
  }

  close(): Promise<void> {
    return this.receiver.close();
  }
}

/** What web-push puts on every push: the encoding, a TTL, a topic per chat and a signed VAPID JWT. */
function expectPushHeaders(
  request: ReceivedRequest,
  chatId: number,
  urgency: 'high' | 'normal',
): void {
  expect(request.headers).toMatchObject({
    'content-encoding': 'aes128gcm',
    'content-type': 'application/octet-stream',
    ttl: String(24 * 3600),
    topic: `chat${chatId}`,
    urgency,
  });
  const { port } = new URL(`http://${request.headers.host}`);
  expect(vapidClaims(request)).toEqual({
    aud: `http://127.0.0.1:${port}`,
    sub: VAPID_SUBJECT,
    exp: expect.any(Number),
  });
}

/** The claims of the VAPID JWT, once its ES256 signature checks out against the server's key. */
function vapidClaims(request: ReceivedRequest): unknown {
  const authorization = String(request.headers.authorization);
  expect(authorization).toMatch(/^vapid t=/);
  const [, header, claims, signature, publicKey] =
    /^vapid t=([\w-]+)\.([\w-]+)\.([\w-]+), k=([\w-]+)$/.exec(authorization) ?? [];
  expect(publicKey).toBe(VAPID.publicKey);
  const point = Buffer.from(publicKey, 'base64url');
  const key = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33).toString('base64url'),
    },
    format: 'jwk',
  });
  const signed = Buffer.from(`${header}.${claims}`);
  const valid = verify(
    'sha256',
    signed,
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  expect(valid).toBe(true);
  return JSON.parse(Buffer.from(claims, 'base64url').toString('utf8'));
}

/** The users of a test, made through the API, and what they do. */
function actions(app: TestApp) {
  const ctx = new TestContext(app);
  return {
    ctx,
    user: (displayName: string) => ctx.newUser(uniqueUsername('push'), displayName),
    async subscribe(user: Session, device: Device) {
      const res = await app.http.post(SUBSCRIPTIONS, {
        token: user.accessToken,
        body: device.subscription,
      });
      expect(res.status).toBe(201);
      return res.body;
    },
    /** A group of `owner` with `members`, who become the owner's friends first. */
    async group(owner: Session, members: Session[]) {
      for (const member of members) await ctx.befriend(owner, member);
      return ctx.group(owner, 'push', members);
    },
    async send(sender: Session, chatId: number, body: string, mentions: number[] = []) {
      const res = await app.http.post(`/api/v1/chats/${chatId}/messages`, {
        token: sender.accessToken,
        body: { body, mentions },
      });
      expect(res.status).toBe(201);
      return res.body;
    },
    async subscriptionRows(userId: number) {
      const { rows } = await app.db.query(
        'SELECT id, endpoint, p256dh, auth FROM push_subscriptions WHERE user_id = $1 ORDER BY id',
        [userId],
      );
      return rows;
    },
  };
}

describe('Web Push', () => {
  let t: TestApp;
  let the: ReturnType<typeof actions>;
  let service: PushService;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    t = await startTestApp(pushEnv({ PUSH_DELAY_MS: '300' }));
    the = actions(t);
  });
  beforeEach(async () => {
    service = await PushService.start();
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    await service.close();
  });
  afterAll(() => t.close());

  describe('subscriptions', () => {
    it('subscribes, updates a known endpoint in place, and unsubscribes idempotently', async () => {
      const [me, other] = await Promise.all([the.user('Me'), the.user('Other')]);
      const device = service.device('phone');

      const key = await t.http.get(`${SUBSCRIPTIONS}/vapid-public-key`, { token: me.accessToken });
      expect(key.status).toBe(200);
      expect(key.body).toEqual({ publicKey: VAPID.publicKey });

      const created = await the.subscribe(me, device);
      expect(created).toEqual({
        id: expect.any(Number),
        endpoint: device.endpoint,
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      });

      // The browser renewed its keys for the same endpoint: one row, with the new keys.
      const renewed = service.device('phone').subscription;
      const again = await t.http.post(SUBSCRIPTIONS, { token: me.accessToken, body: renewed });
      expect(again.status).toBe(201);
      expect(again.body.id).toBe(created.id);
      expect(await the.subscriptionRows(me.id)).toEqual([
        { id: created.id, endpoint: device.endpoint, ...renewed.keys },
      ]);

      // Someone else's unsubscribe of my endpoint changes nothing.
      const unsubscribe = (user: Session) =>
        t.http.delete(SUBSCRIPTIONS, {
          token: user.accessToken,
          body: { endpoint: device.endpoint },
        });
      expect((await unsubscribe(other)).status).toBe(204);
      expect(await the.subscriptionRows(me.id)).toHaveLength(1);

      expect((await unsubscribe(me)).status).toBe(204);
      expect(await the.subscriptionRows(me.id)).toEqual([]);
      expect((await unsubscribe(me)).status).toBe(204);
    });

    it('refuses invalid subscriptions with 400 and stores nothing', async () => {
      const me = await the.user('Me');
      const { endpoint, keys } = service.device('phone').subscription;
      const invalid: [unknown, string][] = [
        [{ endpoint }, 'VALIDATION_FAILED'],
        [{ endpoint, keys: {} }, 'VALIDATION_FAILED'],
        [{ endpoint, keys: { ...keys, p256dh: 'not-a-key' } }, 'VALIDATION_FAILED'],
        // The right length, but no point of the curve: encrypting for it would fail at every push.
        [
          {
            endpoint,
            keys: {
              ...keys,
              p256dh: Buffer.concat([Buffer.from([4]), Buffer.alloc(64)]).toString('base64url'),
            },
          },
          'VALIDATION_FAILED',
        ],
        [{ endpoint, keys: { ...keys, auth: 'short' } }, 'VALIDATION_FAILED'],
        [{ keys }, 'VALIDATION_FAILED'],
        [{ endpoint: 'not a url', keys }, 'PUSH_ENDPOINT_FORBIDDEN'],
        [{ endpoint: 'ftp://push.example.com/x', keys }, 'PUSH_ENDPOINT_FORBIDDEN'],
        // Allowed is 127.0.0.1 alone: the rest of loopback and the metadata service stay out.
        [{ endpoint: 'http://127.0.0.2/push', keys }, 'PUSH_ENDPOINT_FORBIDDEN'],
        [{ endpoint: 'http://169.254.169.254/push', keys }, 'PUSH_ENDPOINT_FORBIDDEN'],
      ];
      for (const [body, code] of invalid) {
        const res = await t.http.post(SUBSCRIPTIONS, { token: me.accessToken, body });
        expectError(res, 400, code);
      }
      expect(await the.subscriptionRows(me.id)).toEqual([]);
    });

    it('answers 401 without a token', async () => {
      const { subscription } = service.device('phone');
      expectError(await t.http.post(SUBSCRIPTIONS, { body: subscription }), 401);
      expectError(await t.http.delete(SUBSCRIPTIONS, { body: subscription }), 401);
      expectError(await t.http.get(`${SUBSCRIPTIONS}/vapid-public-key`), 401);
    });

    it('refuses a loopback endpoint where OUTBOUND_ALLOWED_NETWORKS does not allow it', async () => {
      const closed = await startTestApp(pushEnv({ OUTBOUND_ALLOWED_NETWORKS: '' }));
      try {
        const me = await actions(closed).user('Me');
        const device = service.device('phone');
        const byName = device.endpoint.replace('127.0.0.1', 'localhost');
        for (const endpoint of [device.endpoint, byName]) {
          const res = await closed.http.post(SUBSCRIPTIONS, {
            token: me.accessToken,
            body: { ...device.subscription, endpoint },
          });
          expectError(res, 400, 'PUSH_ENDPOINT_FORBIDDEN');
        }
        expect(await actions(closed).subscriptionRows(me.id)).toEqual([]);
      } finally {
        await closed.close();
      }
    });

    it('answers 404 PUSH_DISABLED when the server has no VAPID keys', async () => {
      const off = await startTestApp({ OUTBOUND_ALLOWED_NETWORKS: '127.0.0.1' });
      try {
        const me = await actions(off).user('Me');
        const token = me.accessToken;
        const { subscription } = service.device('phone');
        expectError(
          await off.http.post(SUBSCRIPTIONS, { token, body: subscription }),
          404,
          'PUSH_DISABLED',
        );
        expectError(
          await off.http.get(`${SUBSCRIPTIONS}/vapid-public-key`, { token }),
          404,
          'PUSH_DISABLED',
        );
        expect(await actions(off).subscriptionRows(me.id)).toEqual([]);
      } finally {
        await off.close();
      }
    });
  });

  describe('pushes', () => {
    it('pushes a direct message once to the offline recipient, and nothing to the sender', async () => {
      const [alice, bob] = await Promise.all([the.user('Alice'), the.user('Bob')]);
      const [alicePhone, bobPhone] = [service.device('alice'), service.device('bob')];
      await the.subscribe(alice, alicePhone);
      await the.subscribe(bob, bobPhone);
      await the.ctx.befriend(alice, bob);
      const chat = await the.ctx.directChat(alice, bob);

      const message = await the.send(alice, chat.id, 'are you there?');
      await service.settleAt(1);

      const [push] = service.pushesTo(bobPhone);
      expectPushHeaders(push.request, chat.id, 'high');
      expect(push.payload).toEqual({
        type: 'message.created',
        chatId: chat.id,
        chatType: 'direct',
        chatName: chat.name,
        messageId: message.id,
        seq: message.seq,
        senderId: alice.id,
        senderName: 'Alice',
        mentioned: false,
        body: 'are you there?',
      });
      expect(service.pushesTo(alicePhone)).toEqual([]);
    });

    it('pushes nothing to a recipient with a socket connected, until it disconnects', async () => {
      const [owner, online, offline] = await Promise.all([
        the.user('Owner'),
        the.user('Online'),
        the.user('Offline'),
      ]);
      const [onlinePhone, offlinePhone] = [service.device('online'), service.device('offline')];
      await the.subscribe(online, onlinePhone);
      await the.subscribe(offline, offlinePhone);
      const chat = await the.group(owner, [online, offline]);
      const socket = await connectSocket(t.baseUrl, { token: online.accessToken });
      sockets.push(socket);

      const seen = await the.send(owner, chat.id, 'you are reading this live');
      await service.settleAt(1);
      expect(service.pushesTo(offlinePhone).map((p) => p.payload.messageId)).toEqual([seen.id]);
      expect(service.pushesTo(onlinePhone)).toEqual([]);

      socket.close();
      const missed = await the.send(owner, chat.id, 'and this one you missed');
      await service.settleAt(3);
      expect(service.pushesTo(onlinePhone).map((p) => p.payload.messageId)).toEqual([missed.id]);
    });

    it('pushes nothing from a muted chat, except a message that mentions me', async () => {
      const [owner, muter, listener] = await Promise.all([
        the.user('Owner'),
        the.user('Muter'),
        the.user('Listener'),
      ]);
      const [muterPhone, listenerPhone] = [service.device('muter'), service.device('listener')];
      await the.subscribe(muter, muterPhone);
      await the.subscribe(listener, listenerPhone);
      const chat = await the.group(owner, [muter, listener]);
      const muted = await t.http.patch(`/api/v1/chats/${chat.id}/settings`, {
        token: muter.accessToken,
        body: { muted: true },
      });
      expect(muted.status).toBe(200);

      const plain = await the.send(owner, chat.id, 'lunch, anyone?');
      const mention = await the.send(owner, chat.id, 'muter, your turn', [muter.id]);
      await service.settleAt(3);

      const toListener = service.pushesTo(listenerPhone).map((p) => p.payload.messageId);
      expect(toListener.sort((a, b) => a - b)).toEqual([plain.id, mention.id]);
      const [push, ...more] = service.pushesTo(muterPhone);
      expect(more).toEqual([]);
      expectPushHeaders(push.request, chat.id, 'high');
      expect(push.payload).toMatchObject({
        chatType: 'group',
        chatName: 'push',
        messageId: mention.id,
        mentioned: true,
        body: 'muter, your turn',
      });
    });

    it('pushes nothing from someone I block', async () => {
      // A group chat: blocking ends the friendship, and with it the direct chat.
      const [owner, blocker, other] = await Promise.all([
        the.user('Owner'),
        the.user('Blocker'),
        the.user('Other'),
      ]);
      const [blockerPhone, otherPhone] = [service.device('blocker'), service.device('other')];
      await the.subscribe(blocker, blockerPhone);
      await the.subscribe(other, otherPhone);
      const chat = await the.group(owner, [blocker, other]);
      const blocked = await t.http.post('/api/v1/blocks', {
        token: blocker.accessToken,
        body: { userId: owner.id },
      });
      expect(blocked.status).toBe(201);

      // In this order, as sending marks the chat read up to there for the sender.
      const fromOther = await the.send(other, chat.id, 'hi blocker');
      const fromBlocked = await the.send(owner, chat.id, 'hear me out');
      await service.settleAt(2);

      expect(service.pushesTo(otherPhone).map((p) => p.payload.messageId)).toEqual([
        fromBlocked.id,
      ]);
      const toBlocker = service.pushesTo(blockerPhone);
      expect(toBlocker.map((p) => p.payload.messageId)).toEqual([fromOther.id]);
      expectPushHeaders(toBlocker[0].request, chat.id, 'normal');
    });

    it.each([410, 404])(
      'forgets a subscription when the push service answers %i',
      async (status) => {
        const [alice, bob] = await Promise.all([the.user('Alice'), the.user('Bob')]);
        const [gone, kept] = [service.device('gone'), service.device('kept')];
        service.receiver.respond = (request) => (request.path === gone.path ? status : 201);
        await the.subscribe(bob, gone);
        const keptRow = await the.subscribe(bob, kept);
        await the.ctx.befriend(alice, bob);
        const chat = await the.ctx.directChat(alice, bob);

        await the.send(alice, chat.id, 'first');
        await service.receiver.waitFor(2);
        await eventuallyPasses(async () => {
          expect(await the.subscriptionRows(bob.id)).toEqual([
            expect.objectContaining({ id: keptRow.id, endpoint: kept.endpoint }),
          ]);
        });

        // The next message goes to the device that is still there only.
        const second = await the.send(alice, chat.id, 'second');
        await service.settleAt(3);
        expect(service.pushesTo(gone)).toHaveLength(1);
        expect(service.pushesTo(kept).map((p) => p.payload.body)).toEqual(['first', 'second']);
        expect(service.pushesTo(kept)[1].payload.messageId).toBe(second.id);
      },
    );
  });

  describe('with a longer delay and PUSH_INCLUDE_BODY=false', () => {
    let quiet: TestApp;
    let our: ReturnType<typeof actions>;

    beforeAll(async () => {
      quiet = await startTestApp(pushEnv({ PUSH_DELAY_MS: '1500', PUSH_INCLUDE_BODY: 'false' }));
      our = actions(quiet);
    });
    afterAll(() => quiet.close());

    it('pushes nothing to whoever read the message before the delay passed, and no text to the rest', async () => {
      const [owner, reader, sleeper] = await Promise.all([
        our.user('Owner'),
        our.user('Reader'),
        our.user('Sleeper'),
      ]);
      const [readerPhone, sleeperPhone] = [service.device('reader'), service.device('sleeper')];
      await our.subscribe(reader, readerPhone);
      await our.subscribe(sleeper, sleeperPhone);
      const chat = await our.group(owner, [reader, sleeper]);

      const message = await our.send(owner, chat.id, 'a secret plan');
      const read = await quiet.http.post(`/api/v1/chats/${chat.id}/read`, {
        token: reader.accessToken,
        body: { messageId: message.id },
      });
      expect(read.status).toBe(204);
      await service.settleAt(1);

      expect(service.pushesTo(readerPhone)).toEqual([]);
      const [push] = service.pushesTo(sleeperPhone);
      expect(push.payload).toMatchObject({ messageId: message.id, senderName: 'Owner' });
      expect(push.payload).not.toHaveProperty('body');
    });
  });

  /** Sockets on one replica, which takes no jobs; pushes from the other, over a shared backplane. */
  describe('across two replicas', () => {
    let front: TestApp;
    let worker: TestApp;
    let ours: ReturnType<typeof actions>;

    beforeAll(async () => {
      const shared = pushEnv({
        PUSH_DELAY_MS: '300',
        SOCKET_ADAPTER: 'postgres',
        SOCKET_ADAPTER_CHANNEL: `push-${randomBytes(4).toString('hex')}`,
      });
      front = await startTestApp({ ...shared, JOB_WORKERS: 'false' });
      worker = await startTestApp(shared, { databaseUrl: front.databaseUrl });
      ours = actions(front);
    });
    afterAll(async () => {
      await worker?.close();
      await front?.close();
    });

    it('pushes nothing to a recipient whose only socket is on the replica without the worker', async () => {
      const [owner, online, offline] = await Promise.all([
        ours.user('Owner'),
        ours.user('Online'),
        ours.user('Offline'),
      ]);
      const [onlinePhone, offlinePhone] = [service.device('online'), service.device('offline')];
      await ours.subscribe(online, onlinePhone);
      await ours.subscribe(offline, offlinePhone);
      const chat = await ours.group(owner, [online, offline]);
      const socket = await connectSocket(front.baseUrl, { token: online.accessToken });
      sockets.push(socket);

      const seen = await ours.send(owner, chat.id, 'read live on the other replica');
      await service.settleAt(1);
      expect(service.pushesTo(offlinePhone).map((p) => p.payload.messageId)).toEqual([seen.id]);
      expect(service.pushesTo(onlinePhone)).toEqual([]);

      socket.close();
      const missed = await ours.send(owner, chat.id, 'and this one missed');
      await service.settleAt(3);
      expect(service.pushesTo(onlinePhone).map((p) => p.payload.messageId)).toEqual([missed.id]);
    });
  });
});
