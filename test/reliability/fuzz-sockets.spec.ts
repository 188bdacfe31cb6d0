import fc, { Arbitrary } from 'fast-check';
import { ClientEvents } from '../../src/realtime/socket-events';
import { SocketRouter } from '../../src/realtime/socket-router';
import { Session, TestContext, uniqueUsername } from '../utils/context';
import { changedTables, DbFingerprint, Fingerprint } from '../utils/db-fingerprint';
import {
  deeplyNested,
  EDGE_TEXTS,
  edgyText,
  fieldKey,
  FUZZ_SEED,
  longString,
  nastyString,
  nastyValue,
  objectOf,
  PROTOTYPE_KEYS,
  runs,
  shortNastyString,
  summarize,
} from '../utils/fuzz-arbitraries';
import { ClientSocket, connectSocket, send } from '../utils/sockets';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * Property-based fuzzing of every client event (ClientEvents) and of unknown ones: generated
 * payloads of every type, extra arguments, no ack, binary attachments, strings around
 * SOCKET_MAX_PAYLOAD_BYTES, and hand-written protocol packets. For every case: an ack of the
 * documented shape (never INTERNAL_ERROR), the sender disconnected only by a packet over the size
 * cap (or by protocol garbage), no other socket disconnected, no database change from a refused
 * event; the server stays live. Replay with FUZZ_SEED=<seed>; FUZZ_SCALE=10 runs ten times as many.
 */

const ACK_TIMEOUT_MS = 5000;
const HEALTH_EVERY = 25;
/** Bytes either side of the cap where both outcomes (ack or close) are accepted. */
const CAP_MARGIN = 256;
const RESERVED = new Set([
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
]);

/** The payload fields of each client event (docs/realtime.md); a new event must be added here. */
const FIELDS: Record<string, string[]> = {
  'message:send': ['chatId', 'body', 'clientMessageId', 'replyToId', 'attachmentIds', 'mentions'],
  'message:edit': ['chatId', 'messageId', 'body', 'mentions'],
  'message:delete': ['chatId', 'messageId'],
  'chat:join': ['chatId'],
  'chat:read': ['chatId', 'messageId'],
  typing: ['chatId', 'isTyping'],
  sync: ['chatId', 'afterRev', 'afterSeq', 'afterMessageId', 'limit'],
  'reaction:set': ['chatId', 'messageId', 'emoji', 'on'],
};

/** Own keys only: `'__proto__' in FIELDS` is true. */
const isClientEvent = (event: string): boolean => Object.hasOwn(FIELDS, event);

type Mode = 'ack' | 'no ack';

class SocketCase {
  constructor(
    readonly target: string,
    readonly event: string,
    readonly args: unknown[],
    readonly mode: Mode,
    /** Largest WebSocket frame this emit makes: the text packet, or one binary attachment. */
    readonly frameBytes: number,
    readonly note: string,
  ) {}

  [fc.toStringMethod](): string {
    return `emit(${summarize(this.event, 80)}, ${this.args
      .map((arg) => summarize(arg, 300))
      .join(', ')}) ${this.mode}, largest frame ${this.frameBytes} bytes [${this.note}]`;
  }
}

/** A hand-written packet: socket.io text, or bytes straight onto the WebSocket. */
class RawCase {
  constructor(
    readonly packet: string | Buffer,
    /** Through engine.io as a message (socket.io protocol), or onto the WebSocket as is. */
    readonly layer: 'socket.io' | 'websocket',
    /** The ack id when the packet is a well-formed event asking for one. */
    readonly ackId: number | null,
    readonly note: string,
  ) {}

  [fc.toStringMethod](): string {
    const shown = Buffer.isBuffer(this.packet)
      ? `<${this.packet.length} bytes> ${summarize(this.packet.toString('latin1'), 200)}`
      : summarize(this.packet, 300);
    return `${this.layer} packet ${shown} [${this.note}]`;
  }
}

