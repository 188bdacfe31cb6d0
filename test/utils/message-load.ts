import { Pool } from 'pg';
import { TestContext } from './context';
import { ChatMessage, delay, RecipeClient, SendAttempt } from './recipe-client';

/** Three direct chats and one group of four over six users: every member of every chat sends. */
export interface Scenario {
  users: { id: number; accessToken: string }[];
  chats: { id: number; memberIds: number[] }[];
}

export async function buildScenario(ctx: TestContext): Promise<Scenario> {
  const users = await Promise.all(Array.from({ length: 6 }, () => ctx.newUser()));
  const [u0, u1, u2, u3, u4, u5] = users;
  for (const [a, b] of [
    [u0, u1],
    [u2, u3],
    [u4, u5],
    [u0, u2],
    [u0, u3],
  ]) {
    await ctx.befriend(a, b);
  }
  const chats: Scenario['chats'] = [];
  for (const [a, b] of [
    [u0, u1],
    [u2, u3],
    [u4, u5],
  ]) {
    chats.push({ id: (await ctx.directChat(a, b)).id, memberIds: [a.id, b.id] });
  }
  const group = await ctx.group(u0, 'faults', [u1, u2, u3]);
  chats.push({ id: group.id, memberIds: [u0.id, u1.id, u2.id, u3.id] });
  return { users, chats };
}

/** One recipe client per user, connected; `urlsOf(i)` says where user i connects, in order. */
export async function connectClients(
  scenario: Scenario,
  urlsOf: (userIndex: number) => string[],
): Promise<RecipeClient[]> {
  const clients = scenario.users.map(
    (user, i) =>
      new RecipeClient(
        user.id,
        user.accessToken,
        scenario.chats.filter((chat) => chat.memberIds.includes(user.id)).map((chat) => chat.id),
        urlsOf(i),
      ),
  );
  await Promise.all(clients.map((client) => client.connect()));
  return clients;
}

export interface LoadOptions {
  /** Messages in flight per (sender, chat). */
  window: number;
  /** Pause after each acknowledged message, to keep the load moderate on a shared machine. */
  pauseMs: number;
  /** How long one emit waits for its ack before it counts as lost and is resent. */
  ackTimeoutMs: number;
}

/**
 * Every member of every chat sends, `window` messages in flight each, until told to stop taking new
 * ones. Each message is delivered through the recipe (resent with its clientMessageId until acked).
 */
export class MessageLoad {
  /** clientMessageId → chat it was sent to. */
  readonly sent = new Map<string, number>();
  /** clientMessageId → first acknowledged message, with when the ack came. */
  readonly acked = new Map<string, ChatMessage & { ackedAt: number }>();
  private stopping = false;
  private workers: Promise<void>[] = [];
  private counter = 0;
  private ackWaiters: { count: number; wake: () => void }[] = [];

  constructor(
    private readonly scenario: Scenario,
    private readonly clients: RecipeClient[],
    private readonly options: LoadOptions,
  ) {}

  start(): void {
    for (const chat of this.scenario.chats) {
      for (const memberId of chat.memberIds) {
        const client = this.clients.find((c) => c.userId === memberId)!;
        for (let w = 0; w < this.options.window; w += 1) {
          this.workers.push(this.work(client, chat.id));
        }
      }
    }
  }

  /** Gives up: no new messages, and unacknowledged ones end once their clients are closed. */
  abandon(): void {
    this.stopping = true;
    this.workers = this.workers.map((worker) => worker.catch(() => undefined));
  }

