import { performance } from 'node:perf_hooks';
import { io, Socket } from 'socket.io-client';

export interface BenchSession {
  id: number;
  token: string;
}

export interface BenchChat {
  id: number;
  members: number[];
}

export interface LoadOptions {
  baseUrl: string;
  sessions: BenchSession[];
  chats: BenchChat[];
  /** closed: each user keeps `window` sends in flight; open: `ratePerSecond` sends in all. */
  mode: 'closed' | 'open';
  window: number;
  ratePerSecond: number;
  durationMs: number;
  bodyLength: number;
  /** After every n-th acked message a user reacts to it (0: never); the reaction is awaited in its lane. */
  reactionEvery: number;
  /** After every n-th acked message its sender edits it (0: never), awaited in its lane. */
  editEvery: number;
  /** Called once every socket is connected, as the load starts: where CPU counts begin. */
  onConnected?: () => void;
}

export interface LoadResult {
  sent: number;
  acked: number;
  failedAcks: number;
  expectedDeliveries: number;
  deliveries: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  ackPerSecond: number;
  deliveriesPerSecond: number;
  ackLatencyMs: Percentiles;
  endToEndLatencyMs: Percentiles;
  loadGeneratorCpuSeconds: number;
  reactionsAcked: number;
  reactionsPerSecond: number;
  reactionAckLatencyMs: Percentiles;
  /** message:reactions events received, against those expected (one per member of the chat). */
  reactionDeliveries: number;
  expectedReactionDeliveries: number;
  editsAcked: number;
  editsPerSecond: number;
  editAckLatencyMs: Percentiles;
  /** message:updated events received, against those expected (one per member of the chat). */
  editDeliveries: number;
  expectedEditDeliveries: number;
}

/** A follow-up to acked messages (reactions, edits): its acks and the events it caused. */
interface FollowUps {
  acked: number;
  latencies: number[];
  deliveries: number;
  expectedDeliveries: number;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

const DRAIN_MS = 15_000;

export async function connectAll(
  baseUrl: string,
  sessions: BenchSession[],
  perUser = 1,
): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let start = 0; start < sessions.length * perUser; start += 200) {
    const batch = Array.from({ length: Math.min(200, sessions.length * perUser - start) }, (_, i) =>
      connect(baseUrl, sessions[(start + i) % sessions.length].token),
    );
    sockets.push(...(await Promise.all(batch)));
  }
  return sockets;
}

