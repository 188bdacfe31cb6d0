import { JwtService } from '@nestjs/jwt';
import { OutgoingHttpHeaders } from 'node:http';
import fc, { Arbitrary } from 'fast-check';
import { PASSWORD, Session, TestContext, uniqueUsername } from '../utils/context';
import { changedTables, DbFingerprint, Fingerprint } from '../utils/db-fingerprint';
import {
  deeplyNested,
  EDGE_TEXTS,
  edgyText,
  fieldKey,
  FUZZ_SEED,
  isValidPathId,
  nastyString,
  nastyValue,
  objectOf,
  pathSegment,
  percentEncode,
  PROTOTYPE_KEYS,
  queryString,
  runs,
  shortNastyString,
  summarize,
  NUMERIC_LOOKING,
} from '../utils/fuzz-arbitraries';
import {
  closeRawHttp,
  NOT_JSON,
  rawExchange,
  RawRequest,
  RawResponse,
  rawRequest,
} from '../utils/raw-http';
import { fileForm, solidPng } from '../utils/images';
import { ClientSocket, connectSocket, record, send } from '../utils/sockets';
import { startTestApp, TEST_JWT_SECRET, TestApp } from '../utils/test-app';

/**
 * Property-based fuzzing of every documented HTTP operation (read from the running app's
 * /docs-json): generated path ids, query strings, JSON bodies and tokens, raw malformed JSON, wrong
 * content types, oversized bodies and hostile uploads. For every case: no 5xx, the documented error
 * shape on 4xx, no authenticated answer without a valid token, no 2xx for a malformed path id, no
 * database change from a refused request; all along, the server stays live and a bystander socket
 * stays connected. Replay a failure with FUZZ_SEED=<seed>; FUZZ_SCALE=10 runs ten times as many.
 */

const MAX_INT_ID = 2_147_483_647;
const HEALTH_EVERY = 25;

interface Schema {
  type?: string;
  $ref?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
}

interface Operation {
  key: string;
  method: string;
  template: string;
  pathParams: string[];
  query: { name: string; schema: Schema }[];
  body: 'json' | 'multipart' | null;
  schema: Schema | null;
  secured: boolean;
}

/** Every path × method of the OpenAPI document; anything it cannot fuzz fails the run. */
function readOperations(doc: any): Operation[] {
  const resolve = (schema: Schema): Schema => {
    if (schema.$ref) {
      const name = schema.$ref.replace('#/components/schemas/', '');
      const target = doc.components.schemas[name];
      if (!target) throw new Error(`unresolvable ${schema.$ref}`);
      return resolve(target);
    }
    // Nested objects (a push subscription's keys) are generated field by field too.
    const properties = schema.properties && {
      properties: Object.fromEntries(
        Object.entries(schema.properties).map(([name, field]) => [name, resolve(field)]),
      ),
    };
    return { ...schema, ...properties, ...(schema.items && { items: resolve(schema.items) }) };
  };
  const operations: Operation[] = [];
  for (const [template, methods] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(methods)) {
      const params: any[] = op.parameters ?? [];
      const unsupported = params.filter((p) => p.in !== 'path' && p.in !== 'query');
      if (unsupported.length > 0) {
        throw new Error(`${method} ${template}: cannot fuzz ${unsupported[0].in} parameters`);
      }
      const content = Object.keys(op.requestBody?.content ?? {});
      if (content.some((type) => type !== 'application/json' && type !== 'multipart/form-data')) {
        throw new Error(`${method} ${template}: cannot fuzz request bodies of ${content}`);
      }
      const body = content.includes('application/json')
        ? 'json'
        : content.includes('multipart/form-data')
          ? 'multipart'
          : null;
      operations.push({
        key: `${method.toUpperCase()} ${template}`,
        method: method.toUpperCase(),
        template,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, schema: resolve(p.schema ?? {}) })),
        body,
        schema: body ? resolve(op.requestBody.content[`${content[0]}`].schema) : null,
        secured: (op.security ?? doc.security ?? []).length > 0,
      });
    }
  }
  // Reads first, destructive calls last: accepted deletes and blocks (which end friendships)
  // thin out the fixture for the operations after them.
  const rank = (op: Operation) =>
    op.key === 'POST /api/v1/blocks'
      ? 5
      : ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].indexOf(op.method);
  return operations.sort((a, b) => rank(a) - rank(b));
}

interface Fixture {
  fuzzer: Session;
  other: Session;
  bystander: Session;
  bystanderChatId: number;
  users: number[];
  chats: number[];
  messages: number[];
  requests: number[];
  /** Ids that belong together: a chat, one of its messages, one of its participants. */
  related: { chatId: number; messageId: number; userId: number }[];
  usernames: string[];
  refreshTokens: string[];
  cursors: string[];
  etag: string;
}

type Auth = { header: string | string[] | undefined; valid: boolean | null; label: string };

/** Expectations beyond the invariants every case has. */
interface Expect {
  /** The exact statuses allowed. */
  statuses?: number[];
  /** Why a 2xx/3xx would be wrong here. */
  refused?: string;
  /** The server may close the connection without an answer (a request that never ended). */
  mayClose?: boolean;
  /** Skip the error-shape check (HEAD answers have no body; see the framework-level test). */
  noShape?: boolean;
}

class HttpCase {
  constructor(
    readonly target: string,
    readonly op: string,
    /** A request, or the raw bytes of one (sent over a bare TCP connection). */
    readonly request: RawRequest | Buffer,
    readonly expect: Expect,
    readonly note: string,
  ) {}

  [fc.toStringMethod](): string {
    if (Buffer.isBuffer(this.request)) {
      return `raw bytes ${summarize(this.request.toString('latin1'), 400)} [${this.note}]`;
    }
    const { method, path, headers, body, chunked } = this.request;
    const shownPath = path.length > 200 ? `${path.slice(0, 200)}…<${path.length} chars>` : path;
    const shownBody =
      body === undefined
        ? ''
        : ` body(${Buffer.byteLength(body)} bytes${chunked ? ', chunked' : ''})=${summarize(
            Buffer.isBuffer(body) ? body.toString('latin1') : body,
            300,
          )}`;
    return `${method} ${shownPath} headers=${summarize(headers, 300)}${shownBody} [${this.note}]`;
  }
}

const sign = (secret: string, claims: object, options: object = { expiresIn: 600 }) =>
  new JwtService({ secret }).sign(claims, options);

const latin1Text = fc.string({
  unit: fc
    .integer({ min: 0x20, max: 0xff })
    .filter((c) => c !== 0x7f)
    .map((c) => String.fromCharCode(c)),
  maxLength: 300,
});

class Harness {
  t!: TestApp;
  ctx!: TestContext;
  f!: Fixture;
  ops: Operation[] = [];
  private fingerprints!: DbFingerprint;
  private baseline!: Fingerprint;
  private bystanderSocket!: ClientSocket;
  private bystanderDisconnects: string[] = [];
  private sinceHealthCheck = 0;
  readonly counts = new Map<string, Map<string, number>>();
  readonly statuses = new Map<number, number>();
  /** Cases answered 1xx-3xx, per `target|operation`. */
  readonly accepted = new Map<string, number>();

  async start(): Promise<void> {
    this.t = await startTestApp();
    this.ctx = new TestContext(this.t);
    const docs = await this.t.http.get('/docs-json');
    if (docs.status !== 200) throw new Error(`/docs-json answered ${docs.status}`);
    this.ops = readOperations(docs.body);
    this.f = await this.seed();
    this.bystanderSocket = await connectSocket(this.t.baseUrl, {
      token: this.f.bystander.accessToken,
    });
    this.bystanderDisconnects = record<string>(this.bystanderSocket, 'disconnect');
    this.fingerprints = await DbFingerprint.of(this.t.db);
    this.baseline = await this.fingerprints.take();
  }

