import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { ChatState, type StateChange } from './chat-state.js';
import { Emitter } from './emitter.js';
import { MemoryOutboxStore, type OutboxStore } from './outbox.js';
import { ApiError, Rest } from './rest.js';
import { Session, type SharedTokens } from './session.js';
import type {
  Chat,
  ChatSettings,
  FriendRequest,
  Message,
  PendingSend,
  ReactionChange,
  SessionTokens,
  UnreadTotals,
  Upload,
  User,
} from './types.js';

export interface ChatClientOptions {
  /** The server, e.g. `https://chat.example.com`. */
  url: string;
  /** Where unacknowledged sends wait (default: memory). Give one that persists to survive reloads. */
  outbox?: OutboxStore;
  fetch?: typeof fetch;
  /** How long a socket request waits for its acknowledgement before it is tried again. */
  ackTimeoutMs?: number;
  /** How long before its expiry the access token is renewed. */
  refreshMarginMs?: number;
  /** `typing` is sent at most this often per chat while the user types. */
  typingIntervalMs?: number;
  /** How many messages of a chat are loaded when the SDK learns of it. */
  historyPageSize?: number;
  /** Passed to socket.io-client's `io()`. */
  socket?: Partial<ManagerOptions & SocketOptions>;
  /** For a session shared by several clients (browser tabs): see SharedTokens. */
  sharedTokens?: SharedTokens;
}

export interface SendOptions {
  replyToId?: number;
  attachmentIds?: number[];
  mentions?: number[];
}

export type OutboxState = 'pending' | 'sent' | 'failed';

export interface ChatClientEvents {
  /** A message's new state: per chat in rev order, each state once (sent, edited, deleted, reacted to). */
  message: (message: Message) => void;
  /** A chat learned of or changed (name, members, last message, unread counts, my settings). */
  chat: (chat: Chat) => void;
  /** A chat I left or was removed from, or that was deleted. */
  'chat:removed': (chatId: number) => void;
  typing: (event: { chatId: number; userId: number; isTyping: boolean }) => void;
  presence: (event: Presence) => void;
  read: (event: { chatId: number; userId: number; messageId: number }) => void;
  /** A friend request to or from me was sent, answered or withdrawn. */
  friends: (event: { type: 'new' | 'updated' | 'withdrawn'; request: FriendRequestEvent }) => void;
  /** Connected and caught up with every chat, or disconnected. */
  connection: (state: 'connected' | 'disconnected') => void;
  /** New tokens: keep them to resume the session later. */
  session: (tokens: SessionTokens) => void;
  /** The session cannot be renewed (logged out, revoked): log in again. */
  'session:ended': (error: unknown) => void;
  outbox: (event: { send: PendingSend; state: OutboxState; error?: ApiError }) => void;
}

/** A friend request as `friend-request:*` events carry it (withdrawn: only the ids). */
export type FriendRequestEvent = { id: number; fromUserId: number; toUserId: number } & Partial<
  Omit<FriendRequest, 'id' | 'fromUserId' | 'toUserId'>
>;

/** Whether a friend has a connected device, and when they were last seen when not. */
export interface Presence {
  userId: number;
  online: boolean;
  lastSeenAt: string | null;
}

type Ack<T> = ({ ok: true } & T) | { ok: false; error: { code: string; message: string } };

/** A live event about a chat, applied when its rev is the next one (docs/realtime.md, step 3). */
interface LiveChange {
  rev: number;
  apply(state: ChatState): StateChange | StateChange[] | null;
}

/** Refusals a later attempt may not get: the send waits and is tried again. */
const RETRIABLE = new Set(['RATE_LIMITED', 'SERVICE_UNAVAILABLE', 'INTERNAL_ERROR']);
/** A send still refused after this many tries with a retriable code is given up. */
const MAX_RETRIES = 8;
const RETRY_DELAY_MS = 1000;
const MAX_RETRY_DELAY_MS = 30_000;

