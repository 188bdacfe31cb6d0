import { ChatResponseDto } from './dto/chat-response.dto';
import { ParticipantResponseDto } from './dto/participant-response.dto';
import { ChatParticipant } from './entities/chat-participant.entity';
import { ChatSession, LastMessageSnapshot } from './entities/chat-session.entity';

/** What of a chat only its viewer sees: their unread counts and their own settings. */
export interface ViewerState {
  lastReadSeq: number;
  unreadMentionCount: number;
  muted: boolean;
  archived: boolean;
}

/** A chat as everyone in it sees it; the viewer's state is added per viewer. */
export type ChatSnapshot = Omit<
  ChatResponseDto,
  'unreadCount' | 'unreadMentionCount' | 'muted' | 'archived'
>;

export function toParticipantResponse(participant: ChatParticipant): ParticipantResponseDto {
  return {
    userId: participant.userId,
    role: participant.role,
    joinedAt: participant.joinedAt.toISOString(),
  };
}

export function toChatSnapshot(chat: ChatSession, participants: ChatParticipant[]): ChatSnapshot {
  return {
    id: chat.id,
    type: chat.type,
    name: chat.name,
    topic: chat.topic,
    createdAt: chat.createdAt.toISOString(),
    updatedAt: chat.updatedAt.toISOString(),
    participants: participants.map(toParticipantResponse),
    rev: chat.rev,
    lastRev: chat.lastRev,
    lastMessage: chat.lastMessage && {
      ...chat.lastMessage,
      attachmentCount: chat.lastMessage.attachmentCount ?? 0,
    },
  };
}

export function toChatResponse(
  chat: ChatSession,
  participants: ChatParticipant[],
  viewer: ViewerState,
): ChatResponseDto {
  return {
    ...toChatSnapshot(chat, participants),
    unreadCount: Math.max(0, chat.lastSeq - viewer.lastReadSeq),
    unreadMentionCount: viewer.unreadMentionCount,
    muted: viewer.muted,
    archived: viewer.archived,
  };
}

/** The fields of a message that chat lists show (reactions and replies change without it). */
export function toLastMessage(message: LastMessageSnapshot): LastMessageSnapshot {
  const { id, chatId, seq, senderId, body, clientMessageId, createdAt, editedAt, deletedAt } =
    message;
  const attachmentCount = message.attachmentCount ?? 0;
  return {
    id,
    chatId,
    seq,
    senderId,
    body,
    clientMessageId,
    createdAt,
    editedAt,
    deletedAt,
    attachmentCount,
  };
}
