import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { TransactionHost } from '../database/transaction-host';
import { ViewerState } from './chats.mapper';
import { ChatParticipant, ParticipantRole } from './entities/chat-participant.entity';
import { ChatSession, ChatType, LastMessageSnapshot } from './entities/chat-session.entity';
import { ReadMarker } from './send-gate';
import { UnreadMentions } from './unread-mentions';

export interface MembershipExport {
  chatId: number;
  type: 'direct' | 'group';
  name: string;
  role: string;
  joinedAt: Date;
  muted: boolean;
  archived: boolean;
  lastReadSeq: number;
}

export interface ChatOfUser {
  chat: ChatSession;
  viewer: ViewerState;
}

export interface ChatSettings {
  muted: boolean;
  archived: boolean;
}

export interface UnreadTotals {
  messages: number;
  chats: number;
  mentions: number;
}

/** A participant whose chat came back from their archive. */
export interface Unarchived extends ChatSettings {
  chatId: number;
  userId: number;
}

export interface ReadMarkerRow {
  userId: number;
  messageId: number;
  seq: number;
  /** Null for a marker moved before read times were kept. */
  readAt: Date | null;
}

export interface ChatMembership {
  chatId: number;
  userId: number;
  role: ParticipantRole;
  topic: string;
}

export interface SenderMembership extends ChatMembership {
  type: ChatType;
  /** False in a direct chat whose two users may no longer message each other. */
  mayMessage: boolean;
}

/** The columns a send needs from its locked chat row, and which of the users asked about are members. */
export type LockedChat = Pick<
  ChatSession,
  'id' | 'type' | 'topic' | 'lastSeq' | 'lastRev' | 'user1Id' | 'user2Id'
> & {
  members: Set<number>;
  /** For a direct chat: whether its two users may message each other now. */
  mayMessage: boolean;
};

interface LockedChatRow {
  id: number;
  type: ChatType;
  topic: string;
  last_seq: number;
  last_rev: number;
  user_1_id: number | null;
  user_2_id: number | null;
  members: number[];
  may_message: boolean;
}

export interface ChatRoom {
  chatId: number;
  topic: string;
}

export interface ActivityCursor {
  at: string;
  id: number;
}

export interface NewParticipant {
  userId: number;
  role: ParticipantRole;
}

export interface ChatActivity {
  lastSeq: number;
  lastRev: number;
  /** Null when no message was sent (the flush only reacted): preview and sort key stay. */
  lastMessage: LastMessageSnapshot | null;
  lastActivityAt: Date | null;
}

/**
 * SQL: whether `user` is a participant of `chat` now. The one statement of the rule, so that other
 * modules can evaluate it inside their own statements (ChatsService.participantCondition).
 */
export function participantCondition(chat: string, user: string): string {
  return `EXISTS (SELECT 1 FROM chat_participants p WHERE p.chat_id = ${chat} AND p.user_id = ${user})`;
}

/** The only code that touches chat_sessions and chat_participants; it joins the ambient transaction. */
/** (chat, user) pairs as two arrays of the same length. */
export interface ChatUserPairs {
  chatIds: number[];
  userIds: number[];
}

@Injectable()
export class ChatsRepository {
  constructor(
    private readonly db: TransactionHost,
    private readonly unreadMentions: UnreadMentions,
  ) {}

  private get manager() {
    return this.db.manager;
  }

  /**
   * The participant's unread mentions in the chat (SQL over `chat`, `user` and `p.last_read_seq`):
   * only looked up where some message lies after the read marker.
   */
  private unreadMentionsOf(chat: string, user: string): string {
    return `CASE WHEN c.last_seq > p.last_read_seq
                 THEN ${this.unreadMentions.sql(chat, user, 'p.last_read_seq')} ELSE 0 END`;
  }

  /** Creates the pair's direct chat unless it exists; returns the new id, or null when it existed. */
  async insertDirectIfAbsent(
    low: number,
    high: number,
    name: string,
    topic: string,
  ): Promise<number | null> {
    const rows: { id: number }[] = await this.manager.query(
      `INSERT INTO chat_sessions (type, name, topic, user_1_id, user_2_id) VALUES ('direct', $1, $2, $3, $4)
       ON CONFLICT ON CONSTRAINT chat_sessions_direct_pair_key DO NOTHING
       RETURNING id`,
      [name, topic, low, high],
    );
    return rows[0]?.id ?? null;
  }

  findDirectByPair(low: number, high: number): Promise<ChatSession | null> {
    return this.manager.findOneBy(ChatSession, { type: 'direct', user1Id: low, user2Id: high });
  }