/**
 * A chat client that keeps the server's promise on the client side: every message shown once, in
 * order, nothing lost across disconnects, restarts or replica switches. It follows
 * docs/realtime.md's recipe: a rev per chat, catch-up through the change feed after every
 * (re)connect and on any gap, and an outbox of sends resent with the same clientMessageId until
 * they are acknowledged.
 */
export class ChatClient extends Emitter<ChatClientEvents> {
  readonly rest: Rest;
  private readonly session: Session;
  private readonly outbox: OutboxStore;
  private socket: Socket | null = null;
  private readonly states = new Map<number, ChatState>();
  private readonly syncs = new Map<number, Promise<boolean>>();
  private readonly held = new Map<number, LiveChange[]>();
  private readonly waiting = new Map<
    string,
    { resolve(m: Message): void; reject(e: unknown): void }
  >();
  private readonly typingSentAt = new Map<number, number>();
  private readonly retries = new Map<string, number>();
  private readonly presences = new Map<number, Presence>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private catchingUp: Promise<void> = Promise.resolve();
  private catchUpFailures = 0;
  private flushing: Promise<void> | null = null;
  private flushAgain = false;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private me: User | null = null;
  /** The access token the socket connected with, to tell whether it needs a new one. */
  private socketToken: string | null = null;

  private constructor(
    private readonly options: ChatClientOptions,
    rest: Rest,
    tokens: SessionTokens,
    expiresIn?: number,
  ) {
    super();
    this.rest = rest;
    this.outbox = options.outbox ?? new MemoryOutboxStore();
    this.session = new Session(
      rest,
      { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken },
      expiresIn,
      options.refreshMarginMs ?? 60_000,
      (fresh) => this.renewed(fresh),
      (error) => this.emit('session:ended', error),
      options.sharedTokens,
    );
    rest.tokens = this.session;
  }

  static async login(options: ChatClientOptions, username: string, password: string) {
    const rest = new Rest(options.url, options.fetch);
    const answer = await rest.login(username, password);
    return new ChatClient(options, rest, answer, answer.expiresIn);
  }

  static async register(
    options: ChatClientOptions,
    username: string,
    password: string,
    displayName?: string,
  ) {
    const rest = new Rest(options.url, options.fetch);
    const answer = await rest.register(username, password, displayName);
    return new ChatClient(options, rest, answer, answer.expiresIn);
  }

  /** A session kept from before (the `session` event's tokens). */
  static resume(options: ChatClientOptions, tokens: SessionTokens): ChatClient {
    return new ChatClient(options, new Rest(options.url, options.fetch), tokens);
  }

  get user(): User {
    if (!this.me) throw new Error('Call start() first');
    return this.me;
  }

  get tokens(): SessionTokens {
    return this.session.current;
  }

  /** The underlying Socket.IO socket, for what the SDK does not wrap (null before start). */
  get socketIo(): Socket | null {
    return this.socket;
  }

  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  /**
   * Connects, learns the chats and catches up; resolves once connected and current, rejects when
   * the session ends first. The session's tokens come out as a `session` event too.
   */
  async start(): Promise<void> {
    this.me = await this.rest.call('get', '/api/v1/users/me');
    this.emit('session', this.session.current);
    const connected = new Promise<void>((resolve, reject) => {
      const offs = [
        this.on('connection', (state) => {
          if (state !== 'connected') return;
          offs.forEach((off) => off());
          resolve();
        }),
        this.on('session:ended', (error) => {
          offs.forEach((off) => off());
          reject(error);
        }),
      ];
    });
    this.connect();
    await connected;
  }

  /** Disconnects and stops every timer; sends still waiting stay in the outbox for next time. */
  async close(): Promise<void> {
    this.closed = true;
    this.session.stop();
    if (this.retry) clearTimeout(this.retry);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.socket?.disconnect();
    this.socket = null;
    const closed = new Error('The chat client was closed');
    for (const waiter of this.waiting.values()) waiter.reject(closed);
    this.waiting.clear();
  }

  /** A friend's presence as last heard (every friend's comes right after each connect). */
  presence(userId: number): Presence | undefined {
    return this.presences.get(userId);
  }

