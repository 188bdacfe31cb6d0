import { MAX_DISTINCT_REACTIONS, MessagesError, MessagesErrorCode } from './messages.errors';

export interface ReactionRequest {
  userId: number;
  chatId: number;
  messageId: number;
  emoji: string;
  on: boolean;
  /** Taken off by the erasure of the user's deleted account: the chat need only exist. */
  erasure?: boolean;
}

/** One emoji on one message before the flush: its count, and which of the batch's users are in it. */
export interface EmojiState {
  messageId: number;
  emoji: string;
  count: number;
  users: number[];
}

/** A message a reaction names, as the flush found it. */
export interface ReactedMessage {
  id: number;
  chatId: number;
  rev: number;
  deleted: boolean;
}

export interface PlannedReaction {
  chatId: number;
  userId: number;
  messageId: number;
  emoji: string;
  count: number;
  me: boolean;
  /** Whether a row comes or goes: then `rev` is a new rev of the message and the change is announced. */
  changed: boolean;
  rev: number;
}

export interface ReactionRow {
  chatId: number;
  messageId: number;
  userId: number;
  emoji: string;
}

export interface ReactionPlan {
  outcomes: (PlannedReaction | MessagesError)[];
  added: ReactionRow[];
  removed: ReactionRow[];
  /** The messages whose rev moves, with their new rev. */
  revs: Map<number, number>;
}

/**
 * Decides a batch of reactions in order, as if each ran alone: the rows the flush found, then
 * each request's effect on them. Pure, so that the rules (idempotence, the limit of distinct
 * emoji, counts from rows) are one function; the flush writes only the net row changes.
 */
export function planReactions(
  requests: ReactionRequest[],
  messages: Map<number, ReactedMessage>,
  state: EmojiState[],
  takeRev: (chatId: number) => number,
): ReactionPlan {
  const emojis = new Map<string, { count: number; users: Set<number> }>();
  const distinct = new Map<number, number>();
  for (const { messageId, emoji, count, users } of state) {
    emojis.set(`${messageId}:${emoji}`, { count, users: new Set(users) });
    distinct.set(messageId, (distinct.get(messageId) ?? 0) + 1);
  }
  const initial = new Map([...emojis].map(([key, value]) => [key, new Set(value.users)]));
  const revs = new Map<number, number>();

  const outcomes = requests.map((request): PlannedReaction | MessagesError => {
    const message = messages.get(request.messageId);
    if (!message || message.chatId !== request.chatId) {
      return new MessagesError(MessagesErrorCode.MESSAGE_NOT_FOUND);
    }
    if (message.deleted) return new MessagesError(MessagesErrorCode.MESSAGE_DELETED);
    const key = `${request.messageId}:${request.emoji}`;
    const current = emojis.get(key) ?? { count: 0, users: new Set<number>() };
    const had = current.users.has(request.userId);
    const changed = had !== request.on;
    const emojisOnMessage = distinct.get(request.messageId) ?? 0;
    const newEmoji = changed && current.count === 0;
    if (newEmoji && emojisOnMessage >= MAX_DISTINCT_REACTIONS) {
      return new MessagesError(MessagesErrorCode.REACTION_LIMIT);
    }
    if (changed) {
      const count = current.count + (request.on ? 1 : -1);
      if (newEmoji) distinct.set(request.messageId, emojisOnMessage + 1);
      if (count === 0) distinct.set(request.messageId, emojisOnMessage - 1);
      if (request.on) current.users.add(request.userId);
      else current.users.delete(request.userId);
      emojis.set(key, { count, users: current.users });
      revs.set(request.messageId, takeRev(request.chatId));
    }
    return {
      chatId: request.chatId,
      userId: request.userId,
      messageId: request.messageId,
      emoji: request.emoji,
      count: emojis.get(key)?.count ?? 0,
      me: request.on,
      changed,
      rev: revs.get(request.messageId) ?? message.rev,
    };
  });

  const added: ReactionRow[] = [];
  const removed: ReactionRow[] = [];
  const seen = new Set<string>();
  for (const request of requests) {
    const key = `${request.messageId}:${request.emoji}`;
    const rowKey = `${key}:${request.userId}`;
    if (seen.has(rowKey) || !emojis.has(key)) continue;
    seen.add(rowKey);
    const before = initial.get(key)?.has(request.userId) ?? false;
    const after = emojis.get(key)!.users.has(request.userId);
    const { chatId, messageId, userId, emoji } = request;
    if (after && !before) added.push({ chatId, messageId, userId, emoji });
    if (before && !after) removed.push({ chatId, messageId, userId, emoji });
  }
  return { outcomes, added, removed, revs };
}
