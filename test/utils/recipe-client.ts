import { ClientSocket, connectSocket } from './sockets';

/** A message as the server sends it (`message:new`, send acks, `sync`). */
export interface ChatMessage {
  id: number;
  chatId: number;
  seq: number;
  senderId: number;
  body: string | null;
  clientMessageId: string | null;
  createdAt: string;
}

/** One `message:send` emit and how it ended: `ok`, the error code, `timeout` or `disconnected`. */
export interface SendAttempt {
  clientMessageId: string;
  startedAt: number;
  endedAt: number;
  outcome: string;
  messageId?: number;
}

export interface RecipeClientStats {
  /** `message:new` events received, whether shown or not. */
  live: number;
  /** Live events with a seq below one already received live on the same socket stream. */
  outOfOrder: number;
  /** Live events that revealed a gap (seq > lastSeq + 1) and started a sync. */
  gaps: number;
  /** Messages shown because a `sync` returned them. */
  synced: number;
  syncFailures: number;
  reconnects: number;
  /** Seqs missing inside a `sync` answer: the server skipped a number. */
  syncHoles: number;
}

const CONNECT_TIMEOUT_MS = 3000;
const RETRY_DELAY_MS = 150;

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A client that follows "Never losing a message" in docs/realtime.md: it resends an unacknowledged
 * message with the same clientMessageId, keeps per chat the highest seq it has shown, syncs on a gap
 * and after every reconnect. It reconnects on its own, trying its URLs in turn.
 */
export class RecipeClient {
  readonly stats: RecipeClientStats = {
    live: 0,
    outOfOrder: 0,
    gaps: 0,
    synced: 0,
    syncFailures: 0,
    reconnects: 0,
    syncHoles: 0,
  };
  readonly attempts: SendAttempt[] = [];
  /** Per chat, what the user has been shown: seq 1, 2, 3, ... */
  readonly shown = new Map<number, ChatMessage[]>();
  private socket: ClientSocket | null = null;
  private closed = false;
  private urlIndex = 0;
  private waiters: (() => void)[] = [];
  private readonly lastLiveSeq = new Map<number, number>();
  private readonly syncs = new Map<number, Promise<void>>();
  private readonly syncAgain = new Set<number>();

  constructor(
    readonly userId: number,
    private readonly token: string,
    chatIds: number[],
    /** Where to connect, in order of preference; a failed attempt moves on to the next. */
    private readonly urls: string[],
  ) {
    for (const chatId of chatIds) this.shown.set(chatId, []);
  }

  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  get url(): string {
    return this.urls[this.urlIndex];
  }

  async connect(): Promise<void> {
    this.attach(await this.open(this.url));
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
    for (const wake of this.waiters.splice(0)) wake();
  }

  /**
   * Sends until acknowledged, always with the same clientMessageId: waits out disconnects and
   * refusals. Resolves with the stored message.
   */
  async deliver(
    chatId: number,
    clientMessageId: string,
    body: string,
    ackTimeoutMs: number,
  ): Promise<ChatMessage> {
    for (;;) {
      const socket = await this.whenConnected();
      const startedAt = Date.now();
      let outcome: string;
      let message: ChatMessage | undefined;
      try {
        const ack = await socket
          .timeout(ackTimeoutMs)
          .emitWithAck('message:send', { chatId, body, clientMessageId });
        if (ack.ok) {
          outcome = 'ok';
          message = ack.message as ChatMessage;
        } else {
          outcome = String(ack.error?.code);
        }
      } catch (error) {
        outcome = /disconnected/.test(String(error)) ? 'disconnected' : 'timeout';
      }
      this.attempts.push({
        clientMessageId,
        startedAt,
        endedAt: Date.now(),
        outcome,
        messageId: message?.id,
      });
      if (message) return message;
      await delay(RETRY_DELAY_MS);
    }
  }

  /** Step 4 of the recipe: everything after lastSeq, in every chat, until hasMore is false. */
  syncAll(): Promise<void> {
    return Promise.all([...this.shown.keys()].map((chatId) => this.sync(chatId))).then(
      () => undefined,
    );
  }