/** Size of the text frame socket.io-client writes, binary attachments replaced by placeholders. */
function textFrameBytes(event: string, args: unknown[], ackId: boolean): number {
  let attachment = 0;
  const json = JSON.stringify([event, ...args], function (this: any, key: string, value: unknown) {
    if (Buffer.isBuffer(this[key])) return { _placeholder: true, num: attachment++ };
    return value;
  });
  // engine.io '4' + socket.io type ('2' or '5' + "<n>-") + ack id + JSON.
  return Buffer.byteLength(json) + (attachment > 0 ? 4 : 1) + 1 + (ackId ? 6 : 0);
}

function largestBuffer(value: unknown, depth = 0): number {
  if (Buffer.isBuffer(value)) return value.length;
  if (depth > 20 || typeof value !== 'object' || value === null) return 0;
  return Math.max(0, ...Object.values(value).map((v) => largestBuffer(v, depth + 1)));
}

function ackProblems(ack: unknown, event: string): string[] {
  if (typeof ack !== 'object' || ack === null) return [`ack is ${summarize(ack, 80)}`];
  const { ok, error } = ack as { ok?: unknown; error?: { code?: unknown; message?: unknown } };
  if (ok === true) return [];
  if (ok !== false) return [`ack.ok is ${summarize(ok, 40)}`];
  const problems: string[] = [];
  if (typeof error?.code !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(error.code)) {
    problems.push(`ack.error.code ${summarize(error?.code, 40)}`);
  }
  if (typeof error?.message !== 'string' || !/\S/.test(error.message)) {
    problems.push('ack.error.message is not text');
  }
  if (error?.code === 'INTERNAL_ERROR') problems.push(`INTERNAL_ERROR: ${error.message}`);
  if (!isClientEvent(event) && error?.code !== 'UNKNOWN_EVENT') {
    problems.push(`unknown event answered ${error?.code}`);
  }
  return problems;
}

class Harness {
  t!: TestApp;
  ctx!: TestContext;
  fuzzer!: Session;
  bystander!: Session;
  chats: number[] = [];
  messages: number[] = [];
  bystanderChatId = 0;
  maxPayload = 0;
  socket!: ClientSocket;
  private keeper!: ClientSocket;
  private bystanderSocket!: ClientSocket;
  private othersDisconnected: string[] = [];
  private fingerprints!: DbFingerprint;
  private baseline!: Fingerprint;
  private sinceHealthCheck = 0;
  private rawAckId = 5_000_000;
  readonly counts = new Map<string, Map<string, number>>();
  readonly outcomes = new Map<string, number>();
  reconnects = 0;
  slowest = { ms: 0, label: '' };

  async start(): Promise<void> {
    this.t = await startTestApp();
    this.ctx = new TestContext(this.t);
    this.maxPayload = this.t.config.realtime.maxPacketBytes;
    const ctx = this.ctx;
    const [fuzzer, bystander, carol, dave] = await Promise.all(
      ['sfz', 'sfz_by', 'sfz_carol', 'sfz_dave'].map((name) => ctx.newUser(uniqueUsername(name))),
    );
    this.fuzzer = fuzzer;
    this.bystander = bystander;
    await ctx.befriend(fuzzer, bystander);
    await ctx.befriend(fuzzer, dave);
    await ctx.befriend(bystander, carol);
    const chats = [
      await ctx.group(fuzzer, 'socket fuzz', [bystander, dave]),
      await ctx.directChat(fuzzer, bystander),
      await ctx.group(dave, 'dave owns', [fuzzer]),
    ];
    const bystanderChat = await ctx.group(bystander, 'bystander only', [carol]);
    this.bystanderChatId = bystanderChat.id;
    this.chats = [...chats.map((c) => c.id), bystanderChat.id];
    for (const chat of chats) {
      this.messages.push((await ctx.send(fuzzer, chat.id, 'mine')).id);
      const daveIn = chat.participants.some((p: { userId: number }) => p.userId === dave.id);
      if (daveIn) this.messages.push((await ctx.send(dave, chat.id, 'not mine')).id);
    }
    this.messages.push((await ctx.send(carol, bystanderChat.id, 'not yours')).id);

    // The keeper keeps the fuzzer online (a drop of the fuzzing socket must not stamp lastSeenAt).
    this.keeper = await connectSocket(this.t.baseUrl, { token: fuzzer.accessToken });
    this.bystanderSocket = await connectSocket(this.t.baseUrl, { token: bystander.accessToken });
    for (const [name, socket] of [
      ['keeper', this.keeper],
      ['bystander', this.bystanderSocket],
    ] as const) {
      socket.on('disconnect', (reason) => this.othersDisconnected.push(`${name}: ${reason}`));
    }
    this.socket = await this.connectFuzzer();
    this.fingerprints = await DbFingerprint.of(this.t.db);
    this.baseline = await this.fingerprints.take();
  }

