import { ChatSnapshot } from '../chats.mapper';
import { ChatSettingsDto } from '../dto/chat-settings.dto';

/** Names of the domain events this module publishes after its transactions commit. */
export const ChatsEvents = {
  created: 'chat.created',
  updated: 'chat.updated',
  memberAdded: 'chat.member-added',
  memberRemoved: 'chat.member-removed',
  read: 'chat.read',
  settings: 'chat.settings',
} as const;

export class ChatCreatedEvent {
  constructor(readonly chat: ChatSnapshot) {}
}

/** Renamed, or roles changed (including a new owner). */
export class ChatUpdatedEvent {
  constructor(readonly chat: ChatSnapshot) {}
}

export class ChatMemberAddedEvent {
  constructor(
    readonly chat: ChatSnapshot,
    readonly userId: number,
    readonly rev: number,
  ) {}
}

/** Also published when a member leaves; `chatDeleted` when the last one left. */
export class ChatMemberRemovedEvent {
  constructor(
    readonly chatId: number,
    readonly topic: string,
    readonly userId: number,
    readonly chatDeleted: boolean,
    readonly rev: number,
  ) {}
}

export class ChatReadEvent {
  constructor(
    readonly chatId: number,
    readonly topic: string,
    readonly userId: number,
    readonly messageId: number,
    /** False when the reader keeps receipts private: only their own devices hear of it. */
    readonly shared: boolean,
  ) {}
}

/** A participant's own settings changed: only their own devices hear of it. */
export class ChatSettingsEvent {
  constructor(
    readonly userId: number,
    readonly settings: ChatSettingsDto,
  ) {}
}
