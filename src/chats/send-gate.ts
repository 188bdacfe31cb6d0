import { ChatsError } from './chats.errors';
import { LastMessageSnapshot } from './entities/chat-session.entity';

/** What a message send needs to know about its (locked) chat. */
export interface ChatForSend {
  id: number;
  topic: string;
  lastSeq: number;
  lastRev: number;
}

/**
 * What a change must pass: `send` as for sending (a member, and in a direct chat a pair who may
 * message), `participant` for taking one's own words or reaction back (membership alone), `erasure`
 * for taking back the words and reactions of a deleted account (who has left its groups): the chat
 * must only exist.
 */
export type GateKind = 'send' | 'participant' | 'erasure';

/** The outcome of locking a batch's chats: each chat's state, and why a user may not change it. */
export interface SendGate {
  chat(chatId: number): ChatForSend;
  refusal(chatId: number, userId: number, kind?: GateKind): ChatsError | null;
  /** Whether the user (a sender or someone a send mentions) is in the chat. */
  isParticipant(chatId: number, userId: number): boolean;
}

/**
 * A chat after a flush: its counters, its newest message when the flush sent any (the list's
 * preview and sort key), else its last message when the flush changed it (the preview only).
 */
export interface FlushedChat {
  chatId: number;
  lastSeq: number;
  lastRev: number;
  newest: LastMessageSnapshot | null;
  preview: LastMessageSnapshot | null;
}

/** A read marker to move forward: the user has read up to this message. */
export interface ReadMarker {
  chatId: number;
  userId: number;
  messageId: number;
  seq: number;
}
