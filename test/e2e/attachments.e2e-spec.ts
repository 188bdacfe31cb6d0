import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import sharp from 'sharp';
import { AttachmentLinks } from '../../src/attachments/attachment-links';
import { AttachmentsCleanup } from '../../src/attachments/attachments-cleanup';
import {
  ATTACHMENT_STORAGE,
  AttachmentStorage,
} from '../../src/attachments/storage/attachment-storage';
import { Session, TestContext } from '../utils/context';
import { expectError } from '../utils/expect-error';
import { fileForm, hasExif, hasGpsIfd, jpegWithLocation, pngBomb, solidPng } from '../utils/images';
import { connectSocket, ClientSocket, nextEvent, send } from '../utils/sockets';
import { startS3Server, TestS3Server } from '../utils/s3-server';
import { startTestApp, TestApp } from '../utils/test-app';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n');

/**
 * Issue 16: uploads (POST /uploads), files on messages (`attachmentIds`), signed links that
 * re-check who reads them, and the purge; over REST and real sockets, checked against the tables.
 */
describe('attachments', () => {
  let t: TestApp;
  let ctx: TestContext;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    t = await startTestApp({ ATTACHMENT_CLEANUP_INTERVAL_SECONDS: '0' });
    ctx = new TestContext(t);
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(() => t.close());

  const upload = (me: Session, bytes: Buffer, name = 'file.bin', type?: string, app = t) =>
    app.http.post('/api/v1/uploads', {
      token: me.accessToken,
      rawBody: fileForm(bytes, name, 'file', type),
    });

  async function uploaded(me: Session, bytes: Buffer, name = 'file.bin'): Promise<any> {
    const res = await upload(me, bytes, name);
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 201 });
    return res.body;
  }

  const post = (me: Session, chatId: number, body: object) =>
    t.http.post(`/api/v1/chats/${chatId}/messages`, { token: me.accessToken, body });

  /** Raw fetch without any Authorization header: what a browser's `<img src>` does. */
  async function fetchLink(path: string, headers: Record<string, string> = {}) {
    const response = await fetch(t.baseUrl + path, { headers });
    return { response, bytes: Buffer.from(await response.arrayBuffer()) };
  }

  async function pair() {
    const [a, b] = await Promise.all([ctx.newUser(), ctx.newUser()]);
    await ctx.befriend(a, b);
    const chat = await ctx.directChat(a, b);
    return { a, b, chat };
  }

  async function uploadRow(id: number) {
    const { rows } = await t.db.query(
      `SELECT owner_id, chat_id, message_id::int, position, expires_at, detached_at, content_type, size::int
         FROM uploads WHERE id = $1`,
      [id],
    );
    return rows[0];
  }

  describe('POST /uploads', () => {
    it('takes a PDF as its bytes show it, whatever the part says, and keeps the safe name', async () => {
      const me = await ctx.newUser();
      const res = await upload(me, PDF, '../../etc/re\u202eport.pdf', 'application/octet-stream');
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.any(Number),
        contentType: 'application/pdf',
        size: PDF.length,
        name: 'report.pdf',
        width: null,
        height: null,
        expiresAt: expect.any(String),
      });
      const hours = (Date.parse(res.body.expiresAt) - Date.now()) / 3_600_000;
      expect(hours).toBeGreaterThan(23.9);
      expect(await uploadRow(res.body.id)).toMatchObject({ owner_id: me.id, message_id: null });
    });

    it('re-encodes a JPEG: EXIF and GPS gone, with a thumbnail and its size', async () => {
      const me = await ctx.newUser();
      const jpeg = await jpegWithLocation(640, 480);
      expect(hasGpsIfd(jpeg)).toBe(true);
      const body = await uploaded(me, jpeg, 'holiday.jpg');
      expect(body).toMatchObject({ contentType: 'image/jpeg', width: 640, height: 480 });
      const { rows } = await t.db.query(
        `SELECT b.data FROM uploads u JOIN attachment_blobs b ON b.key = u.storage_key WHERE u.id = $1`,
        [body.id],
      );
      const stored: Buffer = rows[0].data;
      expect(hasExif(stored)).toBe(false);
      expect(hasGpsIfd(stored)).toBe(false);
      expect((await sharp(stored).metadata()).format).toBe('jpeg');
    });

    it.each([
      ['a PNG named .pdf', solidPng(8, 8), 'picture.pdf', undefined, 'TYPE_MISMATCH'],
      [
        'a PNG sent as application/pdf',
        solidPng(8, 8),
        'picture',
        'application/pdf',
        'TYPE_MISMATCH',
      ],
      [
        'an HTML page named .png',
        Buffer.from('<!DOCTYPE html><script>alert(1)</script>'),
        'x.png',
        undefined,
        'UNSUPPORTED_TYPE',
      ],
      [
        'an SVG',
        Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        'x.svg',
        undefined,
        'UNSUPPORTED_TYPE',
      ],
      [
        'a Windows program',
        Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 0x90)]),
        'setup.exe',
        undefined,
        'UNSUPPORTED_TYPE',
      ],
      [
        'a PNG signature over junk',
        Buffer.concat([solidPng(8, 8).subarray(0, 16), Buffer.from('<html>')]),
        'a.png',
        undefined,
        'INVALID_IMAGE',
      ],
      [
        'text that turns binary past the first bytes',
        Buffer.concat([Buffer.alloc(8000, 'a'), Buffer.from([0, 1, 2])]),
        'notes.txt',
        undefined,
        'UNSUPPORTED_TYPE',
      ],
    ])('refuses %s with 415, storing nothing', async (_label, bytes, name, type, code) => {
      const me = await ctx.newUser();
      const res = await upload(me, bytes, name, type);
      expectError(res, 415, code);
      const { rows } = await t.db.query(
        'SELECT count(*)::int AS n FROM uploads WHERE owner_id = $1',
        [me.id],
      );
      expect(rows[0].n).toBe(0);
    });

    it('strips what a polyglot hides after a valid picture', async () => {
      const me = await ctx.newUser();
      const polyglot = Buffer.concat([
        solidPng(16, 16),
        Buffer.from('<html><script>alert(1)</script></html>'),
      ]);
      const body = await uploaded(me, polyglot, 'cat.png');
      const { rows } = await t.db.query(
        `SELECT b.data FROM uploads u JOIN attachment_blobs b ON b.key = u.storage_key WHERE u.id = $1`,
        [body.id],
      );
      expect(rows[0].data.includes('<script>')).toBe(false);
    });

    it('refuses a 20,000 × 20,000 PNG from its header, quickly, with 415 TOO_MANY_PIXELS', async () => {
      const me = await ctx.newUser();
      const before = process.memoryUsage().rss;
      const res = await upload(me, pngBomb(20_000, 20_000), 'bomb.png');
      expectError(res, 415, 'TOO_MANY_PIXELS');
      expect(res.body.message).toContain('20000 × 20000');
      expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
    });

    it('refuses an empty file with 400 and a missing one with 400', async () => {
      const me = await ctx.newUser();
      expectError(await upload(me, Buffer.alloc(0), 'empty.txt'), 400, 'UPLOAD_EMPTY');
      const form = new FormData();
      form.append('other', 'x');
      const res = await t.http.post('/api/v1/uploads', { token: me.accessToken, rawBody: form });
      expect(res.status).toBe(400);
    });

    it('reads away the rest of a file refused from its first bytes: the connection serves the next request', async () => {
      const me = await ctx.newUser();
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const exchange = (body: Buffer, token?: string) =>
        new Promise<number | string>((resolve) => {
          const req = request(
            `${t.baseUrl}/api/v1/uploads`,
            {
              method: 'POST',
              agent,
              timeout: 5000,
              headers: {
                'content-type': 'multipart/form-data; boundary=B',
                'content-length': body.length,
                ...(token ? { authorization: `Bearer ${token}` } : {}),
              },
            },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            },
          );
          req.on('timeout', () => {
            req.destroy();
            resolve('no answer');
          });
          req.end(body);
        });
      const part = (data: Buffer, type: string) =>
        Buffer.concat([
          Buffer.from(
            `--B\r\nContent-Disposition: form-data; name="file"; filename="x"\r\nContent-Type: ${type}\r\n\r\n`,
          ),
          data,
          Buffer.from('\r\n--B--\r\n'),
        ]);
      // A megabyte behind a PNG signature sent as HTML: refused (415) before most of it is read.
      const refused = part(Buffer.concat([solidPng(1, 1), Buffer.alloc(1024 * 1024)]), 'text/html');
      expect(await exchange(refused, me.accessToken)).toBe(415);
      expect(await exchange(part(PDF, 'application/pdf'), me.accessToken)).toBe(201);
      agent.destroy();
    });

    it('needs a token', async () => {
      const res = await t.http.post('/api/v1/uploads', { rawBody: fileForm(PDF, 'a.pdf') });
      expect(res.status).toBe(401);
    });
  });

  describe('limits', () => {
    let small: TestApp;
    let smallCtx: TestContext;
    beforeAll(async () => {
      small = await startTestApp({
        UPLOAD_MAX_BYTES: String(64 * 1024),
        UPLOAD_QUOTA_BYTES: String(100 * 1024),
        ATTACHMENT_CLEANUP_INTERVAL_SECONDS: '0',
      });
      smallCtx = new TestContext(small);
    });
    afterAll(() => small.close());

    it('refuses a file over UPLOAD_MAX_BYTES with 413, storing nothing', async () => {
      const me = await smallCtx.newUser();
      const big = Buffer.concat([PDF, Buffer.alloc(64 * 1024)]);
      expectError(await upload(me, big, 'big.pdf', undefined, small), 413, 'UPLOAD_TOO_LARGE');
      const { rows } = await small.db.query('SELECT count(*)::int AS n FROM attachment_blobs');
      expect(rows[0].n).toBe(0);
    });

    it('refuses what would pass the quota with 413 QUOTA_EXCEEDED, also when uploads race', async () => {
      const me = await smallCtx.newUser();
      const file = Buffer.concat([PDF, Buffer.alloc(40 * 1024, 0x20)]);
      const results = await Promise.all(
        [1, 2, 3, 4].map((i) => upload(me, file, `f${i}.pdf`, undefined, small)),
      );
      const statuses = results.map((res) => res.status).sort();
      expect(statuses).toEqual([201, 201, 413, 413]);
      for (const res of results.filter((r) => r.status === 413))
        expect(res.body.code).toBe('QUOTA_EXCEEDED');
      const { rows } = await small.db.query(
        'SELECT sum(stored_bytes)::int AS used FROM uploads WHERE owner_id = $1',
        [me.id],
      );
      expect(rows[0].used).toBeLessThanOrEqual(100 * 1024);
    });
  });

  describe('sending files', () => {
    it('attaches uploads in order, with an empty body, and serves them through signed links', async () => {
      const { a, b, chat } = await pair();
      const photo = await uploaded(a, solidPng(800, 600), 'photo.png');
      const doc = await uploaded(a, PDF, 'doc.pdf');
      const res = await post(a, chat.id, { body: '', attachmentIds: [photo.id, doc.id] });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ body: '', attachmentCount: 2 });
      expect(res.body.attachments).toEqual([
        {
          id: photo.id,
          contentType: 'image/png',
          size: photo.size,
          name: 'photo.png',
          width: 800,
          height: 600,
          url: expect.stringMatching(
            new RegExp(`^/api/v1/attachments/${photo.id}\\?reader=${a.id}&`),
          ),
          thumbnailUrl: expect.stringMatching(`/api/v1/attachments/${photo.id}/thumbnail\\?`),
        },
        expect.objectContaining({ id: doc.id, contentType: 'application/pdf', thumbnailUrl: null }),
      ]);
      expect(await uploadRow(photo.id)).toMatchObject({
        chat_id: chat.id,
        message_id: res.body.id,
        position: 0,
        expires_at: null,
      });

      // b reads the history: links signed for b, working without a header.
      const history = await t.http.get(`/api/v1/chats/${chat.id}/messages`, {
        token: b.accessToken,
      });
      const [files] = history.body.items.map((m: any) => m.attachments);
      expect(files[0].url).toContain(`reader=${b.id}`);
      const thumb = await fetchLink(files[0].thumbnailUrl);
      expect(thumb.response.status).toBe(200);
      expect(thumb.response.headers.get('content-type')).toBe('image/webp');
      const meta = await sharp(thumb.bytes).metadata();
      expect(Math.max(meta.width, meta.height)).toBeLessThanOrEqual(320);
      const pdf = await fetchLink(files[1].url);
      expect(pdf.response.status).toBe(200);
      expect(Buffer.compare(pdf.bytes, PDF)).toBe(0);
      expect(pdf.response.headers.get('content-disposition')).toMatch(
        /^attachment; filename="doc.pdf"/,
      );
      expect(pdf.response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(pdf.response.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
      const etag = pdf.response.headers.get('etag')!;
      expect((await fetchLink(files[1].url, { 'if-none-match': etag })).response.status).toBe(304);
      const image = await fetchLink(files[0].url);
      expect(image.response.headers.get('content-disposition')).toMatch(/^inline;/);

      // The chat list says the last message has files.
      const listed = await t.http.get(`/api/v1/chats/${chat.id}`, { token: b.accessToken });
      expect(listed.body.lastMessage).toMatchObject({ id: res.body.id, attachmentCount: 2 });
    });

    it('refuses an empty body without files, and bad attachmentIds, with 400', async () => {
      const { a, chat } = await pair();
      expectError(await post(a, chat.id, { body: '' }), 400, 'VALIDATION_FAILED');
      for (const attachmentIds of [
        [1, 1],
        Array.from({ length: 11 }, (_, i) => i + 1),
        [0],
        ['1'],
        'x',
        null,
      ]) {
        expectError(await post(a, chat.id, { body: 'x', attachmentIds }), 400, 'VALIDATION_FAILED');
      }
    });

    it("refuses someone else's upload, a missing one and an attached one with 409, storing nothing", async () => {
      const { a, b, chat } = await pair();
      const theirs = await uploaded(b, PDF, 'b.pdf');
      expectError(
        await post(a, chat.id, { body: 'x', attachmentIds: [theirs.id] }),
        409,
        'ATTACHMENT_UNAVAILABLE',
      );
      expectError(
        await post(a, chat.id, { body: 'x', attachmentIds: [999_999_999] }),
        409,
        'ATTACHMENT_UNAVAILABLE',
      );
      const mine = await uploaded(a, PDF, 'a.pdf');
      expect((await post(a, chat.id, { body: 'first', attachmentIds: [mine.id] })).status).toBe(
        201,
      );
      expectError(
        await post(a, chat.id, { body: 'again', attachmentIds: [mine.id] }),
        409,
        'ATTACHMENT_UNAVAILABLE',
      );
      const { rows } = await t.db.query(
        'SELECT count(*)::int AS n FROM messages WHERE chat_id = $1',
        [chat.id],
      );
      expect(rows[0].n).toBe(1);
    });

    it('lets exactly one of concurrent sends of one upload win, over REST and the socket', async () => {
      const { a, chat } = await pair();
      const socket = await connectSocket(t.baseUrl, { token: a.accessToken });
      sockets.push(socket);
      for (let round = 0; round < 5; round += 1) {
        const file = await uploaded(a, PDF, `race${round}.pdf`);
        const outcomes = await Promise.all([
          post(a, chat.id, { body: 'rest 1', attachmentIds: [file.id] }).then((r) => r.status),
          post(a, chat.id, { body: 'rest 2', attachmentIds: [file.id] }).then((r) => r.status),
          send(socket, 'message:send', {
            chatId: chat.id,
            body: 'socket',
            clientMessageId: `race-${round}`,
            attachmentIds: [file.id],
          }).then((ack: any) => (ack.ok ? 201 : ack.error.code)),
        ]);
        expect(outcomes.filter((o) => o === 201)).toHaveLength(1);
        expect(
          outcomes
            .filter((o) => o !== 201)
            .every((o) => o === 409 || o === 'ATTACHMENT_UNAVAILABLE'),
        ).toBe(true);
        const { rows } = await t.db.query(
          'SELECT count(*)::int AS n FROM messages WHERE chat_id = $1 AND attachment_count > 0 AND id IN (SELECT message_id FROM uploads WHERE id = $2)',
          [chat.id, file.id],
        );
        expect(rows[0].n).toBe(1);
      }
    });

    it('answers a resend with the first message and its files', async () => {
      const { a, chat } = await pair();
      const file = await uploaded(a, PDF, 'once.pdf');
      const payload = {
        body: 'with a file',
        clientMessageId: 'resend-1',
        attachmentIds: [file.id],
      };
      const first = await post(a, chat.id, payload);
      const again = await post(a, chat.id, payload);
      expect([first.status, again.status]).toEqual([201, 200]);
      expect(again.body.id).toBe(first.body.id);
      expect(again.body.attachments.map((f: any) => f.id)).toEqual([file.id]);
    });

    it('brings the files to the other side live, and in the change feed', async () => {
      const { a, b, chat } = await pair();
      const socket = await connectSocket(t.baseUrl, { token: b.accessToken });
      sockets.push(socket);
      const file = await uploaded(a, solidPng(64, 64), 'live.png');
      const arriving = nextEvent(socket, 'message:new');
      await post(a, chat.id, { body: 'look', attachmentIds: [file.id] });
      const live: any = await arriving;
      expect(live.attachments).toHaveLength(1);
      expect(live.attachments[0].url).toContain(`reader=${b.id}`);
      expect((await fetchLink(live.attachments[0].thumbnailUrl)).response.status).toBe(200);
      const feed = await t.http.get(`/api/v1/chats/${chat.id}/changes?afterRev=0`, {
        token: b.accessToken,
      });
      expect(feed.body.messages.at(-1).attachments[0].id).toBe(file.id);
    });
  });

  describe('signed links', () => {
    async function sentFile() {
      const { a, b, chat } = await pair();
      const file = await uploaded(a, PDF, 'secret.pdf');
      const res = await post(a, chat.id, { body: 'here', attachmentIds: [file.id] });
      return { a, b, chat, file, message: res.body, url: res.body.attachments[0].url as string };
    }

    it('refuses a changed link with 403 LINK_INVALID and an expired one with 403 LINK_EXPIRED', async () => {
      const { a, file, url } = await sentFile();
      const tampered = [
        url.replace(/reader=\d+/, 'reader=1'),
        url.replace(/expires=(\d+)/, (_m, e) => `expires=${Number(e) + 60}`),
        url.replace(/signature=(.)/, (_m, c) => `signature=${c === 'A' ? 'B' : 'A'}`),
        url.replace(`/attachments/${file.id}?`, `/attachments/${file.id}/thumbnail?`),
      ];
      for (const link of tampered) {
        const { response } = await fetchLink(link);
        expect({ link, status: response.status }).toEqual({ link, status: 403 });
      }
      const links = t.app.get(AttachmentLinks);
      const old = links.link(
        file.id,
        'file',
        a.id,
        Date.now() - 3 * t.config.attachments.linkTtlSeconds * 1000,
      );
      const expired = await fetch(t.baseUrl + old);
      expect(expired.status).toBe(403);
      expect(((await expired.json()) as { code: string }).code).toBe('LINK_EXPIRED');
      expect((await fetchLink(url.replace(/&signature=.*/, ''))).response.status).toBe(400);
    });

    it('answers 404 once the reader is removed from the group, or the message is deleted', async () => {
      const owner = await ctx.newUser();
      const [m1, m2] = await Promise.all([ctx.newUser(), ctx.newUser()]);
      await ctx.befriend(owner, m1);
      await ctx.befriend(owner, m2);
      const group = await ctx.group(owner, 'files', [m1, m2]);
      const file = await uploaded(owner, PDF, 'g.pdf');
      const sent = await post(owner, group.id, { body: 'read me', attachmentIds: [file.id] });
      const linkFor = async (user: Session) => {
        const res = await t.http.get(`/api/v1/chats/${group.id}/messages`, {
          token: user.accessToken,
        });
        return res.body.items[0].attachments[0].url as string;
      };
      const [l1, l2] = [await linkFor(m1), await linkFor(m2)];
      expect((await fetchLink(l1)).response.status).toBe(200);
      const removed = await t.http.delete(`/api/v1/chats/${group.id}/participants/${m1.id}`, {
        token: owner.accessToken,
      });
      expect(removed.status).toBe(204);
      expect((await fetchLink(l1)).response.status).toBe(404);
      expect((await fetchLink(l2)).response.status).toBe(200);

      const deleted = await t.http.delete(`/api/v1/chats/${group.id}/messages/${sent.body.id}`, {
        token: owner.accessToken,
      });
      expect(deleted.status).toBe(204);
      expect((await fetchLink(l2)).response.status).toBe(404);
      const history = await t.http.get(`/api/v1/chats/${group.id}/messages`, {
        token: m2.accessToken,
      });
      expect(history.body.items[0]).toMatchObject({
        attachments: [],
        attachmentCount: 0,
        body: null,
      });
      expect(await uploadRow(file.id)).toMatchObject({ detached_at: expect.any(Date) });
    });

    it('answers an outsider 404 for a link signed for them', async () => {
      const { file } = await sentFile();
      const outsider = await ctx.newUser();
      const link = t.app.get(AttachmentLinks).link(file.id, 'file', outsider.id);
      expect((await fetchLink(link)).response.status).toBe(404);
    });
  });

  describe('across replicas', () => {
    let one: TestApp;
    let two: TestApp;
    beforeAll(async () => {
      const shared = {
        SOCKET_ADAPTER: 'postgres',
        SOCKET_ADAPTER_CHANNEL: `files-${randomBytes(4).toString('hex')}`,
        ATTACHMENT_CLEANUP_INTERVAL_SECONDS: '0',
      };
      one = await startTestApp(shared);
      two = await startTestApp(shared, { databaseUrl: one.databaseUrl });
    });
    afterAll(async () => {
      await two?.close();
      await one?.close();
    });

    it('signs a message:new for each reader on the replica that holds their socket', async () => {
      const ctx1 = new TestContext(one);
      const [a, b, c] = await Promise.all([ctx1.newUser(), ctx1.newUser(), ctx1.newUser()]);
      await ctx1.befriend(a, b);
      await ctx1.befriend(a, c);
      const group = await ctx1.group(a, 'replicas', [b, c]);
      const onTwo = await connectSocket(two.baseUrl, { token: b.accessToken });
      const onOne = await connectSocket(one.baseUrl, { token: c.accessToken });
      sockets.push(onTwo, onOne);
      const file = await upload(a, solidPng(40, 40), 'shared.png', undefined, one);
      expect(file.status).toBe(201);
      const arriving = [nextEvent<any>(onTwo, 'message:new'), nextEvent<any>(onOne, 'message:new')];
      const sent = await one.http.post(`/api/v1/chats/${group.id}/messages`, {
        token: a.accessToken,
        body: { body: 'to both replicas', attachmentIds: [file.body.id] },
      });
      expect(sent.status).toBe(201);
      const [forB, forC] = await Promise.all(arriving);
      expect(forB.attachments[0].url).toContain(`reader=${b.id}`);
      expect(forC.attachments[0].url).toContain(`reader=${c.id}`);
      expect((await fetch(two.baseUrl + forB.attachments[0].thumbnailUrl)).status).toBe(200);
      expect((await fetch(one.baseUrl + forC.attachments[0].url)).status).toBe(200);
    });
  });

  describe('with an S3-compatible store', () => {
    let s3: TestS3Server;
    let app: TestApp;
    let s3Ctx: TestContext;
    beforeAll(async () => {
      s3 = await startS3Server();
      app = await startTestApp({ ...s3.env, ATTACHMENT_CLEANUP_INTERVAL_SECONDS: '0' });
      s3Ctx = new TestContext(app);
    });
    afterAll(async () => {
      await app?.close();
      await s3?.stop();
    });

    it('stores, serves and purges files in the bucket, never in PostgreSQL', async () => {
      const [a, b] = await Promise.all([s3Ctx.newUser(), s3Ctx.newUser()]);
      await s3Ctx.befriend(a, b);
      const chat = await s3Ctx.directChat(a, b);
      const photo = await upload(a, await jpegWithLocation(300, 200), 'p.jpg', undefined, app);
      expect(photo.status).toBe(201);
      const sent = await app.http.post(`/api/v1/chats/${chat.id}/messages`, {
        token: a.accessToken,
        body: { body: 'from the bucket', attachmentIds: [photo.body.id] },
      });
      expect(sent.status).toBe(201);
      const history = await app.http.get(`/api/v1/chats/${chat.id}/messages`, {
        token: b.accessToken,
      });
      const [file] = history.body.items[0].attachments;
      const served = await fetch(app.baseUrl + file.url);
      expect(served.status).toBe(200);
      const bytes = Buffer.from(await served.arrayBuffer());
      expect(hasGpsIfd(bytes)).toBe(false);
      expect((await fetch(app.baseUrl + file.thumbnailUrl)).status).toBe(200);
      const blobs = await app.db.query('SELECT count(*)::int AS n FROM attachment_blobs');
      expect(blobs.rows[0].n).toBe(0);

      const { rows } = await app.db.query('SELECT storage_key FROM uploads WHERE id = $1', [
        photo.body.id,
      ]);
      const storage = app.app.get<AttachmentStorage>(ATTACHMENT_STORAGE);
      const key: string = rows[0].storage_key;
      const stored = await storage.get(key);
      expect(stored).not.toBeNull();
      stored!.destroy();
      await app.http.delete(`/api/v1/chats/${chat.id}/messages/${sent.body.id}`, {
        token: a.accessToken,
      });
      await app.db.query(
        `UPDATE uploads SET detached_at = now() - interval '2 days' WHERE id = $1`,
        [photo.body.id],
      );
      expect(await app.app.get(AttachmentsCleanup).purge()).toBe(1);
      expect(await storage.get(key)).toBeNull();
    });
  });

  describe('when things go away', () => {
    const orphanBlobs = async () =>
      (
        await t.db.query(
          `SELECT count(*)::int AS n FROM attachment_blobs b
            WHERE NOT EXISTS (SELECT 1 FROM uploads u WHERE u.storage_key = b.key OR u.thumbnail_key = b.key)`,
        )
      ).rows[0].n as number;

    it('removes what was stored of an upload whose client went away mid-file', async () => {
      const me = await ctx.newUser();
      const started = Date.now();
      const socket = connect(Number(new URL(t.baseUrl).port), '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      const head =
        `POST /api/v1/uploads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${me.accessToken}\r\n` +
        `Content-Type: multipart/form-data; boundary=B\r\nContent-Length: ${4 * 1024 * 1024}\r\n\r\n` +
        `--B\r\nContent-Disposition: form-data; name="file"; filename="long.txt"\r\n\r\n`;
      socket.write(head);
      // More than one stored part (1 MiB), then the client is gone.
      socket.write(Buffer.alloc(1536 * 1024, 'a'));
      let stored = 0;
      while (stored === 0 && Date.now() - started < 10_000) {
        stored = await orphanBlobs();
        if (stored === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(stored).toBeGreaterThan(0);
      socket.destroy();
      while ((await orphanBlobs()) > 0 && Date.now() - started < 10_000) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(await orphanBlobs()).toBe(0);
      const { rows } = await t.db.query(
        'SELECT count(*)::int AS n FROM uploads WHERE owner_id = $1',
        [me.id],
      );
      expect(rows[0].n).toBe(0);
    });

    it('lets the last member leave a group that had files; the files go to the purge', async () => {
      const [owner, member] = await Promise.all([ctx.newUser(), ctx.newUser()]);
      await ctx.befriend(owner, member);
      const group = await ctx.group(owner, 'files then empty', [member]);
      const kept = await uploaded(owner, PDF, 'kept.pdf');
      const gone = await uploaded(owner, PDF, 'gone.pdf');
      expect((await post(owner, group.id, { body: 'a', attachmentIds: [kept.id] })).status).toBe(
        201,
      );
      const deleted = await post(owner, group.id, { body: 'b', attachmentIds: [gone.id] });
      await t.http.delete(`/api/v1/chats/${group.id}/messages/${deleted.body.id}`, {
        token: owner.accessToken,
      });
      for (const user of [member, owner]) {
        const left = await t.http.delete(`/api/v1/chats/${group.id}/participants/${user.id}`, {
          token: user.accessToken,
        });
        expect(left.status).toBe(204);
      }
      for (const id of [kept.id, gone.id]) {
        expect(await uploadRow(id)).toMatchObject({ chat_id: null, message_id: null });
      }
      expect(await t.app.get(AttachmentsCleanup).purge()).toBeGreaterThanOrEqual(2);
      expect(await uploadRow(kept.id)).toBeUndefined();
      expect(await orphanBlobs()).toBe(0);
    });
  });

  describe('purge', () => {
    it('purges expired uploads and the files of deleted messages after the grace, once, whoever runs it', async () => {
      const { a, chat } = await pair();
      const stale = await uploaded(a, PDF, 'stale.pdf');
      const fresh = await uploaded(a, PDF, 'fresh.pdf');
      const kept = await uploaded(a, PDF, 'kept.pdf');
      const gone = await uploaded(a, PDF, 'gone.pdf');
      const keptMessage = await post(a, chat.id, { body: 'kept', attachmentIds: [kept.id] });
      const goneMessage = await post(a, chat.id, { body: 'gone', attachmentIds: [gone.id] });
      expect(keptMessage.status).toBe(201);
      await t.http.delete(`/api/v1/chats/${chat.id}/messages/${goneMessage.body.id}`, {
        token: a.accessToken,
      });
      await t.db.query(
        `UPDATE uploads SET expires_at = now() - interval '1 second' WHERE id = $1`,
        [stale.id],
      );
      await t.db.query(`UPDATE uploads SET detached_at = now() - interval '2 days' WHERE id = $1`, [
        gone.id,
      ]);

      const cleanup = t.app.get(AttachmentsCleanup);
      const purged = await Promise.all([cleanup.purge(), cleanup.purge()]);
      expect(purged[0]).toBeGreaterThanOrEqual(2);
      expect(await cleanup.purge()).toBe(0);
      const { rows } = await t.db.query(
        'SELECT id::int FROM uploads WHERE id = ANY($1) ORDER BY id',
        [[stale.id, fresh.id, kept.id, gone.id]],
      );
      expect(rows.map((r: any) => r.id)).toEqual([fresh.id, kept.id]);
      const blobs = await t.db.query(
        `SELECT count(*)::int AS n FROM attachment_blobs b
          WHERE NOT EXISTS (SELECT 1 FROM uploads u WHERE u.storage_key = b.key OR u.thumbnail_key = b.key)`,
      );
      expect(blobs.rows[0].n).toBe(0);
    });
  });
});
