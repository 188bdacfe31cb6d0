import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { PASSWORD, Session, TestContext, uniqueUsername } from '../utils/context';
import { solidPng } from '../utils/images';
import { startTestApp, TestApp } from '../utils/test-app';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = resolve(__dirname, '../..');
const WEB_DIST = join(ROOT, 'web/dist');
/** `UPDATE_SCREENSHOTS=1` writes the screenshots shown in the README. */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? join(ROOT, 'docs/screenshots') : null;

const chromiumFound = existsSync(CHROMIUM);
if (!chromiumFound) {
  console.warn(`Web app browser test skipped: no Chromium at ${CHROMIUM} (set CHROMIUM_PATH).`);
}
const describeInBrowser = chromiumFound ? describe : describe.skip;

/**
 * Issue 18: the web app, served by the server at /app/, in headless Chromium. Two people in two
 * browser contexts register, befriend, chat live, react, send a photo and search, under the
 * server's strict CSP (no violation may be reported).
 */
describeInBrowser('the web app in Chromium', () => {
  jest.setTimeout(120_000);
  let t: TestApp;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    // `npm test` on a fresh clone runs before any build: the app is built here when missing.
    if (!existsSync(join(WEB_DIST, 'index.html'))) {
      execFileSync(
        process.execPath,
        [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', 'web'],
        {
          cwd: ROOT,
          stdio: 'ignore',
        },
      );
    }
    t = await startTestApp({ WEB_APP_DIR: WEB_DIST });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function person(name: string): Promise<{ page: Page; username: string }> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' && !/401|Failed to load resource/.test(message.text())) {
        problems.push(`${name}: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) => problems.push(`${name}: ${error.message}`));
    // Reported as console errors, which fail the test (the page runs in a browser, not here).
    await page.addInitScript(
      "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))",
    );
    await page.goto(`${t.baseUrl}/app`);
    const username = uniqueUsername(name);
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    return { page, username };
  }

  async function shot(page: Page, name: string): Promise<void> {
    if (!SCREENSHOTS) return;
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  }

  it('two people befriend, chat live, react, send a photo, search and start a group', async () => {
    const shivam = await person('shivam');
    const shahn = await person('shahn');
    await shot(shivam.page, 'signed-in');

    // Shivam finds Shahn and sends a friend request; Shahn sees it live and accepts.
    await shivam.page.getByRole('button', { name: 'People' }).click();
    await shivam.page.getByPlaceholder('Find people by username').fill(shahn.username);
    await shivam.page.getByRole('button', { name: 'Add friend' }).click();
    await shivam.page.getByText(/Friend request sent/).waitFor();
    await shahn.page.getByRole('button', { name: 'People' }).click();
    await shahn.page.getByRole('button', { name: 'Accept' }).click();
    await shot(shahn.page, 'people');

    // Shahn opens the direct chat and writes; Shivam sees the chat arrive with an unread badge.
    await shahn.page
      .getByRole('region', { name: 'Friends' })
      .getByRole('button', { name: 'Message' })
      .click();
    await shahn.page.getByLabel('Message', { exact: true }).fill('helloo');
    await shahn.page.getByRole('button', { name: 'Send' }).click();
    await shivam.page.getByRole('button', { name: 'Chats' }).click();
    await shivam.page.getByLabel('1 unread').waitFor();
    await shot(shivam.page, 'chat-list');
    await shivam.page.getByRole('button', { name: /helloo/ }).click();
    const messagesOfShivam = shivam.page.getByRole('list', { name: 'Messages' });
    await messagesOfShivam.getByText('helloo').waitFor();

    // Shivam answers live, and reacts to Shahn's message.
    await shivam.page.getByLabel('Message', { exact: true }).fill('hi shahn, lunch tomorrow?');
    await shivam.page.getByRole('button', { name: 'Send' }).click();
    const messagesOfShahn = shahn.page.getByRole('list', { name: 'Messages' });
    await messagesOfShahn.getByText('hi shahn, lunch tomorrow?').waitFor();
    await messagesOfShivam.getByText('helloo').hover();
    await shivam.page.getByRole('button', { name: 'React 👍' }).first().click();
    await messagesOfShahn.getByRole('button', { name: '👍 1' }).waitFor();

    // Shahn sends a photo: Shivam sees its thumbnail load.
    await shahn.page.locator('input[type=file]').setInputFiles({
      name: 'photo.png',
      mimeType: 'image/png',
      buffer: solidPng(640, 480, [200, 90, 40]),
    });
    const photo = messagesOfShivam.getByRole('img', { name: 'photo.png' });
    await photo.waitFor();
    await shivam.page.waitForFunction("document.querySelector('img.photo')?.naturalWidth > 0");
    await shot(shivam.page, 'chat');

    // Shivam searches the chat.
    await shivam.page.getByRole('button', { name: 'Search' }).click();
    await shivam.page.getByPlaceholder('Search messages').fill('lunch');
    await shivam.page.getByPlaceholder('Search messages').press('Enter');
    const result = shivam.page.getByRole('list', { name: 'Search results' });
    await result.locator('mark', { hasText: 'lunch' }).waitFor();
    await shot(shivam.page, 'search');

    // Shivam sees Shahn online and starts a group with him; Shahn gets it live.
    await shivam.page.getByRole('button', { name: 'People' }).click();
    const friendsOfShivam = shivam.page.getByRole('region', { name: 'Friends' });
    await friendsOfShivam.getByRole('img', { name: 'online' }).waitFor();
    const newGroup = shivam.page.getByRole('region', { name: 'New group' });
    await newGroup.getByPlaceholder('Group name').fill('group-1');
    await newGroup.getByRole('checkbox').check();
    await newGroup.getByRole('button', { name: 'Create group' }).click();
    await shivam.page.getByRole('heading', { name: 'group-1' }).waitFor();
    await shivam.page.getByLabel('Message', { exact: true }).fill('welcome to group-1');
    await shivam.page.getByRole('button', { name: 'Send' }).click();
    await shahn.page.getByRole('button', { name: 'Chats' }).click();
    await shahn.page.getByRole('button', { name: /group-1.*welcome to group-1/ }).click();
    await shahn.page
      .getByRole('list', { name: 'Messages' })
      .getByText('welcome to group-1')
      .waitFor();

    // On a phone-sized screen the chat list and the chat take turns.
    await shahn.page.setViewportSize({ width: 390, height: 760 });
    await shahn.page.getByRole('button', { name: 'Back to chats' }).click();
    await shahn.page.getByRole('list', { name: 'My chats' }).waitFor();
    await shot(shahn.page, 'phone');

    expect(problems).toEqual([]);
  });

  it('keeps the session across a reload, and is served under a CSP with no inline script', async () => {
    const udit = await person('udit');
    await udit.page.reload();
    await udit.page.getByRole('button', { name: 'Sign out' }).waitFor();
    const response = await udit.page.request.get(`${t.baseUrl}/app/`);
    const csp = response.headers()['content-security-policy'];
    const scriptSrc = csp.split(';').find((d) => d.trim().startsWith('script-src'));
    expect(scriptSrc?.trim()).toBe("script-src 'self'");
    expect(problems).toEqual([]);
  });

  it('keeps a message sent offline in IndexedDB and sends it, once, when the app opens again', async () => {
    const udit = await person('udit');
    const ctx = new TestContext(t);
    const friend = await ctx.newUser();
    // Udit's session, as the app keeps it, befriends someone made over the API.
    const saved = JSON.parse(
      (await udit.page.evaluate("localStorage.getItem('chat-session')")) as string,
    ) as { tokens: { accessToken: string; refreshToken: string } };
    const me = await t.http.get('/api/v1/users/me', { token: saved.tokens.accessToken });
    const session: Session = { id: me.body.id, username: udit.username, ...saved.tokens };
    await ctx.befriend(friend, session);
    const chat = await ctx.directChat(friend, session);
    await udit.page.reload();
    await udit.page.getByRole('button', { name: /No messages yet/ }).click();

    await udit.page.context().setOffline(true);
    await udit.page.getByLabel('Message', { exact: true }).fill('written on the train');
    await udit.page.getByRole('button', { name: 'Send' }).click();
    const pending = await udit.page.evaluate(`new Promise((resolve) => {
      const open = indexedDB.open('chat-outbox-${udit.username}');
      open.onsuccess = () => {
        const all = open.result.transaction('sends').objectStore('sends').getAll();
        all.onsuccess = () => resolve(all.result.map((s) => s.body));
      };
    })`);
    expect(pending).toEqual(['written on the train']);
    await udit.page.close();

    await udit.page.context().setOffline(false);
    const again = await udit.page.context().newPage();
    await again.goto(`${t.baseUrl}/app/`);
    await again.getByRole('button', { name: 'Sign out' }).waitFor();
    const history = async () =>
      (
        await t.http.get(`/api/v1/chats/${chat.id}/messages`, { token: friend.accessToken })
      ).body.items.map((m: { body: string }) => m.body);
    for (let i = 0; i < 100 && (await history()).length === 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await history()).toEqual(['written on the train']);
    expect(problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|net::/.test(p))).toEqual([]);
  });

  it('keeps two tabs of one person signed in while they renew the session in turns', async () => {
    // Tokens that live 10 s: each tab renews every few seconds, sharing the refresh token.
    const shortLived = await startTestApp({ WEB_APP_DIR: WEB_DIST, JWT_ACCESS_TTL_SECONDS: '10' });
    try {
      const context = await browser.newContext();
      contexts.push(context);
      const first = await context.newPage();
      await first.goto(`${shortLived.baseUrl}/app/`);
      await first.getByRole('button', { name: 'Create an account' }).click();
      await first.getByLabel('Username').fill(uniqueUsername('tabs'));
      await first.getByLabel('Password').fill(PASSWORD);
      await first.getByRole('button', { name: 'Create account' }).click();
      await first.getByRole('button', { name: 'Sign out' }).waitFor();
      const second = await context.newPage();
      await second.goto(`${shortLived.baseUrl}/app/`);
      await second.getByRole('button', { name: 'Sign out' }).waitFor();

      await new Promise((resolve) => setTimeout(resolve, 16_000));
      for (const page of [first, second]) {
        await page.getByRole('button', { name: 'People' }).click();
        await page.getByRole('region', { name: 'Friends' }).waitFor();
        expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(1);
      }
      // A reload resumes from what the tabs stored last.
      await second.reload();
      await second.getByRole('button', { name: 'Sign out' }).waitFor();
    } finally {
      await shortLived.close();
    }
  });
});
