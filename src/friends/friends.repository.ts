import { Injectable } from '@nestjs/common';
import { isPgError, PG_UNIQUE_VIOLATION } from '../database/pg-errors';
import { TransactionHost } from '../database/transaction-host';
import { FriendRequest, FriendRequestStatus } from './entities/friend-request.entity';
import { Friendship } from './entities/friendship.entity';
import { UserBlock } from './entities/user-block.entity';
import { friendPair } from './friend-pair';
import { FriendsError, FriendsErrorCode } from './friends.errors';

export type RequestDirection = 'incoming' | 'outgoing';

export interface RelationRow {
  userId: number;
  since: Date;
}

export interface RelationCursor {
  since: string;
  userId: number;
}

export interface FriendsExport {
  friends: { userId: number; since: Date }[];
  /** A received request's message is its sender's words: left out. */
  friendRequests: {
    id: number;
    direction: 'sent' | 'received';
    otherUserId: number;
    status: string;
    sentAt: Date;
    respondedAt: Date | null;
    message: string | null;
  }[];
  blocks: { userId: number; blockedAt: Date }[];
}

export interface PendingTie {
  id: number;
  fromUserId: number;
  toUserId: number;
}

export interface ForgottenTies {
  friendIds: number[];
  pending: PendingTie[];
}

/** The only code that touches the friends module's tables; it joins the ambient transaction. */
@Injectable()
export class FriendsRepository {
  constructor(private readonly db: TransactionHost) {}

  private get manager() {
    return this.db.manager;
  }

  /**
   * Runs `work` in a transaction that holds the pair's advisory lock, so every change between two
   * users (requests, friendship, blocks) is serialised and its checks cannot race. `work` gets the
   * time the lock was taken to stamp its changes with: now() is the transaction's start, which can
   * precede a change another transaction made to the pair before this one got the lock.
   */
  inPairTransaction<T>(a: number, b: number, work: (lockedAt: Date) => Promise<T>): Promise<T> {
    const { low, high } = friendPair(a, b);
    return this.db.run(async () => {
      await this.manager.query('SELECT pg_advisory_xact_lock($1, $2)', [low, high]);
      const [{ at }]: { at: Date }[] = await this.manager.query('SELECT clock_timestamp() AS at');
      return work(at);
    });
  }

  friendshipExists(a: number, b: number): Promise<boolean> {
    const { low, high } = friendPair(a, b);
    return this.manager.existsBy(Friendship, { userLowId: low, userHighId: high });
  }

  /** Whether the two users may message each other (see mayMessageCondition). */
  async mayMessage(low: number, high: number): Promise<boolean> {
    const rows: { may: boolean }[] = await this.manager.query(
      `SELECT ${mayMessageCondition('$1::int', '$2::int')} AS may`,
      [low, high],
    );
    return rows[0].may;
  }

  /** Creates the friendship; returns null when it existed already. */
  async insertFriendship(a: number, b: number, at: Date): Promise<Friendship | null> {
    const { low, high } = friendPair(a, b);
    const rows: { created_at: Date }[] = await this.manager.query(
      `INSERT INTO friendships (user_low_id, user_high_id, created_at) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING created_at`,
      [low, high, at],
    );
    return rows[0] ? { userLowId: low, userHighId: high, createdAt: rows[0].created_at } : null;
  }

  async deleteFriendship(a: number, b: number): Promise<boolean> {
    const { low, high } = friendPair(a, b);
    const result = await this.manager.delete(Friendship, { userLowId: low, userHighId: high });
    return (result.affected ?? 0) > 0;
  }

  /** A page of the user's friends, most recent first. */
  listFriends(userId: number, after: RelationCursor | null, limit: number): Promise<RelationRow[]> {
    return this.pageOfRelations(
      `SELECT user_high_id AS user_id, created_at FROM friendships WHERE user_low_id = $1
       UNION ALL
       SELECT user_low_id, created_at FROM friendships WHERE user_high_id = $1`,
      userId,
      after,
      limit,
    );
  }

  async friendIdsOf(userId: number): Promise<number[]> {
    const rows: { user_id: number }[] = await this.manager.query(
      `SELECT user_high_id AS user_id FROM friendships WHERE user_low_id = $1
       UNION ALL
       SELECT user_low_id FROM friendships WHERE user_high_id = $1`,
      [userId],
    );
    return rows.map((row) => row.user_id);
  }

