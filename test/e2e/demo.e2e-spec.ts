import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../utils/free-port';
import { startTestApp, TestApp } from '../utils/test-app';

interface DemoRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const ROOT = join(__dirname, '../..');

/** `npm run demo` as a user runs it: a child process talking to the server over the network. */
function runDemo(env: Record<string, string>): Promise<DemoRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'scripts/demo.ts'],
      { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function expectLines(transcript: string, lines: (string | RegExp)[]): void {
  const actual = transcript.split('\n');
  for (const line of lines) {
    const found = actual.some((a) => (typeof line === 'string' ? a === line : line.test(a)));
    expect({ line: String(line), found, transcript }).toMatchObject({ found: true });
  }
}

describe('npm run demo', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('plays the sample scenario live, says the accounts and what to try next, and exits 0', async () => {
    const run = await runDemo({ API_URL: t.baseUrl });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expectLines(run.stdout, [
      /^shahn registered \(user \d+\) and connected a socket$/,
      /^udit registered \(user \d+\) and connected a socket$/,
      '[shahn → shivam] friend request: "hi"',
      /^ {2}shivam received it live \(request \d+\)$/,
      "[shivam] accepts shahn's request",
      '  shahn received the acceptance live; they are friends',
      /^shivam opens the direct chat with shahn: shivam\/shahn \(chat \d+, created\)$/,
      '  shahn received chat:created live',
      '[shivam → shivam/shahn] helloo',
      '  shahn received it live (seq 1)',
      /^ {2}shivam saw the read marker move live \(message \d+\)$/,
      '  shivam saw "shahn is typing" live',
      /^\[shahn\] creates group-1 \(chat \d+\) with shivam and udit$/,
      '  udit received chat:created live',
      /^\[shivam\] pulls his chats \(.*\) and chooses group-1 \(chat \d+\)$/,
      '[shivam → group-1] hi group',
      '[shahn → group-1] welcome to group-1   (sent over REST)',
      '[udit → group-1] helo everyone',
      '  shahn received it live (seq 3)',
      '  shivam received it live (seq 3)',
      '  shivam received the edit live: "hello everyone"',
      'Done: every message and event above was received live.',
      'The accounts: shahn, shivam and udit, each with the password "correct horse battery staple".',
      `Next: open ${t.baseUrl}/docs and log in as shivam with POST /api/v1/auth/login;`,
    ]);
    const login = await t.http.post('/api/v1/auth/login', {
      body: { username: 'shivam', password: 'correct horse battery staple' },
    });
    expect(login.status).toBe(200);
  });

  it('runs again against the same server: logs in and reuses the friendships and chats', async () => {
    const run = await runDemo({ API_URL: t.baseUrl });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expectLines(run.stdout, [
      /^shivam logged in \(user \d+\) and connected a socket$/,
      'shahn and shivam are friends already (from an earlier run)',
      'shivam and udit are friends already (from an earlier run)',
      /^shivam opens the direct chat with shahn: shivam\/shahn \(chat \d+, found: .*\)$/,
      '[shivam → shivam/shahn] helloo',
      '  shahn received it live (seq 3)',
      'group-1 is there already (from an earlier run)',
      '  udit received it live (seq 4)',
      'Done: every message and event above was received live.',
    ]);
    expect(run.stdout).not.toMatch(/friend request:|creates group-1/);

    const chats = await t.db.query(
      `SELECT type, name, last_seq::int AS "lastSeq" FROM chat_sessions ORDER BY id`,
    );
    expect(chats.rows).toEqual([
      { type: 'direct', name: 'shivam/shahn', lastSeq: 4 },
      { type: 'group', name: 'group-1', lastSeq: 6 },
    ]);
    const friendships = await t.db.query(
      'SELECT count(*)::int AS n FROM friendships WHERE user_low_id < user_high_id',
    );
    expect(friendships.rows[0].n).toBe(3);
  });

  it('refuses an existing user whose password is not the demo one', async () => {
    const run = await runDemo({ API_URL: t.baseUrl, DEMO_PASSWORD: 'not the demo password' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `The user "shahn" already exists on ${t.baseUrl} with a different password.`,
    );
  });

  it('says to start the server when nothing answers', async () => {
    const run = await runDemo({ API_URL: `http://127.0.0.1:${await freePort()}` });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('(ECONNREFUSED)');
    expect(run.stderr).toContain('Start the server with `npm start` first');
  });
});