  async stop(): Promise<void> {
    for (const socket of [this.socket, this.keeper, this.bystanderSocket]) socket?.close();
    await this.t?.close();
  }

  private connectFuzzer(): Promise<ClientSocket> {
    return connectSocket(this.t.baseUrl, { token: this.fuzzer.accessToken });
  }

  private async ensureFuzzerConnected(): Promise<void> {
    if (this.socket.connected) return;
    this.socket.close();
    this.reconnects += 1;
    this.socket = await this.connectFuzzer();
  }

  count(target: string, event: string, outcome: string): void {
    const perEvent = this.counts.get(target) ?? new Map<string, number>();
    perEvent.set(event, (perEvent.get(event) ?? 0) + 1);
    this.counts.set(target, perEvent);
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
  }

  /** Emits one case and checks every invariant; the first problem fails the property. */
  async run(c: SocketCase): Promise<void> {
    await this.ensureFuzzerConnected();
    const problems: string[] = [];
    const socket = this.socket;
    const overCap = c.frameBytes > this.maxPayload + CAP_MARGIN;
    const nearCap = Math.abs(c.frameBytes - this.maxPayload) <= CAP_MARGIN;
    let outcome: string;
    let accepted = false;
    const started = performance.now();
    if (c.mode === 'ack') {
      try {
        const ack = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(c.event, ...c.args);
        problems.push(...ackProblems(ack, c.event));
        accepted = ack?.ok === true;
        outcome = accepted ? 'ok' : `ok:false ${ack?.error?.code}`;
        if (overCap) problems.push(`acked, although the packet is over the cap`);
      } catch (error) {
        outcome = socket.connected ? 'no ack' : 'sender closed';
        if (socket.connected) problems.push(`no ack within ${ACK_TIMEOUT_MS} ms`);
        else if (!overCap && !nearCap) {
          problems.push(`the sender was disconnected (${(error as Error).message}) under the cap`);
        }
      }
    } else {
      socket.emit(c.event, ...c.args);
      outcome = 'no ack';
      // A round trip on the same socket: the emit was read (and the socket survived it).
      const barrier = await send(socket, 'sync', {
        chatId: this.chats[0],
        afterSeq: 0,
        limit: 1,
      }).catch((error: Error) => error);
      if (barrier instanceof Error) {
        outcome = socket.connected ? 'no ack' : 'sender closed';
        if (!overCap && !nearCap) {
          problems.push(`no answer to the next event (${barrier.message}) under the cap`);
        }
      } else if (barrier?.ok !== true) {
        problems.push(`the next event was answered ${summarize(barrier, 200)}`);
      }
    }
    const elapsed = performance.now() - started;
    if (elapsed > this.slowest.ms) this.slowest = { ms: Math.round(elapsed), label: c.event };

    const after = await this.settled();
    if (c.mode === 'ack' && !accepted) {
      const changed = changedTables(this.baseline, after);
      if (changed.length > 0) problems.push(`refused, yet changed table(s) ${changed.join(', ')}`);
    }
    this.baseline = after;
    this.count(c.target, isClientEvent(c.event) ? c.event : '(unknown events)', outcome);
    await this.checkOthers(problems);
    if (problems.length > 0) throw new Error(`${c.target}: ${problems.join('; ')}`);
  }

