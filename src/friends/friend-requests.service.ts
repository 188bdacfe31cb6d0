import { Inject, Injectable } from '@nestjs/common';
import { isIntId } from '../common/pagination/cursor-keys';
import { decodeCursor, Page, toPage } from '../common/pagination/page';
import { RateLimiterService } from '../common/rate-limit/rate-limiter.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TransactionHost } from '../database/transaction-host';
import { UsersService } from '../users/users.service';
import { FriendRequestResponseDto } from './dto/friend-request-response.dto';
import { ListFriendRequestsQueryDto } from './dto/list-friend-requests-query.dto';
import { FriendRequest } from './entities/friend-request.entity';
import {
  FriendRequestCreatedEvent,
  FriendRequestUpdatedEvent,
  FriendRequestWithdrawnEvent,
  FriendsEvents,
  FriendshipCreatedEvent,
} from './events/friends.events';
import { FriendsError, FriendsErrorCode } from './friends.errors';
import { toFriendRequestResponse } from './friends.mapper';
import { FriendsRepository } from './friends.repository';

export interface SendOutcome {
  request: FriendRequestResponseDto;
  /** False when the request completed the other user's pending one: the two are now friends. */
  created: boolean;
}

interface RequestCursor {
  id: number;
}

const isRequestCursor = (value: unknown): value is RequestCursor =>
  isIntId((value as RequestCursor | null)?.id);

