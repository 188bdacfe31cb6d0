import { BenchChat, BenchSession } from './load';

/** Who exists and who talks to whom: indexes into the list of users. */
export interface Topology {
  users: number;
  directPairs: [number, number][];
  groups: number[][];
}

export interface Population {
  sessions: BenchSession[];
  chats: BenchChat[];
}

const PASSWORD = 'bench password 123';
const CONCURRENCY = 8;

/** The product is set up through its REST API, as a client would. */
export async function populateProduct(
  baseUrl: string,
  topology: Topology,
  prefix: string,
): Promise<Population> {
  const api = async (method: string, path: string, token?: string, body?: unknown) => {
    const response = await fetch(baseUrl + path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  const sessions = await inBatches(
    Array.from({ length: topology.users }, (_, i) => i),
    async (i) => {
      const { user, accessToken } = await api('POST', '/api/v1/auth/register', undefined, {
        username: `${prefix}_${i}`,
        password: PASSWORD,
      });
      return { id: user.id as number, token: accessToken as string };
    },
  );
  const befriend = async (a: BenchSession, b: BenchSession) => {
    const request = await api('POST', '/api/v1/friend-requests', a.token, { toUserId: b.id });
    await api('POST', `/api/v1/friend-requests/${request.id}/accept`, b.token);
  };
  const chats: BenchChat[] = [];
  await inBatches(topology.directPairs, async ([a, b]) => {
    await befriend(sessions[a], sessions[b]);
    const chat = await api('POST', '/api/v1/chats/direct', sessions[a].token, {
      userId: sessions[b].id,
    });
    chats.push({ id: chat.id, members: [sessions[a].id, sessions[b].id] });
  });
  await inBatches(topology.groups, async ([owner, ...members]) => {
    for (const member of members) await befriend(sessions[owner], sessions[member]);
    const chat = await api('POST', '/api/v1/chats/groups', sessions[owner].token, {
      name: 'bench',
      memberIds: members.map((m) => sessions[m].id),
    });
    chats.push({ id: chat.id, members: [owner, ...members].map((m) => sessions[m].id) });
  });
  return { sessions, chats };
}

/** The reference has no accounts or friends: it fills the same tables in one call. */
export async function populateReference(
  baseUrl: string,
  topology: Topology,
  prefix: string,
): Promise<Population> {
  const response = await fetch(`${baseUrl}/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      users: Array.from({ length: topology.users }, (_, i) => `${prefix}_${i}`),
      directPairs: topology.directPairs,
      groups: topology.groups,
    }),
  });
  if (!response.ok) throw new Error(`reference setup: ${response.status} ${await response.text()}`);
  const { users, chats } = (await response.json()) as { users: BenchSession[]; chats: BenchChat[] };
  return { sessions: users, chats };
}

export function directTopology(users: number): Topology {
  return {
    users,
    directPairs: Array.from({ length: users / 2 }, (_, i): [number, number] => [2 * i, 2 * i + 1]),
    groups: [],
  };
}

export function groupTopology(groups: number, size: number): Topology {
  return {
    users: groups * size,
    directPairs: [],
    groups: Array.from({ length: groups }, (_, g) =>
      Array.from({ length: size }, (_, i) => g * size + i),
    ),
  };
}

async function inBatches<T, R>(items: T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]);
      }
    }),
  );
  return results;
}