function connect(baseUrl: string, token: string): Promise<Socket> {
  const socket = io(baseUrl, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

/** Drives message:send over real sockets and checks every delivery: lost, duplicated, out of order. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const sockets = await connectAll(options.baseUrl, options.sessions);
  const membersOf = new Map(options.chats.map((chat) => [chat.id, chat.members.length]));
  const chatOf = new Map<number, number>();
  for (const chat of options.chats)
    for (const member of chat.members) if (!chatOf.has(member)) chatOf.set(member, chat.id);

  const ackLatencies: number[] = [];
  const endToEnd: number[] = [];
  let sent = 0;
  let acked = 0;
  let failedAcks = 0;
  let expectedDeliveries = 0;
  let deliveries = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  let counter = 0;
  const reactions: FollowUps = { acked: 0, latencies: [], deliveries: 0, expectedDeliveries: 0 };
  const edits: FollowUps = { acked: 0, latencies: [], deliveries: 0, expectedDeliveries: 0 };
  const EMOJI = ['👍', '❤', '😂', 'ok'];

  sockets.forEach((socket) => {
    const seen = new Set<number>();
    const lastSeq = new Map<number, number>();
    socket.on(
      'message:new',
      (message: { id: number; chatId: number; seq: number; body: string }) => {
        const now = performance.now();
        if (seen.has(message.id)) {
          duplicated += 1;
          return;
        }
        seen.add(message.id);
        deliveries += 1;
        if (message.seq <= (lastSeq.get(message.chatId) ?? 0)) outOfOrder += 1;
        lastSeq.set(message.chatId, message.seq);
        endToEnd.push(now - Number(message.body.slice(0, message.body.indexOf('|'))));
      },
    );
    socket.on('message:reactions', () => {
      reactions.deliveries += 1;
    });
    socket.on('message:updated', () => {
      edits.deliveries += 1;
    });
  });

  const followUp = async (
    stats: FollowUps,
    userIndex: number,
    event: 'reaction:set' | 'message:edit',
    payload: { chatId: number; messageId: number; [field: string]: unknown },
  ): Promise<void> => {
    const t0 = performance.now();
    const ack = (await sockets[userIndex]
      .timeout(30_000)
      .emitWithAck(event, payload)
      .catch(() => ({ ok: false }))) as { ok: boolean };
    if (!ack.ok) {
      failedAcks += 1;
      return;
    }
    stats.latencies.push(performance.now() - t0);
    stats.acked += 1;
    stats.expectedDeliveries += membersOf.get(payload.chatId)!;
  };

  options.onConnected?.();
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  const endsAt = startedAt + options.durationMs;
  const pending = new Set<Promise<void>>();

  const sendOne = (userIndex: number): Promise<void> => {
    const session = options.sessions[userIndex];
    const chatId = chatOf.get(session.id)!;
    const t0 = performance.now();
    const prefix = `${t0.toFixed(3)}|`;
    const body = prefix + 'x'.repeat(Math.max(0, options.bodyLength - prefix.length));
    sent += 1;
    counter += 1;
    const promise = sockets[userIndex]
      .timeout(30_000)
      .emitWithAck('message:send', { chatId, body, clientMessageId: `b-${session.id}-${counter}` })
      .then(async (ack: { ok: boolean; message?: { id: number } }) => {
        ackLatencies.push(performance.now() - t0);
        if (!ack.ok) {
          failedAcks += 1;
          return;
        }
        acked += 1;
        expectedDeliveries += membersOf.get(chatId)!;
        const messageId = ack.message!.id;
        if (options.reactionEvery > 0 && acked % options.reactionEvery === 0) {
          const emoji = EMOJI[counter % EMOJI.length];
          await followUp(reactions, userIndex, 'reaction:set', {
            chatId,
            messageId,
            emoji,
            on: true,
          });
        }
        if (options.editEvery > 0 && acked % options.editEvery === 0) {
          await followUp(edits, userIndex, 'message:edit', { chatId, messageId, body: `${body}!` });
        }
      })
      .catch(() => {
        failedAcks += 1;
      });
    pending.add(promise);
    void promise.finally(() => pending.delete(promise));
    return promise;
  };

  if (options.mode === 'closed') {
    const lanes = options.sessions.flatMap((_, userIndex) =>
      Array.from({ length: options.window }, async () => {
        while (performance.now() < endsAt) await sendOne(userIndex);
      }),
    );
    await Promise.all(lanes);
  } else {
    let next = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const due = Math.floor(((performance.now() - startedAt) / 1000) * options.ratePerSecond);
        while (sent < due) {
          void sendOne(next);
          next = (next + 1) % options.sessions.length;
        }
        if (performance.now() >= endsAt) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
  }
  const sendingMs = performance.now() - startedAt;
  await Promise.all(pending);
  const drainUntil = performance.now() + DRAIN_MS;
  while (
    (deliveries < expectedDeliveries ||
      reactions.deliveries < reactions.expectedDeliveries ||
      edits.deliveries < edits.expectedDeliveries) &&
    performance.now() < drainUntil
  ) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const cpu = process.cpuUsage(cpuBefore);
  for (const socket of sockets) socket.close();

  return {
    sent,
    acked,
    failedAcks,
    expectedDeliveries,
    deliveries,
    lost: Math.max(0, expectedDeliveries - deliveries),
    duplicated,
    outOfOrder,
    ackPerSecond: round((acked / sendingMs) * 1000),
    deliveriesPerSecond: round((deliveries / sendingMs) * 1000),
    ackLatencyMs: percentiles(ackLatencies),
    endToEndLatencyMs: percentiles(endToEnd),
    loadGeneratorCpuSeconds: round((cpu.user + cpu.system) / 1e6),
    reactionsAcked: reactions.acked,
    reactionsPerSecond: round((reactions.acked / sendingMs) * 1000),
    reactionAckLatencyMs: percentiles(reactions.latencies),
    reactionDeliveries: reactions.deliveries,
    expectedReactionDeliveries: reactions.expectedDeliveries,
    editsAcked: edits.acked,
    editsPerSecond: round((edits.acked / sendingMs) * 1000),
    editAckLatencyMs: percentiles(edits.latencies),
    editDeliveries: edits.deliveries,
    expectedEditDeliveries: edits.expectedDeliveries,
  };
}

export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: round(sorted[sorted.length - 1] ?? 0) };
}

export function round(value: number): number {
  return Math.round(value * 100) / 100;
}