  insertGroup(name: string, topic: string): Promise<ChatSession> {
    return this.manager.save(
      this.manager.create(ChatSession, { type: 'group', name, topic, lastSeq: 0 }),
    );
  }

  /** Adds participants, skipping those already in; returns the ids actually added. */
  async insertParticipants(chatId: number, participants: NewParticipant[]): Promise<number[]> {
    if (participants.length === 0) return [];
    const rows: { user_id: number }[] = await this.manager.query(
      `INSERT INTO chat_participants (chat_id, user_id, role)
       SELECT $1, unnest($2::int[]), unnest($3::varchar[])
       ON CONFLICT DO NOTHING RETURNING user_id`,
      [chatId, participants.map((p) => p.userId), participants.map((p) => p.role)],
    );
    return rows.map((row) => row.user_id);
  }

  /**
   * Participants other than the sender who have not read up to `seq`: in a muted chat only those
   * mentioned. Whether each is mentioned too.
   */
  async unreadRecipients(
    chatId: number,
    seq: number,
    senderId: number,
    mentioned: number[],
  ): Promise<{ userId: number; mentioned: boolean }[]> {
    const rows: { user_id: number; mentioned: boolean }[] = await this.manager.query(
      `SELECT user_id, user_id = ANY($4::int[]) AS mentioned
         FROM chat_participants
        WHERE chat_id = $1 AND user_id <> $3 AND last_read_seq < $2
          AND (NOT muted OR user_id = ANY($4::int[]))`,
      [chatId, seq, senderId, mentioned],
    );
    return rows.map((row) => ({ userId: row.user_id, mentioned: row.mentioned }));
  }

  /** The user's memberships with what they set, for their export. */
  membershipsOf(userId: number): Promise<MembershipExport[]> {
    return this.manager.query(
      `SELECT c.id AS "chatId", c.type, c.name, p.role, p.joined_at AS "joinedAt",
              p.muted, p.archived, p.last_read_seq AS "lastReadSeq"
         FROM chat_participants p JOIN chat_sessions c ON c.id = p.chat_id
        WHERE p.user_id = $1 ORDER BY p.joined_at`,
      [userId],
    );
  }

  findChat(chatId: number): Promise<ChatSession | null> {
    return this.manager.findOneBy(ChatSession, { id: chatId });
  }

  /** Locks the chat row for the transaction: membership changes and sends to one chat take turns. */
  lockChat(chatId: number): Promise<ChatSession | null> {
    return this.manager
      .createQueryBuilder(ChatSession, 'c')
      .where('c.id = :chatId', { chatId })
      .setLock('pessimistic_write')
      .getOne();
  }

  /** The user's place in the chat with the chat's topic, in one query; null when not a member. */
  async findMembership(chatId: number, userId: number): Promise<ChatMembership | null> {
    const rows: { role: ParticipantRole; topic: string }[] = await this.manager.query(
      `SELECT p.role, c.topic FROM chat_participants p JOIN chat_sessions c ON c.id = p.chat_id
        WHERE p.chat_id = $1 AND p.user_id = $2`,
      [chatId, userId],
    );
    return rows[0] ? { chatId, userId, ...rows[0] } : null;
  }

  /** The membership and, in a direct chat, whether the pair may message (`mayMessage` as in lockChats). */
  async findSenderMembership(
    chatId: number,
    userId: number,
    mayMessage: string,
  ): Promise<SenderMembership | null> {
    const rows: { role: ParticipantRole; topic: string; type: ChatType; may_message: boolean }[] =
      await this.manager.query(
        `SELECT p.role, c.topic, c.type, c.type = 'group' OR ${mayMessage} AS may_message
           FROM chat_participants p JOIN chat_sessions c ON c.id = p.chat_id
          WHERE p.chat_id = $1 AND p.user_id = $2`,
        [chatId, userId],
      );
    if (!rows[0]) return null;
    const { may_message, ...membership } = rows[0];
    return { chatId, userId, ...membership, mayMessage: may_message };
  }