@Injectable()
export class FriendRequestsService {
  constructor(
    private readonly repository: FriendsRepository,
    private readonly users: UsersService,
    private readonly transactions: TransactionHost,
    private readonly rateLimiter: RateLimiterService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Sends a request. When the other user already asked us, that request is accepted instead, so
   * the pair never holds two pending requests. Each send notifies its recipient, so a sender's
   * sends are limited whether or not they withdraw them.
   */
  async send(fromUserId: number, toUserId: number, message: string | null): Promise<SendOutcome> {
    if (fromUserId === toUserId) throw new FriendsError(FriendsErrorCode.FRIEND_REQUEST_TO_SELF);
    const rule = this.config.rateLimits.friendRequestsPerUser;
    await this.rateLimiter.consume('friend-requests-user', rule, String(fromUserId));
    const recipientAccepts = await this.users.acceptsFriendRequests(toUserId);

    return this.repository.inPairTransaction(
      fromUserId,
      toUserId,
      async (lockedAt): Promise<SendOutcome> => {
        if (await this.repository.blockExists(fromUserId, toUserId)) {
          throw new FriendsError(FriendsErrorCode.USER_BLOCKED);
        }
        if (await this.repository.blockExists(toUserId, fromUserId)) {
          throw new FriendsError(FriendsErrorCode.FRIEND_REQUESTS_NOT_ACCEPTED);
        }
        if (await this.repository.friendshipExists(fromUserId, toUserId)) {
          throw new FriendsError(FriendsErrorCode.ALREADY_FRIENDS);
        }
        const pending = await this.repository.findPendingBetween(fromUserId, toUserId);
        if (pending?.fromUserId === fromUserId) {
          throw new FriendsError(FriendsErrorCode.FRIEND_REQUEST_EXISTS);
        }
        // They asked us first: completing their request needs no permission from their settings.
        if (pending) return { request: await this.acceptIn(pending, lockedAt), created: false };
        if (!recipientAccepts)
          throw new FriendsError(FriendsErrorCode.FRIEND_REQUESTS_NOT_ACCEPTED);
        const request = await this.toResponse(
          await this.repository.insertRequest(fromUserId, toUserId, message || null, lockedAt),
        );
        this.transactions.publish(
          FriendsEvents.requestCreated,
          new FriendRequestCreatedEvent(request),
        );
        return { request, created: true };
      },
    );
  }

  async list(
    userId: number,
    query: ListFriendRequestsQueryDto,
  ): Promise<Page<FriendRequestResponseDto>> {
    const beforeId =
      query.cursor === undefined ? null : decodeCursor(query.cursor, isRequestCursor).id;
    const rows = await this.repository.listRequests(
      userId,
      query.direction,
      query.status,
      beforeId,
      query.limit + 1,
    );
    const profiles = await this.users.getProfiles(
      rows.flatMap((row) => [row.fromUserId, row.toUserId]),
    );
    return toPage(
      rows,
      query.limit,
      (row) => ({ id: row.id }),
      (row) => toFriendRequestResponse(row, profiles),
    );
  }

  async accept(userId: number, requestId: number): Promise<FriendRequestResponseDto> {
    const request = await this.findForRecipient(userId, requestId);
    return this.repository.inPairTransaction(request.fromUserId, request.toUserId, (lockedAt) =>
      this.acceptIn(request, lockedAt),
    );
  }

  async reject(userId: number, requestId: number): Promise<FriendRequestResponseDto> {
    const request = await this.findForRecipient(userId, requestId);
    return this.repository.inPairTransaction(
      request.fromUserId,
      request.toUserId,
      async (lockedAt) => {
        const rejected = await this.repository.answer(request.id, 'rejected', lockedAt);
        const response = await this.toResponse(await this.answered(request.id, rejected));
        this.transactions.publish(
          FriendsEvents.requestUpdated,
          new FriendRequestUpdatedEvent(response),
        );
        return response;
      },
    );
  }

  /**
   * Makes two users friends on behalf of the app that runs the server (its own rules decide who may
   * talk): a pending request between them is accepted, else the friendship begins directly. Answers
   * whether it is new. A block either way is respected (409 USERS_BLOCKED).
   */
  async befriend(a: number, b: number): Promise<boolean> {
    if (a === b) throw new FriendsError(FriendsErrorCode.FRIENDSHIP_WITH_SELF);
    await Promise.all([this.users.getActiveOrThrow(a), this.users.getActiveOrThrow(b)]);
    return this.repository.inPairTransaction(a, b, async (lockedAt) => {
      if ((await this.repository.blockExists(a, b)) || (await this.repository.blockExists(b, a))) {
        throw new FriendsError(FriendsErrorCode.USERS_BLOCKED);
      }
      if (await this.repository.friendshipExists(a, b)) return false;
      const pending = await this.repository.findPendingBetween(a, b);
      if (pending) {
        await this.acceptIn(pending, lockedAt);
        return true;
      }
      await this.repository.insertFriendship(a, b, lockedAt);
      this.transactions.publish(
        FriendsEvents.friendshipCreated,
        new FriendshipCreatedEvent([a, b], lockedAt.toISOString()),
      );
      return true;
    });
  }

  /** The sender takes back a pending request. */
  async withdraw(userId: number, requestId: number): Promise<void> {
    const request = await this.findVisible(userId, requestId);
    if (request.fromUserId !== userId) throw new FriendsError(FriendsErrorCode.NOT_REQUEST_SENDER);
    await this.repository.inPairTransaction(request.fromUserId, request.toUserId, async () => {
      if (!(await this.repository.deletePending(request.id))) await this.answered(request.id, null);
      this.transactions.publish(
        FriendsEvents.requestWithdrawn,
        new FriendRequestWithdrawnEvent(request.id, request.fromUserId, request.toUserId),
      );
    });
  }

  /** Inside the pair transaction: the friendship begins the moment the request is accepted. */
  private async acceptIn(
    request: FriendRequest,
    lockedAt: Date,
  ): Promise<FriendRequestResponseDto> {
    const accepted = await this.repository.answer(request.id, 'accepted', lockedAt);
    const response = await this.toResponse(await this.answered(request.id, accepted));
    await this.repository.insertFriendship(request.fromUserId, request.toUserId, lockedAt);
    this.transactions.publish(
      FriendsEvents.requestUpdated,
      new FriendRequestUpdatedEvent(response),
    );
    this.transactions.publish(
      FriendsEvents.friendshipCreated,
      new FriendshipCreatedEvent([response.fromUserId, response.toUserId], response.respondedAt!),
    );
    return response;
  }

  /** The answered request, or the reason it could not be answered. */
  private async answered(id: number, answered: FriendRequest | null): Promise<FriendRequest> {
    if (answered) return answered;
    const current = await this.repository.findRequest(id);
    throw new FriendsError(
      current
        ? FriendsErrorCode.FRIEND_REQUEST_NOT_PENDING
        : FriendsErrorCode.FRIEND_REQUEST_NOT_FOUND,
    );
  }

  private async findForRecipient(userId: number, requestId: number): Promise<FriendRequest> {
    const request = await this.findVisible(userId, requestId);
    if (request.toUserId !== userId) throw new FriendsError(FriendsErrorCode.NOT_REQUEST_RECIPIENT);
    return request;
  }

  /** A request the user sent or received; to anyone else it does not exist. */
  private async findVisible(userId: number, requestId: number): Promise<FriendRequest> {
    const request = await this.repository.findRequest(requestId);
    if (!request || (request.fromUserId !== userId && request.toUserId !== userId)) {
      throw new FriendsError(FriendsErrorCode.FRIEND_REQUEST_NOT_FOUND);
    }
    return request;
  }

  private async toResponse(request: FriendRequest): Promise<FriendRequestResponseDto> {
    const profiles = await this.users.getProfiles([request.fromUserId, request.toUserId]);
    return toFriendRequestResponse(request, profiles);
  }
}