  /** The chats I am in, most recent activity first. */
  chats(): Chat[] {
    return [...this.states.values()]
      .map((state) => state.chat)
      .sort((a, b) => activity(b).localeCompare(activity(a)) || b.id - a.id);
  }

  chat(chatId: number): Chat | undefined {
    return this.states.get(chatId)?.chat;
  }

  /** The messages held of a chat, in seq order (the newest page and what arrived since). */
  messages(chatId: number): Message[] {
    return this.states.get(chatId)?.list() ?? [];
  }

  /**
   * Sends a message: it waits in the outbox until the server acknowledges it, resent with the same
   * clientMessageId across disconnects and restarts, and resolves with the stored message.
   */
  async send(chatId: number, body: string, options: SendOptions = {}): Promise<Message> {
    const send: PendingSend = {
      clientMessageId: newClientMessageId(),
      chatId,
      body,
      ...options,
      createdAt: new Date().toISOString(),
    };
    const stored = new Promise<Message>((resolve, reject) =>
      this.waiting.set(send.clientMessageId, { resolve, reject }),
    );
    await this.outbox.put(send);
    this.emit('outbox', { send, state: 'pending' });
    void this.flush();
    return stored;
  }

  /** The sends not acknowledged yet, oldest first. */
  pending(): Promise<PendingSend[]> {
    return this.outbox.load();
  }

  async edit(chatId: number, messageId: number, body: string, mentions?: number[]) {
    const message = await this.rest.call(
      'patch',
      '/api/v1/chats/{chatId}/messages/{messageId}',
      { chatId, messageId },
      { body: { body, ...(mentions ? { mentions } : {}) } },
    );
    this.whole(message);
    return message;
  }

  async remove(chatId: number, messageId: number): Promise<void> {
    await this.rest.call('delete', '/api/v1/chats/{chatId}/messages/{messageId}', {
      chatId,
      messageId,
    });
  }

  /** Adds (`on`) or takes back my reaction; the count follows with `message`. */
  async react(chatId: number, messageId: number, emoji: string, on = true): Promise<void> {
    const path = '/api/v1/chats/{chatId}/messages/{messageId}/reactions/{emoji}';
    await this.rest.call(on ? 'put' : 'delete', path, { chatId, messageId, emoji });
  }

  async markRead(chatId: number, messageId: number): Promise<void> {
    await this.rest.call(
      'post',
      '/api/v1/chats/{chatId}/read',
      { chatId },
      { body: { messageId } },
    );
    const state = this.states.get(chatId);
    const read = state?.get(messageId);
    if (state && read) {
      // The marker never moves back: reading an older message leaves the count as it is.
      const last = state.chat.lastMessage?.seq ?? read.seq;
      const unreadCount = Math.min(state.chat.unreadCount, Math.max(0, last - read.seq));
      this.emitChanges([state.replaceChat({ id: chatId, unreadCount })]);
    }
  }

  /** Call on every keystroke: `typing` goes out at most every typingIntervalMs, and once on stop. */
  typing(chatId: number, isTyping = true): void {
    const now = Date.now();
    const last = this.typingSentAt.get(chatId);
    const interval = this.options.typingIntervalMs ?? 3000;
    if (isTyping && last !== undefined && now - last < interval) return;
    if (!isTyping && last === undefined) return;
    if (isTyping) this.typingSentAt.set(chatId, now);
    else this.typingSentAt.delete(chatId);
    this.socket?.volatile.emit('typing', { chatId, isTyping }, () => undefined);
  }

  /** Uploads a file to attach to a message (`send(chatId, '', { attachmentIds: [upload.id] })`). */
  upload(file: Blob, name: string): Promise<Upload> {
    const form = new FormData();
    form.append('file', file, name);
    return this.rest.call('post', '/api/v1/uploads', {}, { form });
  }

  /** Loads the page of messages before the oldest one held. */
  async loadOlder(chatId: number, limit = this.options.historyPageSize ?? 50): Promise<Message[]> {
    const state = this.states.get(chatId);
    const before = state?.oldestId();
    if (!state || before === null || before === undefined) return [];
    const page = await this.rest.call(
      'get',
      '/api/v1/chats/{chatId}/messages',
      { chatId },
      { query: { limit, before } },
    );
    this.emitChanges(state.takeHistory(page.items, page.nextCursor === null));
    return page.items;
  }

