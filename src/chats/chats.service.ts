import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { groupBy } from '../common/collections/group-by';
import { SerialByKey } from '../common/concurrency/serial-by-key';
import { isIntId, isIsoTimestamp } from '../common/pagination/cursor-keys';
import { decodeCursor, Page, toPage } from '../common/pagination/page';
import { TransactionHost } from '../database/transaction-host';
import { FriendsService } from '../friends/friends.service';
import { UsersService } from '../users/users.service';
import { ChatsError, ChatsErrorCode } from './chats.errors';
import { ChatSnapshot, toChatResponse, toLastMessage } from './chats.mapper';
import { ChatSettingsDto, UpdateChatSettingsDto } from './dto/chat-settings.dto';
import { ListChatsQueryDto } from './dto/list-chats-query.dto';
import { UnreadTotalsDto } from './dto/unread-totals.dto';
import {
  ActivityCursor,
  ChatMembership,
  ChatRoom,
  ChatsRepository,
  ChatUserPairs,
  MembershipExport,
  participantCondition,
  SenderMembership,
  Unarchived,
} from './chats.repository';
import { FlushedChat, ReadMarker, SendGate } from './send-gate';
import { ReadMarkerResponseDto } from './dto/read-marker-response.dto';
import { ChatResponseDto } from './dto/chat-response.dto';
import { MAX_GROUP_MEMBERS } from './dto/member-ids.validator';
import { ChatSession } from './entities/chat-session.entity';
import {
  ChatCreatedEvent,
  ChatReadEvent,
  ChatsEvents,
  ChatSettingsEvent,
} from './events/chats.events';

export interface DirectChatOutcome {
  chat: ChatResponseDto;
  created: boolean;
}

const isActivityCursor = (value: unknown): value is ActivityCursor => {
  const cursor = value as ActivityCursor | null;
  return isIsoTimestamp(cursor?.at) && isIntId(cursor?.id);
};

/** Chat sessions: creating, finding and listing them; the module's public face for messages. */
@Injectable()
export class ChatsService {
  /** Moves of one read marker (chat and user) made by this instance, taking turns. */
  private readonly markerMoves = new SerialByKey();

  constructor(
    private readonly repository: ChatsRepository,
    private readonly transactions: TransactionHost,
    private readonly friends: FriendsService,
    private readonly users: UsersService,
  ) {}

  /**
   * As in the sample scenario (docs/api.md): the pair's one direct chat, created on first use.
   * Concurrent calls from both sides meet at the unique pair index, so exactly one chat is made.
   */
  async openDirect(userId: number, otherId: number): Promise<DirectChatOutcome> {
    if (userId === otherId) throw new ChatsError(ChatsErrorCode.DIRECT_CHAT_WITH_SELF);
    await this.users.getActiveOrThrow(otherId);
    if (!(await this.friends.canMessageDirectly(userId, otherId))) {
      throw new ChatsError(ChatsErrorCode.DIRECT_CHAT_NOT_ALLOWED);
    }
    const [low, high] = userId < otherId ? [userId, otherId] : [otherId, userId];
    return this.transactions.run(async () => {
      const name = await this.directChatName(userId, otherId);
      const id = await this.repository.insertDirectIfAbsent(low, high, name, newTopic());
      if (id !== null) {
        await this.repository.insertParticipants(id, [
          { userId: low, role: 'member' },
          { userId: high, role: 'member' },
        ]);
      }
      const chat = await this.viewOf((await this.repository.findDirectByPair(low, high))!, userId);
      if (id !== null)
        this.transactions.publish(ChatsEvents.created, new ChatCreatedEvent(this.snapshotOf(chat)));
      return { chat, created: id !== null };
    });
  }