  async insertRequest(
    fromUserId: number,
    toUserId: number,
    message: string | null,
    sentAt: Date,
  ): Promise<FriendRequest> {
    try {
      const request = this.manager.create(FriendRequest, {
        fromUserId,
        toUserId,
        message,
        status: 'pending',
        sentAt,
      });
      return await this.manager.save(request);
    } catch (error) {
      if (isPgError(error, PG_UNIQUE_VIOLATION, 'friend_requests_one_pending_per_pair')) {
        throw new FriendsError(FriendsErrorCode.FRIEND_REQUEST_EXISTS);
      }
      throw error;
    }
  }

  findRequest(id: number): Promise<FriendRequest | null> {
    return this.manager.findOneBy(FriendRequest, { id });
  }

  findPendingBetween(a: number, b: number): Promise<FriendRequest | null> {
    return this.manager.findOne(FriendRequest, {
      where: [
        { fromUserId: a, toUserId: b, status: 'pending' },
        { fromUserId: b, toUserId: a, status: 'pending' },
      ],
    });
  }

  /** Answers a pending request; null when it is no longer pending (or gone). */
  async answer(
    id: number,
    status: Exclude<FriendRequestStatus, 'pending'>,
    at: Date,
  ): Promise<FriendRequest | null> {
    const result = await this.manager
      .createQueryBuilder()
      .update(FriendRequest)
      .set({ status, respondedAt: at })
      .where('id = :id AND status = :pending', { id, pending: 'pending' })
      .returning('*')
      .execute();
    return result.affected ? this.manager.create(FriendRequest, toRequest(result.raw[0])) : null;
  }

  /**
   * Deletes every friendship, friend request and block the user is part of, either side: what ties
   * a deleted account to others. Answers the friends and the requests that were pending.
   */
  async deleteAllOf(userId: number): Promise<ForgottenTies> {
    const [row]: { friend_ids: number[]; pending: PendingTie[] }[] = await this.manager.query(
      `WITH friendships AS (
         DELETE FROM friendships WHERE user_low_id = $1 OR user_high_id = $1
         RETURNING CASE WHEN user_low_id = $1 THEN user_high_id ELSE user_low_id END AS friend_id
       ), requests AS (
         DELETE FROM friend_requests WHERE from_user_id = $1 OR to_user_id = $1
         RETURNING id, from_user_id, to_user_id, status
       ), blocks AS (
         DELETE FROM user_blocks WHERE blocker_id = $1 OR blocked_id = $1
       )
       SELECT coalesce((SELECT array_agg(friend_id ORDER BY friend_id) FROM friendships), '{}')
                AS friend_ids,
              coalesce((SELECT json_agg(json_build_object(
                         'id', id, 'fromUserId', from_user_id, 'toUserId', to_user_id) ORDER BY id)
                          FROM requests WHERE status = 'pending'), '[]') AS pending`,
      [userId],
    );
    return { friendIds: row.friend_ids, pending: row.pending };
  }

  /** Deletes a pending request; false when it is no longer pending (or gone). */
  async deletePending(id: number): Promise<boolean> {
    const result = await this.manager.delete(FriendRequest, { id, status: 'pending' });
    return (result.affected ?? 0) > 0;
  }

  listRequests(
    userId: number,
    direction: RequestDirection,
    status: FriendRequestStatus | undefined,
    beforeId: number | null,
    limit: number,
  ): Promise<FriendRequest[]> {
    const column = direction === 'incoming' ? 'to_user_id' : 'from_user_id';
    const query = this.manager
      .createQueryBuilder(FriendRequest, 'r')
      .where(`r.${column} = :userId`, { userId })
      .orderBy('r.id', 'DESC')
      .limit(limit);
    if (status) query.andWhere('r.status = :status', { status });
    if (beforeId !== null) query.andWhere('r.id < :beforeId', { beforeId });
    return query.getMany();
  }

  async blockExists(blockerId: number, blockedId: number): Promise<boolean> {
    return this.manager.existsBy(UserBlock, { blockerId, blockedId });
  }

  async blockBetween(a: number, b: number): Promise<boolean> {
    return this.manager.exists(UserBlock, {
      where: [
        { blockerId: a, blockedId: b },
        { blockerId: b, blockedId: a },
      ],
    });
  }

