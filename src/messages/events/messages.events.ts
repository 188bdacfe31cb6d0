import { MessageResponseDto } from '../dto/message-response.dto';

/** Names of the domain events this module publishes after its transactions commit. */
export const MessagesEvents = {
  created: 'message.created',
  updated: 'message.updated',
  deleted: 'message.deleted',
} as const;

export class MessageCreatedEvent {
  constructor(
    readonly message: MessageResponseDto,
    readonly topic: string,
  ) {}
}

/** Edited. */
export class MessageUpdatedEvent {
  constructor(
    readonly message: MessageResponseDto,
    readonly topic: string,
  ) {}
}

export class MessageDeletedEvent {
  constructor(
    readonly chatId: number,
    readonly messageId: number,
    readonly topic: string,
  ) {}
}
