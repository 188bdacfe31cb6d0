import { AttachmentResponseDto } from '../attachments/dto/attachment-response.dto';
import { MessageResponseDto } from './dto/message-response.dto';
import { MessageView } from './message-view';

/** The message for one reader, with its files' links signed for that reader (see MessageFiles). */
export function toMessageResponse(
  message: MessageView,
  attachments: AttachmentResponseDto[],
): MessageResponseDto {
  const { replyTo } = message;
  return {
    id: message.id,
    chatId: message.chatId,
    seq: message.seq,
    rev: message.rev,
    senderId: message.senderId,
    body: message.body,
    clientMessageId: message.clientMessageId,
    createdAt: message.createdAt.toISOString(),
    editedAt: message.editedAt?.toISOString() ?? null,
    deletedAt: message.deletedAt?.toISOString() ?? null,
    deletedBy: message.deletedBy,
    replyTo: replyTo && { ...replyTo, deletedAt: replyTo.deletedAt?.toISOString() ?? null },
    reactions: message.reactions,
    mentions: message.mentions,
    attachmentCount: message.attachmentCount,
    attachments,
  };
}

/**
 * The message as an event to a whole chat carries it: the event does not know its reader, so no
 * reaction is marked as theirs.
 */
export function forEveryone(message: MessageResponseDto): MessageResponseDto {
  if (!message.reactions.some((reaction) => reaction.me)) return message;
  return { ...message, reactions: message.reactions.map((r) => ({ ...r, me: false })) };
}
