import { existsSync } from 'node:fs';
import { Browser, chromium } from 'playwright-core';
import { TestContext } from '../utils/context';
import { fileForm, jpegWithLocation } from '../utils/images';
import { ClientSocket, connectSocket, nextEvent, send } from '../utils/sockets';
import { startTestApp, TestApp } from '../utils/test-app';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const chromiumFound = existsSync(CHROMIUM);
if (!chromiumFound) {
  console.warn(`Attachment browser test skipped: no Chromium at ${CHROMIUM} (set CHROMIUM_PATH).`);
}
const describeInBrowser = chromiumFound ? describe : describe.skip;

/**
 * Issue 16, done when: a photo with a caption sent over the socket reaches the other participant's
 * socket as `message:new`, and its thumbnail link loads as an `<img>` in headless Chromium, which
 * sends no Authorization header.
 */
describeInBrowser(`attachment links in headless Chromium (${CHROMIUM})`, () => {
  jest.setTimeout(60_000);
  let t: TestApp;
  let browser: Browser;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await browser?.close();
    await t?.close();
  });

  it('shows the thumbnail of a photo sent over the socket, from the link in message:new', async () => {
    const ctx = new TestContext(t);
    const [shivam, shahn] = await Promise.all([ctx.newUser('shivam'), ctx.newUser('shahn')]);
    await ctx.befriend(shivam, shahn);
    const chat = await ctx.directChat(shivam, shahn);
    const sender = await connectSocket(t.baseUrl, { token: shivam.accessToken });
    const receiver = await connectSocket(t.baseUrl, { token: shahn.accessToken });
    sockets.push(sender, receiver);

    const photo = await t.http.post('/api/v1/uploads', {
      token: shivam.accessToken,
      rawBody: fileForm(await jpegWithLocation(1200, 900), 'sunset.jpg'),
    });
    expect(photo.status).toBe(201);
    const arriving = nextEvent<any>(receiver, 'message:new');
    const ack: any = await send(sender, 'message:send', {
      chatId: chat.id,
      body: 'the sunset from the roof',
      clientMessageId: 'photo-1',
      attachmentIds: [photo.body.id],
    });
    expect(ack.ok).toBe(true);
    const message = await arriving;
    expect(message).toMatchObject({ body: 'the sunset from the roof', attachmentCount: 1 });
    const [attachment] = message.attachments;
    expect(attachment).toMatchObject({ contentType: 'image/jpeg', width: 1200, height: 900 });
    expect(attachment.thumbnailUrl).toContain(`reader=${shahn.id}`);

    const page = await browser.newPage();
    const requests: Record<string, string>[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/v1/attachments/')) requests.push(request.headers());
    });
    await page.goto(`${t.baseUrl}/`);
    await page.setContent(`<img id="thumbnail" src="${t.baseUrl}${attachment.thumbnailUrl}">`);
    // Typed loosely: this runs in the page, where the element is an HTMLImageElement.
    const size = await page.locator('#thumbnail').evaluate(async (img: any) => {
      await img.decode();
      return { width: img.naturalWidth as number, height: img.naturalHeight as number };
    });
    expect(size).toEqual({ width: 320, height: 240 });
    expect(requests).toHaveLength(1);
    expect(requests[0].authorization).toBeUndefined();
    await page.close();
  });
});