  /** Sends a hand-written packet; the sender may be answered, ignore it, or be closed. */
  async runRaw(c: RawCase): Promise<void> {
    await this.ensureFuzzerConnected();
    const problems: string[] = [];
    const socket = this.socket;
    let onClose = () => undefined as void;
    const closed = new Promise<'closed'>((resolve) => {
      onClose = () => resolve('closed');
      socket.once('disconnect', onClose);
    });
    let timer: NodeJS.Timeout | undefined;
    const onPacket = (packet: { type: number; id?: number; data?: unknown[] }) => {
      if (packet.type === 3 && packet.id === c.ackId) resolveAck(packet.data?.[0]);
    };
    let resolveAck: (value: unknown) => void = () => undefined;
    const ack = new Promise<unknown>((resolve) => {
      resolveAck = resolve;
      timer = setTimeout(() => resolve(undefined), 2000);
      socket.io.on('packet', onPacket);
    });
    const engine = socket.io.engine;
    if (c.layer === 'socket.io') engine.send(c.packet as string);
    else (engine.transport as unknown as { ws: { send(data: unknown): void } }).ws.send(c.packet);

    const answer = c.ackId === null ? undefined : await Promise.race([ack, closed]);
    let outcome = answer === undefined ? 'ignored' : 'answered';
    if (answer === 'closed') outcome = 'sender closed';
    else if (answer !== undefined) problems.push(...ackProblems(answer, 'sync'));
    // The next event on the same socket is answered, unless the packet cost the sender its link.
    const barrier = socket.connected
      ? await Promise.race([
          send(socket, 'sync', { chatId: this.chats[0], limit: 1 }).catch((e: Error) => e),
          closed,
        ])
      : 'closed';
    socket.off('disconnect', onClose);
    socket.io.off('packet', onPacket);
    clearTimeout(timer);
    if (barrier === 'closed') {
      outcome = 'sender closed';
    } else if (barrier instanceof Error) {
      problems.push(`no answer to the next event (${barrier.message})`);
    } else if (barrier?.ok !== true) {
      problems.push(`the next event was answered ${summarize(barrier, 200)}`);
    }
    if (c.ackId !== null && answer === undefined && outcome !== 'sender closed') {
      problems.push('a well-formed event with an ack id was neither answered nor refused');
    }
    const after = await this.settled();
    if ((answer as { ok?: boolean } | undefined)?.ok !== true) {
      const changed = changedTables(this.baseline, after);
      if (changed.length > 0) problems.push(`changed table(s) ${changed.join(', ')}`);
    }
    this.baseline = after;
    this.count('raw packets', c.layer, `raw ${outcome}`);
    await this.checkOthers(problems);
    if (problems.length > 0) throw new Error(`raw packets: ${problems.join('; ')}`);
  }

  private async checkOthers(problems: string[]): Promise<void> {
    if (this.othersDisconnected.length > 0) {
      problems.push(`other sockets were disconnected: ${this.othersDisconnected.join(', ')}`);
    }
    this.sinceHealthCheck += 1;
    if (this.sinceHealthCheck >= HEALTH_EVERY || problems.length > 0) {
      this.sinceHealthCheck = 0;
      const live = await this.t.http.get('/health/live').catch((error: Error) => ({
        status: error.message,
      }));
      if (live.status !== 200) problems.push(`GET /health/live then answered ${live.status}`);
    }
  }

  /**
   * The database once every event the server has read is answered: an event without an ack (its
   * outcome unknown) has landed or been refused before the next case is judged.
   */
  private async settled(): Promise<Fingerprint> {
    await this.t.app.get(SocketRouter).idle();
    return this.fingerprints.take();
  }

  /** After the test itself changed the database (its own fixture): the new reference. */
  async rebaseline(): Promise<void> {
    this.baseline = await this.fingerprints.take();
  }