  async stop(): Promise<void> {
    this.bystanderSocket?.close();
    closeRawHttp();
    await this.t?.close();
  }

  /** Users, friendships, pending requests both ways, chats of each kind, messages, an avatar. */
  private async seed(): Promise<Fixture> {
    const ctx = this.ctx;
    const names = [
      'fz',
      'fz_by',
      'fz_c',
      'fz_d',
      'fz_e',
      'fz_out',
      'fz_g1',
      'fz_g2',
      'fz_g3',
      'fz_g4',
    ];
    const [fuzzer, bystander, carol, dave, erin, outgoingTo, ...strangers] = await Promise.all(
      names.map((name) => ctx.newUser(uniqueUsername(name))),
    );
    await ctx.befriend(fuzzer, bystander);
    await ctx.befriend(fuzzer, dave);
    await ctx.befriend(fuzzer, erin);
    await ctx.befriend(bystander, carol);
    await ctx.befriend(dave, erin);
    const requests: number[] = [];
    for (const [from, to] of [
      ...strangers.map((s) => [s, fuzzer] as const),
      [fuzzer, outgoingTo] as const,
      [dave, outgoingTo] as const,
    ]) {
      const res = await this.t.http.post('/api/v1/friend-requests', {
        token: from.accessToken,
        body: { toUserId: to.id, message: 'hello e\u0301 \ud83d\udc69\u200d\ud83d\udcbb fuzz' },
      });
      if (res.status !== 201) throw new Error(`friend request: ${res.status} ${res.text}`);
      requests.push(res.body.id);
    }
    const chats = [
      await ctx.group(fuzzer, 'fuzz group', [bystander, dave]),
      await ctx.group(fuzzer, 'fuzz second', [dave, erin]),
      await ctx.group(dave, 'dave owns', [fuzzer, erin]),
      await ctx.directChat(fuzzer, bystander),
      await ctx.directChat(dave, fuzzer),
    ];
    const bystanderChat = await ctx.group(bystander, 'bystander only', [carol]);
    const messages: number[] = [];
    const related: Fixture['related'] = [];
    for (const chat of chats) {
      for (const [sender, body] of [
        [fuzzer, 'from the fuzzer'],
        [dave, 'from dave'],
        [fuzzer, 'z\u0301algo \ud83d\ude00'],
      ] as const) {
        const participant = chat.participants.some((p: any) => p.userId === sender.id);
        if (!participant) continue;
        const { id } = await ctx.send(sender, chat.id, body);
        messages.push(id);
        for (const { userId } of chat.participants) {
          related.push({ chatId: chat.id, messageId: id, userId });
        }
      }
    }
    messages.push((await ctx.send(carol, bystanderChat.id, 'not yours')).id);

    const avatar = await this.t.http.put('/api/v1/users/me/avatar', {
      token: fuzzer.accessToken,
      rawBody: fileForm(solidPng(8, 8), 'a.png', 'file', 'image/png'),
    });
    if (avatar.status !== 200) throw new Error(`avatar: ${avatar.status} ${avatar.text}`);
    const image = await this.t.http.get(`/api/v1/users/${fuzzer.id}/avatar`, {
      token: fuzzer.accessToken,
    });

    const cursors: string[] = [];
    for (const path of [
      `/api/v1/chats/${chats[0].id}/messages?limit=1`,
      '/api/v1/chats?limit=1',
      '/api/v1/friends?limit=1',
      '/api/v1/users?q=fz&limit=1',
    ]) {
      const res = await this.t.http.get(path, { token: fuzzer.accessToken });
      if (res.body?.nextCursor) cursors.push(res.body.nextCursor);
    }
    const logins = await Promise.all(
      [dave, dave, fuzzer].map((s) =>
        this.t.http.post('/api/v1/auth/login', {
          body: { username: s.username, password: PASSWORD },
        }),
      ),
    );
    const users = [fuzzer, bystander, carol, dave, erin, ...strangers, outgoingTo];
    return {
      fuzzer,
      other: dave,
      bystander,
      bystanderChatId: bystanderChat.id,
      users: users.map((u) => u.id),
      chats: [...chats.map((c) => c.id), bystanderChat.id],
      messages,
      requests,
      related,
      usernames: users.map((u) => u.username),
      refreshTokens: [fuzzer.refreshToken, ...logins.map((l) => l.body.refreshToken)],
      cursors,
      etag: image.headers.get('etag') ?? '"none"',
    };
  }

  idsFor(name: string): number[] {
    if (/chat/i.test(name)) return this.f.chats;
    if (/message/i.test(name)) return this.f.messages;
    if (/request/i.test(name)) return this.f.requests;
    return this.f.users;
  }

  maxIdFor(name: string): number {
    return /message/i.test(name) ? Number.MAX_SAFE_INTEGER : MAX_INT_ID;
  }

  /** Sends one case and checks every invariant; the first problem fails the property. */
  async run(c: HttpCase): Promise<void> {
    const problems: string[] = [];
    let res: RawResponse | null = null;
    try {
      res = Buffer.isBuffer(c.request)
        ? await rawExchange(this.t.baseUrl, c.request)
        : await rawRequest(this.t.baseUrl, c.request);
    } catch (error) {
      problems.push(`no HTTP answer: ${(error as Error).message}`);
    }
    const after = await this.fingerprints.take();
    if (res) {
      this.statuses.set(res.status, (this.statuses.get(res.status) ?? 0) + 1);
      problems.push(...this.check(c, res, after));
    }
    this.baseline = after;
    this.count(c.target, c.op, res !== null && res.status > 0 && res.status < 400);
    if (this.bystanderDisconnects.length > 0) {
      problems.push(`the bystander socket was disconnected: ${this.bystanderDisconnects}`);
    }
    this.sinceHealthCheck += 1;
    if (this.sinceHealthCheck >= HEALTH_EVERY || problems.length > 0) {
      this.sinceHealthCheck = 0;
      const live = await rawRequest(this.t.baseUrl, { method: 'GET', path: '/health/live' }).catch(
        (error: Error) => ({ status: error.message }),
      );
      if (live.status !== 200) problems.push(`GET /health/live then answered ${live.status}`);
    }
    if (problems.length > 0) {
      const answer = res ? `${res.status} ${summarize(res.text, 400)}` : 'none';
      throw new Error(`${c.target}: ${problems.join('; ')}\n  answer: ${answer}`);
    }
  }

  private check(c: HttpCase, res: RawResponse, after: Fingerprint): string[] {
    const problems: string[] = [];
    const { status } = res;
    if (status >= 500) problems.push(`server error ${status}`);
    if (status === 0 && !c.expect.mayClose) problems.push('connection closed without an answer');
    if (c.expect.statuses && !c.expect.statuses.includes(status)) {
      problems.push(`status ${status}, expected one of ${c.expect.statuses}`);
    }
    if (c.expect.refused && status < 400) {
      problems.push(`accepted (${status}) although ${c.expect.refused}`);
    }
    if (status >= 400 && !c.expect.noShape) problems.push(...errorShapeProblems(res));
    if (status >= 400 || status === 0) {
      // Reuse detection: presenting a used refresh token revokes its family (401) on purpose.
      const code = (res.json as { code?: string } | null)?.code;
      const allowed = code === 'REFRESH_TOKEN_REUSED' ? ['refresh_tokens'] : [];
      const changed = changedTables(this.baseline, after).filter((t) => !allowed.includes(t));
      if (changed.length > 0) {
        problems.push(`refused with ${status}, yet changed table(s) ${changed.join(', ')}`);
      }
    }
    return problems;
  }

