import { LastMessageDto } from '../../chats/dto/last-message.dto';

/** A message: `{id, chatId, seq, senderId, body, clientMessageId, createdAt, editedAt, deletedAt}`. */
export class MessageResponseDto extends LastMessageDto {}
