import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import {
  ChatCreatedEvent,
  ChatMemberAddedEvent,
  ChatMemberRemovedEvent,
  ChatReadEvent,
  ChatsEvents,
  ChatUpdatedEvent,
} from '../chats/events/chats.events';
import {
  FriendRequestCreatedEvent,
  FriendRequestUpdatedEvent,
  FriendRequestWithdrawnEvent,
  FriendsEvents,
  FriendshipCreatedEvent,
} from '../friends/events/friends.events';
import {
  MessageCreatedEvent,
  MessageDeletedEvent,
  MessagesEvents,
  MessageUpdatedEvent,
} from '../messages/events/messages.events';
import { PresenceService } from './presence.service';
import { userRoom } from './socket-events';
import { SocketServer } from './socket-server';

/** Listeners run after the request that caused them has answered; a failure here is only logged. */
const AFTER_COMMIT = { async: true, promisify: true } as const;

/**
 * Turns the domain events of the other modules into socket emits, so a change made over REST
 * reaches live clients exactly like one made over a socket. Rooms follow membership on every replica.
 */
@Injectable()
export class DomainEventsListener {
  private readonly logger = new Logger(DomainEventsListener.name);

  constructor(
    private readonly sockets: SocketServer,
    private readonly presence: PresenceService,
  ) {}

  @OnEvent(MessagesEvents.created, AFTER_COMMIT)
  messageCreated({ message, topic }: MessageCreatedEvent): void {
    this.emit(() => this.sockets.io.to(topic).emit('message:new', message));
  }

  @OnEvent(MessagesEvents.updated, AFTER_COMMIT)
  messageUpdated({ message, topic }: MessageUpdatedEvent): void {
    this.emit(() => this.sockets.io.to(topic).emit('message:updated', message));
  }

  @OnEvent(MessagesEvents.deleted, AFTER_COMMIT)
  messageDeleted({ chatId, messageId, topic }: MessageDeletedEvent): void {
    this.emit(() => this.sockets.io.to(topic).emit('message:deleted', { chatId, messageId }));
  }

  @OnEvent(ChatsEvents.created, AFTER_COMMIT)
  chatCreated({ chat }: ChatCreatedEvent): void {
    this.emit(() => {
      const members = chat.participants.map((participant) => userRoom(participant.userId));
      this.sockets.io.in(members).socketsJoin(chat.topic);
      this.sockets.io.to(members).emit('chat:created', chat);
    });
  }

  @OnEvent(ChatsEvents.updated, AFTER_COMMIT)
  chatUpdated({ chat }: ChatUpdatedEvent): void {
    this.emit(() => this.sockets.io.to(chat.topic).emit('chat:updated', chat));
  }

  /** The newcomer's sockets join the room and get the chat; the others hear who joined. */
  @OnEvent(ChatsEvents.memberAdded, AFTER_COMMIT)
  memberAdded({ chat, userId }: ChatMemberAddedEvent): void {
    this.emit(() => {
      this.sockets.io.to(chat.topic).emit('chat:member-added', { chatId: chat.id, userId });
      this.sockets.io.in(userRoom(userId)).socketsJoin(chat.topic);
      this.sockets.io.to(userRoom(userId)).emit('chat:created', chat);
    });
  }

  /** Everyone in the room, the removed member included, hears it; then the member's sockets leave. */
  @OnEvent(ChatsEvents.memberRemoved, AFTER_COMMIT)
  memberRemoved({ chatId, topic, userId, chatDeleted }: ChatMemberRemovedEvent): void {
    this.emit(() => {
      this.sockets.io.to(topic).emit('chat:member-removed', { chatId, userId });
      this.sockets.io.in(chatDeleted ? topic : userRoom(userId)).socketsLeave(topic);
    });
  }

  @OnEvent(ChatsEvents.read, AFTER_COMMIT)
  chatRead({ chatId, topic, userId, messageId }: ChatReadEvent): void {
    this.emit(() => this.sockets.io.to(topic).emit('chat:read', { chatId, userId, messageId }));
  }

  @OnEvent(FriendsEvents.requestCreated, AFTER_COMMIT)
  friendRequestCreated({ request }: FriendRequestCreatedEvent): void {
    this.emit(() =>
      this.sockets.io
        .to([userRoom(request.toUserId), userRoom(request.fromUserId)])
        .emit('friend-request:new', request),
    );
  }

  @OnEvent(FriendsEvents.requestUpdated, AFTER_COMMIT)
  friendRequestUpdated({ request }: FriendRequestUpdatedEvent): void {
    this.emit(() =>
      this.sockets.io
        .to([userRoom(request.toUserId), userRoom(request.fromUserId)])
        .emit('friend-request:updated', request),
    );
  }

  @OnEvent(FriendsEvents.requestWithdrawn, AFTER_COMMIT)
  friendRequestWithdrawn({ requestId, fromUserId, toUserId }: FriendRequestWithdrawnEvent): void {
    this.emit(() =>
      this.sockets.io
        .to([userRoom(toUserId), userRoom(fromUserId)])
        .emit('friend-request:withdrawn', { id: requestId, fromUserId, toUserId }),
    );
  }

  @OnEvent(FriendsEvents.friendshipCreated, AFTER_COMMIT)
  async friendshipCreated({ userIds }: FriendshipCreatedEvent): Promise<void> {
    if (!this.sockets.ready) return;
    try {
      await this.presence.introduce(userIds[0], userIds[1]);
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not introduce new friends');
    }
  }

  private emit(send: () => void): void {
    if (!this.sockets.ready) return;
    try {
      send();
    } catch (error) {
      this.logger.error({ err: error }, 'Could not relay a domain event to sockets');
    }
  }
}
