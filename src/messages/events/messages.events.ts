import { MessageResponseDto } from '../dto/message-response.dto';

/** Names of the domain events this module publishes after its transactions commit. */
export const MessagesEvents = {
  created: 'message.created',
  updated: 'message.updated',
  deleted: 'message.deleted',
  reactions: 'message.reactions',
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
    readonly rev: number,
    readonly deletedAt: string,
    readonly deletedBy: number,
  ) {}
}

/** Someone's reaction came or went; `count` is the emoji's count after it, from the rows. */
export class MessageReactionsEvent {
  constructor(
    readonly change: ReactionChange,
    readonly topic: string,
  ) {}
}

export interface ReactionChange {
  chatId: number;
  messageId: number;
  emoji: string;
  count: number;
  userId: number;
  on: boolean;
  rev: number;
}
