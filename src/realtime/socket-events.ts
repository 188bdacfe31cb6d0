import { ChatSnapshot } from '../chats/chats.mapper';
import { ChatSettingsDto } from '../chats/dto/chat-settings.dto';
import { FriendRequestResponseDto } from '../friends/dto/friend-request-response.dto';
import { MessageResponseDto } from '../messages/dto/message-response.dto';
import { ReactionChange } from '../messages/events/messages.events';

/** Every acknowledgement: `{ ok: true, ... }` or `{ ok: false, error: { code, message } }`. */
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: AckError };

export interface AckError {
  code: string;
  message: string;
}

/** Events a client sends; each takes an acknowledgement callback. */
export const ClientEvents = {
  messageSend: 'message:send',
  messageEdit: 'message:edit',
  messageDelete: 'message:delete',
  chatJoin: 'chat:join',
  chatRead: 'chat:read',
  typing: 'typing',
  sync: 'sync',
  reactionSet: 'reaction:set',
} as const;

export type ClientEventName = (typeof ClientEvents)[keyof typeof ClientEvents];

/** A user's presence as their friends hear it; `lastSeenAt` is null while they are online. */
export interface PresenceUpdate {
  userId: number;
  online: boolean;
  lastSeenAt: string | null;
}

/** Events the server sends. */
export interface ServerToClientEvents {
  'message:new': (message: MessageResponseDto) => void;
  'message:updated': (message: MessageResponseDto) => void;
  'message:deleted': (payload: {
    chatId: number;
    messageId: number;
    rev: number;
    deletedAt: string;
    /** The sender, or an owner or admin of the group who deleted it. */
    deletedBy: number;
  }) => void;
  'message:reactions': (change: ReactionChange) => void;
  'chat:created': (chat: ChatSnapshot) => void;
  'chat:updated': (chat: ChatSnapshot) => void;
  'chat:member-added': (payload: { chatId: number; userId: number; rev: number }) => void;
  'chat:member-removed': (payload: { chatId: number; userId: number; rev: number }) => void;
  'chat:read': (payload: { chatId: number; userId: number; messageId: number }) => void;
  'chat:settings': (settings: ChatSettingsDto) => void;
  typing: (payload: { chatId: number; userId: number; isTyping: boolean }) => void;
  presence: (payload: PresenceUpdate) => void;
  'friend-request:new': (request: FriendRequestResponseDto) => void;
  'friend-request:updated': (request: FriendRequestResponseDto) => void;
  'friend-request:withdrawn': (payload: {
    id: number;
    fromUserId: number;
    toUserId: number;
  }) => void;
  'session:expired': (error: AckError) => void;
}

/** The names of ServerToClientEvents as a runtime value (docs/asyncapi.yaml is tested against both). */
export const ServerEvents = {
  messageNew: 'message:new',
  messageUpdated: 'message:updated',
  messageDeleted: 'message:deleted',
  messageReactions: 'message:reactions',
  chatCreated: 'chat:created',
  chatUpdated: 'chat:updated',
  chatMemberAdded: 'chat:member-added',
  chatMemberRemoved: 'chat:member-removed',
  chatRead: 'chat:read',
  chatSettings: 'chat:settings',
  typing: 'typing',
  presence: 'presence',
  friendRequestNew: 'friend-request:new',
  friendRequestUpdated: 'friend-request:updated',
  friendRequestWithdrawn: 'friend-request:withdrawn',
  sessionExpired: 'session:expired',
} as const satisfies Record<string, keyof ServerToClientEvents>;

export type ServerEventName = (typeof ServerEvents)[keyof typeof ServerEvents];

/** Compiles only when T is never. */
type AssertNever<T extends never> = T;

/** Fails to compile while ServerToClientEvents has an event that ServerEvents does not list. */
export type UnlistedServerEvent = AssertNever<Exclude<keyof ServerToClientEvents, ServerEventName>>;

export interface SocketData {
  userId: number;
  username: string;
  expiresAt: number;
}

/** The private room of a user: all of their sockets, on every replica. */
export function userRoom(userId: number): string {
  return `user:${userId}`;
}