  /**
   * Locks the chats of a batch of sends in id order (so concurrent batches cannot deadlock) and, in
   * the same statement, tells which of the (chat, user) pairs asked about (senders, the mentioned)
   * are participants, one index probe per pair, and, for direct chats, whether the pair may
   * message: `mayMessage` is the friends module's condition over `c.user_1_id` and `c.user_2_id`.
   */
  async lockChats(
    chatIds: number[],
    pairs: ChatUserPairs,
    mayMessage: string,
  ): Promise<LockedChat[]> {
    const rows = await this.db.prepared<LockedChatRow>(
      `SELECT c.id, c.type, c.topic, c.last_seq, c.last_rev, c.user_1_id, c.user_2_id,
              coalesce(m.members, '{}') AS members,
              c.type = 'direct' AND ${mayMessage} AS may_message
         FROM chat_sessions c
         LEFT JOIN (SELECT p.chat_id, array_agg(p.user_id) AS members
                      FROM unnest($2::int[], $3::int[]) AS k(chat_id, user_id)
                      JOIN chat_participants p ON p.chat_id = k.chat_id AND p.user_id = k.user_id
                     GROUP BY p.chat_id) m ON m.chat_id = c.id
        WHERE c.id = ANY($1::int[]) ORDER BY c.id FOR UPDATE OF c`,
      [chatIds, pairs.chatIds, pairs.userIds],
    );
    return rows.map((row) => ({
      id: row.id,
      type: row.type,
      topic: row.topic,
      lastSeq: row.last_seq,
      lastRev: row.last_rev,
      user1Id: row.user_1_id,
      user2Id: row.user_2_id,
      members: new Set(row.members),
      mayMessage: row.may_message,
    }));
  }

  /**
   * After a flush of sends and reactions, in one statement: each chat row updated once (counters,
   * and where messages were sent its preview and sort key) and the senders' read markers moved
   * forward (never back).
   */
  async recordFlush(
    activities: (ChatActivity & { chatId: number })[],
    markers: ReadMarker[],
  ): Promise<void> {
    await this.db.prepared(
      `WITH chats AS (
         UPDATE chat_sessions c
            SET last_seq = v.last_seq, last_rev = v.last_rev,
                last_message = coalesce(v.last_message, c.last_message),
                last_activity_at = coalesce(v.at, c.last_activity_at)
           FROM unnest($1::int[], $2::bigint[], $9::bigint[], $3::jsonb[], $4::timestamptz[])
                AS v(id, last_seq, last_rev, last_message, at)
          WHERE c.id = v.id
       )
       UPDATE chat_participants p
          SET last_read_message_id = v.message_id, last_read_seq = v.seq, last_read_at = now()
         FROM unnest($5::int[], $6::int[], $7::bigint[], $8::bigint[]) AS v(chat_id, user_id, message_id, seq)
        WHERE p.chat_id = v.chat_id AND p.user_id = v.user_id AND p.last_read_seq < v.seq`,
      [
        activities.map((a) => a.chatId),
        activities.map((a) => a.lastSeq),
        activities.map((a) => a.lastMessage && JSON.stringify(a.lastMessage)),
        activities.map((a) => a.lastActivityAt),
        markers.map((m) => m.chatId),
        markers.map((m) => m.userId),
        markers.map((m) => m.messageId),
        markers.map((m) => m.seq),
        activities.map((a) => a.lastRev),
      ],
    );
  }

  findParticipant(chatId: number, userId: number): Promise<ChatParticipant | null> {
    return this.manager.findOneBy(ChatParticipant, { chatId, userId });
  }

  /** Participants of the chats, oldest member first. */
  listParticipants(chatIds: number[]): Promise<ChatParticipant[]> {
    if (chatIds.length === 0) return Promise.resolve([]);
    return this.manager.find(ChatParticipant, {
      where: { chatId: In(chatIds) },
      order: { chatId: 'ASC', joinedAt: 'ASC', userId: 'ASC' },
    });
  }

  /** Which of these (chat, user) pairs are an owner or admin of the chat. */
  async moderatorsAmong(pairs: ChatUserPairs): Promise<{ chatId: number; userId: number }[]> {
    return this.manager.query(
      `SELECT p.chat_id AS "chatId", p.user_id AS "userId"
         FROM unnest($1::int[], $2::int[]) AS k(chat_id, user_id)
         JOIN chat_participants p ON p.chat_id = k.chat_id AND p.user_id = k.user_id
        WHERE p.role IN ('owner', 'admin')`,
      [pairs.chatIds, pairs.userIds],
    );
  }

  /** Which of the users are participants of the chat right now. */
  async participantIdsAmong(chatId: number, userIds: number[]): Promise<number[]> {
    const rows: { user_id: number }[] = await this.manager.query(
      'SELECT user_id FROM chat_participants WHERE chat_id = $1 AND user_id = ANY($2::int[])',
      [chatId, userIds],
    );
    return rows.map((row) => row.user_id);
  }