  private attach(socket: ClientSocket): void {
    this.socket = socket;
    socket.on('message:new', (message: ChatMessage) => this.onMessage(message));
    socket.on('disconnect', () => {
      if (!this.closed && this.socket === socket) void this.reconnect();
    });
    for (const wake of this.waiters.splice(0)) wake();
  }

  private async reconnect(): Promise<void> {
    while (!this.closed) {
      await delay(RETRY_DELAY_MS);
      if (this.closed) return;
      try {
        const socket = await this.open(this.url);
        if (this.closed) {
          socket.close();
          return;
        }
        this.stats.reconnects += 1;
        this.attach(socket);
        await this.syncAll();
        return;
      } catch {
        this.urlIndex = (this.urlIndex + 1) % this.urls.length;
      }
    }
  }

  /** connectSocket with a deadline: a server killed mid-handshake must not leave it pending. */
  private async open(url: string): Promise<ClientSocket> {
    let timer: NodeJS.Timeout | undefined;
    const connecting = connectSocket(url, { token: this.token });
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        void connecting.then(
          (late) => late.close(),
          () => undefined,
        );
        reject(new Error(`no connection to ${url} within ${CONNECT_TIMEOUT_MS} ms`));
      }, CONNECT_TIMEOUT_MS);
    });
    try {
      return await Promise.race([connecting, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private whenConnected(): Promise<ClientSocket> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.closed) reject(new Error(`client of user ${this.userId} is closed`));
        else if (this.socket?.connected) resolve(this.socket);
        else {
          this.waiters.push(check);
          // A disconnect does not wake waiters; poll so a waiter never depends on it.
          setTimeout(() => {
            const i = this.waiters.indexOf(check);
            if (i >= 0) {
              this.waiters.splice(i, 1);
              check();
            }
          }, RETRY_DELAY_MS);
        }
      };
      check();
    });
  }

  /** Step 3 of the recipe. */
  private onMessage(message: ChatMessage): void {
    const shown = this.shown.get(message.chatId);
    if (!shown) return;
    this.stats.live += 1;
    const lastLive = this.lastLiveSeq.get(message.chatId) ?? 0;
    if (message.seq < lastLive) this.stats.outOfOrder += 1;
    this.lastLiveSeq.set(message.chatId, Math.max(lastLive, message.seq));
    const lastSeq = shown.length;
    if (message.seq === lastSeq + 1) shown.push(message);
    else if (message.seq > lastSeq + 1) {
      this.stats.gaps += 1;
      void this.sync(message.chatId);
    }
  }

  /** One sync per chat at a time; a request meanwhile makes it run once more. */
  private sync(chatId: number): Promise<void> {
    const running = this.syncs.get(chatId);
    if (running) {
      this.syncAgain.add(chatId);
      return running;
    }
    const run = (async () => {
      do {
        this.syncAgain.delete(chatId);
        await this.syncOnce(chatId);
      } while (this.syncAgain.has(chatId) && !this.closed);
    })()
      .catch(() => undefined)
      .finally(() => this.syncs.delete(chatId));
    this.syncs.set(chatId, run);
    return run;
  }

  private async syncOnce(chatId: number): Promise<void> {
    const shown = this.shown.get(chatId)!;
    while (!this.closed) {
      const socket = await this.whenConnected();
      const answer = await socket
        .timeout(5000)
        .emitWithAck('sync', { chatId, afterSeq: shown.length, limit: 100 })
        .catch(() => null);
      if (!answer?.ok) {
        this.stats.syncFailures += 1;
        await delay(RETRY_DELAY_MS);
        continue;
      }
      for (const message of answer.messages as ChatMessage[]) {
        if (message.seq === shown.length + 1) {
          shown.push(message);
          this.stats.synced += 1;
        } else if (message.seq > shown.length + 1) {
          this.stats.syncHoles += 1;
          return;
        }
      }
      if (!answer.hasMore) return;
    }
  }
}
