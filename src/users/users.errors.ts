import { HttpStatus } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';

export enum UsersErrorCode {
  USER_NOT_FOUND = 'USER_NOT_FOUND',
  USERNAME_TAKEN = 'USERNAME_TAKEN',
  AVATAR_NOT_FOUND = 'AVATAR_NOT_FOUND',
  AVATAR_MISSING = 'AVATAR_MISSING',
  AVATAR_TOO_LARGE = 'AVATAR_TOO_LARGE',
  AVATAR_UNSUPPORTED_TYPE = 'AVATAR_UNSUPPORTED_TYPE',
  AVATAR_INVALID_IMAGE = 'AVATAR_INVALID_IMAGE',
  AVATAR_TOO_MANY_PIXELS = 'AVATAR_TOO_MANY_PIXELS',
}

const STATUS: Record<UsersErrorCode, HttpStatus> = {
  [UsersErrorCode.USER_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [UsersErrorCode.USERNAME_TAKEN]: HttpStatus.CONFLICT,
  [UsersErrorCode.AVATAR_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [UsersErrorCode.AVATAR_MISSING]: HttpStatus.BAD_REQUEST,
  [UsersErrorCode.AVATAR_TOO_LARGE]: HttpStatus.PAYLOAD_TOO_LARGE,
  [UsersErrorCode.AVATAR_UNSUPPORTED_TYPE]: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  [UsersErrorCode.AVATAR_INVALID_IMAGE]: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  [UsersErrorCode.AVATAR_TOO_MANY_PIXELS]: HttpStatus.PAYLOAD_TOO_LARGE,
};

export class UsersError extends DomainError {
  constructor(code: UsersErrorCode, message: string) {
    super(code, message, STATUS[code]);
  }

  static notFound(): UsersError {
    return new UsersError(UsersErrorCode.USER_NOT_FOUND, 'User not found');
  }
}