  countParticipants(chatId: number): Promise<number> {
    return this.manager.countBy(ChatParticipant, { chatId });
  }

  /**
   * A page of the user's chats, most recent activity first, with what only the user sees of each;
   * `archived` keeps only the chats the user archived (true) or only the others (false).
   */
  async listChatsOf(
    userId: number,
    after: ActivityCursor | null,
    limit: number,
    archived: boolean | undefined,
  ): Promise<ChatOfUser[]> {
    const query = this.manager
      .createQueryBuilder(ChatSession, 'c')
      .innerJoin(ChatParticipant, 'p', 'p.chat_id = c.id AND p.user_id = :userId', { userId })
      .addSelect('p.last_read_seq', 'viewer_last_read_seq')
      .addSelect('p.muted', 'viewer_muted')
      .addSelect('p.archived', 'viewer_archived')
      .addSelect(this.unreadMentionsOf('c.id', 'p.user_id'), 'viewer_unread_mentions')
      .orderBy('c.lastActivityAt', 'DESC')
      .addOrderBy('c.id', 'DESC')
      .limit(limit);
    if (after) {
      query.andWhere(
        '(c.last_activity_at, c.id) < (CAST(:at AS timestamptz), CAST(:id AS integer))',
        after,
      );
    }
    if (archived !== undefined) query.andWhere('p.archived = :archived', { archived });
    const { entities, raw } = await query.getRawAndEntities<{
      viewer_last_read_seq: string;
      viewer_muted: boolean;
      viewer_archived: boolean;
      viewer_unread_mentions: number;
    }>();
    return entities.map((chat, index) => ({
      chat,
      viewer: {
        lastReadSeq: Number(raw[index].viewer_last_read_seq),
        unreadMentionCount: raw[index].viewer_unread_mentions,
        muted: raw[index].viewer_muted,
        archived: raw[index].viewer_archived,
      },
    }));
  }

  /** What only the participant sees of the chat; null when not a participant. */
  async findViewerState(chatId: number, userId: number): Promise<ViewerState | null> {
    const rows: { last_read_seq: string; muted: boolean; archived: boolean; mentions: number }[] =
      await this.manager.query(
        `SELECT p.last_read_seq, p.muted, p.archived, ${this.unreadMentionsOf('c.id', 'p.user_id')} AS mentions
           FROM chat_participants p JOIN chat_sessions c ON c.id = p.chat_id
          WHERE p.chat_id = $1 AND p.user_id = $2`,
        [chatId, userId],
      );
    const row = rows[0];
    if (!row) return null;
    return {
      lastReadSeq: Number(row.last_read_seq),
      unreadMentionCount: row.mentions,
      muted: row.muted,
      archived: row.archived,
    };
  }

  /**
   * Across all the user's chats in one statement: messages after the read markers (of a muted
   * chat only those that mention the user), the chats with any, and the mentions.
   */
  async unreadTotals(userId: number): Promise<UnreadTotals> {
    const rows: { messages: string; chats: string; mentions: string }[] = await this.manager.query(
      `SELECT coalesce(sum(x.counted), 0)::bigint AS messages,
              count(*) FILTER (WHERE x.counted > 0)::bigint AS chats,
              coalesce(sum(x.mentions), 0)::bigint AS mentions
         FROM (SELECT CASE WHEN y.muted THEN y.mentions ELSE y.unread END AS counted, y.mentions
                 FROM (SELECT p.muted, greatest(c.last_seq - p.last_read_seq, 0) AS unread,
                              ${this.unreadMentionsOf('c.id', 'p.user_id')} AS mentions
                         FROM chat_participants p JOIN chat_sessions c ON c.id = p.chat_id
                        WHERE p.user_id = $1) y) x`,
      [userId],
    );
    const { messages, chats, mentions } = rows[0];
    return { messages: Number(messages), chats: Number(chats), mentions: Number(mentions) };
  }

  /** Changes the participant's own settings; null when not a participant. */
  async updateSettings(
    chatId: number,
    userId: number,
    changes: Partial<ChatSettings>,
  ): Promise<ChatSettings | null> {
    const rows: ChatSettings[] = await this.manager.query(
      `WITH changed AS (
         UPDATE chat_participants
            SET muted = coalesce($3, muted), archived = coalesce($4, archived)
          WHERE chat_id = $1 AND user_id = $2
         RETURNING muted, archived
       )
       SELECT muted, archived FROM changed`,
      [chatId, userId, changes.muted ?? null, changes.archived ?? null],
    );
    return rows[0] ?? null;
  }

