import { randomUUID } from 'node:crypto';
import {
  ChatCreatedEvent,
  ChatMemberAddedEvent,
  ChatMemberRemovedEvent,
  ChatsEvents,
  ChatUpdatedEvent,
} from '../chats/events/chats.events';
import type { DomainEvent } from '../database/transaction-host';
import {
  FriendRequestCreatedEvent,
  FriendRequestUpdatedEvent,
  FriendRequestWithdrawnEvent,
  FriendsEvents,
  FriendshipCreatedEvent,
  FriendshipRemovedEvent,
} from '../friends/events/friends.events';
import {
  MessageCreatedEvent,
  MessageDeletedEvent,
  MessageReactionsEvent,
  MessagesEvents,
  MessageUpdatedEvent,
} from '../messages/events/messages.events';

/** What a webhook delivery posts: `{id, type, createdAt, data}`; `id` is also its `webhook-id`. */
export interface OutgoingEvent {
  id: string;
  type: WebhookEventType;
  createdAt: string;
  data: object;
}

/** The domain events the outside world hears of, by their public type, and what each says. */
const MAPPERS = {
  'message.created': [MessagesEvents.created, (e: MessageCreatedEvent) => ({ message: e.message })],
  'message.updated': [MessagesEvents.updated, (e: MessageUpdatedEvent) => ({ message: e.message })],
  'message.deleted': [
    MessagesEvents.deleted,
    ({ chatId, messageId, rev, deletedAt, deletedBy }: MessageDeletedEvent) => ({
      chatId,
      messageId,
      rev,
      deletedAt,
      deletedBy,
    }),
  ],
  'reaction.changed': [MessagesEvents.reactions, (e: MessageReactionsEvent) => ({ ...e.change })],
  'chat.created': [ChatsEvents.created, (e: ChatCreatedEvent) => ({ chat: e.chat })],
  'chat.updated': [ChatsEvents.updated, (e: ChatUpdatedEvent) => ({ chat: e.chat })],
  'member.added': [
    ChatsEvents.memberAdded,
    ({ chat, userId, rev }: ChatMemberAddedEvent) => ({ chatId: chat.id, userId, rev, chat }),
  ],
  'member.removed': [
    ChatsEvents.memberRemoved,
    ({ chatId, userId, chatDeleted, rev }: ChatMemberRemovedEvent) => ({
      chatId,
      userId,
      chatDeleted,
      rev,
    }),
  ],
  'friend_request.created': [
    FriendsEvents.requestCreated,
    (e: FriendRequestCreatedEvent) => ({ request: e.request }),
  ],
  'friend_request.updated': [
    FriendsEvents.requestUpdated,
    (e: FriendRequestUpdatedEvent) => ({ request: e.request }),
  ],
  'friend_request.withdrawn': [
    FriendsEvents.requestWithdrawn,
    ({ requestId, fromUserId, toUserId }: FriendRequestWithdrawnEvent) => ({
      requestId,
      fromUserId,
      toUserId,
    }),
  ],
  'friendship.created': [
    FriendsEvents.friendshipCreated,
    ({ userIds, since }: FriendshipCreatedEvent) => ({ userIds, since }),
  ],
  'friendship.removed': [
    FriendsEvents.friendshipRemoved,
    ({ userIds }: FriendshipRemovedEvent) => ({ userIds }),
  ],
} as const;

export type WebhookEventType = keyof typeof MAPPERS;

export const WEBHOOK_EVENT_TYPES = Object.keys(MAPPERS) as WebhookEventType[];

const BY_DOMAIN_NAME = new Map<string, [WebhookEventType, (payload: never) => object]>(
  Object.entries(MAPPERS).map(([type, [name, map]]) => [
    name,
    [type as WebhookEventType, map as (payload: never) => object],
  ]),
);

/** Whether the outside world hears of domain events named so. */
export function isOutgoing(name: string): boolean {
  return BY_DOMAIN_NAME.has(name);
}

/**
 * The outgoing events of a transaction's domain events, in their order, each with the id every
 * delivery of it will carry. Events the outside world does not hear of (reads, settings) are left out.
 */
export function outgoingEventsOf(events: readonly DomainEvent[], at: Date): OutgoingEvent[] {
  const createdAt = at.toISOString();
  const outgoing: OutgoingEvent[] = [];
  for (const { name, payload } of events) {
    const mapper = BY_DOMAIN_NAME.get(name);
    if (!mapper) continue;
    const [type, map] = mapper;
    outgoing.push({ id: randomUUID(), type, createdAt, data: map(payload as never) });
  }
  return outgoing;
}

/** Whether an endpoint subscribed to `events` receives an event of `type`. */
export function subscribes(events: readonly string[], type: string): boolean {
  return events.includes('*') || events.includes(type);
}
