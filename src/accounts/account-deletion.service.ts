import { Injectable, Logger } from '@nestjs/common';
import { AuthService } from '../auth/auth.service';
import { ChatMembersService } from '../chats/chat-members.service';
import { ChatsError, ChatsErrorCode } from '../chats/chats.errors';
import { ChatsService } from '../chats/chats.service';
import { TransactionHost } from '../database/transaction-host';
import { FriendsService } from '../friends/friends.service';
import { JobQueue } from '../notifications/job-queue';
import { PushSubscriptionsService } from '../notifications/push-subscriptions.service';
import { UsersService } from '../users/users.service';
import { ERASURE_QUEUE, erasureJob } from './account-erasure-queue';

/**
 * Deletes accounts. One transaction makes the account a tombstone and ends its sessions, ties
 * (friends, requests, blocks) and push subscriptions, and writes the job that erases the rest
 * (AccountErasure): a crash before it commits leaves the account whole, one after it leaves a job
 * that finishes the work. Once it commits the person's sockets close on every replica, and they
 * leave their groups, one group per transaction: a deletion never holds several chats' locks (the
 * sends of those chats would wait for it, or in the wrong order deadlock with it).
 */
@Injectable()
export class AccountDeletionService {
  private readonly logger = new Logger(AccountDeletionService.name);

  constructor(
    private readonly users: UsersService,
    private readonly auth: AuthService,
    private readonly friends: FriendsService,
    private readonly chats: ChatsService,
    private readonly members: ChatMembersService,
    private readonly pushSubscriptions: PushSubscriptionsService,
    private readonly queue: JobQueue,
    private readonly transactions: TransactionHost,
  ) {}

  /** The person deletes their own account, confirming it with their password. */
  async deleteOwn(userId: number, password: string): Promise<void> {
    await this.auth.confirmPassword(userId, password);
    await this.delete(userId);
  }

  /** Deletes the account (the app's backend, through the admin API); USER_NOT_FOUND when gone. */
  async delete(userId: number): Promise<void> {
    await this.transactions.run(async () => {
      // The user row first: sessions being written wait for it, and later ones are refused.
      await this.users.delete(userId);
      await this.auth.revokeSessions(userId);
      await this.cutTies(userId);
      await this.queue.insert(ERASURE_QUEUE, [erasureJob({ userId, afterId: 0, final: false })]);
    });
    this.queue.nudge(ERASURE_QUEUE);
    // The deletion has committed: a failure here is the erasure's to repair (it leaves the groups
    // again), not the caller's, who would find the account gone if they tried again.
    await this.leaveGroups(userId).catch((error: unknown) =>
      this.logger.warn({ err: error, userId }, 'Leaving groups failed; the erasure retries'),
    );
  }

  /**
   * Ends what ties the deleted account to others and was made while its deletion ran (a request
   * accepted, a group joined, a push subscription made at that moment): the erasure runs it again.
   */
  async untie(userId: number): Promise<void> {
    await this.transactions.run(() => this.cutTies(userId));
    await this.leaveGroups(userId);
  }

  /** Friendships, friend requests and blocks (either side), and push subscriptions. */
  private async cutTies(userId: number): Promise<void> {
    await this.friends.forget(userId);
    await this.pushSubscriptions.unsubscribeAll(userId);
  }

  /**
   * Leaves each group as the person would (an owner hands it over), in chat id order. A group
   * that went meanwhile is skipped: the erasure comes back for anything left.
   */
  private async leaveGroups(userId: number): Promise<void> {
    const groups = (await this.chats.membershipsOf(userId))
      .filter((membership) => membership.type === 'group')
      .sort((a, b) => a.chatId - b.chatId);
    for (const { chatId } of groups) {
      try {
        await this.members.remove(userId, chatId, userId);
      } catch (error) {
        if (!(error instanceof ChatsError && isGone(error))) throw error;
      }
    }
  }
}

function isGone(error: ChatsError): boolean {
  return (
    error.code === ChatsErrorCode.CHAT_NOT_FOUND ||
    error.code === ChatsErrorCode.PARTICIPANT_NOT_FOUND
  );
}
