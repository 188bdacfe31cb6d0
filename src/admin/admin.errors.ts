import { HttpStatus } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';

export enum AdminErrorCode {
  ADMIN_API_DISABLED = 'ADMIN_API_DISABLED',
  ADMIN_TOKEN_MISSING = 'ADMIN_TOKEN_MISSING',
  ADMIN_TOKEN_INVALID = 'ADMIN_TOKEN_INVALID',
  SUSPENSION_IN_THE_PAST = 'SUSPENSION_IN_THE_PAST',
}

const STATUS: Record<AdminErrorCode, HttpStatus> = {
  [AdminErrorCode.ADMIN_API_DISABLED]: HttpStatus.NOT_FOUND,
  [AdminErrorCode.ADMIN_TOKEN_MISSING]: HttpStatus.UNAUTHORIZED,
  [AdminErrorCode.ADMIN_TOKEN_INVALID]: HttpStatus.FORBIDDEN,
  [AdminErrorCode.SUSPENSION_IN_THE_PAST]: HttpStatus.BAD_REQUEST,
};

export const ADMIN_ERROR_MESSAGES: Record<AdminErrorCode, string> = {
  [AdminErrorCode.ADMIN_API_DISABLED]: 'The admin API is off: the server has no ADMIN_API_TOKEN',
  [AdminErrorCode.ADMIN_TOKEN_MISSING]:
    'The admin API needs Authorization: Bearer <ADMIN_API_TOKEN>',
  [AdminErrorCode.ADMIN_TOKEN_INVALID]: 'This is not the admin token',
  [AdminErrorCode.SUSPENSION_IN_THE_PAST]: 'until must be in the future',
};

export class AdminError extends DomainError {
  constructor(code: AdminErrorCode) {
    super(code, ADMIN_ERROR_MESSAGES[code], STATUS[code]);
  }
}