  async search(q: string, chatId?: number, cursor?: string) {
    return this.rest.call('get', '/api/v1/messages/search', {}, { query: { q, chatId, cursor } });
  }

  unread(): Promise<UnreadTotals> {
    return this.rest.call('get', '/api/v1/me/unread');
  }

  async settings(chatId: number, changes: Partial<Omit<ChatSettings, 'chatId'>>) {
    const settings = await this.rest.call(
      'patch',
      '/api/v1/chats/{chatId}/settings',
      { chatId },
      { body: changes },
    );
    this.applySettings(settings);
    return settings;
  }

  async openDirect(userId: number): Promise<Chat> {
    const chat = await this.rest.call('post', '/api/v1/chats/direct', {}, { body: { userId } });
    await this.adopt(chat);
    return chat;
  }

  async createGroup(name: string, memberIds: number[]): Promise<Chat> {
    const body = { name, memberIds };
    const chat = await this.rest.call('post', '/api/v1/chats/groups', {}, { body });
    await this.adopt(chat);
    return chat;
  }

  // ---- connection ------------------------------------------------------------------------------

  private connect(): void {
    const socket = io(this.options.url, {
      transports: ['websocket'],
      ...this.options.socket,
      // Read at every (re)connect, so a renewed token is used.
      auth: (give) => {
        this.socketToken = this.session.accessToken();
        give({ token: this.socketToken });
      },
    });
    this.socket = socket;
    socket.on('connect', () => this.queueCatchUp());
    socket.on('disconnect', (reason) => {
      this.emit('connection', 'disconnected');
      // The server ends a socket whose token expired (after `session:expired`); socket.io does not
      // reconnect by itself then.
      if (reason === 'io server disconnect') void this.reconnect(true);
    });
    socket.on('connect_error', (error: Error & { data?: { code?: string } }) => {
      // A refused handshake is not retried by socket.io: renew the token if that was the reason.
      const code = error.data?.code;
      if (code && !this.closed) void this.reconnect(code.startsWith('TOKEN_'));
    });
    this.listen(socket);
  }

  /** Connects again; first renews the token when it was refused and is still the current one. */
  private async reconnect(tokenRefused: boolean): Promise<void> {
    try {
      if (tokenRefused && this.session.accessToken() === this.socketToken) {
        await this.session.refresh();
      }
    } catch {
      return; // `session:ended`, or the renewal is tried again later
    }
    this.later(() => this.socket?.connect(), RETRY_DELAY_MS);
  }

  /** A renewed token: kept by the app, and the socket moves to it before the old one expires. */
  private renewed(tokens: SessionTokens): void {
    this.emit('session', tokens);
    const socket = this.socket;
    if (!socket?.connected || this.closed) return;
    socket.disconnect();
    socket.connect();
  }

  private listen(socket: Socket): void {
    socket.on('message:new', (m: Message) => this.live(m.chatId, m.rev, (s) => s.takeFromRoom(m)));
    socket.on('message:updated', (m: Message) =>
      this.live(m.chatId, m.rev, (s) => s.takeFromRoom(m)),
    );
    socket.on(
      'message:deleted',
      (e: {
        chatId: number;
        messageId: number;
        rev: number;
        deletedAt: string;
        deletedBy: number;
      }) =>
        this.live(e.chatId, e.rev, (s) => s.deleted(e.messageId, e.rev, e.deletedAt, e.deletedBy)),
    );
    socket.on('message:reactions', (e: ReactionChange) =>
      this.live(e.chatId, e.rev, (s) => s.reactions(e)),
    );
    socket.on('chat:updated', (chat: Chat) =>
      this.live(chat.id, chat.rev, (s) => s.replaceChat(chat)),
    );
    const membership = (e: { chatId: number; userId: number; rev: number }, added: boolean) => {
      if (!added && e.userId === this.me?.id) return this.drop(e.chatId);
      this.live(e.chatId, e.rev, () => {
        void this.refreshChat(e.chatId);
        return null;
      });
    };
    socket.on('chat:member-added', (e) => membership(e, true));
    socket.on('chat:member-removed', (e) => membership(e, false));
    // The event is the chat as everyone sees it: what only I see of it comes with a GET.
    socket.on('chat:created', (chat: Chat) => void this.adoptById(chat.id));
    socket.on('chat:settings', (settings: ChatSettings) => this.applySettings(settings));
    socket.on('chat:read', (e) => this.emit('read', e));
    socket.on('typing', (e) => this.emit('typing', e));
    socket.on('presence', (e: Presence) => {
      this.presences.set(e.userId, e);
      this.emit('presence', e);
    });
    for (const type of ['new', 'updated', 'withdrawn'] as const) {
      socket.on(`friend-request:${type}`, (request: FriendRequestEvent) =>
        this.emit('friends', { type, request }),
      );
    }
  }