  /** Which of the users block `blockedId`. */
  async blockersAmong(blockedId: number, userIds: number[]): Promise<number[]> {
    const rows: { blocker_id: number }[] = await this.manager.query(
      'SELECT blocker_id FROM user_blocks WHERE blocked_id = $1 AND blocker_id = ANY($2::int[])',
      [blockedId, userIds],
    );
    return rows.map((row) => row.blocker_id);
  }

  /** Everything of the user's in this module, for their export: never another user's words. */
  async exportOf(userId: number): Promise<FriendsExport> {
    const friends: FriendsExport['friends'] = await this.manager.query(
      `SELECT CASE WHEN user_low_id = $1 THEN user_high_id ELSE user_low_id END AS "userId",
              created_at AS since
         FROM friendships WHERE user_low_id = $1 OR user_high_id = $1 ORDER BY created_at`,
      [userId],
    );
    const friendRequests: FriendsExport['friendRequests'] = await this.manager.query(
      `SELECT id, CASE WHEN from_user_id = $1 THEN 'sent' ELSE 'received' END AS direction,
              CASE WHEN from_user_id = $1 THEN to_user_id ELSE from_user_id END AS "otherUserId",
              status, sent_at AS "sentAt", responded_at AS "respondedAt",
              CASE WHEN from_user_id = $1 THEN message END AS message
         FROM friend_requests WHERE from_user_id = $1 OR to_user_id = $1 ORDER BY id`,
      [userId],
    );
    const blocks: FriendsExport['blocks'] = await this.manager.query(
      `SELECT blocked_id AS "userId", created_at AS "blockedAt"
         FROM user_blocks WHERE blocker_id = $1 ORDER BY created_at`,
      [userId],
    );
    return { friends, friendRequests, blocks };
  }

  /** Records the block (idempotent) and returns when it began. */
  async insertBlock(blockerId: number, blockedId: number): Promise<Date> {
    await this.manager.query(
      `INSERT INTO user_blocks (blocker_id, blocked_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [blockerId, blockedId],
    );
    const block = await this.manager.findOneByOrFail(UserBlock, { blockerId, blockedId });
    return block.createdAt;
  }

  async deleteBlock(blockerId: number, blockedId: number): Promise<boolean> {
    const result = await this.manager.delete(UserBlock, { blockerId, blockedId });
    return (result.affected ?? 0) > 0;
  }

  listBlocks(
    blockerId: number,
    after: RelationCursor | null,
    limit: number,
  ): Promise<RelationRow[]> {
    return this.pageOfRelations(
      'SELECT blocked_id AS user_id, created_at FROM user_blocks WHERE blocker_id = $1',
      blockerId,
      after,
      limit,
    );
  }

  /** Keyset page over (created_at, user_id) descending of a relation query of the user. */
  private async pageOfRelations(
    relations: string,
    userId: number,
    after: RelationCursor | null,
    limit: number,
  ): Promise<RelationRow[]> {
    const rows: { user_id: number; created_at: Date }[] = await this.manager.query(
      `SELECT user_id, created_at FROM (${relations}) relation
        WHERE $2::timestamptz IS NULL OR (created_at, user_id) < ($2::timestamptz, $3::integer)
        ORDER BY created_at DESC, user_id DESC
        LIMIT $4`,
      [userId, after?.since ?? null, after?.userId ?? 0, limit],
    );
    return rows.map((row) => ({ userId: row.user_id, since: row.created_at }));
  }
}

function toRequest(row: Record<string, unknown>): Partial<FriendRequest> {
  return {
    id: row.id as number,
    fromUserId: row.from_user_id as number,
    toUserId: row.to_user_id as number,
    message: row.message as string | null,
    status: row.status as FriendRequestStatus,
    sentAt: row.sent_at as Date,
    respondedAt: row.responded_at as Date | null,
  };
}

/**
 * SQL that is true when the two users (columns or expressions holding the lower and the higher id)
 * may message each other: friends, and no block either way. The one statement of the rule, so that
 * other modules can evaluate it inside their own statements (FriendsService.mayMessageCondition).
 */
export function mayMessageCondition(low: string, high: string): string {
  return `(EXISTS (SELECT 1 FROM friendships f WHERE f.user_low_id = ${low} AND f.user_high_id = ${high})
          AND NOT EXISTS (SELECT 1 FROM user_blocks b
                           WHERE (b.blocker_id = ${low} AND b.blocked_id = ${high})
                              OR (b.blocker_id = ${high} AND b.blocked_id = ${low})))`;
}
