import { Injectable } from '@nestjs/common';
import { Page, toPage } from '../common/pagination/page';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { TransactionHost } from '../database/transaction-host';
import { UsersService } from '../users/users.service';
import { FriendResponseDto } from './dto/friend-response.dto';
import {
  FriendRequestWithdrawnEvent,
  FriendsEvents,
  FriendshipRemovedEvent,
} from './events/friends.events';
import { friendPair } from './friend-pair';
import { FriendsError, FriendsErrorCode } from './friends.errors';
import { FriendsExport, FriendsRepository, mayMessageCondition } from './friends.repository';
import { decodeRelationCursor, relationCursorOf } from './relation-cursor';

/** Friendships; the module's public face for other modules. */
@Injectable()
export class FriendsService {
  constructor(
    private readonly repository: FriendsRepository,
    private readonly users: UsersService,
    private readonly transactions: TransactionHost,
  ) {}

  async list(userId: number, query: PageQueryDto): Promise<Page<FriendResponseDto>> {
    const after = decodeRelationCursor(query.cursor);
    const rows = await this.repository.listFriends(userId, after, query.limit + 1);
    const profiles = await this.users.getProfiles(rows.map((row) => row.userId));
    return toPage(rows, query.limit, relationCursorOf, (row) => ({
      user: profiles.get(row.userId)!,
      since: row.since.toISOString(),
    }));
  }

  async unfriend(userId: number, friendId: number): Promise<void> {
    await this.repository.inPairTransaction(userId, friendId, async () => {
      if (!(await this.repository.deleteFriendship(userId, friendId)))
        throw new FriendsError(FriendsErrorCode.NOT_FRIENDS);
      this.transactions.publish(
        FriendsEvents.friendshipRemoved,
        new FriendshipRemovedEvent([userId, friendId]),
      );
    });
  }

  /**
   * Ends everything that ties the user to others (friendships, requests, blocks, either side), in
   * the ambient transaction: their account is being deleted. Former friends hear that the
   * friendship ended, and the other side of each pending request that it is gone.
   */
  async forget(userId: number): Promise<void> {
    const { friendIds, pending } = await this.repository.deleteAllOf(userId);
    for (const friendId of friendIds) {
      this.transactions.publish(
        FriendsEvents.friendshipRemoved,
        new FriendshipRemovedEvent([userId, friendId]),
      );
    }
    for (const { id, fromUserId, toUserId } of pending) {
      this.transactions.publish(
        FriendsEvents.requestWithdrawn,
        new FriendRequestWithdrawnEvent(id, fromUserId, toUserId),
      );
    }
  }

  /** Whether the two may talk in a direct chat: friends who do not block each other. */
  async canMessageDirectly(a: number, b: number): Promise<boolean> {
    const { low, high } = friendPair(a, b);
    return this.repository.mayMessage(low, high);
  }

  /**
   * The may-message rule as an SQL condition over two columns holding the lower and the higher user
   * id (trusted column names only, never input), for a statement that needs it without a round trip
   * of its own: the send path checks it in the statement that locks the chats.
   */
  mayMessageCondition(lowColumn: string, highColumn: string): string {
    return mayMessageCondition(lowColumn, highColumn);
  }

  /** The user's friendships, requests (their own words only) and blocks, for their export. */
  exportOf(userId: number): Promise<FriendsExport> {
    return this.repository.exportOf(userId);
  }

  friendIdsOf(userId: number): Promise<number[]> {
    return this.repository.friendIdsOf(userId);
  }
}