  /**
   * Brings these chats back from these participants' archives, for a mention at `seq` that they
   * have not read yet; returns those that were archived.
   */
  async unarchive(pairs: { chatId: number; userId: number; seq: number }[]): Promise<Unarchived[]> {
    if (pairs.length === 0) return [];
    const rows: { chat_id: number; user_id: number; muted: boolean }[] = await this.manager.query(
      `WITH back AS (
         UPDATE chat_participants p SET archived = false
           FROM unnest($1::int[], $2::int[], $3::bigint[]) AS v(chat_id, user_id, seq)
          WHERE p.chat_id = v.chat_id AND p.user_id = v.user_id AND p.archived
            AND p.last_read_seq < v.seq
         RETURNING p.chat_id, p.user_id, p.muted
       )
       SELECT chat_id, user_id, muted FROM back`,
      [pairs.map((pair) => pair.chatId), pairs.map((pair) => pair.userId), pairs.map((p) => p.seq)],
    );
    return rows.map((row) => ({
      chatId: row.chat_id,
      userId: row.user_id,
      muted: row.muted,
      archived: false,
    }));
  }

  /** Every chat of the user with its topic, in one query. */
  roomsOf(userId: number): Promise<ChatRoom[]> {
    return this.manager.query(
      `SELECT c.id AS "chatId", c.topic FROM chat_participants p JOIN chat_sessions c ON c.id = p.chat_id
        WHERE p.user_id = $1`,
      [userId],
    );
  }

  async rename(chatId: number, name: string): Promise<void> {
    await this.manager.update(ChatSession, { id: chatId }, { name });
  }

  /**
   * Under the chat row's lock: takes `count` revs for changes to the chat itself and returns the
   * first; the chat's own rev becomes the last of them.
   */
  async takeChatRevs(chatId: number, count: number): Promise<number> {
    const rows: { last_rev: number }[] = await this.manager.query(
      `WITH taken AS (
         UPDATE chat_sessions SET last_rev = last_rev + $2, rev = last_rev + $2, updated_at = now()
          WHERE id = $1 RETURNING last_rev
       )
       SELECT last_rev FROM taken`,
      [chatId, count],
    );
    return rows[0].last_rev - count + 1;
  }

  async setRole(chatId: number, userId: number, role: ParticipantRole): Promise<void> {
    await this.manager.update(ChatParticipant, { chatId, userId }, { role });
  }

  async deleteParticipant(chatId: number, userId: number): Promise<boolean> {
    const result = await this.manager.delete(ChatParticipant, { chatId, userId });
    return (result.affected ?? 0) > 0;
  }

  /** The member who has been in the chat longest. */
  longestStanding(chatId: number): Promise<ChatParticipant | null> {
    return this.manager.findOne(ChatParticipant, {
      where: { chatId },
      order: { joinedAt: 'ASC', userId: 'ASC' },
    });
  }

  async deleteChat(chatId: number): Promise<void> {
    await this.manager.delete(ChatSession, { id: chatId });
  }

  /**
   * Moves the read marker forward only. Returns the chat's topic when it moved (in the same
   * statement, so the move can be announced without another query), null when it was already there
   * or further.
   */
  async advanceReadMarker(
    chatId: number,
    userId: number,
    messageId: number,
    seq: number,
  ): Promise<string | null> {
    const rows: { topic: string }[] = await this.manager.query(
      `WITH moved AS (
         UPDATE chat_participants
            SET last_read_message_id = $3, last_read_seq = $4, last_read_at = clock_timestamp()
          WHERE chat_id = $1 AND user_id = $2 AND last_read_seq < $4
         RETURNING chat_id
       )
       SELECT c.topic FROM moved JOIN chat_sessions c ON c.id = moved.chat_id`,
      [chatId, userId, messageId, seq],
    );
    return rows[0]?.topic ?? null;
  }

  /** Every participant's read marker that has moved at all, by user id. */
  async listReadMarkers(chatId: number): Promise<ReadMarkerRow[]> {
    const rows: { user_id: number; message_id: string; seq: string; read_at: Date }[] =
      await this.manager.query(
        `SELECT user_id, last_read_message_id AS message_id, last_read_seq AS seq, last_read_at AS read_at
           FROM chat_participants
          WHERE chat_id = $1 AND last_read_message_id IS NOT NULL
          ORDER BY user_id`,
        [chatId],
      );
    return rows.map((row) => ({
      userId: row.user_id,
      messageId: Number(row.message_id),
      seq: Number(row.seq),
      readAt: row.read_at,
    }));
  }
}