  async fuzz<T>(
    label: string,
    arbitrary: Arbitrary<T>,
    numRuns: number,
    seed: number,
    run: (c: T) => Promise<void>,
  ): Promise<void> {
    const details = await fc.check(fc.asyncProperty(arbitrary, run), { seed, numRuns });
    if (details.failed) {
      const cause = (details.errorInstance as Error | undefined)?.message ?? 'no error';
      throw new Error(`${label}\n  ${cause}\n${fc.defaultReportMessage(details)}`);
    }
  }

  /** No other socket was ever dropped, the bystander still syncs, the server is live and ready. */
  async expectHealthy(): Promise<void> {
    expect(this.othersDisconnected).toEqual([]);
    expect(this.keeper.connected && this.bystanderSocket.connected).toBe(true);
    expect(
      await send(this.bystanderSocket, 'sync', { chatId: this.bystanderChatId }),
    ).toMatchObject({ ok: true, messages: [{ body: 'not yours' }] });
    expect(await send(this.keeper, 'sync', { chatId: this.chats[0], limit: 1 })).toMatchObject({
      ok: true,
    });
    expect((await this.t.http.get('/health/live')).status).toBe(200);
    expect((await this.t.http.get('/health/ready')).status).toBe(200);
  }

  /** A value the event takes for this field (real chats and messages), mostly. */
  validValue(field: string): Arbitrary<unknown> {
    switch (field) {
      case 'chatId':
        return fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom(...this.chats) },
          { weight: 1, arbitrary: fc.constantFrom(2_147_483_647, 999_999) },
        );
      case 'messageId':
      case 'afterMessageId':
      case 'replyToId':
        return fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom(...this.messages) },
          { weight: 1, arbitrary: fc.constantFrom(0, Number.MAX_SAFE_INTEGER) },
        );
      case 'body':
        return fc.oneof(
          fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
          edgyText,
          fc
            .tuple(shortNastyString, fc.string({ minLength: 1, maxLength: 8 }))
            .map(([a, b]) => a + b),
        );
      case 'clientMessageId':
        return fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/);
      case 'emoji':
        return fc.oneof(
          fc.constantFrom('👍', '❤️', '❤', '1️⃣', 'thumbs_up', '+1'),
          fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 }),
          edgyText,
        );
      case 'isTyping':
      case 'on':
        return fc.boolean();
      case 'afterRev':
      case 'afterSeq':
        return fc.integer({ min: 0, max: 20 });
      case 'limit':
        return fc.integer({ min: 1, max: 100 });
      case 'attachmentIds':
        return fc.uniqueArray(
          fc.oneof(fc.integer({ min: 1, max: 50 }), fc.constant(Number.MAX_SAFE_INTEGER)),
          { maxLength: 10 },
        );
      case 'mentions':
        // User ids are small in this database: some are participants, some are not.
        return fc.uniqueArray(
          fc.oneof(fc.integer({ min: 1, max: 20 }), fc.constant(2_147_483_647)),
          { maxLength: 5 },
        );
      default:
        throw new Error(`no generator for the socket field ${field}`);
    }
  }

  /** A payload for `event`: near-valid, valid, anything, binary, huge, deep, prototype keys. */
  payload(event: string): Arbitrary<unknown> {
    const fields = isClientEvent(event) ? FIELDS[event] : ['chatId', 'body'];
    const OMIT = Symbol('omit');
    const keys = fields;
    const nearValid = fc
      .tuple(
        fc.tuple(
          ...fields.map((field) =>
            fc.oneof(
              { weight: 3, arbitrary: this.validValue(field) },
              { weight: 2, arbitrary: nastyValue(keys) },
              { weight: 1, arbitrary: fc.constant(OMIT) },
            ),
          ),
        ),
        fc.option(fc.array(fc.tuple(fieldKey(keys), nastyValue(keys)), { maxLength: 2 }), {
          freq: 3,
        }),
      )
      .map(([values, extra]) =>
        objectOf([
          ...fields.map((f, i) => [f, values[i]] as const).filter(([, v]) => v !== OMIT),
          ...(extra ?? []),
        ]),
      );
    const valid = fc
      .tuple(...fields.map((field) => this.validValue(field)))
      .map((values) => objectOf(fields.map((f, i) => [f, values[i]] as const)));
    const binary = fc
      .tuple(
        fc.oneof(
          { weight: 4, arbitrary: fc.integer({ min: 0, max: 2048 }) },
          { weight: 1, arbitrary: fc.constantFrom(60_000, this.maxPayload + 4096) },
        ),
        fc.constantFrom(...fields),
        fc.boolean(),
        valid,
      )
      .map(([size, field, bare, base]) => {
        const buffer = Buffer.alloc(size, 0x41);
        return bare ? buffer : objectOf([...Object.entries(base), [field, buffer]]);
      });
    const huge = fc
      .tuple(
        fc.constantFrom(...fields),
        fc.constantFrom('x', '\u00e9', '\ud83d\ude00', '\u200b'),
        fc.constantFrom(4001, 30_000, 60_000, 70_000, 100_000),
        valid,
      )
      .map(([field, unit, length, base]) =>
        objectOf([
          ...Object.entries(base),
          [field, unit.repeat(Math.ceil(length / unit.length)).slice(0, length)],
        ]),
      );
    const deep = fc
      .tuple(fc.constantFrom(...fields), deeplyNested, valid)
      .chain(([field, nested, base]) =>
        fc.constantFrom<unknown>(nested, objectOf([...Object.entries(base), [field, nested]])),
      );
    const poisoned = fc
      .tuple(fc.constantFrom(...PROTOTYPE_KEYS), fc.constantFrom(...fields), valid, fc.boolean())
      .map(([trap, field, base, top]) =>
        top
          ? objectOf([...Object.entries(base), [trap, { isAdmin: true }]])
          : objectOf([...Object.entries(base), [field, objectOf([[trap, { x: 1 }]])]]),
      );
    return fc.oneof(
      { weight: 6, arbitrary: nearValid },
      { weight: 3, arbitrary: valid },
      { weight: 3, arbitrary: nastyValue(keys) },
      { weight: 1, arbitrary: fc.oneof(longString, nastyString) },
      { weight: 2, arbitrary: binary },
      { weight: 2, arbitrary: huge },
      { weight: 1, arbitrary: deep },
      { weight: 1, arbitrary: poisoned },
      { weight: 1, arbitrary: fc.array(valid, { minLength: 1, maxLength: 2 }) },
    );
  }

  /** One emit of `event`: its arguments (none, one, several) and whether it asks for an ack. */
  emit(target: string, event: Arbitrary<string>): Arbitrary<SocketCase> {
    return event.chain((name) =>
      fc
        .record({
          args: fc.oneof(
            { weight: 8, arbitrary: this.payload(name).map((p): unknown[] => [p]) },
            { weight: 1, arbitrary: fc.constant<unknown[]>([]) },
            {
              weight: 2,
              arbitrary: fc
                .tuple(this.payload(name), fc.array(nastyValue(), { minLength: 1, maxLength: 3 }))
                .map(([p, extra]): unknown[] => [p, ...extra]),
            },
          ),
          mode: fc.constantFrom<Mode>('ack', 'ack', 'ack', 'ack', 'ack', 'ack', 'no ack'),
        })
        .map(({ args, mode }) => {
          const frame = Math.max(
            textFrameBytes(name, args, mode === 'ack'),
            ...args.map((a) => largestBuffer(a)),
          );
          return new SocketCase(target, name, args, mode, frame, `${args.length} argument(s)`);
        }),
    );
  }

  /** Hand-written socket.io packets and WebSocket frames no client library would send. */
  rawPacket(): Arbitrary<RawCase> {
    const chatId = this.chats[0];
    const nextId = () => (this.rawAckId += 1);
    const fixed: [string | Buffer, 'socket.io' | 'websocket', string][] = [
      ['2', 'socket.io', 'event without data'],
      ['2[', 'socket.io', 'truncated JSON'],
      ['2{"a":1}', 'socket.io', 'object instead of array'],
      ['2[]', 'socket.io', 'empty array'],
      ['2[null]', 'socket.io', 'null event name'],
      ['2[{}]', 'socket.io', 'object event name'],
      ['2["connect"]', 'socket.io', 'reserved event name'],
      ['2["disconnect",{}]', 'socket.io', 'reserved event name'],
      ['2abc["sync",{}]', 'socket.io', 'letters as ack id'],
      ['2999999999999999999999["sync",{}]', 'socket.io', 'huge ack id'],
      ['2/admin,["sync",{}]', 'socket.io', 'unconnected namespace'],
      ['0/admin,', 'socket.io', 'connect to an unknown namespace'],
      ['0', 'socket.io', 'connect again'],
      ['3999[1]', 'socket.io', 'ack for nothing'],
      ['9', 'socket.io', 'unknown packet type'],
      ['', 'socket.io', 'empty packet'],
      [`51-["sync",{"_placeholder":true,"num":0}]`, 'socket.io', 'attachment never sent'],
      [`51-["sync",{"_placeholder":true,"num":7}]`, 'socket.io', 'placeholder out of range'],
      [
        `2["sync",{"chatId":${chatId},"x":${'['.repeat(20_000)}${']'.repeat(20_000)}}]`,
        'socket.io',
        'arrays 20000 deep',
      ],
      ['x', 'websocket', 'engine.io garbage'],
      ['9', 'websocket', 'unknown engine.io type'],
      ['1', 'websocket', 'engine.io close'],
      ['4', 'websocket', 'empty message'],
      ['6', 'websocket', 'noop'],
      [Buffer.from([0, 1, 2, 3]), 'websocket', 'binary with nothing pending'],
    ];
    const generatedText = fc
      .tuple(nastyValue(['chatId', 'body']), fc.constantFrom('2', '3', '4', '5', '6', '21', '51-'))
      .map(([value, prefix]) => `${prefix}${JSON.stringify(value) ?? ''}`);
    const wellFormed = fc
      .tuple(
        fc.oneof(fc.constantFrom(...Object.keys(FIELDS)), shortNastyString),
        nastyValue(['chatId', 'afterSeq', 'limit']),
      )
      .filter(([event]) => !RESERVED.has(event))
      .map(([event, payload]) => {
        const id = nextId();
        return new RawCase(`2${id}${JSON.stringify([event, payload])}`, 'socket.io', id, 'event');
      });
    const numericEvent = fc.integer().map((n) => {
      const id = nextId();
      return new RawCase(`2${id}[${n},{"chatId":${chatId}}]`, 'socket.io', id, 'numeric event');
    });
    return fc.oneof(
      {
        weight: 3,
        arbitrary: fc
          .constantFrom(...fixed)
          .map(([packet, layer, note]) => new RawCase(packet, layer, null, note)),
      },
      {
        weight: 2,
        arbitrary: generatedText.map((p) => new RawCase(p, 'socket.io', null, 'generated')),
      },
      { weight: 2, arbitrary: wellFormed },
      { weight: 1, arbitrary: numericEvent },
      {
        weight: 1,
        arbitrary: fc
          .uint8Array({ minLength: 1, maxLength: 64 })
          .map((bytes) => new RawCase(Buffer.from(bytes), 'websocket', null, 'random binary')),
      },
      {
        weight: 1,
        arbitrary: fc
          .string({ unit: 'binary', maxLength: 64 })
          .map((text) => new RawCase(text, 'websocket', null, 'random text frame')),
      },
    );
  }
}