  private queueCatchUp(): void {
    this.catchingUp = this.catchingUp.then(() => this.catchUp());
  }

  /**
   * After every (re)connect (docs/realtime.md, step 5): the chat list, a sync of each chat that
   * moved on, then the outbox. `connection: connected` is emitted once all of it is done; a
   * failure is tried again while the socket stays connected.
   */
  private async catchUp(): Promise<void> {
    if (!this.socket?.connected || this.closed) return;
    let complete: boolean;
    try {
      complete = await this.catchUpChats();
    } catch {
      complete = false;
    }
    if (!this.socket?.connected || this.closed) return;
    if (!complete) {
      const delay = backoff(++this.catchUpFailures);
      this.later(() => this.queueCatchUp(), delay);
      return;
    }
    this.catchUpFailures = 0;
    this.emit('connection', 'connected');
    void this.flush();
  }

  /** True when every chat is current. */
  private async catchUpChats(): Promise<boolean> {
    const listed: Chat[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.rest.call(
        'get',
        '/api/v1/chats',
        {},
        { query: { limit: 100, cursor } },
      );
      listed.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const ids = new Set(listed.map((chat) => chat.id));
    // A chat can slip between pages of a list that moves (new activity): only a 404 removes it.
    const unlisted = [...this.states.keys()].filter((chatId) => !ids.has(chatId));
    const outcomes = await Promise.allSettled([
      ...unlisted.map((chatId) => this.refreshChat(chatId)),
      ...listed.map((chat) => {
        const state = this.states.get(chat.id);
        if (!state) return this.adopt(chat);
        // The listed chat's last message and counts include what the sync brings next.
        this.emitChanges([state.replaceChat(chat.lastRev > state.rev ? chat : viewerFields(chat))]);
        return chat.lastRev > state.rev ? this.sync(chat.id) : Promise.resolve(true);
      }),
    ]);
    return outcomes.every((o) => o.status === 'fulfilled' && o.value !== false);
  }

  // ---- chats and the change feed -----------------------------------------------------------------

  /**
   * A chat learned of: its newest page of history, then a sync from the rev it was listed at.
   * Its live events wait meanwhile, so the app hears of its messages in order.
   */
  private adopt(chat: Chat): Promise<boolean> {
    if (this.states.has(chat.id)) return this.sync(chat.id);
    const state = new ChatState(chat, chat.lastRev, this.me!.id);
    this.states.set(chat.id, state);
    this.emitChanges([{ type: 'chat', chatId: chat.id, chat }]);
    return this.sync(chat.id, async () => {
      const page = await this.rest.call(
        'get',
        '/api/v1/chats/{chatId}/messages',
        { chatId: chat.id },
        { query: { limit: this.options.historyPageSize ?? 50 } },
      );
      this.emitChanges(state.takeHistory(page.items, page.nextCursor === null));
    });
  }

  private async adoptById(chatId: number): Promise<void> {
    try {
      await this.adopt(await this.rest.call('get', '/api/v1/chats/{chatId}', { chatId }));
    } catch {
      // Gone again, or offline: the next catch-up lists it if it is still mine.
    }
  }

  private drop(chatId: number): void {
    if (!this.states.delete(chatId)) return;
    this.held.delete(chatId);
    this.emit('chat:removed', chatId);
  }

  /** The chat as a GET shows it now; true unless that failed (a 404 removes it). */
  private async refreshChat(chatId: number): Promise<boolean> {
    const state = this.states.get(chatId);
    if (!state) return true;
    try {
      const chat = await this.rest.call('get', '/api/v1/chats/{chatId}', { chatId });
      if (this.states.get(chatId) === state) this.emitChanges([state.replaceChat(chat)]);
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        this.drop(chatId);
        return true;
      }
      return false;
    }
  }