  /** Resolves once `count` more messages than now have been acknowledged. */
  async acks(count: number, timeoutMs = 20_000): Promise<void> {
    const target = this.acked.size + count;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${this.acked.size} of ${target} acks in ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.ackWaiters.push({
        count: target,
        wake: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** Stops new messages and waits until every message sent so far is acknowledged. */
  async finish(timeoutMs: number): Promise<void> {
    this.stopping = true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const unacked = [...this.sent.keys()].filter((id) => !this.acked.has(id));
        reject(new Error(`${unacked.length} messages never acknowledged: ${unacked.slice(0, 10)}`));
      }, timeoutMs);
    });
    try {
      await Promise.race([Promise.all(this.workers), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  get attempts(): SendAttempt[] {
    return this.clients.flatMap((client) => client.attempts);
  }

  private async work(client: RecipeClient, chatId: number): Promise<void> {
    while (!this.stopping) {
      this.counter += 1;
      const clientMessageId = `m-${client.userId}-${chatId}-${this.counter}`;
      this.sent.set(clientMessageId, chatId);
      const message = await client.deliver(
        chatId,
        clientMessageId,
        `message ${this.counter}`,
        this.options.ackTimeoutMs,
      );
      if (!this.acked.has(clientMessageId)) {
        this.acked.set(clientMessageId, { ...message, ackedAt: Date.now() });
        for (const waiter of [...this.ackWaiters]) {
          if (this.acked.size >= waiter.count) {
            this.ackWaiters.splice(this.ackWaiters.indexOf(waiter), 1);
            waiter.wake();
          }
        }
      }
      if (this.options.pauseMs > 0) await delay(this.options.pauseMs);
    }
  }
}

export interface Figures {
  sent: number;
  acked: number;
  stored: number;
  /** Messages that every member of their chat ended up shown. */
  delivered: number;
  /** Acked but not stored (or stored under another id), plus stored but not shown to a member. */
  lost: number;
  /** Rows beyond one per clientMessageId, and clientMessageIds acked with two different ids. */
  duplicated: number;
  /** Emits beyond the first of each message. */
  resent: number;
  /** Missing numbers in the chats' seq sequences (rows), and holes inside sync answers. */
  seqGaps: number;
  /** Shown lists that are not the chat's rows in seq order. */
  misordered: number;
  /** Rows whose clientMessageId no client sent. */
  strangers: number;
  liveEvents: number;
  syncFilled: number;
  outOfOrderLive: number;
  reconnects: number;
}

/**
 * Brings every client up to date the way a client would (sync after reconnect), then compares
 * what was sent, acknowledged, stored and shown.
 */
export async function settle(
  db: Pool,
  scenario: Scenario,
  clients: RecipeClient[],
  load: MessageLoad,
): Promise<Figures> {
  await Promise.all(clients.map((client) => client.syncAll()));
  const chatIds = scenario.chats.map((chat) => chat.id);
  const { rows } = await db.query<{
    id: string;
    chat_id: number;
    seq: string;
    client_message_id: string | null;
  }>(
    'SELECT id, chat_id, seq, client_message_id FROM messages WHERE chat_id = ANY($1) ORDER BY chat_id, seq',
    [chatIds],
  );
  const stored = rows.map((row) => ({
    id: Number(row.id),
    chatId: row.chat_id,
    seq: Number(row.seq),
    clientMessageId: row.client_message_id,
  }));
  const byClientMessageId = new Map<string, typeof stored>();
  for (const row of stored) {
    const key = row.clientMessageId ?? `null-${row.id}`;
    byClientMessageId.set(key, [...(byClientMessageId.get(key) ?? []), row]);
  }

  let lost = 0;
  for (const [clientMessageId, ack] of load.acked) {
    const copies = byClientMessageId.get(clientMessageId) ?? [];
    if (!copies.some((row) => row.id === ack.id && row.chatId === ack.chatId)) lost += 1;
  }
  let duplicated = [...byClientMessageId.values()].reduce((n, c) => n + c.length - 1, 0);
  const idsPerClientMessageId = new Map<string, Set<number>>();
  for (const attempt of load.attempts) {
    if (attempt.messageId === undefined) continue;
    const ids = idsPerClientMessageId.get(attempt.clientMessageId) ?? new Set<number>();
    ids.add(attempt.messageId);
    idsPerClientMessageId.set(attempt.clientMessageId, ids);
  }
  for (const ids of idsPerClientMessageId.values()) duplicated += ids.size - 1;

  let seqGaps = clients.reduce((n, client) => n + client.stats.syncHoles, 0);
  let misordered = 0;
  let delivered = 0;
  for (const chat of scenario.chats) {
    const chatRows = stored.filter((row) => row.chatId === chat.id);
    const maxSeq = chatRows.length ? chatRows[chatRows.length - 1].seq : 0;
    seqGaps += maxSeq - chatRows.length;
    const members = clients.filter((client) => chat.memberIds.includes(client.userId));
    const shownLists = members.map((client) => client.shown.get(chat.id)!);
    for (const shown of shownLists) {
      if (shown.some((message, i) => message.seq !== i + 1 || message.id !== chatRows[i]?.id)) {
        misordered += 1;
      }
    }
    for (const row of chatRows) {
      if (shownLists.every((shown) => shown[row.seq - 1]?.id === row.id)) delivered += 1;
      else lost += 1;
    }
  }
  const attempts = load.attempts;
  return {
    sent: load.sent.size,
    acked: load.acked.size,
    stored: stored.length,
    delivered,
    lost,
    duplicated,
    resent: attempts.length - new Set(attempts.map((a) => a.clientMessageId)).size,
    seqGaps,
    misordered,
    strangers: stored.filter((row) => !row.clientMessageId || !load.sent.has(row.clientMessageId))
      .length,
    liveEvents: clients.reduce((n, client) => n + client.stats.live, 0),
    syncFilled: clients.reduce((n, client) => n + client.stats.synced, 0),
    outOfOrderLive: clients.reduce((n, client) => n + client.stats.outOfOrder, 0),
    reconnects: clients.reduce((n, client) => n + client.stats.reconnects, 0),
  };
}

/** The figures that must be zero whatever the fault. */
export function nothingLost(figures: Figures) {
  const { lost, duplicated, seqGaps, misordered, strangers } = figures;
  return {
    lost,
    duplicated,
    seqGaps,
    misordered,
    strangers,
    unstored: figures.sent - figures.stored,
    unacked: figures.sent - figures.acked,
    undelivered: figures.stored - figures.delivered,
  };
}

export const NOTHING_LOST = {
  lost: 0,
  duplicated: 0,
  seqGaps: 0,
  misordered: 0,
  strangers: 0,
  unstored: 0,
  unacked: 0,
  undelivered: 0,
};

/** `key=value` pairs on one line, for the test's report. */
export function line(name: string, figures: object): string {
  return `${name}: ${Object.entries(figures)
    .map(([key, value]) => `${key}=${value}`)
    .join(' ')}`;
}

/** Attempts that overlap [from, to], by outcome, with the slowest answer among them. */
export function attemptsBetween(attempts: SendAttempt[], from: number, to: number) {
  const overlapping = attempts.filter((a) => a.endedAt >= from && a.startedAt <= to);
  const outcomes: Record<string, number> = {};
  for (const a of overlapping) outcomes[a.outcome] = (outcomes[a.outcome] ?? 0) + 1;
  const maxMs = overlapping.reduce((max, a) => Math.max(max, a.endedAt - a.startedAt), 0);
  return { count: overlapping.length, outcomes, maxMs };
}
