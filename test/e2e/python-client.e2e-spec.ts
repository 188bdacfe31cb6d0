import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session, TestContext } from '../utils/context';
import { startTestApp, TestApp } from '../utils/test-app';

const PYTHON = process.env.PYTHON_PATH ?? '/usr/bin/python3';
/** The Python example of docs/realtime.md, run as a reader would copy it. */
const SNIPPET = /```python\n([\s\S]*?)```/.exec(
  readFileSync(join(__dirname, '../../docs/realtime.md'), 'utf8'),
)![1];

function hasPythonSocketIo(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import socketio, websocket'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const pythonFound = hasPythonSocketIo();
if (!pythonFound) {
  console.warn(
    `Python client test skipped: no python-socketio 5 and websocket-client for ${PYTHON} ` +
      '(Debian: apt-get install python3-socketio python3-websocket; or set PYTHON_PATH).',
  );
}
const describeWithPython = pythonFound ? describe : describe.skip;

function runSnippet(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-c', SNIPPET], { env: { PATH: process.env.PATH, ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

describeWithPython(`the Python example of docs/realtime.md (${PYTHON})`, () => {
  let t: TestApp;
  let shivam: Session;
  let chatId: number;

  beforeAll(async () => {
    t = await startTestApp();
    const ctx = new TestContext(t);
    shivam = await ctx.newUser('shivam');
    const shahn = await ctx.newUser('shahn');
    await ctx.befriend(shivam, shahn);
    chatId = (await ctx.directChat(shivam, shahn)).id;
  });
  afterAll(() => t.close());

  it('connects with the token, sends a message and gets it acknowledged', async () => {
    const run = await runSnippet({
      API_URL: t.baseUrl,
      ACCESS_TOKEN: shivam.accessToken,
      CHAT_ID: String(chatId),
    });
    expect(run).toMatchObject({ code: 0, output: expect.stringContaining('sent {') });
    const history = await t.http.get(`/api/v1/chats/${chatId}/messages`, {
      token: shivam.accessToken,
    });
    expect(history.body.items).toEqual([expect.objectContaining({ body: 'helloo' })]);
  });

  it('shows the handshake error code in connect_error and exits', async () => {
    const run = await runSnippet({
      API_URL: t.baseUrl,
      ACCESS_TOKEN: 'not-a-jwt',
      CHAT_ID: String(chatId),
    });
    expect(run.code).toBe(1);
    expect(run.output).toContain('connection refused: TOKEN_INVALID');
    expect(run.output).toContain('not connected: One or more namespaces failed to connect');
  });
});
