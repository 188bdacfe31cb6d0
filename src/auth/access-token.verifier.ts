import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AuthUser } from '../common/auth/auth-user';
import { UsersService } from '../users/users.service';
import { AccessTokenClaims } from './access-token';
import { AuthError, AuthErrorCode } from './auth.errors';
import { assertCredentialLength } from './bearer-token';
import { ExternalTokenVerifier } from './external-token.verifier';

export interface VerifiedAccessToken {
  user: AuthUser;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/**
 * Checks access tokens for the socket handshake (and, for the identity provider's, the HTTP guard):
 * ours, or those of the app's identity provider when one is trusted.
 */
@Injectable()
export class AccessTokenVerifier {
  constructor(
    private readonly jwt: JwtService,
    private readonly users: UsersService,
    private readonly external: ExternalTokenVerifier,
  ) {}

  async verify(token: string | undefined): Promise<VerifiedAccessToken> {
    if (!token) {
      throw new AuthError(
        AuthErrorCode.TOKEN_MISSING,
        'Send an access token: Authorization: Bearer <token>',
      );
    }
    assertCredentialLength(token);
    if (this.external.claimsProvider(token)) return this.external.verify(token);
    let claims: AccessTokenClaims;
    try {
      claims = await this.jwt.verifyAsync(token);
    } catch (error) {
      if ((error as Error).name === 'TokenExpiredError') {
        throw new AuthError(
          AuthErrorCode.TOKEN_EXPIRED,
          'The access token has expired; refresh it',
        );
      }
      throw new AuthError(AuthErrorCode.TOKEN_INVALID, 'The access token is invalid');
    }
    const user = await this.userOf(claims);
    return { user, expiresAt: claims.exp! * 1000 };
  }

  /**
   * The user a well-signed token names. A token without an expiry, or of a user deleted since it
   * was issued, is refused; a suspended user's is refused with ACCOUNT_SUSPENDED.
   */
  async userOf(claims: AccessTokenClaims): Promise<AuthUser> {
    const id = /^[1-9]\d{0,9}$/.test(claims.sub ?? '') ? Number(claims.sub) : NaN;
    const wellFormed =
      Number.isSafeInteger(id) &&
      typeof claims.username === 'string' &&
      Number.isFinite(claims.exp);
    const standing = wellFormed ? await this.users.standing(id) : 'missing';
    if (standing === 'missing') {
      throw new AuthError(
        AuthErrorCode.TOKEN_INVALID,
        'The access token does not name a current user',
      );
    }
    if (standing === 'suspended') throw AuthError.suspended();
    return { id, username: claims.username };
  }
}