  count(target: string, op: string, accepted = false): void {
    const perOp = this.counts.get(target) ?? new Map<string, number>();
    perOp.set(op, (perOp.get(op) ?? 0) + 1);
    this.counts.set(target, perOp);
    const key = `${target}|${op}`;
    if (accepted) this.accepted.set(key, (this.accepted.get(key) ?? 0) + 1);
  }

  /** Runs `numRuns` generated cases per operation, each operation with its own seed. */
  async fuzz<T extends { key: string }>(
    targets: T[],
    numRuns: number,
    arbitraryFor: (target: T) => Arbitrary<HttpCase>,
  ): Promise<void> {
    // Every operation runs even after one fails, so a run reports all its failures at once.
    const failures: string[] = [];
    for (const [index, target] of targets.entries()) {
      const property = fc.asyncProperty(arbitraryFor(target), (c) => this.run(c));
      const details = await fc.check(property, { seed: FUZZ_SEED + index, numRuns });
      if (!details.failed) continue;
      const cause = (details.errorInstance as Error | undefined)?.message ?? 'no error';
      failures.push(`${target.key}\n  ${cause}\n${fc.defaultReportMessage(details)}`);
    }
    if (failures.length > 0) {
      throw new Error(`${failures.length} operation(s) failed:\n\n${failures.join('\n\n')}`);
    }
  }

  /** After the test itself changed the database (its own fixture): the new reference. */
  async rebaseline(): Promise<void> {
    this.baseline = await this.fingerprints.take();
  }

  /** Every operation got at least `min` cases of `target`. */
  expectCovered(target: string, ops: Operation[], min: number): void {
    const perOp = this.counts.get(target) ?? new Map<string, number>();
    const missed = ops.filter((op) => (perOp.get(op.key) ?? 0) < min).map((op) => op.key);
    expect(missed).toEqual([]);
  }

  /** Live and ready, and the bystander socket was never dropped and still syncs. */
  async expectHealthy(): Promise<void> {
    expect((await this.t.http.get('/health/live')).status).toBe(200);
    expect((await this.t.http.get('/health/ready')).status).toBe(200);
    expect(this.bystanderDisconnects).toEqual([]);
    expect(this.bystanderSocket.connected).toBe(true);
    const ack = await send(this.bystanderSocket, 'sync', {
      chatId: this.f.bystanderChatId,
      afterSeq: 0,
    });
    expect(ack).toMatchObject({ ok: true, messages: [{ body: 'not yours' }] });
  }

