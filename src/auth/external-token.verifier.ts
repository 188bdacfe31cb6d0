import { Inject, Injectable } from '@nestjs/common';
import { createRemoteJWKSet, decodeJwt, errors, JWTPayload, jwtVerify } from 'jose';
import { AuthUser } from '../common/auth/auth-user';
import { APP_CONFIG, AppConfig, ExternalIdentityProvider } from '../config/app-config';
import { isExternalId } from '../users/external-id';
import { UsersService } from '../users/users.service';
import { AuthError, AuthErrorCode } from './auth.errors';

/** How long a fetched key set is trusted without a refetch. */
const JWKS_MAX_AGE_MS = 10 * 60_000;
const JWKS_TIMEOUT_MS = 5000;

/**
 * Access tokens of the app's own identity provider (AUTH_JWKS_URL): checked against its key set
 * (fetched and cached by jose, refetched when a token names a key it does not hold, so rotation
 * needs nothing), its issuer, our audience, an allow-list of asymmetric algorithms and a bounded
 * clock skew. The token's `sub` is the user's externalId; a user is created on first use.
 */
@Injectable()
export class ExternalTokenVerifier {
  private readonly provider: ExternalIdentityProvider | null;
  private readonly keys: ReturnType<typeof createRemoteJWKSet> | null;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly users: UsersService,
  ) {
    this.provider = config.auth.external;
    this.keys =
      this.provider &&
      createRemoteJWKSet(new URL(this.provider.jwksUrl), {
        cooldownDuration: this.provider.jwksCooldownMs,
        cacheMaxAge: JWKS_MAX_AGE_MS,
        timeoutDuration: JWKS_TIMEOUT_MS,
      });
  }

  /**
   * Whether the token says it comes from the trusted provider: then only the provider's keys may
   * vouch for it. Read without checking anything; the check is verify's.
   */
  claimsProvider(token: string): boolean {
    if (!this.provider) return false;
    try {
      return decodeJwt(token).iss === this.provider.issuer;
    } catch {
      return false;
    }
  }

  async verify(token: string): Promise<{ user: AuthUser; expiresAt: number }> {
    const provider = this.provider!;
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, this.keys!, {
        issuer: provider.issuer,
        audience: provider.audience,
        algorithms: provider.algorithms,
        clockTolerance: provider.clockToleranceSeconds,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      throw verificationError(error);
    }
    if (!isExternalId(claims.sub)) {
      throw new AuthError(AuthErrorCode.TOKEN_INVALID, 'The access token names no valid subject');
    }
    const issuedAt = typeof claims.iat === 'number' ? new Date(claims.iat * 1000) : null;
    const user = await this.users.externalUser(
      claims.sub,
      claims[provider.usernameClaim],
      issuedAt,
    );
    const standing = user ? await this.users.standing(user.id) : 'missing';
    if (standing === 'suspended') throw AuthError.suspended();
    if (!user || standing === 'missing') {
      throw new AuthError(
        AuthErrorCode.TOKEN_INVALID,
        'The access token does not name a current user',
      );
    }
    return { user: { id: user.id, username: user.username }, expiresAt: claims.exp! * 1000 };
  }
}

/**
 * What a failed check means for the caller: an expired or bad token is theirs to fix (401); a key
 * set that could not be fetched or read is the provider's outage (503), never a reason to log
 * everyone out.
 */
function verificationError(error: unknown): AuthError {
  if (error instanceof errors.JWTExpired) {
    return new AuthError(AuthErrorCode.TOKEN_EXPIRED, 'The access token has expired; refresh it');
  }
  const providerFault =
    !(error instanceof errors.JOSEError) ||
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    error.code === errors.JOSEError.code;
  if (providerFault) {
    return new AuthError(
      AuthErrorCode.IDENTITY_PROVIDER_UNAVAILABLE,
      "The identity provider's keys cannot be fetched now; retry later",
    );
  }
  return new AuthError(AuthErrorCode.TOKEN_INVALID, 'The access token is invalid');
}
