import { HttpStatus } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';

export enum AuthErrorCode {
  INVALID_CREDENTIALS = 'INVALID_CREDENTIALS',
  INVALID_REFRESH_TOKEN = 'INVALID_REFRESH_TOKEN',
  REFRESH_TOKEN_REUSED = 'REFRESH_TOKEN_REUSED',
  TOKEN_MISSING = 'TOKEN_MISSING',
  TOKEN_INVALID = 'TOKEN_INVALID',
  TOKEN_EXPIRED = 'TOKEN_EXPIRED',
  ACCOUNT_SUSPENDED = 'ACCOUNT_SUSPENDED',
  IDENTITY_PROVIDER_UNAVAILABLE = 'IDENTITY_PROVIDER_UNAVAILABLE',
  WRONG_PASSWORD = 'WRONG_PASSWORD',
  NO_PASSWORD = 'NO_PASSWORD',
}

const STATUS: Record<AuthErrorCode, HttpStatus> = {
  [AuthErrorCode.INVALID_CREDENTIALS]: HttpStatus.UNAUTHORIZED,
  [AuthErrorCode.INVALID_REFRESH_TOKEN]: HttpStatus.UNAUTHORIZED,
  [AuthErrorCode.REFRESH_TOKEN_REUSED]: HttpStatus.UNAUTHORIZED,
  [AuthErrorCode.TOKEN_MISSING]: HttpStatus.UNAUTHORIZED,
  [AuthErrorCode.TOKEN_INVALID]: HttpStatus.UNAUTHORIZED,
  [AuthErrorCode.TOKEN_EXPIRED]: HttpStatus.UNAUTHORIZED,
  [AuthErrorCode.ACCOUNT_SUSPENDED]: HttpStatus.FORBIDDEN,
  [AuthErrorCode.IDENTITY_PROVIDER_UNAVAILABLE]: HttpStatus.SERVICE_UNAVAILABLE,
  // The session is fine (not 401): the confirmation of a sensitive action failed.
  [AuthErrorCode.WRONG_PASSWORD]: HttpStatus.FORBIDDEN,
  [AuthErrorCode.NO_PASSWORD]: HttpStatus.FORBIDDEN,
};

export class AuthError extends DomainError {
  constructor(code: AuthErrorCode, message: string) {
    super(code, message, STATUS[code]);
  }

  static suspended(): AuthError {
    return new AuthError(AuthErrorCode.ACCOUNT_SUSPENDED, 'This account is suspended');
  }
}
