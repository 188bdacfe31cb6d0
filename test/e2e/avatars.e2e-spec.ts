import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { Session, TestContext } from '../utils/context';
import { expectError } from '../utils/expect-error';
import {
  animatedWebp,
  colourDistance,
  EXIF_DESCRIPTION,
  fileForm,
  hasExif,
  hasGpsIfd,
  ImageFormat,
  jpegWithLocation,
  noisyImage,
  paddedPng,
  pixelAt,
  pngBomb,
  Rgb,
  sidewaysJpeg,
  solidImage,
  solidPng,
} from '../utils/images';
import { AvatarLinks } from '../../src/users/avatar-links';
import { startTestApp, TestApp } from '../utils/test-app';

const MIB = 1024 * 1024;
const RED: Rgb = [220, 20, 20];
const BLUE: Rgb = [20, 20, 220];

/**
 * PUT /users/me/avatar decodes the image it is sent and stores a fresh encoding of it, in the same
 * format: metadata gone, upright, at most 512 px a side. What does not decode completely, has too
 * many pixels or is another format is refused, and nothing is stored.
 */
describe('avatars', () => {
  let t: TestApp;
  let ctx: TestContext;

  beforeAll(async () => {
    t = await startTestApp();
    ctx = new TestContext(t);
  });
  afterAll(() => t.close());

  const upload = (session: Session, form: FormData) =>
    t.http.put('/api/v1/users/me/avatar', { token: session.accessToken, rawBody: form });

  /** Raw fetch: the avatar is binary, which the text-decoding HttpClient would mangle. */
  async function fetchBytes(path: string, token: string, headers: Record<string, string> = {}) {
    const response = await fetch(t.baseUrl + path, {
      headers: { authorization: `Bearer ${token}`, ...headers },
    });
    return { response, bytes: Buffer.from(await response.arrayBuffer()) };
  }

  /** The avatar version a `displayPictureUrl` names (its expiry and signature move with time). */
  const versionOf = (url: string) => new URL(url, t.baseUrl).searchParams.get('v');

  /** Uploads the bytes, expects a 200 and returns what the avatar route then serves. */
  async function uploadAndFetch(session: Session, bytes: Buffer, filename = 'a.png') {
    const res = await upload(session, fileForm(bytes, filename));
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 200 });
    const served = await fetchBytes(res.body.displayPictureUrl, session.accessToken);
    expect(served.response.status).toBe(200);
    return { url: res.body.displayPictureUrl as string, ...served };
  }

  async function avatarEtag(userId: number): Promise<string | null> {
    const { rows } = await t.db.query('SELECT avatar_etag FROM users WHERE id = $1', [userId]);
    return rows[0].avatar_etag;
  }

  async function avatarRows(userId: number): Promise<number> {
    const { rows } = await t.db.query(
      'SELECT count(*)::int AS n FROM user_avatars WHERE user_id = $1',
      [userId],
    );
    return rows[0].n;
  }

  async function expectNoAvatar(session: Session): Promise<void> {
    expect(await avatarRows(session.id)).toBe(0);
    const { rows } = await t.db.query('SELECT avatar_etag FROM users WHERE id = $1', [session.id]);
    expect(rows).toEqual([{ avatar_etag: null }]);
    const me = await t.http.get('/api/v1/users/me', { token: session.accessToken });
    expect(me.body.displayPictureUrl).toBeNull();
  }

  describe('stored and served', () => {
    it.each<[ImageFormat, string]>([
      ['png', 'image/png'],
      ['jpeg', 'image/jpeg'],
      ['webp', 'image/webp'],
    ])('re-encodes a %s as %s and serves it with ETag caching', async (format, type) => {
      const session = await ctx.newUser();
      const res = await upload(session, fileForm(await solidImage(format, 48, 32), `a.${format}`));
      expect(res.status).toBe(200);
      expect(res.body.displayPictureUrl).toMatch(
        new RegExp(
          `^/api/v1/avatars/${session.id}\\?v=[0-9a-f]{16}&expires=\\d+&signature=[\\w-]{43}$`,
        ),
      );
      const url: string = res.body.displayPictureUrl;
      const me = await t.http.get('/api/v1/users/me', { token: session.accessToken });
      expect(versionOf(me.body.displayPictureUrl)).toBe(versionOf(url));

      const { rows } = await t.db.query(
        'SELECT content_type, data FROM user_avatars WHERE user_id = $1',
        [session.id],
      );
      expect(rows).toEqual([{ content_type: type, data: expect.any(Buffer) }]);

      const first = await fetchBytes(url, session.accessToken);
      expect(first.response.status).toBe(200);
      expect(first.response.headers.get('content-type')).toBe(type);
      expect(Buffer.compare(first.bytes, rows[0].data)).toBe(0);
      expect(await sharp(first.bytes).metadata()).toMatchObject({ format, width: 48, height: 32 });
      const etag = first.response.headers.get('etag');
      expect(etag).toMatch(/^"[^"]+"$/);

      const second = await fetchBytes(url, session.accessToken, { 'if-none-match': etag! });
      expect(second.response.status).toBe(304);
      expect(second.bytes).toHaveLength(0);
      expect(second.response.headers.get('etag')).toBe(etag);

      for (const ifNoneMatch of [`W/${etag}`, '*', `"other", ${etag}`]) {
        const cached = await fetchBytes(url, session.accessToken, { 'if-none-match': ifNoneMatch });
        expect(cached.response.status).toBe(304);
      }
      const stale = await fetchBytes(url, session.accessToken, { 'if-none-match': '"other"' });
      expect(stale.response.status).toBe(200);
    });

    it('lets another user fetch my avatar and see it on my profile', async () => {
      const owner = await ctx.newUser();
      const viewer = await ctx.newUser();
      const mine = await uploadAndFetch(owner, solidPng(20, 20, RED));

      const profile = await t.http.get(`/api/v1/users/${owner.id}`, { token: viewer.accessToken });
      expect(versionOf(profile.body.displayPictureUrl)).toBe(versionOf(mine.url));
      const avatar = await fetchBytes(`/api/v1/users/${owner.id}/avatar`, viewer.accessToken);
      expect(avatar.response.status).toBe(200);
      expect(Buffer.compare(avatar.bytes, mine.bytes)).toBe(0);
    });

    it('replaces the avatar: new ETag, URL and content type, still one row per user', async () => {
      const session = await ctx.newUser();
      const first = await uploadAndFetch(session, solidPng(30, 30, RED));
      const firstEtag = first.response.headers.get('etag')!;

      const second = await upload(session, fileForm(await solidImage('jpeg'), 'b.jpg'));
      expect(second.status).toBe(200);
      expect(versionOf(second.body.displayPictureUrl)).not.toBe(versionOf(first.url));
      expect(await avatarRows(session.id)).toBe(1);

      const stale = await fetchBytes(second.body.displayPictureUrl, session.accessToken, {
        'if-none-match': firstEtag,
      });
      expect(stale.response.status).toBe(200);
      expect(stale.response.headers.get('content-type')).toBe('image/jpeg');
      expect((await sharp(stale.bytes).metadata()).format).toBe('jpeg');
      expect(stale.response.headers.get('etag')).not.toBe(firstEtag);

      const { rows } = await t.db.query(
        'SELECT u.avatar_etag, a.etag FROM users u JOIN user_avatars a ON a.user_id = u.id WHERE u.id = $1',
        [session.id],
      );
      expect(rows[0].avatar_etag).toBe(rows[0].etag);
      expect(stale.response.headers.get('etag')).toBe(`"${rows[0].etag}"`);
    });

    it('keeps the URL when the same image is uploaded twice (the encoding is deterministic)', async () => {
      const session = await ctx.newUser();
      const bytes = await solidImage('webp', 40, 40);
      const first = await upload(session, fileForm(bytes, 'a.webp'));
      const second = await upload(session, fileForm(bytes, 'a.webp'));
      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      expect(versionOf(second.body.displayPictureUrl)).toBe(
        versionOf(first.body.displayPictureUrl),
      );
      expect(await avatarRows(session.id)).toBe(1);
    });

    it('serves displayPictureUrl without a token, and refuses a changed, expired or replaced link', async () => {
      const session = await ctx.newUser();
      const first = await upload(session, fileForm(solidPng(12, 12, RED)));
      const link: string = first.body.displayPictureUrl;
      const plain = await fetch(t.baseUrl + link);
      expect(plain.status).toBe(200);
      expect(plain.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
      expect(plain.headers.get('x-content-type-options')).toBe('nosniff');

      const other = await ctx.newUser();
      for (const changed of [
        link.replace(`/avatars/${session.id}?`, `/avatars/${other.id}?`),
        link.replace(/expires=(\d+)/, (_m, e) => `expires=${Number(e) + 1}`),
        link.replace(/v=(.)/, (_m, c) => `v=${c === 'a' ? 'b' : 'a'}`),
      ]) {
        const res = await fetch(t.baseUrl + changed);
        expect({ changed, status: res.status }).toEqual({ changed, status: 403 });
      }
      const expired = t.app
        .get(AvatarLinks)
        .link(session.id, (await avatarEtag(session.id))!, Date.now() - 3 * 3600 * 1000);
      const refused = await fetch(t.baseUrl + expired);
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { code: string }).code).toBe('LINK_EXPIRED');
      expect((await fetch(t.baseUrl + link.replace(/&signature=.*/, ''))).status).toBe(400);

      expect((await upload(session, fileForm(solidPng(12, 12, BLUE)))).status).toBe(200);
      expect((await fetch(t.baseUrl + link)).status).toBe(404);
    });

    it('keeps the avatar of one user separate from another', async () => {
      const a = await ctx.newUser();
      const b = await ctx.newUser();
      expect((await upload(a, fileForm(solidPng(16, 16, RED)))).status).toBe(200);
      expect((await upload(b, fileForm(solidPng(16, 16, BLUE)))).status).toBe(200);
      const aAvatar = await fetchBytes(`/api/v1/users/${a.id}/avatar`, b.accessToken);
      const bAvatar = await fetchBytes(`/api/v1/users/${b.id}/avatar`, a.accessToken);
      expect(await pixelAt(aAvatar.bytes, 8, 8)).toEqual(RED);
      expect(await pixelAt(bAvatar.bytes, 8, 8)).toEqual(BLUE);
    });

    it('answers 404 AVATAR_NOT_FOUND for a user without one', async () => {
      const me = await ctx.newUser();
      const other = await ctx.newUser();
      const res = await t.http.get(`/api/v1/users/${other.id}/avatar`, { token: me.accessToken });
      expectError(res, 404, 'AVATAR_NOT_FOUND');
    });

    it('answers 404 for the avatar of a user that does not exist', async () => {
      const me = await ctx.newUser();
      const res = await t.http.get('/api/v1/users/2147483647/avatar', { token: me.accessToken });
      expectError(res, 404);
    });
  });

  describe('what is kept of the upload', () => {
    it('drops the EXIF, GPS location included', async () => {
      const session = await ctx.newUser();
      const original = await jpegWithLocation();
      expect(hasExif(original) && hasGpsIfd(original)).toBe(true);
      expect(original.includes(EXIF_DESCRIPTION)).toBe(true);

      const { bytes } = await uploadAndFetch(session, original, 'holiday.jpg');
      const metadata = await sharp(bytes).metadata();
      expect(metadata).toMatchObject({ format: 'jpeg', width: 64, height: 48 });
      expect(metadata.exif).toBeUndefined();
      expect(metadata.xmp).toBeUndefined();
      expect(metadata.iptc).toBeUndefined();
      expect(hasExif(bytes)).toBe(false);
      expect(hasGpsIfd(bytes)).toBe(false);
      expect(bytes.includes(EXIF_DESCRIPTION)).toBe(false);
    });

    it('turns a photo upright by its EXIF orientation, then forgets the orientation', async () => {
      const session = await ctx.newUser();
      const { bytes } = await uploadAndFetch(session, await sidewaysJpeg(80, 40, RED, BLUE));
      const metadata = await sharp(bytes).metadata();
      expect(metadata).toMatchObject({ width: 40, height: 80 });
      expect(metadata.orientation).toBeUndefined();
      expect(colourDistance(await pixelAt(bytes, 20, 10), RED)).toBeLessThan(40);
      expect(colourDistance(await pixelAt(bytes, 20, 70), BLUE)).toBeLessThan(40);
    });

    it.each([
      [2000, 1000, 512, 256],
      [300, 1200, 128, 512],
    ])('shrinks a %i×%i image to %i×%i', async (width, height, expectedWidth, expectedHeight) => {
      const session = await ctx.newUser();
      const { bytes } = await uploadAndFetch(session, solidPng(width, height));
      expect(await sharp(bytes).metadata()).toMatchObject({
        format: 'png',
        width: expectedWidth,
        height: expectedHeight,
      });
    });

    it('keeps the first frame of an animated image', async () => {
      const session = await ctx.newUser();
      const animation = await animatedWebp(24, 16, [RED, BLUE]);
      expect((await sharp(animation).metadata()).pages).toBe(2);
      const { bytes } = await uploadAndFetch(session, animation, 'a.webp');
      const metadata = await sharp(bytes, { animated: true }).metadata();
      expect(metadata).toMatchObject({ format: 'webp', width: 24, height: 16 });
      expect(metadata.pages ?? 1).toBe(1);
      expect(colourDistance(await pixelAt(bytes, 12, 8), RED)).toBeLessThan(40);
    });

    it('accepts a file of exactly 1 MiB and stores only the image in it', async () => {
      const session = await ctx.newUser();
      const bytes = paddedPng(solidPng(10, 10), MIB);
      expect(bytes).toHaveLength(MIB);
      const served = await uploadAndFetch(session, bytes);
      expect(served.bytes.length).toBeLessThan(1000);
      expect(await sharp(served.bytes).metadata()).toMatchObject({ width: 10, height: 10 });
    });

    it('takes an image of exactly 4096 × 4096 pixels', async () => {
      const session = await ctx.newUser();
      const { bytes } = await uploadAndFetch(session, pngBomb(4096, 4096));
      expect(await sharp(bytes).metadata()).toMatchObject({ width: 512, height: 512 });
    });
  });

  describe('what is refused, storing nothing', () => {
    it.each<ImageFormat>(['png', 'jpeg', 'webp'])(
      'refuses a %s cut in half with 415 AVATAR_INVALID_IMAGE',
      async (format) => {
        const session = await ctx.newUser();
        const whole = await noisyImage(format, 200, 200);
        const res = await upload(session, fileForm(whole.subarray(0, whole.length >> 1)));
        expectError(res, 415, 'AVATAR_INVALID_IMAGE');
        await expectNoAvatar(session);
      },
    );

    it.each([
      ['a PNG signature and header', solidPng(64, 64).subarray(0, 33)],
      ['a bare PNG signature', solidPng(1, 1).subarray(0, 8)],
    ])('refuses random bytes behind %s with 415 AVATAR_INVALID_IMAGE', async (_label, start) => {
      const session = await ctx.newUser();
      const res = await upload(session, fileForm(Buffer.concat([start, randomBytes(4000)])));
      expectError(res, 415, 'AVATAR_INVALID_IMAGE');
      await expectNoAvatar(session);
    });

    it.each([
      ['a decompression bomb of 20000 × 20000 pixels', 20000, 20000],
      ['an image one pixel wider than 4096 × 4096', 4097, 4096],
    ])('refuses %s with 413 AVATAR_TOO_MANY_PIXELS', async (_label, width, height) => {
      const session = await ctx.newUser();
      const bomb = pngBomb(width, height);
      expect(bomb.length).toBeLessThan(100_000);
      const res = await upload(session, fileForm(bomb));
      expectError(res, 413, 'AVATAR_TOO_MANY_PIXELS');
      expect(res.body.message).toContain('4096 × 4096');
      await expectNoAvatar(session);
    });

    it.each([
      [
        'a text file named .png',
        Buffer.from('this is just text, not an image at all\n'),
        'evil.png',
      ],
      [
        'an SVG',
        Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>'),
        'a.svg',
      ],
    ])('refuses %s with 415 AVATAR_UNSUPPORTED_TYPE', async (_label, bytes, filename) => {
      const session = await ctx.newUser();
      const res = await upload(session, fileForm(bytes, filename, 'file', 'image/png'));
      expectError(res, 415, 'AVATAR_UNSUPPORTED_TYPE');
      await expectNoAvatar(session);
      const avatar = await t.http.get(`/api/v1/users/${session.id}/avatar`, {
        token: session.accessToken,
      });
      expectError(avatar, 404, 'AVATAR_NOT_FOUND');
    });

    it('refuses a GIF with 415 AVATAR_UNSUPPORTED_TYPE', async () => {
      const session = await ctx.newUser();
      const res = await upload(session, fileForm(await solidImage('gif'), 'a.gif'));
      expectError(res, 415, 'AVATAR_UNSUPPORTED_TYPE');
      await expectNoAvatar(session);
    });

    it('refuses a file over 1 MiB with 413 PAYLOAD_TOO_LARGE, before reading the rest', async () => {
      const session = await ctx.newUser();
      const res = await upload(session, fileForm(paddedPng(solidPng(10, 10), MIB + 1)));
      expectError(res, 413, 'PAYLOAD_TOO_LARGE');
      await expectNoAvatar(session);
    });

    it('refuses an empty file with 400 AVATAR_MISSING', async () => {
      const session = await ctx.newUser();
      const res = await upload(session, fileForm(Buffer.alloc(0)));
      expectError(res, 400, 'AVATAR_MISSING');
      await expectNoAvatar(session);
    });

    it('refuses a file in another field with 400', async () => {
      const session = await ctx.newUser();
      const res = await upload(session, fileForm(solidPng(8, 8), 'a.png', 'avatar'));
      expectError(res, 400);
      await expectNoAvatar(session);
    });

    it('refuses a text part where the file belongs with 400', async () => {
      const session = await ctx.newUser();
      const form = new FormData();
      form.append('file', 'not a file part');
      const res = await upload(session, form);
      expectError(res, 400);
      await expectNoAvatar(session);
    });

    it.each([
      ['a JSON body', { body: { file: 'iVBORw0KGgo=' } }],
      ['a raw image body', { rawBody: solidPng(8, 8), headers: { 'content-type': 'image/png' } }],
    ])('refuses %s, not multipart, with 415', async (_label, request) => {
      const session = await ctx.newUser();
      const res = await t.http.put('/api/v1/users/me/avatar', {
        token: session.accessToken,
        ...request,
      });
      expectError(res, 415);
      await expectNoAvatar(session);
    });
  });
});
