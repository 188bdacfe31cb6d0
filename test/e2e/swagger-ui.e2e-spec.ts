import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, chromium, Page } from 'playwright-core';
import { Session, TestContext } from '../utils/context';
import { startTestApp, TestApp } from '../utils/test-app';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The committed picture changes (port, ids, dates) on every run: rewrite it on purpose only. */
const SCREENSHOT = process.env.UPDATE_SCREENSHOT
  ? join(__dirname, '../../docs/swagger-ui.png')
  : join(tmpdir(), 'chat-backend-swagger-ui.png');
/** A name that is not loopback, so Chromium treats the page as a plain-HTTP site on a network. */
const NETWORK_HOST = 'chat-backend.test';
const WAIT_MS = 15_000;

const chromiumFound = existsSync(CHROMIUM);
if (!chromiumFound) {
  console.warn(`Swagger UI browser test skipped: no Chromium at ${CHROMIUM} (set CHROMIUM_PATH).`);
}
const describeInBrowser = chromiumFound ? describe : describe.skip;

describeInBrowser(`Swagger UI in headless Chromium (${CHROMIUM})`, () => {
  jest.setTimeout(60_000);
  let t: TestApp;
  let user: Session;
  let profile: string;
  let browser: BrowserContext;
  let page: Page;
  const offSite: string[] = [];
  const failures: string[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    user = await new TestContext(t).newUser('shivam', 'Shivam');
    profile = mkdtempSync(join(tmpdir(), 'swagger-ui-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--host-resolver-rules=MAP ${NETWORK_HOST} 127.0.0.1`,
      ],
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    const origin = new URL(t.baseUrl).origin;
    page.on('request', (request) => {
      if (new URL(request.url()).origin !== origin) offSite.push(request.url());
    });
    page.on('requestfailed', (request) =>
      failures.push(`${request.url()}: ${request.failure()?.errorText}`),
    );
    page.on('pageerror', (error) => failures.push(`page error: ${error.message}`));
    await page.goto(`${t.baseUrl}/docs`);
  });
  afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await t?.close();
  });

  it('lists every tag of the OpenAPI document as a section', async () => {
    const document = (await t.http.get('/docs-json')).body;
    const tags = new Set<string>();
    for (const methods of Object.values<Record<string, { tags?: string[] }>>(document.paths)) {
      for (const operation of Object.values(methods)) operation.tags?.forEach((x) => tags.add(x));
    }
    await page.locator('.opblock-tag-section').first().waitFor({ timeout: WAIT_MS });
    const sections = await page
      .locator('.opblock-tag-section h3.opblock-tag')
      .evaluateAll((headings) => headings.map((h) => h.getAttribute('data-tag')));
    expect([...tags].sort()).toEqual([
      'admin',
      'attachments',
      'auth',
      'blocks',
      'chats',
      'friends',
      'health',
      'messages',
      'push',
      'users',
    ]);
    expect([...sections].sort()).toEqual([...tags].sort());
  });

  it('points readers to the Socket.IO events from the description', async () => {
    const link = page.locator('.info .description a', { hasText: 'AsyncAPI document' });
    await expect(link.getAttribute('href')).resolves.toBe('/asyncapi');
  });

  it('authorizes with a token and executes GET /api/v1/users/me from the page', async () => {
    await page.locator('.auth-wrapper button.authorize').click();
    // The user's bearer scheme comes first; the admin API's has a form of its own.
    const dialog = page.locator('.modal-ux');
    const form = dialog.locator('form').first();
    await form.locator('input').fill(user.accessToken);
    await form.locator('button.auth.authorize').click();
    await dialog.locator('h6', { hasText: 'Authorized' }).waitFor({ timeout: WAIT_MS });
    await dialog.locator('button.btn-done').first().click();
    await expect(page.locator('.auth-wrapper button.authorize.locked').count()).resolves.toBe(1);

    const operation = page.locator('#operations-users-getMe');
    await operation.locator('.opblock-summary').click();
    await operation.locator('button.try-out__btn').click();
    await operation.locator('button.execute').click();
    const response = operation.locator('.live-responses-table .response');
    await response.first().waitFor({ timeout: WAIT_MS });

    await expect(response.locator('.response-col_status').innerText()).resolves.toBe('200');
    const body = response.locator('.response-col_description pre').first();
    expect(JSON.parse(await body.innerText())).toMatchObject({ id: user.id, username: 'shivam' });
    await expect(operation.locator('.curl-command').innerText()).resolves.toContain(
      `Authorization: Bearer ${user.accessToken}`,
    );
    // From the page's top (the title, the locked Authorize button) down to the response body.
    const bottom = await body.evaluate(
      (pre) => pre.getBoundingClientRect().bottom + pre.ownerDocument.documentElement.scrollTop,
    );
    const clip = { x: 0, y: 0, width: 1280, height: Math.ceil(bottom) + 6 };
    await page.screenshot({ path: SCREENSHOT, clip, fullPage: true });
  });

  it('loads only from the server itself: no CDN, nothing failed', () => {
    expect(offSite).toEqual([]);
    expect(failures).toEqual([]);
  });

  // helmet's default CSP would send `upgrade-insecure-requests`: a browser reaching the server by a
  // name or LAN address over plain HTTP would fetch the UI's scripts over HTTPS and show a blank page.
  // Loopback is exempt, hence the mapped name.
  it('renders when opened over plain HTTP by a network name, not localhost', async () => {
    const other = await browser.newPage();
    const assetFailed = new Promise<never>((_, reject) =>
      other.on('requestfailed', (request) =>
        reject(new Error(`${request.url()}: ${request.failure()?.errorText}`)),
      ),
    );
    assetFailed.catch(() => undefined);
    try {
      await other.goto(`http://${NETWORK_HOST}:${new URL(t.baseUrl).port}/docs`);
      const rendered = other.locator('.opblock-tag-section').first().waitFor({ timeout: WAIT_MS });
      await Promise.race([rendered, assetFailed]);
    } finally {
      await other.close();
    }
  });
});