  async createGroup(ownerId: number, name: string, memberIds: number[]): Promise<ChatResponseDto> {
    const members = memberIds.filter((id) => id !== ownerId);
    await this.assertAllFriends(ownerId, members);
    return this.transactions.run(async () => {
      const group = await this.repository.insertGroup(name, newTopic());
      await this.repository.insertParticipants(group.id, [
        { userId: ownerId, role: 'owner' },
        ...members.map((userId) => ({ userId, role: 'member' as const })),
      ]);
      const response = await this.viewOf(group, ownerId);
      this.transactions.publish(
        ChatsEvents.created,
        new ChatCreatedEvent(this.snapshotOf(response)),
      );
      return response;
    });
  }

  async get(userId: number, chatId: number): Promise<ChatResponseDto> {
    const chat = await this.repository.findChat(chatId);
    if (!chat) throw ChatsError.notFound();
    return this.viewOf(chat, userId);
  }

  /** My chats, most recent activity first: two queries per page, whatever the number of chats. */
  async list(userId: number, query: ListChatsQueryDto): Promise<Page<ChatResponseDto>> {
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor, isActivityCursor);
    const rows = await this.repository.listChatsOf(userId, after, query.limit + 1, query.archived);
    const participants = groupBy(
      await this.repository.listParticipants(rows.map((row) => row.chat.id)),
      (participant) => participant.chatId,
    );
    return toPage(
      rows,
      query.limit,
      ({ chat }) => ({ at: chat.lastActivityAt.toISOString(), id: chat.id }),
      ({ chat, viewer }) => toChatResponse(chat, participants.get(chat.id) ?? [], viewer),
    );
  }

  /** The user's chats and their live-subscription topics (one query), for joining socket rooms. */
  roomsOf(userId: number): Promise<ChatRoom[]> {
    return this.repository.roomsOf(userId);
  }

  /**
   * Who should still hear of a new message when nobody has seen it yet: the chat (null once deleted)
   * and its participants other than the sender who have not read up to it, in a muted chat only
   * those it mentions.
   */
  async unreadRecipients(
    chatId: number,
    seq: number,
    senderId: number,
    mentioned: number[],
  ): Promise<{
    chat: Pick<ChatSession, 'id' | 'type' | 'name'> | null;
    recipients: { userId: number; mentioned: boolean }[];
  }> {
    const chat = await this.repository.findChat(chatId);
    if (!chat) return { chat: null, recipients: [] };
    const recipients = await this.repository.unreadRecipients(chatId, seq, senderId, mentioned);
    return { chat: { id: chat.id, type: chat.type, name: chat.name }, recipients };
  }

  /** The chats the user is in, with their role and settings, for their export. */
  membershipsOf(userId: number): Promise<MembershipExport[]> {
    return this.repository.membershipsOf(userId);
  }

  /** Which of the users are in the chat now (a deleted chat has nobody). */
  async participantsAmong(chatId: number, userIds: number[]): Promise<Set<number>> {
    if (userIds.length === 0) return new Set();
    return new Set(await this.repository.participantIdsAmong(chatId, userIds));
  }

  /** Which of these users are an owner or admin of the chat named with them, as `chatId:userId`. */
  async moderatorsAmong(pairs: { chatId: number; userId: number }[]): Promise<Set<string>> {
    if (pairs.length === 0) return new Set();
    const moderators = await this.repository.moderatorsAmong({
      chatIds: pairs.map((pair) => pair.chatId),
      userIds: pairs.map((pair) => pair.userId),
    });
    return new Set(moderators.map(({ chatId, userId }) => `${chatId}:${userId}`));
  }

  /**
   * SQL over `chat` and `user` (column names or parameters): true while the user is in the chat,
   * for a statement of another module that must see only the chats of its reader.
   */
  participantCondition(chat: string, user: string): string {
    return participantCondition(chat, user);
  }

  /** 404 unless the user is in the chat: a chat you are not in does not exist for you. */
  async assertParticipant(chatId: number, userId: number): Promise<ChatMembership> {
    const membership = await this.repository.findMembership(chatId, userId);
    if (!membership) throw ChatsError.notFound();
    return membership;
  }

  /**
   * The gate a send passes, for what reaches the other side like a send does (edits, typing): 404
   * unless the user is in the chat, and in a direct chat refused unless the two may message.
   */
  async assertMaySend({
    chatId,
    userId,
  }: {
    chatId: number;
    userId: number;
  }): Promise<SenderMembership> {
    const membership = await this.repository.findSenderMembership(
      chatId,
      userId,
      this.friends.mayMessageCondition('c.user_1_id', 'c.user_2_id'),
    );
    if (!membership) throw ChatsError.notFound();
    if (!membership.mayMessage) throw new ChatsError(ChatsErrorCode.DIRECT_CHAT_NOT_ALLOWED);
    return membership;
  }

  /**
   * Inside the caller's transaction: locks the chats of a batch of sends (in id order) and decides
   * who may post where and who of those they mention is in the chat, in a fixed number of queries
   * whatever the batch size. Sends to one chat take
   * turns on its row lock, which is what makes ids and seqs follow commit order.
   */
  async lockForSends(
    sends: { chatId: number; senderId: number; mentions?: number[] }[],
  ): Promise<SendGate> {
    const usersOf = new Map<number, Set<number>>();
    for (const send of sends) {
      let users = usersOf.get(send.chatId);
      if (!users) usersOf.set(send.chatId, (users = new Set()));
      users.add(send.senderId);
      for (const id of send.mentions ?? []) users.add(id);
    }
    const pairs: ChatUserPairs = { chatIds: [], userIds: [] };
    for (const [chatId, users] of usersOf) {
      for (const userId of users) {
        pairs.chatIds.push(chatId);
        pairs.userIds.push(userId);
      }
    }
    // The friendship rule rides on the locking statement: one round trip fewer per flush.
    const locked = await this.repository.lockChats(
      [...usersOf.keys()].sort((a, b) => a - b),
      pairs,
      this.friends.mayMessageCondition('c.user_1_id', 'c.user_2_id'),
    );
    const chats = new Map(locked.map((chat) => [chat.id, chat]));
    return {
      chat: (chatId) => {
        const chat = chats.get(chatId)!;
        return { id: chat.id, topic: chat.topic, lastSeq: chat.lastSeq, lastRev: chat.lastRev };
      },
      refusal: (chatId, userId, kind = 'send') => {
        const chat = chats.get(chatId);
        if (!chat) return ChatsError.notFound();
        if (kind === 'erasure') return null;
        if (!chat.members.has(userId)) return ChatsError.notFound();
        if (kind === 'send' && chat.type === 'direct' && !chat.mayMessage) {
          return new ChatsError(ChatsErrorCode.DIRECT_CHAT_NOT_ALLOWED);
        }
        return null;
      },
      isParticipant: (chatId, userId) => chats.get(chatId)?.members.has(userId) ?? false,
    };
  }

  /**
   * Inside the flush transaction: each chat's counters once per batch and, where messages were
   * sent or its last one changed, its preview (and sort key for sends), and the senders' read
   * markers (a sender has read everything up to their own message).
   */
  async recordFlush(chats: FlushedChat[], senderMarkers: ReadMarker[]): Promise<void> {
    await this.repository.recordFlush(
      chats.map(({ chatId, lastSeq, lastRev, newest, preview }) => {
        const shown = newest ?? preview;
        return {
          chatId,
          lastSeq,
          lastRev,
          lastMessage: shown && toLastMessage(shown),
          lastActivityAt: newest && new Date(newest.createdAt),
        };
      }),
      senderMarkers,
    );
  }

  /**
   * Moves the user's read marker forward (never back); publishes chat.read when it moved. Moves of
   * one marker take turns so that the others hear of them in commit order: two at once would wait
   * for each other's row lock in the database, yet their answers can reach us in either order.
   */
  markRead(chatId: number, userId: number, messageId: number, seq: number): Promise<void> {
    return this.markerMoves.run(`${chatId}:${userId}`, async () => {
      const topic = await this.repository.advanceReadMarker(chatId, userId, messageId, seq);
      if (topic !== null) {
        const shared = (await this.users.readReceiptSharers([userId])).has(userId);
        const event = new ChatReadEvent(chatId, topic, userId, messageId, shared);
        this.transactions.publish(ChatsEvents.read, event);
      }
    });
  }

  /**
   * The read receipts of a chat I am in: every participant's marker, but of those who do not share
   * their receipts only mine.
   */
  async readMarkers(userId: number, chatId: number): Promise<ReadMarkerResponseDto[]> {
    await this.assertParticipant(chatId, userId);
    const markers = await this.repository.listReadMarkers(chatId);
    const sharers = await this.users.readReceiptSharers(markers.map((marker) => marker.userId));
    return markers
      .filter((marker) => marker.userId === userId || sharers.has(marker.userId))
      .map((marker) => ({ ...marker, readAt: marker.readAt?.toISOString() ?? null }));
  }

  async viewOf(chat: ChatSession, viewerId: number): Promise<ChatResponseDto> {
    const viewer = await this.repository.findViewerState(chat.id, viewerId);
    if (!viewer) throw ChatsError.notFound();
    const participants = await this.repository.listParticipants([chat.id]);
    return toChatResponse(chat, participants, viewer);
  }

  snapshotOf(chat: ChatResponseDto): ChatSnapshot {
    const { unreadCount, unreadMentionCount, muted, archived, ...snapshot } = chat;
    return snapshot;
  }

  /** What waits for me across all my chats, in one query whatever their number. */
  unreadTotals(userId: number): Promise<UnreadTotalsDto> {
    return this.repository.unreadTotals(userId);
  }

  /** My own settings for a chat I am in; my devices (and nobody else) hear of the change. */
  async updateSettings(
    userId: number,
    chatId: number,
    changes: UpdateChatSettingsDto,
  ): Promise<ChatSettingsDto> {
    return this.transactions.run(async () => {
      const settings = await this.repository.updateSettings(chatId, userId, changes);
      if (!settings) throw ChatsError.notFound();
      const outcome = { chatId, ...settings };
      if (changes.muted !== undefined || changes.archived !== undefined) {
        this.transactions.publish(ChatsEvents.settings, new ChatSettingsEvent(userId, outcome));
      }
      return outcome;
    });
  }

  /**
   * Inside the caller's transaction: a message mentioning these participants, at `seq`, brings their
   * chat back from their archive unless they have read past it (nothing else does), and their devices
   * hear of it.
   */
  async unarchiveMentioned(
    mentioned: { chatId: number; userId: number; seq: number }[],
  ): Promise<void> {
    const back: Unarchived[] = await this.repository.unarchive(mentioned);
    for (const { userId, ...settings } of back) {
      this.transactions.publish(ChatsEvents.settings, new ChatSettingsEvent(userId, settings));
    }
  }

  /** Throws unless every user is a friend of `userId` (nonexistent users are nobody's friends). */
  async assertAllFriends(userId: number, memberIds: number[]): Promise<void> {
    if (memberIds.length + 1 > MAX_GROUP_MEMBERS) throw new ChatsError(ChatsErrorCode.GROUP_FULL);
    const friendIds = new Set(await this.friends.friendIdsOf(userId));
    if (memberIds.some((id) => !friendIds.has(id)))
      throw new ChatsError(ChatsErrorCode.MEMBERS_NOT_FRIENDS);
  }

  /** Direct chats are named "initiator/other", as in the sample scenario (`shivam/shahn`). */
  private async directChatName(initiatorId: number, otherId: number): Promise<string> {
    const profiles = await this.users.getProfiles([initiatorId, otherId]);
    return `${profiles.get(initiatorId)!.username}/${profiles.get(otherId)!.username}`;
  }
}

function newTopic(): string {
  return `chat:${randomUUID()}`;
}