  /**
   * Step 3: a change whose rev is the next one is applied; one already applied is ignored; one
   * past a gap starts a sync. While a chat syncs, its live changes wait and are replayed after.
   */
  private live(chatId: number, rev: number, apply: LiveChange['apply']): void {
    const state = this.states.get(chatId);
    if (!state) return;
    if (this.syncs.has(chatId)) {
      this.held.get(chatId)?.push({ rev, apply });
      return;
    }
    const position = state.position(rev);
    if (position === 'applied') return;
    if (position === 'gap') {
      void this.sync(chatId, undefined, [{ rev, apply }]);
      return;
    }
    state.rev = rev;
    const changes = apply(state);
    this.emitChanges(Array.isArray(changes) ? changes : [changes]);
  }

  /**
   * Brings the chat up to date through the change feed, page by page (after `first`, such as
   * loading its history), then replays the live changes that waited. Resolves false when it failed:
   * it is tried again later, and the changes that waited are dropped (the sync brings them).
   */
  private sync(
    chatId: number,
    first?: () => Promise<void>,
    waiting: LiveChange[] = [],
  ): Promise<boolean> {
    const running = this.syncs.get(chatId);
    if (running) {
      this.held.get(chatId)?.push(...waiting);
      return running;
    }
    const state = this.states.get(chatId);
    if (!state) return Promise.resolve(true);
    this.held.set(chatId, [...waiting]);
    const done = (async () => {
      try {
        await first?.();
        return await this.syncPages(chatId, state);
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) {
          this.drop(chatId);
          return true;
        }
        return false;
      }
    })().then((ok) => {
      this.syncs.delete(chatId);
      const waited = (this.held.get(chatId) ?? []).sort((a, b) => a.rev - b.rev);
      this.held.delete(chatId);
      if (this.states.get(chatId) !== state) return true;
      if (ok) {
        for (const change of waited) this.live(chatId, change.rev, change.apply);
      } else if (this.socket?.connected) {
        this.later(() => void this.sync(chatId), RETRY_DELAY_MS);
      }
      return ok;
    });
    this.syncs.set(chatId, done);
    return done;
  }

  private async syncPages(chatId: number, state: ChatState): Promise<boolean> {
    let afterRev = state.rev;
    for (;;) {
      const page = await this.rest.call(
        'get',
        '/api/v1/chats/{chatId}/changes',
        { chatId },
        { query: { afterRev, limit: 100 } },
      );
      if (this.states.get(chatId) !== state) return true;
      this.emitChanges(state.applyPage(page));
      afterRev = page.upToRev;
      // Only the last page proves that nothing after its upToRev is missing.
      if (!page.hasMore) {
        state.rev = Math.max(state.rev, page.upToRev);
        return true;
      }
    }
  }

  private applySettings(settings: ChatSettings): void {
    const state = this.states.get(settings.chatId);
    if (!state) return;
    const { muted, archived } = settings;
    this.emitChanges([state.replaceChat({ id: settings.chatId, muted, archived })]);
  }

  /** A whole message state from an answer of mine (an ack, an edit): applied through its chat's rev. */
  private whole(message: Message): void {
    this.live(message.chatId, message.rev, (state) => state.take(message));
  }

  private emitChanges(changes: (StateChange | null)[]): void {
    for (const change of changes) {
      if (!change) continue;
      if (change.type === 'chat') this.emit('chat', change.chat);
      else {
        this.noteLastMessage(change.message);
        this.emit('message', change.message);
      }
    }
  }

  /** Chat lists show the newest message and count the unread ones: kept as messages arrive. */
  private noteLastMessage(message: Message): void {
    const state = this.states.get(message.chatId);
    if (!state) return;
    const last = state.chat.lastMessage;
    if (last && last.seq > message.seq) return;
    const {
      rev: _rev,
      replyTo: _r,
      reactions: _x,
      mentions: _m,
      attachments: _a,
      ...preview
    } = message;
    const unread =
      last && last.seq === message.seq
        ? state.chat.unreadCount
        : message.senderId === this.me?.id
          ? 0
          : state.chat.unreadCount + 1;
    const change = state.replaceChat({
      id: message.chatId,
      lastMessage: preview,
      unreadCount: unread,
    });
    this.emit('chat', change.chat);
  }

  // ---- the outbox ---------------------------------------------------------------------------------

  /**
   * Sends what waits, oldest first, one at a time, reading the outbox again after each (sends made
   * meanwhile are taken too); stops at the first that gets no answer.
   */
  private flush(): Promise<void> {
    if (this.flushing) {
      this.flushAgain = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      try {
        do {
          this.flushAgain = false;
          for (;;) {
            const [next] = await this.outbox.load();
            if (!next || !(await this.attempt(next))) return;
          }
        } while (this.flushAgain);
      } catch {
        this.retryLater(); // the store failed: try again later
      } finally {
        this.flushing = null;
      }
    })();
    return this.flushing;
  }

  /** True when the send is settled (stored or refused for good). */
  private async attempt(send: PendingSend): Promise<boolean> {
    const socket = this.socket;
    if (!socket?.connected || this.closed) return false;
    const { createdAt: _createdAt, ...payload } = send;
    let ack: Ack<{ message: Message }>;
    try {
      ack = await socket
        .timeout(this.options.ackTimeoutMs ?? 10_000)
        .emitWithAck('message:send', payload);
    } catch {
      // No answer: the next reconnect resends it, or the retry below if still connected.
      this.retryLater();
      return false;
    }
    const tries = (this.retries.get(send.clientMessageId) ?? 0) + 1;
    if (!ack.ok && RETRIABLE.has(ack.error.code) && tries < MAX_RETRIES) {
      this.retries.set(send.clientMessageId, tries);
      this.retryLater(backoff(tries));
      return false;
    }
    this.retries.delete(send.clientMessageId);
    await this.outbox.remove(send.clientMessageId);
    const waiter = this.waiting.get(send.clientMessageId);
    this.waiting.delete(send.clientMessageId);
    if (ack.ok) {
      this.whole(ack.message);
      this.emit('outbox', { send, state: 'sent' });
      waiter?.resolve(ack.message);
    } else {
      const error = new ApiError(400, ack.error.code, ack.error.message);
      this.emit('outbox', { send, state: 'failed', error });
      waiter?.reject(error);
    }
    return true;
  }

  private retryLater(delay = RETRY_DELAY_MS): void {
    if (this.retry || this.closed) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.flush();
    }, delay);
  }

  /** A timer that close() clears. */
  private later(work: () => void, delay: number): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) work();
    }, delay);
    this.timers.add(timer);
  }
}

/** The fields of a listed chat that only I see, or that change without a rev. */
function viewerFields(chat: Chat): Partial<Chat> & Pick<Chat, 'id'> {
  const { id, unreadCount, unreadMentionCount, muted, archived } = chat;
  return { id, unreadCount, unreadMentionCount, muted, archived };
}

function backoff(attempt: number): number {
  return Math.min(MAX_RETRY_DELAY_MS, RETRY_DELAY_MS * 2 ** Math.min(attempt - 1, 5));
}

/** A UUID; crypto.randomUUID exists only in secure contexts (not on plain http:// hosts). */
function newClientMessageId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function activity(chat: Chat): string {
  return chat.lastMessage?.createdAt ?? chat.createdAt;
}
