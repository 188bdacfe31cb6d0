import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Page, toPage } from '../common/pagination/page';
import { PageQueryDto } from '../common/pagination/page-query.dto';
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

interface BlockOutcome {
  blockedAt: Date;
  unfriended: boolean;
  /** The blocked user's pending request to the blocker, now rejected like any other. */
  rejected: FriendRequest | null;
  /** The blocker's own pending request to the blocked user, now withdrawn. */
  withdrawn: FriendRequest | null;
}

/** Blocks: silent to the blocked user, who sees only the ordinary outcomes (unfriended, rejected). */
@Injectable()
export class BlocksService {
  constructor(
    private readonly repository: FriendsRepository,
    private readonly users: UsersService,
    private readonly events: EventEmitter2,
  ) {}

  async block(blockerId: number, blockedId: number): Promise<BlockResponseDto> {
    if (blockerId === blockedId) throw new FriendsError(FriendsErrorCode.BLOCK_SELF);
    const user = await this.users.getOrThrow(blockedId);
    const outcome = await this.repository.inPairTransaction(
      blockerId,
      blockedId,
      async (lockedAt) => {
        const blockedAt = await this.repository.insertBlock(blockerId, blockedId);
        const unfriended = await this.repository.deleteFriendship(blockerId, blockedId);
        const pending = await this.repository.findPendingBetween(blockerId, blockedId);
        const result: BlockOutcome = { blockedAt, unfriended, rejected: null, withdrawn: null };
        if (pending?.fromUserId === blockedId)
          result.rejected = await this.repository.answer(pending.id, 'rejected', lockedAt);
        if (pending?.fromUserId === blockerId && (await this.repository.deletePending(pending.id)))
          result.withdrawn = pending;
        return result;
      },
    );
    await this.publish(blockerId, blockedId, outcome);
    return { user, blockedAt: outcome.blockedAt.toISOString() };
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

  private async publish(
    blockerId: number,
    blockedId: number,
    outcome: BlockOutcome,
  ): Promise<void> {
    if (outcome.unfriended) {
      this.events.emit(
        FriendsEvents.friendshipRemoved,
        new FriendshipRemovedEvent([blockerId, blockedId]),
      );
    }
    if (outcome.rejected) {
      const profiles = await this.users.getProfiles([blockerId, blockedId]);
      const request = toFriendRequestResponse(outcome.rejected, profiles);
      this.events.emit(FriendsEvents.requestUpdated, new FriendRequestUpdatedEvent(request));
    }
    if (outcome.withdrawn) {
      this.events.emit(
        FriendsEvents.requestWithdrawn,
        new FriendRequestWithdrawnEvent(outcome.withdrawn.id, blockerId, blockedId),
      );
    }
  }
}
