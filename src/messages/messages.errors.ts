import { HttpStatus } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';

export enum MessagesErrorCode {
  MESSAGE_NOT_FOUND = 'MESSAGE_NOT_FOUND',
  NOT_MESSAGE_SENDER = 'NOT_MESSAGE_SENDER',
  MESSAGE_DELETED = 'MESSAGE_DELETED',
}

const STATUS: Record<MessagesErrorCode, HttpStatus> = {
  [MessagesErrorCode.MESSAGE_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [MessagesErrorCode.NOT_MESSAGE_SENDER]: HttpStatus.FORBIDDEN,
  [MessagesErrorCode.MESSAGE_DELETED]: HttpStatus.CONFLICT,
};

const MESSAGES: Record<MessagesErrorCode, string> = {
  [MessagesErrorCode.MESSAGE_NOT_FOUND]: 'Message not found in this chat',
  [MessagesErrorCode.NOT_MESSAGE_SENDER]: 'Only the sender can change or delete a message',
  [MessagesErrorCode.MESSAGE_DELETED]: 'This message was deleted',
};

export class MessagesError extends DomainError {
  constructor(code: MessagesErrorCode) {
    super(code, MESSAGES[code], STATUS[code]);
  }
}