  /** The Authorization header: mostly the fuzzer's real token, sometimes none or a bad one. */
  auth(): Arbitrary<Auth> {
    const { fuzzer, other } = this.f;
    const bad = (label: string, header: string | undefined): Auth => ({
      header,
      valid: false,
      label,
    });
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: String(fuzzer.id), username: fuzzer.username };
    const header = (token: string) => `Bearer ${token}`;
    const [head, payload] = fuzzer.accessToken.split('.');
    const badOnes: Auth[] = [
      bad('none', undefined),
      bad('empty', ''),
      bad('scheme only', 'Bearer'),
      bad('scheme and space', 'Bearer '),
      bad('no scheme', fuzzer.accessToken),
      bad('basic', `Basic ${Buffer.from(`${fuzzer.username}:${PASSWORD}`).toString('base64')}`),
      bad('expired', header(sign(TEST_JWT_SECRET, { ...claims, exp: now - 5 }, {}))),
      bad('other secret', header(sign('another-secret-that-is-also-long-0123456789', claims))),
      bad(
        'alg none',
        header(`${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`),
      ),
      bad('tampered', header(`${head}.${payload}.${'A'.repeat(43)}`)),
      bad('truncated', header(fuzzer.accessToken.slice(0, -3))),
      bad('refresh token', header(fuzzer.refreshToken)),
      bad('no such user', header(sign(TEST_JWT_SECRET, { sub: '2147483647', username: 'x' }))),
      bad('sub 0', header(sign(TEST_JWT_SECRET, { ...claims, sub: '0' }))),
      bad('sub 1e3', header(sign(TEST_JWT_SECRET, { ...claims, sub: '1e3' }))),
      bad('username not text', header(sign(TEST_JWT_SECRET, { ...claims, username: 42 }))),
    ];
    const unsure: Auth[] = [
      { header: `bearer ${fuzzer.accessToken}`, valid: null, label: 'lower-case scheme' },
      // Well signed, naming the fuzzer with a JSON number: accepted today, and harmless.
      {
        header: header(sign(TEST_JWT_SECRET, { ...claims, sub: fuzzer.id })),
        valid: null,
        label: 'sub numeric',
      },
      { header: `Bearer  ${fuzzer.accessToken}`, valid: null, label: 'two spaces' },
      {
        header: [header(fuzzer.accessToken), 'Bearer garbage'],
        valid: null,
        label: 'two headers',
      },
    ];
    return fc.oneof(
      {
        weight: 14,
        arbitrary: fc.constant<Auth>({
          header: header(fuzzer.accessToken),
          valid: true,
          label: 'fuzzer',
        }),
      },
      {
        weight: 2,
        arbitrary: fc.constant<Auth>({
          header: header(other.accessToken),
          valid: true,
          label: 'other user',
        }),
      },
      { weight: 3, arbitrary: fc.constantFrom(...badOnes) },
      { weight: 1, arbitrary: fc.constantFrom(...unsure) },
      { weight: 1, arbitrary: latin1Text.map((t) => bad('garbage', `Bearer ${t}`)) },
    );
  }

  /**
   * A value the schema allows (ids of real rows, real usernames and tokens), mostly. `siblings`
   * are the other fields of its object: the fixture's real password is only given beside a
   * username (a login). Alone it is what confirms DELETE /users/me, which would end the fixture's
   * account for every case after it (account-deletion.e2e-spec.ts has that success).
   */
  validValue(name: string, schema: Schema, siblings: string[] = []): Arbitrary<unknown> {
    const f = this.f;
    if (name === 'username') {
      return fc.oneof(
        fc.constantFrom(...f.usernames),
        fc.stringMatching(/^[a-zA-Z0-9_.-]{3,32}$/),
        fc.constantFrom(...f.usernames).map((u) => u.toUpperCase()),
      );
    }
    if (name === 'password') {
      const made = fc.string({ minLength: 8, maxLength: 40 });
      return siblings.includes('username') ? fc.oneof(fc.constant(PASSWORD), made) : made;
    }
    if (name === 'refreshToken') {
      return fc.oneof(fc.constantFrom(...f.refreshTokens), fc.base64String({ maxLength: 60 }));
    }
    if (schema.enum) return fc.constantFrom(...schema.enum);
    switch (schema.type) {
      case 'string': {
        const min = schema.minLength ?? 0;
        const max = Math.min(schema.maxLength ?? 80, 80);
        const text = fc.oneof(
          fc.string({ unit: 'grapheme', minLength: Math.max(min, 1), maxLength: max }),
          edgyText.filter((t) => t.length <= max),
          fc
            .tuple(shortNastyString, fc.string({ minLength: 1, maxLength: 10 }))
            .map(([a, b]) => `${a}${b}`.slice(0, Math.max(max, 1))),
        );
        if (!schema.pattern) return text;
        return matching(new RegExp(schema.pattern, 'u'), text).filter(
          (s) => s.length >= min && s.length <= max,
        );
      }
      case 'number':
      case 'integer':
        return /id$/i.test(name)
          ? fc.constantFrom(...this.idsFor(name))
          : fc.integer({ min: schema.minimum ?? 0, max: schema.maximum ?? 1000 });
      case 'boolean':
        return fc.boolean();
      case 'object':
        return fc.record(
          Object.fromEntries(
            Object.entries(schema.properties ?? {}).map(([field, s]) => [
              field,
              this.validValue(field, s, Object.keys(schema.properties ?? {})),
            ]),
          ),
        );
      case 'array':
        return fc.array(this.validValue(name.replace(/s$/, ''), schema.items ?? {}), {
          minLength: schema.minItems ?? 0,
          maxLength: Math.min(schema.maxItems ?? 5, 5),
        });
      default:
        throw new Error(`no generator for field ${name} of type ${schema.type}`);
    }
  }

  /** JSON bodies: near-valid objects (each field valid, hostile or left out), fully valid ones,
   *  anything at all, objects nested far too deep, prototype keys, and no body. */
  jsonBody(schema: Schema | null): Arbitrary<unknown> {
    const props = Object.entries(schema?.properties ?? {});
    const keys = props.map(([name]) => name);
    const OMIT = Symbol('omit');
    const field = ([name, s]: [string, Schema]) =>
      fc.oneof(
        { weight: 3, arbitrary: this.validValue(name, s, keys) },
        { weight: 2, arbitrary: nastyValue(keys) },
        { weight: 1, arbitrary: fc.constant(OMIT) },
      );
    const extras = fc.option(
      fc.array(fc.tuple(fieldKey(keys), nastyValue(keys)), { maxLength: 2 }),
      {
        freq: 3,
      },
    );
    const nearValid = fc
      .tuple(fc.tuple(...props.map(field)), extras)
      .map(([values, extra]) =>
        objectOf([
          ...props
            .map(([name], i) => [name, values[i]] as const)
            .filter(([, value]) => value !== OMIT),
          ...(extra ?? []),
        ]),
      );
    const valid = fc
      .tuple(...props.map(([name, s]) => this.validValue(name, s, keys)))
      .map((values) => objectOf(props.map(([name], i) => [name, values[i]] as const)));
    const deep = fc
      .tuple(fc.constantFrom(...keys, 'x'), deeplyNested)
      .chain(([key, nested]) => fc.constantFrom<unknown>(nested, objectOf([[key, nested]])));
    const poisoned = fc
      .tuple(fc.constantFrom(...PROTOTYPE_KEYS), fc.constantFrom(...keys, 'x'), valid, fc.boolean())
      .map(([trap, key, base, top]) =>
        top
          ? objectOf([...Object.entries(base), [trap, { isAdmin: true }]])
          : objectOf([...Object.entries(base), [key, objectOf([[trap, { prototype: { x: 1 } }]])]]),
      );
    return fc.oneof(
      { weight: 5, arbitrary: nearValid },
      { weight: 2, arbitrary: valid },
      { weight: 2, arbitrary: nastyValue(keys) },
      { weight: 1, arbitrary: fc.array(valid, { minLength: 1, maxLength: 2 }) },
      { weight: 1, arbitrary: deep },
      { weight: 1, arbitrary: poisoned },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );
  }

  /** Documented parameters with good and bad values, repeated keys, and junk keys. */
  query(op: Operation): Arbitrary<string> {
    const names = op.query.map((q) => q.name);
    const valueOf = ({ name, schema }: Operation['query'][number]): Arbitrary<string> => {
      const good: Arbitrary<string>[] = [];
      if (schema.enum) good.push(fc.constantFrom(...schema.enum.map(String)));
      if (schema.type === 'number' || schema.type === 'integer') {
        good.push(
          fc.integer({ min: schema.minimum ?? 0, max: schema.maximum ?? 1000 }).map(String),
        );
        if (name === 'before' || name === 'after')
          good.push(fc.constantFrom(...this.f.messages.map(String)));
      }
      if (name === 'cursor' && this.f.cursors.length > 0) {
        good.push(fc.constantFrom(...this.f.cursors));
        good.push(
          fc
            .tuple(
              fc.constantFrom(...this.f.cursors),
              fc.nat(),
              fc.string({ minLength: 1, maxLength: 1 }),
            )
            .map(
              ([cursor, at, c]) =>
                cursor.slice(0, at % cursor.length) + c + cursor.slice((at % cursor.length) + 1),
            ),
        );
      }
      if (name === 'q') good.push(fc.constantFrom('fz', 'FZ_', 'f', '_', '%', 'fz%', ''));
      return fc.oneof(
        ...good.map((arbitrary) => ({ weight: 2, arbitrary })),
        { weight: 2, arbitrary: nastyString.filter((s) => s.length < 3000) },
        { weight: 1, arbitrary: fc.constantFrom(...NUMERIC_LOOKING) },
      );
    };
    const documented = fc.tuple(
      ...op.query.map((q) =>
        fc.option(fc.tuple(fc.constant(q.name), valueOf(q), fc.boolean()), { freq: 2 }),
      ),
    );
    const junkKey = fc.oneof(
      fieldKey(names),
      fc.constantFrom(
        ...PROTOTYPE_KEYS,
        '__proto__[x]',
        'constructor[prototype][x]',
        'limit[]',
        'a[b]',
      ),
    );
    const junk = fc.array(fc.tuple(junkKey, fc.option(shortNastyString), fc.boolean()), {
      maxLength: 3,
    });
    return fc
      .tuple(documented, fc.option(junk, { freq: 2 }))
      .map(([pairs, extra]) =>
        queryString([
          ...pairs.filter((p): p is [string, string, boolean] => p !== null),
          ...(extra ?? []),
        ]),
      );
  }

  path(op: Operation, segments: string[]): string {
    return op.pathParams.reduce(
      (path, name, i) => path.replace(`{${name}}`, segments[i]),
      op.template,
    );
  }

  /** Generated tokens, path ids, query strings, bodies and extra headers. */
  generated(op: Operation): Arbitrary<HttpCase> {
    const body =
      op.body === 'json'
        ? this.jsonBody(op.schema)
        : fc.oneof(
            { weight: 4, arbitrary: fc.constant(undefined) },
            { weight: 1, arbitrary: nastyValue(['file']) },
          );
    const extraHeaders = fc.record(
      {
        'x-request-id': latin1Text,
        accept: fc.constantFrom('*/*', 'text/html', 'application/xml', '', 'application/json;q=0'),
        'if-none-match': fc.oneof(
          fc.constant(this.f.etag),
          fc.constantFrom('*', 'W/"x"', `W/${this.f.etag}`, '""', ','),
          latin1Text,
        ),
        'accept-language': latin1Text,
      },
      { requiredKeys: [] },
    );
    return fc
      .record({
        auth: this.auth(),
        ids: fc.oneof(
          fc.tuple(...op.pathParams.map((name) => pathSegment(this.idsFor(name)))),
          // Ids that belong together reach the handlers' deeper paths.
          fc
            .constantFrom(...this.f.related)
            .map((ids) =>
              op.pathParams.map((name) =>
                String((ids as Record<string, number>)[name] ?? this.idsFor(name)[0]),
              ),
            ),
        ),
        query: this.query(op),
        body,
        charset: fc.constantFrom('', '; charset=utf-8', '; charset=UTF-8'),
        headers: fc.option(extraHeaders, { freq: 3 }),
      })
      .map(({ auth, ids, query, body, charset, headers }) => {
        // Only ids must be refused when malformed: `emoji` takes any shortcode, `0` and `-1` too.
        const invalidId = op.pathParams.find(
          (name, i) => /Id$/.test(name) && !isValidPathId(ids[i], this.maxIdFor(name)),
        );
        const refusals = [
          ...(op.secured && auth.valid === false ? [`the token is bad (${auth.label})`] : []),
          ...(invalidId ? [`${invalidId} is not a valid id`] : []),
        ];
        const request: RawRequest = {
          method: op.method,
          path: this.path(op, ids) + query,
          headers: {
            ...(headers ?? {}),
            ...(auth.header === undefined ? {} : { authorization: auth.header }),
            ...(body === undefined ? {} : { 'content-type': `application/json${charset}` }),
          } as OutgoingHttpHeaders,
          body: body === undefined ? undefined : JSON.stringify(body),
        };
        return new HttpCase(
          'generated',
          op.key,
          request,
          { refused: refusals.join(' and ') || undefined, noShape: op.method === 'HEAD' },
          `auth: ${auth.label}`,
        );
      });
  }

  /** A request to the operation with real ids and the fuzzer's token. */
  base(
    op: Operation,
    ids: Record<string, number> = {},
  ): Pick<RawRequest, 'method' | 'path'> & { token: string } {
    const segments = op.pathParams.map((name) => String(ids[name] ?? this.idsFor(name)[0]));
    return { method: op.method, path: this.path(op, segments), token: this.f.fuzzer.accessToken };
  }

  validJsonText(op: Operation): Arbitrary<string> {
    const props = Object.entries(op.schema?.properties ?? {});
    const keys = props.map(([name]) => name);
    return fc
      .tuple(...props.map(([name, s]) => this.validValue(name, s, keys)))
      .map((values) => JSON.stringify(objectOf(props.map(([name], i) => [name, values[i]]))));
  }
}

