import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { ChatsService } from '../chats/chats.service';
import {
  ChatCreatedEvent,
  ChatMemberAddedEvent,
  ChatMemberRemovedEvent,
  ChatReadEvent,
  ChatsEvents,
  ChatSettingsEvent,
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
  MessageReactionsEvent,
  MessagesEvents,
  MessageUpdatedEvent,
} from '../messages/events/messages.events';
import { UserDeletedEvent, UserSuspendedEvent, UsersEvents } from '../users/events/users.events';
import { PresenceService } from './presence.service';
import { ReaderMessages } from './reader-messages';
import { userRoom } from './socket-events';
import { SocketServer } from './socket-server';

/**
 * Turns the domain events of the other modules into socket emits, so a change made over REST
 * reaches live clients exactly like one made over a socket. Rooms follow membership on every replica.
 *
 * The listeners run synchronously as the change's transaction commits (TransactionHost emits its
 * events right after the COMMIT answers), in the order the changes were published: deferring each
 * would cost a timer and a promise per message on the send path. A failure here is only logged.
 */
@Injectable()
export class DomainEventsListener {
  private readonly logger = new Logger(DomainEventsListener.name);

  constructor(
    private readonly sockets: SocketServer,
    private readonly presence: PresenceService,
    private readonly chats: ChatsService,
    private readonly readers: ReaderMessages,
  ) {}

  /** A suspended or deleted user's sockets close on every replica (the adapter carries it). */
  @OnEvent(UsersEvents.suspended)
  @OnEvent(UsersEvents.deleted)
  userBarred({ userId }: UserSuspendedEvent | UserDeletedEvent): void {
    this.emit(() => this.sockets.io.in(userRoom(userId)).disconnectSockets(true));
  }

  @OnEvent(MessagesEvents.created)
  messageCreated({ message, topic }: MessageCreatedEvent): void {
    this.emit(() => this.readers.emit(this.sockets.io, topic, 'message:new', message));
  }

  @OnEvent(MessagesEvents.updated)
  messageUpdated({ message, topic }: MessageUpdatedEvent): void {
    this.emit(() => this.readers.emit(this.sockets.io, topic, 'message:updated', message));
  }

  @OnEvent(MessagesEvents.deleted)
  messageDeleted({
    chatId,
    messageId,
    topic,
    rev,
    deletedAt,
    deletedBy,
  }: MessageDeletedEvent): void {
    this.emit(() =>
      this.sockets.io
        .to(topic)
        .emit('message:deleted', { chatId, messageId, rev, deletedAt, deletedBy }),
    );
  }

  @OnEvent(MessagesEvents.reactions)
  messageReactions({ change, topic }: MessageReactionsEvent): void {
    this.emit(() => this.sockets.io.to(topic).emit('message:reactions', change));
  }

  @OnEvent(ChatsEvents.created)
  async chatCreated({ chat }: ChatCreatedEvent): Promise<void> {
    const memberIds = chat.participants.map((participant) => participant.userId);
    this.emit(() => {
      const members = memberIds.map(userRoom);
      this.sockets.io.in(members).socketsJoin(chat.topic);
      this.sockets.io.to(members).emit('chat:created', chat);
    });
    await this.followRows(chat.id, chat.topic, memberIds, true);
  }

  @OnEvent(ChatsEvents.updated)
  chatUpdated({ chat }: ChatUpdatedEvent): void {
    this.emit(() => this.sockets.io.to(chat.topic).emit('chat:updated', chat));
  }

  /** The newcomer's sockets join the room and get the chat; the others hear who joined. */
  @OnEvent(ChatsEvents.memberAdded)
  async memberAdded({ chat, userId, rev }: ChatMemberAddedEvent): Promise<void> {
    this.emit(() => {
      this.sockets.io.to(chat.topic).emit('chat:member-added', { chatId: chat.id, userId, rev });
      this.sockets.io.in(userRoom(userId)).socketsJoin(chat.topic);
      this.sockets.io.to(userRoom(userId)).emit('chat:created', chat);
    });
    await this.followRows(chat.id, chat.topic, [userId], true);
  }

