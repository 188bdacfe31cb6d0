import { FriendRequestResponseDto } from '../dto/friend-request-response.dto';

/** Names of the domain events this module publishes after its transactions commit. */
export const FriendsEvents = {
  requestCreated: 'friend-request.created',
  requestUpdated: 'friend-request.updated',
  requestWithdrawn: 'friend-request.withdrawn',
  friendshipCreated: 'friendship.created',
  friendshipRemoved: 'friendship.removed',
} as const;

export class FriendRequestCreatedEvent {
  constructor(readonly request: FriendRequestResponseDto) {}
}

/** Accepted or rejected. */
export class FriendRequestUpdatedEvent {
  constructor(readonly request: FriendRequestResponseDto) {}
}

/** The sender took back a pending request; it no longer exists. */
export class FriendRequestWithdrawnEvent {
  constructor(
    readonly requestId: number,
    readonly fromUserId: number,
    readonly toUserId: number,
  ) {}
}

export class FriendshipCreatedEvent {
  constructor(
    readonly userIds: [number, number],
    readonly since: string,
  ) {}
}

export class FriendshipRemovedEvent {
  constructor(readonly userIds: [number, number]) {}
}