/**
 * Strings matching a documented pattern. Patterns are Unicode-mode (JSON Schema's reading), and
 * fast-check cannot build from lookarounds or property escapes; those fall back to `candidates`
 * the pattern accepts.
 */
function matching(pattern: RegExp, candidates: Arbitrary<string>): Arbitrary<string> {
  try {
    return fc.stringMatching(pattern);
  } catch {
    return candidates.filter((s) => pattern.test(s));
  }
}

/** `{ statusCode, error, message, code }` as JSON, statusCode matching the status line. */
function errorShapeProblems(res: RawResponse): string[] {
  if (res.json === NOT_JSON) {
    return [`${res.status} without a JSON body (content-type ${res.headers['content-type']})`];
  }
  const body = res.json as Record<string, unknown>;
  const problems: string[] = [];
  if (body?.statusCode !== res.status) problems.push(`statusCode ${body?.statusCode}`);
  if (typeof body?.error !== 'string') problems.push('no error text');
  const message = body?.message;
  const messageOk =
    (typeof message === 'string' && message.length > 0) ||
    (Array.isArray(message) && message.length > 0 && message.every((m) => typeof m === 'string'));
  if (!messageOk) problems.push('message is neither text nor a list of texts');
  if (typeof body?.code !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(body.code)) {
    problems.push(`code ${JSON.stringify(body?.code)}`);
  }
  return problems.length > 0 ? [`error shape: ${problems.join(', ')}`] : [];
}

const PARSES_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function jsonParses(text: Buffer): boolean {
  try {
    JSON.parse(text.toString('utf8').replace(/^\ufeff/, ''));
    return true;
  } catch {
    return false;
  }
}