  /** Everyone in the room, the removed member included, hears it; then the member's sockets leave. */
  @OnEvent(ChatsEvents.memberRemoved)
  async memberRemoved({
    chatId,
    topic,
    userId,
    chatDeleted,
    rev,
  }: ChatMemberRemovedEvent): Promise<void> {
    this.emit(() => {
      this.sockets.io.to(topic).emit('chat:member-removed', { chatId, userId, rev });
      this.sockets.io.in(chatDeleted ? topic : userRoom(userId)).socketsLeave(topic);
    });
    // A deleted chat's topic is never used again: nobody can be let back into its room.
    if (!chatDeleted) await this.followRows(chatId, topic, [userId], false);
  }

  @OnEvent(ChatsEvents.read)
  chatRead({ chatId, topic, userId, messageId, shared }: ChatReadEvent): void {
    const to = shared ? topic : userRoom(userId);
    this.emit(() => this.sockets.io.to(to).emit('chat:read', { chatId, userId, messageId }));
  }

  /** Settings are the user's own: their devices hear of them, on every replica, and nobody else. */
  @OnEvent(ChatsEvents.settings)
  chatSettings({ userId, settings }: ChatSettingsEvent): void {
    this.emit(() => this.sockets.io.to(userRoom(userId)).emit('chat:settings', settings));
  }

  @OnEvent(FriendsEvents.requestCreated)
  friendRequestCreated({ request }: FriendRequestCreatedEvent): void {
    this.emit(() =>
      this.sockets.io
        .to([userRoom(request.toUserId), userRoom(request.fromUserId)])
        .emit('friend-request:new', request),
    );
  }

  @OnEvent(FriendsEvents.requestUpdated)
  friendRequestUpdated({ request }: FriendRequestUpdatedEvent): void {
    this.emit(() =>
      this.sockets.io
        .to([userRoom(request.toUserId), userRoom(request.fromUserId)])
        .emit('friend-request:updated', request),
    );
  }

  @OnEvent(FriendsEvents.requestWithdrawn)
  friendRequestWithdrawn({ requestId, fromUserId, toUserId }: FriendRequestWithdrawnEvent): void {
    this.emit(() =>
      this.sockets.io
        .to([userRoom(toUserId), userRoom(fromUserId)])
        .emit('friend-request:withdrawn', { id: requestId, fromUserId, toUserId }),
    );
  }

  @OnEvent(FriendsEvents.friendshipCreated)
  async friendshipCreated({ userIds }: FriendshipCreatedEvent): Promise<void> {
    if (!this.sockets.ready) return;
    try {
      await this.presence.introduce(userIds[0], userIds[1]);
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not introduce new friends');
    }
  }

  /**
   * Makes the users' sockets end in the chat's room exactly when their participant rows say so.
   * Membership events are published in commit order, but the room changes they cause can still be
   * made out of that order (a relay held up by a slow listener, a pause, another replica), and a
   * late join would let a removed member keep hearing the chat. So, like every room join, a move
   * is checked against the chat_participants rows: after moving the sockets (`inRoom`), the rows
   * are read again, and while they disagree with the last move made, the move is undone. Whatever
   * order the moves are made in, the last one for a user comes after the move made for the last
   * commit, so the read that followed it saw the final row, and agreed: the room ends as the row
   * is. (Across replicas this relies on the backplane applying room changes in the order they were
   * made when a database round trip lies between them.)
   */
  private async followRows(
    chatId: number,
    topic: string,
    userIds: number[],
    inRoom: boolean,
  ): Promise<void> {
    let moved = new Map(userIds.map((userId) => [userId, inRoom]));
    while (moved.size > 0 && this.sockets.ready) {
      let members: Set<number>;
      try {
        members = await this.chats.participantsAmong(chatId, [...moved.keys()]);
      } catch (error) {
        this.logger.warn(
          { err: error, chatId },
          'Could not check room membership against the rows',
        );
        return;
      }
      const undone = new Map<number, boolean>();
      for (const [userId, joined] of moved) {
        const member = members.has(userId);
        if (member === joined) continue;
        this.emit(() => {
          const sockets = this.sockets.io.in(userRoom(userId));
          if (member) sockets.socketsJoin(topic);
          else sockets.socketsLeave(topic);
        });
        undone.set(userId, member);
      }
      moved = undone;
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
