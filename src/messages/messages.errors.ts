import { HttpStatus } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';

export const MAX_DISTINCT_REACTIONS = 20;

export enum MessagesErrorCode {
  MESSAGE_NOT_FOUND = 'MESSAGE_NOT_FOUND',
  NOT_MESSAGE_SENDER = 'NOT_MESSAGE_SENDER',
  MESSAGE_DELETED = 'MESSAGE_DELETED',
  REPLY_TARGET_INVALID = 'REPLY_TARGET_INVALID',
  REACTION_LIMIT = 'REACTION_LIMIT',
  MENTION_NOT_PARTICIPANT = 'MENTION_NOT_PARTICIPANT',
  SEARCH_QUERY_EMPTY = 'SEARCH_QUERY_EMPTY',
  QUERY_TOO_BROAD = 'QUERY_TOO_BROAD',
}

const STATUS: Record<MessagesErrorCode, HttpStatus> = {
  [MessagesErrorCode.MESSAGE_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [MessagesErrorCode.NOT_MESSAGE_SENDER]: HttpStatus.FORBIDDEN,
  [MessagesErrorCode.MESSAGE_DELETED]: HttpStatus.CONFLICT,
  [MessagesErrorCode.REPLY_TARGET_INVALID]: HttpStatus.BAD_REQUEST,
  [MessagesErrorCode.REACTION_LIMIT]: HttpStatus.CONFLICT,
  [MessagesErrorCode.MENTION_NOT_PARTICIPANT]: HttpStatus.BAD_REQUEST,
  [MessagesErrorCode.SEARCH_QUERY_EMPTY]: HttpStatus.BAD_REQUEST,
  [MessagesErrorCode.QUERY_TOO_BROAD]: HttpStatus.BAD_REQUEST,
};

const MESSAGES: Record<MessagesErrorCode, string> = {
  [MessagesErrorCode.MESSAGE_NOT_FOUND]: 'Message not found in this chat',
  [MessagesErrorCode.NOT_MESSAGE_SENDER]:
    'Only the sender can change a message; only the sender or an owner or admin of the group can delete it',
  [MessagesErrorCode.MESSAGE_DELETED]: 'This message was deleted',
  [MessagesErrorCode.REPLY_TARGET_INVALID]: 'replyToId must name a message of this chat',
  [MessagesErrorCode.REACTION_LIMIT]: `A message takes at most ${MAX_DISTINCT_REACTIONS} different reactions`,
  [MessagesErrorCode.MENTION_NOT_PARTICIPANT]: 'mentions must name participants of this chat',
  [MessagesErrorCode.SEARCH_QUERY_EMPTY]: 'q has no word to search for',
  [MessagesErrorCode.QUERY_TOO_BROAD]:
    'This search would take too long: add words, or narrow it to one chat with chatId',
};

export class MessagesError extends DomainError {
  constructor(code: MessagesErrorCode) {
    super(code, MESSAGES[code], STATUS[code]);
  }
}