describe('socket input fuzzing', () => {
  const h = new Harness();
  const started = Date.now();
  const events = Object.values(ClientEvents);

  beforeAll(() => h.start(), 60_000);
  afterAll(async () => {
    const lines: string[] = [];
    let total = 0;
    for (const [target, perEvent] of h.counts) {
      const sum = [...perEvent.values()].reduce((a, b) => a + b, 0);
      total += sum;
      lines.push(`  ${target}: ${sum} cases`);
      for (const [event, n] of perEvent) lines.push(`      ${String(n).padStart(4)}  ${event}`);
    }
    const outcomes = [...h.outcomes.entries()].map(([o, n]) => `${o}×${n}`).join(', ');
    console.log(
      `Socket fuzzing, seed ${FUZZ_SEED}: ${total} cases in ${((Date.now() - started) / 1000).toFixed(1)} s, ` +
        `${h.reconnects} reconnects of the fuzzing socket, slowest ${h.slowest.ms} ms (${h.slowest.label})\n` +
        `  outcomes: ${outcomes}\n${lines.join('\n')}`,
    );
    await h.stop();
  });

  it('knows the payload fields of every client event', () => {
    expect(events.filter((event) => !isClientEvent(event))).toEqual([]);
    expect(events.length).toBeGreaterThanOrEqual(7);
  });

  it.each(events)(
    'survives generated %s payloads, arguments and sizes',
    async (event) => {
      const numRuns = runs(400);
      await h.fuzz(
        event,
        h.emit('events', fc.constant(event)),
        numRuns,
        FUZZ_SEED + events.indexOf(event),
        (c) => h.run(c),
      );
      expect(h.counts.get('events')?.get(event)).toBeGreaterThanOrEqual(numRuns);
      await h.expectHealthy();
    },
    120_000,
  );

  it('stores or refuses edge-case text in every text field, never INTERNAL_ERROR', async () => {
    // A table, not a sample: every text field of every event meets every text of EDGE_TEXTS.
    const [chatId] = h.chats;
    // Earlier cases may have deleted the seeded messages: edit a fresh one.
    const { id: messageId } = await h.ctx.send(h.fuzzer, chatId, 'to be edited');
    await h.rebaseline();
    const bases: Record<string, (i: number) => Record<string, unknown>> = {
      'message:send': (i) => ({ chatId, body: 'x', clientMessageId: `edge-${i}` }),
      'message:edit': () => ({ chatId, messageId, body: 'x' }),
      'reaction:set': (i) => ({ chatId, messageId, emoji: '👍', on: i % 2 === 0 }),
    };
    const textFields = ['body', 'clientMessageId', 'emoji'];
    const failures: string[] = [];
    let i = 0;
    for (const event of events) {
      for (const field of FIELDS[event].filter((f) => textFields.includes(f))) {
        const base = bases[event];
        if (!base) throw new Error(`no valid ${event} payload to start from`);
        for (const text of EDGE_TEXTS) {
          i += 1;
          const args = [{ ...base(i), [field]: text }];
          const frame = textFrameBytes(event, args, true);
          const c = new SocketCase('edge-case text', event, args, 'ack', frame, field);
          await h
            .run(c)
            .catch((error: Error) =>
              failures.push(`${c[fc.toStringMethod]()}\n  ${error.message}`),
            );
        }
      }
    }
    expect(i).toBeGreaterThanOrEqual(3 * EDGE_TEXTS.length);
    await h.expectHealthy();
    if (failures.length > 0)
      throw new Error(`${failures.length} failure(s):\n${failures.join('\n')}`);
  }, 120_000);

  it('answers unknown events UNKNOWN_EVENT, whatever their name and arguments', async () => {
    const numRuns = runs(250);
    const names = fc
      .oneof(
        nastyString.filter((s) => s.length < 70_000),
        fc.constantFrom(
          'message:sendd',
          'MESSAGE:SEND',
          'sync ',
          ' sync',
          '__proto__',
          'constructor',
          'toString',
          'hasOwnProperty',
          'barrier',
          'x'.repeat(10_000),
        ),
      )
      .filter((name) => !RESERVED.has(name) && !isClientEvent(name));
    await h.fuzz('unknown events', h.emit('unknown events', names), numRuns, FUZZ_SEED - 1, (c) =>
      h.run(c),
    );
    await h.expectHealthy();
  }, 120_000);

  it('closes at most the sender on hand-written protocol packets', async () => {
    const numRuns = runs(250);
    await h.fuzz('raw packets', h.rawPacket(), numRuns, FUZZ_SEED - 2, (c) => h.runRaw(c));
    await h.expectHealthy();
  }, 120_000);
});
