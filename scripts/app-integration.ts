/**
 * The sample scenario as an app's backend runs it for its own accounts, without a password anywhere
 * (docs/integration.md): it provisions its people by its own ids, makes them friends by its own
 * rules and hands each a session; then Shivam messages Shahn 1-1 and the three talk in "group-1",
 * Shahn listening live over Socket.IO. Safe to run again against the same server.
 *
 *   ADMIN_API_TOKEN=... API_URL=http://localhost:3000 npm run integration-example
 */
import { randomUUID } from 'node:crypto';
import { io, Socket } from 'socket.io-client';

const API_URL = (process.env.API_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
const ADMIN_API_TOKEN = process.env.ADMIN_API_TOKEN ?? '';
const WAIT_MS = 5000;

/** The app's people: its own ids, and the chat usernames it gives them. */
const PEOPLE = [
  { externalId: 'app-user-shivam', username: 'shivam', displayName: 'Shivam' },
  { externalId: 'app-user-shahn', username: 'shahn', displayName: 'Shahn' },
  { externalId: 'app-user-udit', username: 'udit', displayName: 'Udit' },
];

class IntegrationError extends Error {}

/** One call of the chat API; the admin token or a person's access token. */
async function api(method: string, path: string, token: string, body?: object): Promise<any> {
  const response = await fetch(`${API_URL}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(15_000),
  }).catch((error: Error) => {
    throw new IntegrationError(`Cannot reach ${API_URL}: ${error.message}`);
  });
  const text = await response.text();
  if (!response.ok) throw new IntegrationError(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

function listen(token: string): Promise<Socket> {
  const socket = io(API_URL, { auth: { token }, transports: ['websocket'], reconnection: false });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => reject(new IntegrationError(error.message)));
  });
}

function nextMessage(socket: Socket, chatId: number): Promise<{ senderId: number; body: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new IntegrationError('no live message')), WAIT_MS);
    socket.on(
      'message:new',
      function heard(message: { chatId: number; senderId: number; body: string }) {
        if (message.chatId !== chatId) return;
        clearTimeout(timer);
        socket.off('message:new', heard);
        resolve(message);
      },
    );
  });
}

async function main(): Promise<void> {
  if (!ADMIN_API_TOKEN)
    throw new IntegrationError('Set ADMIN_API_TOKEN to the server’s admin token');

  // 1. The app's backend provisions its people (create or update, by its own ids).
  const users = [];
  for (const person of PEOPLE) {
    const { externalId, ...profile } = person;
    users.push(
      await api('PUT', `/admin/users/by-external-id/${externalId}`, ADMIN_API_TOKEN, profile),
    );
    console.log(`provisioned ${person.username} (app id ${externalId}) as user ${users.at(-1).id}`);
  }
  const [shivam, shahn, udit] = users;

  // 2. Its own rules say who may talk: Shivam and Shahn, Shivam and Udit.
  for (const other of [shahn, udit]) {
    await api('PUT', '/admin/friendships', ADMIN_API_TOKEN, { userIds: [shivam.id, other.id] });
  }
  console.log('shivam is friends with shahn and udit');

  // 3. Each person gets a session from the app: no password, the same tokens as a login.
  const sessions = [];
  for (const user of users) {
    sessions.push(await api('POST', `/admin/users/${user.id}/sessions`, ADMIN_API_TOKEN));
  }
  const [asShivam, asShahn, asUdit] = sessions.map((session) => session.accessToken as string);

  // 4. What the people do from then on, with their own tokens: the sample scenario.
  const shahnLive = await listen(asShahn);
  try {
    const direct = await api('POST', '/chats/direct', asShivam, { userId: shahn.id });
    const heard = nextMessage(shahnLive, direct.id);
    await api('POST', `/chats/${direct.id}/messages`, asShivam, {
      body: 'Hi Shahn!',
      clientMessageId: randomUUID(),
    });
    console.log(`shahn heard live from user ${(await heard).senderId}: ${(await heard).body}`);

    const group = await api('POST', '/chats/groups', asShivam, {
      name: 'group-1',
      memberIds: [shahn.id, udit.id],
    });
    const inGroup = nextMessage(shahnLive, group.id);
    await api('POST', `/chats/${group.id}/messages`, asUdit, {
      body: 'Hello group-1',
      clientMessageId: randomUUID(),
    });
    console.log(`shahn heard in group-1: ${(await inGroup).body}`);
    const history = await api('GET', `/chats/${group.id}/messages`, asShahn);
    console.log(`group-1 holds ${history.items.length} message(s); done`);
  } finally {
    shahnLive.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof IntegrationError ? error.message : error);
  process.exit(1);
});