/** Bytes that are not JSON, or JSON no parser should have to take. */
function malformedJson(valid: Arbitrary<string>): Arbitrary<Buffer> {
  const fixed = [
    '{',
    '}',
    '{"a":',
    '{"a":1,}',
    '{a:1}',
    "{'a':1}",
    '{"a":1}{"b":2}',
    '{"a":1} x',
    '[1,2',
    'nul',
    'NaN',
    'Infinity',
    '-',
    '1e999999',
    '"\\ud800"',
    '"\\u00"',
    '{"a":"\\x41"}',
    '{"a":1 /* c */}',
    '// c\n{}',
    '\u0000{}',
    '{"a":"\u0000"}',
    '{"__proto__":{"isAdmin":true}}',
    '{"constructor":{"prototype":{"isAdmin":true}}}',
    '{"a":1,"a":2}',
    ' ',
    '\n\t',
    `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
    `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`,
  ].map((text) => Buffer.from(text));
  const invalidUtf8 = [
    Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]),
    Buffer.from([0xc0, 0xaf]),
    Buffer.from([0xfe, 0xff, 0x00, 0x7b, 0x00, 0x7d]),
  ];
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...fixed, ...invalidUtf8) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(valid, fc.nat())
        .map(([text, cut]) => Buffer.from(text.slice(0, 1 + (cut % Math.max(1, text.length - 1))))),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(valid, fc.nat(), fc.integer({ min: 0, max: 255 }))
        .map(([text, at, byte]) => {
          const bytes = Buffer.from(text);
          bytes[at % bytes.length] = byte;
          return bytes;
        }),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(valid, fc.constantFrom('}', ',', 'x', '\u0000', ' {}', ']'))
        .map(([text, tail]) => Buffer.from(text + tail)),
    },
    { weight: 2, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 300 }).map(Buffer.from) },
  );
}

function multipartBody(
  boundary: string,
  parts: { name: string; filename?: string; type?: string; data: Buffer }[],
  close = true,
): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${
      part.filename === undefined ? '' : `; filename="${part.filename}"`
    }`;
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${
          part.type ? `Content-Type: ${part.type}\r\n` : ''
        }\r\n`,
        'latin1',
      ),
      part.data,
      Buffer.from('\r\n'),
    );
  }
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0]);
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 ')]);

describe('HTTP input fuzzing', () => {
  const h = new Harness();
  const started = Date.now();

  beforeAll(() => h.start(), 60_000);
  afterAll(async () => {
    const lines: string[] = [];
    let total = 0;
    for (const [target, perOp] of h.counts) {
      const sum = [...perOp.values()].reduce((a, b) => a + b, 0);
      total += sum;
      lines.push(`  ${target}: ${sum} cases over ${perOp.size} operations`);
      for (const [op, n] of perOp) {
        const accepted = h.accepted.get(`${target}|${op}`) ?? 0;
        lines.push(
          `      ${String(n).padStart(4)} (${String(accepted).padStart(3)} accepted)  ${op}`,
        );
      }
    }
    const statuses = [...h.statuses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, n]) => `${status}×${n}`)
      .join(' ');
    console.log(
      `HTTP fuzzing, seed ${FUZZ_SEED}: ${total} cases in ${((Date.now() - started) / 1000).toFixed(1)} s\n` +
        `  statuses: ${statuses}\n${lines.join('\n')}`,
    );
    await h.stop();
  });

  it('finds every documented operation in /docs-json', () => {
    expect(h.ops.length).toBeGreaterThanOrEqual(30);
    expect(h.ops.map((op) => op.key)).toEqual(
      expect.arrayContaining([
        'POST /api/v1/auth/register',
        'PUT /api/v1/users/me/avatar',
        'POST /api/v1/chats/{chatId}/messages',
        'GET /health/live',
      ]),
    );
  });

  it('survives generated path ids, query strings, bodies and tokens on every operation', async () => {
    const numRuns = runs(80);
    await h.fuzz(h.ops, numRuns, (op) => h.generated(op));
    h.expectCovered('generated', h.ops, numRuns);
    await h.expectHealthy();
  }, 180_000);

  it('answers malformed JSON bytes with 400, on every operation that reads a body', async () => {
    const ops = h.ops.filter((op) => op.method !== 'GET');
    const numRuns = runs(10);
    await h.fuzz(ops, numRuns, (op) =>
      fc.tuple(malformedJson(h.validJsonText(op)), fc.boolean()).map(([bytes, withToken]) => {
        const { method, path, token } = h.base(op);
        const strict = PARSES_BODY.has(method) && bytes.length > 0 && !jsonParses(bytes);
        return new HttpCase(
          'malformed JSON',
          op.key,
          {
            method,
            path,
            headers: {
              'content-type': 'application/json',
              ...(withToken ? { authorization: `Bearer ${token}` } : {}),
            },
            body: bytes,
          },
          strict ? { statuses: [400] } : {},
          strict ? 'not JSON' : 'parses as JSON',
        );
      }),
    );
    h.expectCovered('malformed JSON', ops, numRuns);
    await h.expectHealthy();
  }, 120_000);

  it('answers other content types with 415 where JSON is expected', async () => {
    const ops = h.ops.filter((op) => op.method !== 'GET');
    const numRuns = runs(10);
    await h.fuzz(ops, numRuns, (op) =>
      fc
        .tuple(
          h.validJsonText(op),
          fc.constantFrom(
            'text/plain',
            'form',
            'multipart',
            'application/xml',
            'application/octet-stream',
            'text/json',
            'application/vnd.api+json',
            'application/jsonx',
            'application/json; charset=utf-16le',
            'Application/JSON',
            'application/json, text/plain',
            'multipart/form-data',
            'none',
            'garbage',
          ),
          latin1Text,
        )
        .map(([json, kind, garbage]) => {
          const { method, path, token } = h.base(op);
          let contentType: string | undefined = kind;
          let body: Buffer = Buffer.from(json);
          if (kind === 'form') {
            contentType = 'application/x-www-form-urlencoded';
            body = Buffer.from(
              new URLSearchParams(
                Object.entries(JSON.parse(json)).map(
                  ([k, v]) => [k, String(v)] as [string, string],
                ),
              ).toString(),
            );
          } else if (kind === 'multipart') {
            contentType = 'multipart/form-data; boundary=fuzzboundary';
            body = multipartBody(
              'fuzzboundary',
              Object.entries(JSON.parse(json)).map(([name, v]) => ({
                name,
                data: Buffer.from(String(v)),
              })),
            );
          } else if (kind === 'application/json; charset=utf-16le') {
            body = Buffer.from(json, 'utf16le');
          } else if (kind === 'none') {
            contentType = undefined;
          } else if (kind === 'garbage') {
            contentType = garbage;
          }
          const wrong = ['text/plain', 'form', 'multipart', 'application/xml'].includes(kind);
          const strict = wrong && op.body === 'json' && PARSES_BODY.has(method);
          return new HttpCase(
            'content type',
            op.key,
            {
              method,
              path,
              headers: {
                authorization: `Bearer ${token}`,
                ...(contentType === undefined ? {} : { 'content-type': contentType }),
              },
              body,
            },
            strict ? { statuses: [415] } : {},
            kind,
          );
        }),
    );
    h.expectCovered('content type', ops, numRuns);
    await h.expectHealthy();
  }, 120_000);

  it('answers bodies over BODY_LIMIT_BYTES with 413, with or without Content-Length', async () => {
    const limit = h.t.config.http.bodyLimitBytes;
    const ops = h.ops.filter((op) => op.body === 'json');
    const numRuns = runs(5);
    await h.fuzz(ops, numRuns, (op) =>
      fc
        .record({
          extra: fc.integer({ min: 1, max: limit * 2 }),
          shape: fc.constantFrom('long string', 'long array', 'not JSON', 'unicode'),
          key: fc.constantFrom(...Object.keys(op.schema?.properties ?? {}), 'x'),
          chunked: fc.boolean(),
          withToken: fc.boolean(),
        })
        .map(({ extra, shape, key, chunked, withToken }) => {
          const size = limit + extra;
          const text =
            shape === 'long string'
              ? JSON.stringify({ [key]: 'x'.repeat(size) })
              : shape === 'long array'
                ? JSON.stringify({ [key]: new Array(Math.ceil(size / 2)).fill(1) })
                : shape === 'unicode'
                  ? JSON.stringify({ [key]: '\ud83d\ude00\u200b'.repeat(Math.ceil(size / 7)) })
                  : '{'.repeat(size);
          const { method, path, token } = h.base(op);
          return new HttpCase(
            'oversized',
            op.key,
            {
              method,
              path,
              headers: {
                'content-type': 'application/json',
                ...(withToken ? { authorization: `Bearer ${token}` } : {}),
              },
              body: Buffer.from(text),
              chunked,
            },
            { statuses: [413] },
            shape,
          );
        }),
    );
    h.expectCovered('oversized', ops, numRuns);
    await h.expectHealthy();
  }, 120_000);

  it.each(['PUT /api/v1/users/me/avatar', 'POST /api/v1/uploads'])(
    'refuses what is not one acceptable file in the field "file": %s',
    async (key) => {
      const multipart = h.ops.filter((o) => o.body === 'multipart').map((o) => o.key);
      expect(multipart.sort()).toEqual(['POST /api/v1/uploads', 'PUT /api/v1/users/me/avatar']);
      const op = h.ops.find((o) => o.key === key)!;
      const avatar = key.startsWith('PUT');
      const big = 1024 * 1024 + 1;
      const upload = fc.record({
        kind: fc.constantFrom(
          'image',
          'image',
          'decodable image',
          'cut image',
          'not an image',
          'empty file',
          'too big',
          'wrong field',
          'two files',
          'extra field',
          'truncated',
          'wrong boundary',
          'no boundary',
          'json',
          'text',
          'octet-stream',
        ),
        signature: fc.constantFrom(PNG, JPEG, WEBP, Buffer.alloc(0)),
        data: fc.uint8Array({ maxLength: 2000 }).map(Buffer.from),
        field: fc.oneof(
          fc.constant('file'),
          shortNastyString.filter((s) => s !== 'file'),
        ),
        filename: fc.oneof(
          fc.constantFrom('a.png', '../../../etc/passwd', 'a\u0000.png', '', 'x'.repeat(5000)),
          shortNastyString,
        ),
        type: fc.oneof(
          fc.constantFrom('image/png', 'text/html', 'application/x-msdownload'),
          latin1Text,
        ),
        json: nastyValue(['file']),
        withToken: fc.boolean(),
      });
      const numRuns = runs(100);
      await h.fuzz([op], numRuns, () =>
        upload.map(({ kind, signature, data, field, filename, type, json, withToken }) => {
          const boundary = 'fuzzUploadBoundary';
          const latin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
          const file = { name: 'file', filename: latin1(filename), type: latin1(type) };
          const image = Buffer.concat([signature, data]);
          let contentType = `multipart/form-data; boundary=${boundary}`;
          let body: Buffer;
          let expected: number[] | undefined;
          switch (kind) {
            case 'image':
              body = multipartBody(boundary, [{ ...file, name: field, data: image }]);
              break;
            case 'decodable image':
              body = multipartBody(boundary, [{ ...file, data: solidPng(1 + data.length, 3) }]);
              // An upload's name or part type may name another type: a mismatch.
              expected = avatar ? [200] : [201, 415];
              break;
            case 'cut image': {
              // Cut inside the pixel data: the header (33 bytes) is whole, the rest is not.
              const whole = solidPng(1 + data.length, 3);
              const cut = whole.subarray(0, 33 + (data.length % (whole.length - 12 - 12 - 33)));
              body = multipartBody(boundary, [{ ...file, data: cut }]);
              expected = [415];
              break;
            }
            case 'not an image':
              body = multipartBody(boundary, [
                { ...file, data: Buffer.concat([Buffer.from('GIF89a'), data]) },
              ]);
              expected = [400, 415];
              break;
            case 'empty file':
              body = multipartBody(boundary, [{ ...file, data: Buffer.alloc(0) }]);
              expected = [400, 415];
              break;
            case 'too big':
              body = multipartBody(boundary, [
                { ...file, data: Buffer.concat([PNG, Buffer.alloc(big)]) },
              ]);
              // Over the avatar's 1 MiB; within an upload's 25 MiB, where it fails to decode.
              expected = avatar ? [413] : [415];
              break;
            case 'wrong field':
              body = multipartBody(boundary, [{ ...file, name: `${field}x`, data: image }]);
              expected = [400];
              break;
            case 'two files':
              body = multipartBody(boundary, [
                { ...file, data: image },
                { ...file, data: image },
              ]);
              // The avatar takes the first file and ignores the second (see the report); an upload
              // refuses the request and removes the first.
              expected = avatar ? [200, 400, 415] : [400, 415];
              break;
            case 'extra field':
              body = multipartBody(boundary, [
                { name: field, data: Buffer.from('text') },
                { ...file, data: image },
              ]);
              // An upload streams its file as it comes, so a refusal of the file can answer
              // before the parser reports the field it dropped.
              expected = avatar ? [400] : [400, 415];
              break;
            case 'truncated':
              body = multipartBody(boundary, [{ ...file, data: image }], false).subarray(
                0,
                40 + (data.length % 80),
              );
              expected = [400];
              break;
            case 'wrong boundary':
              body = multipartBody('otherBoundary', [{ ...file, data: image }]);
              expected = [400];
              break;
            case 'no boundary':
              contentType = 'multipart/form-data';
              body = multipartBody(boundary, [{ ...file, data: image }]);
              expected = [400, 415];
              break;
            case 'json':
              contentType = 'application/json';
              body = Buffer.from(JSON.stringify(json ?? null));
              expected = [400, 413, 415];
              break;
            case 'text':
              contentType = 'text/plain';
              body = image;
              expected = [415];
              break;
            default:
              contentType = 'application/octet-stream';
              body = image;
              expected = [415];
          }
          // Without a token every well-formed upload is a 401 (parsing errors may come first).
          if (!withToken && expected) expected = [...expected, 401];
          return new HttpCase(
            'file upload',
            op.key,
            {
              method: avatar ? 'PUT' : 'POST',
              path: avatar ? '/api/v1/users/me/avatar' : '/api/v1/uploads',
              headers: {
                'content-type': contentType,
                ...(withToken ? { authorization: `Bearer ${h.f.fuzzer.accessToken}` } : {}),
              },
              body,
            },
            {
              statuses: expected,
              refused: withToken ? undefined : 'there is no token',
            },
            kind,
          );
        }),
      );
      h.expectCovered('file upload', [op], numRuns);
      await h.expectHealthy();
    },
    120_000,
  );

  it('answers undocumented methods, unknown paths and overlong URLs without a 5xx', async () => {
    const paths = [...new Set(h.ops.map((op) => op.template))];
    const documented = new Set(h.ops.map((op) => op.key));
    const cases = fc.record({
      template: fc.constantFrom(...paths),
      method: fc.constantFrom(
        'GET',
        'POST',
        'PUT',
        'PATCH',
        'DELETE',
        'HEAD',
        'OPTIONS',
        'TRACE',
        'PROPFIND',
      ),
      mangle: fc.constantFrom(
        'none',
        'trailing slash',
        'double slash',
        'dot segments',
        'upper case',
        'suffix',
        'long suffix',
      ),
      suffix: shortNastyString,
      long: fc.constantFrom(1_000, 8_000, 15_000),
    });
    const numRuns = runs(200);
    await h.fuzz([{ key: 'any path' }], numRuns, () =>
      cases.map(({ template, method, mangle, suffix, long }) => {
        let path = template.replace(/\{[^}]+\}/g, '1');
        if (mangle === 'trailing slash') path += '/';
        if (mangle === 'double slash') path = path.replace('/api/', '//api//');
        if (mangle === 'dot segments') path = path.replace('/api/v1/', '/api/v1/users/../');
        if (mangle === 'upper case') path = path.toUpperCase();
        if (mangle === 'suffix') path += `/${percentEncode(suffix)}`;
        if (mangle === 'long suffix') path += `/${'a'.repeat(long)}`;
        const op = `${method} ${template}`;
        return new HttpCase(
          'methods and paths',
          documented.has(op) ? op : `${method} (undocumented) ${template}`,
          { method, path, headers: { authorization: `Bearer ${h.f.fuzzer.accessToken}` } },
          // CORS answers a bare OPTIONS in text: covered by the framework-level test below.
          { noShape: method === 'HEAD' || method === 'OPTIONS' },
          mangle,
        );
      }),
    );
    const total = [...(h.counts.get('methods and paths')?.values() ?? [])].reduce(
      (a, b) => a + b,
      0,
    );
    expect(total).toBeGreaterThanOrEqual(numRuns);
    await h.expectHealthy();
  }, 120_000);

  /** Request heads no HTTP client would write, for the bare-TCP tests. */
  const head = (lines: string[], body = ''): Buffer =>
    Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`, 'latin1');

  it('survives requests that are not valid HTTP: raw bytes, smuggling shapes, oversized heads', async () => {
    const token = h.f.fuzzer.accessToken;
    const auth = `Authorization: Bearer ${token}`;
    const paths = [...new Set(h.ops.map((op) => op.template.replace(/\{[^}]+\}/g, '1')))];
    const message = `/api/v1/chats/${h.f.chats[0]}/messages`;
    const json = '{"body":"smuggled"}';
    type Fixed = [string, Buffer, Expect];
    /** A message POST with these framing headers (Connection: close unless it is to hang). */
    const post = (label: string, framing: string[], body: string, expect: Expect = {}): Fixed => [
      label,
      head(
        [
          `POST ${message} HTTP/1.1`,
          'Host: x',
          auth,
          'Content-Type: application/json',
          ...framing,
          ...(expect.mayClose ? [] : ['Connection: close']),
        ],
        body,
      ),
      expect,
    ];
    const get = (label: string, line: string, headers = ['Host: x'], expect = {}): Fixed => [
      label,
      head([line, ...headers, auth, 'Connection: close']),
      expect,
    ];
    const me = 'GET /api/v1/users/me HTTP/1.1';
    const chunked = `${json.length.toString(16)}\r\n${json}\r\n0\r\n\r\n`;
    const fixed: Fixed[] = [
      post('CL and TE', [`Content-Length: ${json.length}`, 'Transfer-Encoding: chunked'], chunked),
      post('two CLs', ['Content-Length: 5', `Content-Length: ${json.length}`], json),
      ...['-1', 'abc', '1e3', '99999999999999999999', ' 19', '0x13'].map((length) =>
        post(`Content-Length ${length}`, [`Content-Length: ${length}`], json),
      ),
      post('bad chunk size', ['Transfer-Encoding: chunked'], `zz\r\n${json}\r\n0\r\n\r\n`),
      post('TE gzip, chunked', ['Transfer-Encoding: gzip, chunked'], chunked),
      post('TE identity', ['Transfer-Encoding: identity'], json),
      post('body shorter than CL', ['Content-Length: 500'], json, { mayClose: true }),
      post('expect 100-continue', ['Expect: 100-continue', 'Content-Length: 2'], '[]'),
      post('empty JSON body', ['Content-Length: 0'], '', { statuses: [400] }),
      get('HTTP/1.1 without Host', me, []),
      get('HTTP/1.0', 'GET /api/v1/users/me HTTP/1.0', []),
      get('HTTP/9.9', 'GET /api/v1/users/me HTTP/9.9'),
      get('lower-case method', 'get /api/v1/users/me HTTP/1.1'),
      get('unknown method', 'FOO /api/v1/users/me HTTP/1.1'),
      get('absolute form', 'GET http://evil.example/api/v1/users/me HTTP/1.1'),
      get('asterisk form', 'OPTIONS * HTTP/1.1'),
      get('20 KB URL', `GET /api/v1/users?q=${'a'.repeat(20_000)} HTTP/1.1`),
      get('20 KB header', me, ['Host: x', `X-Big: ${'a'.repeat(20_000)}`]),
      get('500 headers', me, [
        'Host: x',
        ...Array.from({ length: 500 }, (_, i) => `X-H${i}: ${i}`),
      ]),
      get('header without colon', me, ['Host: x', 'NoColonHere']),
      get('folded header', me, ['Host: x', 'X-A: a', ' folded']),
      ['bare LF', Buffer.from(`${me}\nHost: x\n${auth}\nConnection: close\n\n`), {}],
      [
        'pipelined',
        Buffer.concat([head(['GET /health/live HTTP/1.1', 'Host: x']), post('', [], '')[1]]),
        {},
      ],
    ];
    const rawCases = fc.oneof(
      fc.constantFrom(...fixed).map(([note, bytes, expect]) => ({ note, bytes, expect })),
      fc
        .tuple(fc.constantFrom(...paths), fc.uint8Array({ minLength: 1, maxLength: 40 }))
        .map(([path, bytes]) => ({
          note: 'raw bytes in the request target',
          bytes: Buffer.concat([
            Buffer.from(`GET ${path}/`),
            Buffer.from(bytes),
            head([' HTTP/1.1', 'Host: x', auth, 'Connection: close']),
          ]),
          expect: { noShape: true, mayClose: true } as Expect,
        })),
      fc
        .tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.boolean())
        .map(([bytes, asName]) => ({
          note: `raw bytes in a header ${asName ? 'name' : 'value'}`,
          bytes: Buffer.concat([
            Buffer.from(`GET /api/v1/users/me HTTP/1.1\r\nHost: x\r\n${auth}\r\n`),
            asName
              ? Buffer.concat([Buffer.from(bytes), Buffer.from(': 1')])
              : Buffer.concat([Buffer.from('X-Fuzz: '), Buffer.from(bytes)]),
            Buffer.from('\r\nConnection: close\r\n\r\n'),
          ]),
          expect: { noShape: true, mayClose: true } as Expect,
        })),
    );
    const numRuns = runs(80);
    await h.fuzz([{ key: 'raw HTTP' }], numRuns, () =>
      rawCases.map(
        ({ note, bytes, expect }) =>
          new HttpCase('malformed HTTP', 'raw HTTP', bytes, { noShape: true, ...expect }, note),
      ),
    );
    await h.expectHealthy();
  }, 120_000);

  it('answers requests the HTTP parser or CORS refuses with the documented error shape', async () => {
    const auth = `Authorization: Bearer ${h.f.fuzzer.accessToken}`;
    const cases: [string, Buffer][] = [
      [
        'raw 0xFF in the path',
        Buffer.concat([
          Buffer.from('GET /api/v1/users/'),
          Buffer.from([0xff]),
          head([' HTTP/1.1', 'Host: x', auth, 'Connection: close']),
        ]),
      ],
      [
        'a space in the path',
        head(['GET /api/v1/users/1 2 HTTP/1.1', 'Host: x', auth, 'Connection: close']),
      ],
      [
        'NUL in a header',
        head([
          'GET /api/v1/users/me HTTP/1.1',
          'Host: x',
          auth,
          'X-A: a\u0000b',
          'Connection: close',
        ]),
      ],
      [
        '20 KB URL',
        head([
          `GET /api/v1/users?q=${'a'.repeat(20_000)} HTTP/1.1`,
          'Host: x',
          auth,
          'Connection: close',
        ]),
      ],
    ];
    const problems: string[] = [];
    // A bare OPTIONS is no CORS preflight, and no error either: answered like one, 204 and no body.
    const bareOptions = await rawExchange(
      h.t.baseUrl,
      head(['OPTIONS /api/v1/users/me HTTP/1.1', 'Host: x', 'Connection: close']),
    );
    h.count('framework-level', 'OPTIONS without preflight headers');
    if (bareOptions.status !== 204 || bareOptions.text !== '') {
      problems.push(`OPTIONS without preflight headers: ${bareOptions.status} ${bareOptions.text}`);
    }
    for (const [label, bytes] of cases) {
      const res = await rawExchange(h.t.baseUrl, bytes);
      h.count('framework-level', label);
      if (res.status < 400 || res.status >= 500) {
        problems.push(`${label}: status ${res.status}`);
        continue;
      }
      const shape = errorShapeProblems(res);
      if (shape.length > 0)
        problems.push(`${label}: ${res.status} ${shape} — ${summarize(res.text, 120)}`);
    }
    await h.expectHealthy();
    expect(problems).toEqual([]);
  });

  it('stores or refuses edge-case text in every string field, never a 5xx', async () => {
    // A table, not a sample: every documented string field meets every text of EDGE_TEXTS, in a
    // chat of the fuzzer's own (earlier cases may have left or emptied the seeded ones).
    const token = h.f.fuzzer.accessToken;
    const chat = await h.t.http.post('/api/v1/chats/groups', {
      token,
      body: { name: 'edge-case text', memberIds: [] },
    });
    expect(chat.status).toBe(201);
    const message = await h.ctx.send(h.f.fuzzer, chat.body.id, 'to be edited');
    const ids = { chatId: chat.body.id, messageId: message.id, userId: h.f.fuzzer.id };
    await h.rebaseline();
    const failures: string[] = [];
    const ops = h.ops.filter((op) => op.body === 'json');
    for (const [index, op] of ops.entries()) {
      const properties = Object.entries(op.schema?.properties ?? {});
      const required = properties.filter(([name]) => op.schema?.required?.includes(name));
      const base = required.map(([name, schema]) => {
        const siblings = properties.map(([key]) => key);
        const [value] = fc.sample(h.validValue(name, schema, siblings), {
          seed: FUZZ_SEED + index,
          numRuns: 1,
        });
        return [name, value] as const;
      });
      for (const [field] of properties.filter(([, schema]) => schema.type === 'string')) {
        for (const text of EDGE_TEXTS) {
          const body = objectOf([...base.filter(([name]) => name !== field), [field, text]]);
          const { method, path } = h.base(op, ids);
          const c = new HttpCase(
            'edge-case text',
            op.key,
            {
              method,
              path,
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
              body: JSON.stringify(body),
            },
            {},
            `${field} = ${summarize(text, 60)}`,
          );
          await h
            .run(c)
            .catch((error: Error) =>
              failures.push(`${c[fc.toStringMethod]()}\n  ${error.message}`),
            );
        }
      }
    }
    expect(h.counts.get('edge-case text')?.size).toBeGreaterThanOrEqual(10);
    await h.expectHealthy();
    if (failures.length > 0)
      throw new Error(`${failures.length} failure(s):\n${failures.join('\n')}`);
  }, 120_000);
});
