import type { Chat, ChatChanges, Message, ReactionChange } from './types.js';

/** What a change did to the state the SDK holds: the app hears of each exactly once, in rev order. */
export type StateChange =
  | { type: 'message'; chatId: number; message: Message }
  | { type: 'chat'; chatId: number; chat: Chat };

export type ChatChange = Extract<StateChange, { type: 'chat' }>;

/** How a live event's rev relates to what is held: already applied, the next one, or past a gap. */
export type RevPosition = 'applied' | 'next' | 'gap';

/**
 * One chat as the SDK holds it, following docs/realtime.md's recipe: `rev` is the highest rev up to
 * which every change has been applied; a message's state is taken only when its rev is higher than
 * the one held, so a state that arrives twice (an ack, then `message:new`) changes nothing twice.
 */
export class ChatState {
  private readonly messages = new Map<number, Message>();
  /**
   * The seq of the oldest message of the history loaded (1 once it is all loaded): an older
   * message that a change brings (a reaction, a reply's target edited) is not held, or the
   * history would look whole with a hole in it.
   */
  private floor = Number.MAX_SAFE_INTEGER;

  constructor(
    public chat: Chat,
    /** Every change up to this rev is applied. */
    public rev: number,
    private readonly me: number,
  ) {}

  /** The messages held, in seq order. */
  list(): Message[] {
    return [...this.messages.values()].sort((a, b) => a.seq - b.seq);
  }

  get(messageId: number): Message | undefined {
    return this.messages.get(messageId);
  }

  /**
   * A page of history, newest first as the server lists it, loaded down to its oldest message
   * (`complete`: nothing older exists). Its messages are taken in seq order.
   */
  takeHistory(page: Message[], complete: boolean): StateChange[] {
    const oldest = page.reduce((seq, m) => Math.min(seq, m.seq), this.floor);
    this.floor = complete ? 1 : oldest;
    return [...page].sort((a, b) => a.seq - b.seq).flatMap((m) => this.take(m) ?? []);
  }

  /** The id of the oldest message held, to load the page before it; null when all is loaded. */
  oldestId(): number | null {
    if (this.floor <= 1) return null;
    return this.list()[0]?.id ?? null;
  }

  position(rev: number): RevPosition {
    if (rev <= this.rev) return 'applied';
    return rev === this.rev + 1 ? 'next' : 'gap';
  }

  /**
   * A whole state with the reader's own `me` (an ack, a sync page, a GET): kept when newer than the
   * one held. Returns the change, or null when it was not newer.
   */
  take(message: Message): StateChange | null {
    if (message.seq < this.floor) return null;
    const held = this.messages.get(message.id);
    if (held && held.rev >= message.rev) return null;
    this.messages.set(message.id, message);
    return { type: 'message', chatId: this.chat.id, message };
  }

  /**
   * A message as an event to the whole room carries it (`me` always false): the reader's own `me`
   * per emoji is kept from the state held.
   */
  takeFromRoom(message: Message): StateChange | null {
    const held = this.messages.get(message.id);
    if (!held) return this.take(message);
    const mine = new Set(held.reactions.filter((r) => r.me).map((r) => r.emoji));
    const reactions = message.reactions.map((r) => ({ ...r, me: mine.has(r.emoji) }));
    return this.take({ ...message, reactions });
  }

  deleted(
    messageId: number,
    rev: number,
    deletedAt: string,
    deletedBy: number,
  ): StateChange | null {
    const held = this.messages.get(messageId);
    // A message older than the history loaded: history pages are current when loaded.
    if (!held) return null;
    return this.take({
      ...held,
      body: null,
      reactions: [],
      mentions: [],
      attachments: [],
      attachmentCount: 0,
      deletedAt,
      deletedBy,
      rev,
    });
  }

  reactions(change: ReactionChange): StateChange | null {
    const held = this.messages.get(change.messageId);
    if (!held) return null;
    const others = held.reactions.filter((r) => r.emoji !== change.emoji);
    const before = held.reactions.find((r) => r.emoji === change.emoji);
    const me = change.userId === this.me ? change.on : (before?.me ?? false);
    const reactions =
      change.count > 0 ? [...others, { emoji: change.emoji, count: change.count, me }] : others;
    reactions.sort((a, b) => b.count - a.count || compareCodePoints(a.emoji, b.emoji));
    return this.take({ ...held, reactions, rev: change.rev });
  }

  /** The chat itself changed (renamed, members): what only I see of it is kept. */
  replaceChat(chat: Partial<Chat> & Pick<Chat, 'id'>): ChatChange {
    this.chat = { ...this.chat, ...chat };
    return { type: 'chat', chatId: this.chat.id, chat: this.chat };
  }

  /** A page of the change feed: every message as it is now, and the chat when it changed. */
  applyPage(page: ChatChanges): StateChange[] {
    const changes: StateChange[] = [];
    for (const message of page.messages) {
      const change = this.take(message);
      if (change) changes.push(change);
    }
    if (page.chat) changes.push(this.replaceChat(page.chat));
    return changes;
  }
}

/** Unicode code point order, as the server sorts emoji. */
function compareCodePoints(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
    if (x[i] !== y[i]) return x[i] - y[i];
  }
  return x.length - y.length;
}
