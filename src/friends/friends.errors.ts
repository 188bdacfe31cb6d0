import { HttpStatus } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';

export enum FriendsErrorCode {
  FRIEND_REQUEST_NOT_FOUND = 'FRIEND_REQUEST_NOT_FOUND',
  FRIEND_REQUEST_TO_SELF = 'FRIEND_REQUEST_TO_SELF',
  FRIEND_REQUEST_EXISTS = 'FRIEND_REQUEST_EXISTS',
  FRIEND_REQUEST_NOT_PENDING = 'FRIEND_REQUEST_NOT_PENDING',
  FRIEND_REQUESTS_NOT_ACCEPTED = 'FRIEND_REQUESTS_NOT_ACCEPTED',
  NOT_REQUEST_RECIPIENT = 'NOT_REQUEST_RECIPIENT',
  NOT_REQUEST_SENDER = 'NOT_REQUEST_SENDER',
  ALREADY_FRIENDS = 'ALREADY_FRIENDS',
  NOT_FRIENDS = 'NOT_FRIENDS',
  BLOCK_SELF = 'BLOCK_SELF',
  USER_BLOCKED = 'USER_BLOCKED',
  BLOCK_NOT_FOUND = 'BLOCK_NOT_FOUND',
  FRIENDSHIP_WITH_SELF = 'FRIENDSHIP_WITH_SELF',
  USERS_BLOCKED = 'USERS_BLOCKED',
}

const STATUS: Record<FriendsErrorCode, HttpStatus> = {
  [FriendsErrorCode.FRIEND_REQUEST_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [FriendsErrorCode.FRIEND_REQUEST_TO_SELF]: HttpStatus.BAD_REQUEST,
  [FriendsErrorCode.FRIEND_REQUEST_EXISTS]: HttpStatus.CONFLICT,
  [FriendsErrorCode.FRIEND_REQUEST_NOT_PENDING]: HttpStatus.CONFLICT,
  [FriendsErrorCode.FRIEND_REQUESTS_NOT_ACCEPTED]: HttpStatus.FORBIDDEN,
  [FriendsErrorCode.NOT_REQUEST_RECIPIENT]: HttpStatus.FORBIDDEN,
  [FriendsErrorCode.NOT_REQUEST_SENDER]: HttpStatus.FORBIDDEN,
  [FriendsErrorCode.ALREADY_FRIENDS]: HttpStatus.CONFLICT,
  [FriendsErrorCode.NOT_FRIENDS]: HttpStatus.NOT_FOUND,
  [FriendsErrorCode.BLOCK_SELF]: HttpStatus.BAD_REQUEST,
  [FriendsErrorCode.USER_BLOCKED]: HttpStatus.CONFLICT,
  [FriendsErrorCode.BLOCK_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [FriendsErrorCode.FRIENDSHIP_WITH_SELF]: HttpStatus.BAD_REQUEST,
  [FriendsErrorCode.USERS_BLOCKED]: HttpStatus.CONFLICT,
};

const MESSAGES: Record<FriendsErrorCode, string> = {
  [FriendsErrorCode.FRIEND_REQUEST_NOT_FOUND]: 'Friend request not found',
  [FriendsErrorCode.FRIEND_REQUEST_TO_SELF]: 'You cannot send a friend request to yourself',
  [FriendsErrorCode.FRIEND_REQUEST_EXISTS]:
    'You already have a pending friend request to this user',
  [FriendsErrorCode.FRIEND_REQUEST_NOT_PENDING]: 'This friend request has already been answered',
  // The same words whether the user turned requests off or blocks the sender: a block stays silent.
  [FriendsErrorCode.FRIEND_REQUESTS_NOT_ACCEPTED]: 'This user is not accepting friend requests',
  [FriendsErrorCode.NOT_REQUEST_RECIPIENT]: 'Only the recipient can answer a friend request',
  [FriendsErrorCode.NOT_REQUEST_SENDER]: 'Only the sender can withdraw a friend request',
  [FriendsErrorCode.ALREADY_FRIENDS]: 'You are already friends',
  [FriendsErrorCode.NOT_FRIENDS]: 'You are not friends with this user',
  [FriendsErrorCode.BLOCK_SELF]: 'You cannot block yourself',
  [FriendsErrorCode.USER_BLOCKED]: 'You block this user; unblock them first',
  [FriendsErrorCode.BLOCK_NOT_FOUND]: 'You do not block this user',
  [FriendsErrorCode.FRIENDSHIP_WITH_SELF]: 'userIds must name two different users',
  [FriendsErrorCode.USERS_BLOCKED]: 'One of the two blocks the other: they cannot become friends',
};

export class FriendsError extends DomainError {
  constructor(code: FriendsErrorCode) {
    super(code, MESSAGES[code], STATUS[code]);
  }
}
