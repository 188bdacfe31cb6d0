import { Injectable } from '@nestjs/common';
import { Page, toPage } from '../common/pagination/page';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { TransactionHost } from '../database/transaction-host';
import { UsersService } from '../users/users.service';
import { BlockResponseDto } from './dto/block-response.dto';
import { FriendRequest } from './entities/friend-request.entity';
import {
  FriendRequestUpdatedEvent,
  FriendRequestWithdrawnEvent,
  FriendsEvents,
  FriendshipRemovedEvent,
} from './events/friends.events';
import { FriendsError, FriendsErrorCode } from './friends.errors';
import { toFriendRequestResponse } from './friends.mapper';
import { FriendsRepository } from './friends.repository';
import { decodeRelationCursor, relationCursorOf } from './relation-cursor';

/** Blocks: silent to the blocked user, who sees only the ordinary outcomes (unfriended, rejected). */
@Injectable()
export class BlocksService {
  constructor(
    private readonly repository: FriendsRepository,
    private readonly users: UsersService,
    private readonly transactions: TransactionHost,
  ) {}

  async block(blockerId: number, blockedId: number): Promise<BlockResponseDto> {
    if (blockerId === blockedId) throw new FriendsError(FriendsErrorCode.BLOCK_SELF);
    const user = await this.users.getActiveOrThrow(blockedId);
    const blockedAt = await this.repository.inPairTransaction(
      blockerId,
      blockedId,
      async (lockedAt) => {
        const at = await this.repository.insertBlock(blockerId, blockedId);
        if (await this.repository.deleteFriendship(blockerId, blockedId)) {
          this.transactions.publish(
            FriendsEvents.friendshipRemoved,
            new FriendshipRemovedEvent([blockerId, blockedId]),
          );
        }
        const pending = await this.repository.findPendingBetween(blockerId, blockedId);
        if (pending?.fromUserId === blockedId) {
          // The blocked user's pending request to the blocker is rejected like any other.
          const rejected = await this.repository.answer(pending.id, 'rejected', lockedAt);
          await this.publishRejected(rejected!, blockerId, blockedId);
        }
        if (
          pending?.fromUserId === blockerId &&
          (await this.repository.deletePending(pending.id))
        ) {
          this.transactions.publish(
            FriendsEvents.requestWithdrawn,
            new FriendRequestWithdrawnEvent(pending.id, blockerId, blockedId),
          );
        }
        return at;
      },
    );
    return { user, blockedAt: blockedAt.toISOString() };
  }

  async list(blockerId: number, query: PageQueryDto): Promise<Page<BlockResponseDto>> {
    const rows = await this.repository.listBlocks(
      blockerId,
      decodeRelationCursor(query.cursor),
      query.limit + 1,
    );
    const profiles = await this.users.getProfiles(rows.map((row) => row.userId));
    return toPage(rows, query.limit, relationCursorOf, (row) => ({
      user: profiles.get(row.userId)!,
      blockedAt: row.since.toISOString(),
    }));
  }

  async unblock(blockerId: number, blockedId: number): Promise<void> {
    const removed = await this.repository.inPairTransaction(blockerId, blockedId, () =>
      this.repository.deleteBlock(blockerId, blockedId),
    );
    if (!removed) throw new FriendsError(FriendsErrorCode.BLOCK_NOT_FOUND);
  }

  /** Whether either user blocks the other: no direct messages between them then. */
  hasBlockBetween(a: number, b: number): Promise<boolean> {
    return this.repository.blockBetween(a, b);
  }

  /** Which of the users block `userId` (and so hear nothing from them, not even a push). */
  async blockersAmong(userId: number, userIds: number[]): Promise<Set<number>> {
    if (userIds.length === 0) return new Set();
    return new Set(await this.repository.blockersAmong(userId, userIds));
  }

  private async publishRejected(
    rejected: FriendRequest,
    blockerId: number,
    blockedId: number,
  ): Promise<void> {
    const profiles = await this.users.getProfiles([blockerId, blockedId]);
    const request = toFriendRequestResponse(rejected, profiles);
    this.transactions.publish(FriendsEvents.requestUpdated, new FriendRequestUpdatedEvent(request));
  }
}
