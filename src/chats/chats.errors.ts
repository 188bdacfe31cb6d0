import { HttpStatus } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';

export enum ChatsErrorCode {
  CHAT_NOT_FOUND = 'CHAT_NOT_FOUND',
  DIRECT_CHAT_WITH_SELF = 'DIRECT_CHAT_WITH_SELF',
  DIRECT_CHAT_NOT_ALLOWED = 'DIRECT_CHAT_NOT_ALLOWED',
  MEMBERS_NOT_FRIENDS = 'MEMBERS_NOT_FRIENDS',
  NOT_A_GROUP_CHAT = 'NOT_A_GROUP_CHAT',
  NOT_CHAT_ADMIN = 'NOT_CHAT_ADMIN',
  NOT_CHAT_OWNER = 'NOT_CHAT_OWNER',
  OWNER_ROLE_FIXED = 'OWNER_ROLE_FIXED',
  PARTICIPANT_NOT_FOUND = 'PARTICIPANT_NOT_FOUND',
  CANNOT_REMOVE_PARTICIPANT = 'CANNOT_REMOVE_PARTICIPANT',
  GROUP_FULL = 'GROUP_FULL',
}

const STATUS: Record<ChatsErrorCode, HttpStatus> = {
  [ChatsErrorCode.CHAT_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [ChatsErrorCode.DIRECT_CHAT_WITH_SELF]: HttpStatus.BAD_REQUEST,
  [ChatsErrorCode.DIRECT_CHAT_NOT_ALLOWED]: HttpStatus.FORBIDDEN,
  [ChatsErrorCode.MEMBERS_NOT_FRIENDS]: HttpStatus.FORBIDDEN,
  [ChatsErrorCode.NOT_A_GROUP_CHAT]: HttpStatus.BAD_REQUEST,
  [ChatsErrorCode.NOT_CHAT_ADMIN]: HttpStatus.FORBIDDEN,
  [ChatsErrorCode.NOT_CHAT_OWNER]: HttpStatus.FORBIDDEN,
  [ChatsErrorCode.OWNER_ROLE_FIXED]: HttpStatus.FORBIDDEN,
  [ChatsErrorCode.PARTICIPANT_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [ChatsErrorCode.CANNOT_REMOVE_PARTICIPANT]: HttpStatus.FORBIDDEN,
  [ChatsErrorCode.GROUP_FULL]: HttpStatus.CONFLICT,
};

const MESSAGES: Record<ChatsErrorCode, string> = {
  [ChatsErrorCode.CHAT_NOT_FOUND]: 'Chat not found',
  [ChatsErrorCode.DIRECT_CHAT_WITH_SELF]: 'A direct chat needs another user',
  [ChatsErrorCode.DIRECT_CHAT_NOT_ALLOWED]:
    'Direct chats are only between friends who do not block each other',
  [ChatsErrorCode.MEMBERS_NOT_FRIENDS]: 'Group members must be your friends',
  [ChatsErrorCode.NOT_A_GROUP_CHAT]:
    'A direct chat has exactly its two participants and no settings to change',
  [ChatsErrorCode.NOT_CHAT_ADMIN]: 'Only the owner or an admin of this group can do that',
  [ChatsErrorCode.NOT_CHAT_OWNER]: 'Only the owner of this group can do that',
  [ChatsErrorCode.OWNER_ROLE_FIXED]:
    "The owner's role cannot change; ownership passes on when the owner leaves",
  [ChatsErrorCode.PARTICIPANT_NOT_FOUND]: 'This user is not in the chat',
  [ChatsErrorCode.CANNOT_REMOVE_PARTICIPANT]:
    'Admins can remove members only; the owner can only leave',
  [ChatsErrorCode.GROUP_FULL]: 'The group would exceed its member limit',
};

export class ChatsError extends DomainError {
  constructor(code: ChatsErrorCode) {
    super(code, MESSAGES[code], STATUS[code]);
  }

  static notFound(): ChatsError {
    return new ChatsError(ChatsErrorCode.CHAT_NOT_FOUND);
  }
}
