import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RateLimiterService } from '../common/rate-limit/rate-limiter.service';
import { UserResponseDto } from '../users/dto/user-response.dto';
import { TransactionHost } from '../database/transaction-host';
import { usernameKey } from '../users/username';
import { UsersError } from '../users/users.errors';
import { UsersService } from '../users/users.service';
import { AccessTokenClaims } from './access-token';
import { AuthError, AuthErrorCode } from './auth.errors';
import { AuthResponseDto } from './dto/auth-response.dto';
import { LoginDto } from './dto/login.dto';
import { RegisterDto } from './dto/register.dto';
import { PasswordHasher } from './password-hasher';
import { RefreshTokensRepository } from './refresh-tokens.repository';

@Injectable()
export class AuthService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly passwords: PasswordHasher,
    private readonly jwt: JwtService,
    private readonly rateLimiter: RateLimiterService,
    private readonly transactions: TransactionHost,
  ) {}

  async register(input: RegisterDto, ip: string): Promise<AuthResponseDto> {
    await this.rateLimiter.consume('register-ip', this.config.rateLimits.registerPerIp, ip);
    const user = await this.users.register({
      username: input.username,
      displayName: input.displayName ?? input.username,
      passwordHash: await this.passwords.hash(input.password),
    });
    return this.startSession(user);
  }

  /** Unknown user and wrong password fail alike, in the same time. */
  async login(input: LoginDto, ip: string): Promise<AuthResponseDto> {
    const { loginPerIp, loginPerAccount } = this.config.rateLimits;
    const account = usernameKey(input.username);
    await this.rateLimiter.consume('login-ip', loginPerIp, ip);
    await this.rateLimiter.assertAvailable('login-account', loginPerAccount, account);

    const credentials = await this.users.findCredentials(input.username);
    const valid = await this.passwords.verify(credentials?.passwordHash ?? null, input.password);
    if (!credentials || !valid) {
      await this.rateLimiter.consume('login-account', loginPerAccount, account);
      throw invalidCredentials();
    }
    // The owner got in: guesses made before do not count against their next typo.
    await this.rateLimiter.reset('login-account', loginPerAccount, account);
    return this.startSession(credentials.user, invalidCredentials);
  }

  /**
   * The password again, for an action that needs more than a session (deleting the account).
   * Wrong guesses count against the account as failed logins do, so this is no way round their
   * limit. A user with no password (the app's, signed in through it) is told who can act instead.
   */
  async confirmPassword(userId: number, password: string): Promise<void> {
    const { loginPerAccount } = this.config.rateLimits;
    const { username, passwordHash } = await this.users.credentialsOf(userId);
    if (passwordHash === null) {
      throw new AuthError(
        AuthErrorCode.NO_PASSWORD,
        'This account has no password: the app it belongs to does this for it',
      );
    }
    const account = usernameKey(username);
    await this.rateLimiter.assertAvailable('login-account', loginPerAccount, account);
    if (!(await this.passwords.verify(passwordHash, password))) {
      await this.rateLimiter.consume('login-account', loginPerAccount, account);
      throw new AuthError(AuthErrorCode.WRONG_PASSWORD, 'The password is wrong');
    }
  }

  /** A session for the user, as a login would start it, minted for the app that runs the server. */
  async issueSession(userId: number): Promise<AuthResponseDto> {
    const user = await this.users.getActiveOrThrow(userId);
    return this.startSession(user, UsersError.notFound);
  }

  /** Ends every session of the user: their refresh tokens stop working. */
  revokeSessions(userId: number): Promise<void> {
    return this.refreshTokens.revokeAllOf(userId);
  }

  /** Rotates the refresh token. Presenting one that was already used revokes its whole family. */
  async refresh(refreshToken: string): Promise<AuthResponseDto> {
    const tokenHash = hashToken(refreshToken);
    const holder = await this.refreshTokens.findByHash(tokenHash);
    if (!holder) throw invalidRefreshToken();
    const next = this.newRefreshToken();
    // The profile is read under the same lock: a deletion cannot slip in between.
    const user = await this.whileActive(holder.userId, invalidRefreshToken, async () => {
      const userId = await this.refreshTokens.rotate(tokenHash, next);
      return userId === null ? null : this.users.getOrThrow(userId);
    });
    if (user === null) throw await this.refreshFailure(tokenHash);
    return this.tokensFor(user, next.token);
  }

  /** Ends the session the refresh token belongs to; unknown tokens are ignored. */
  async logout(userId: number, refreshToken: string): Promise<void> {
    const token = await this.refreshTokens.findByHash(hashToken(refreshToken));
    if (token?.userId === userId) await this.refreshTokens.revokeFamily(token.familyId);
  }

  private async startSession(
    user: UserResponseDto,
    missing: () => Error = invalidCredentials,
  ): Promise<AuthResponseDto> {
    const next = this.newRefreshToken();
    const { tokenHash, expiresAt } = next;
    await this.whileActive(user.id, missing, () =>
      this.refreshTokens.insert({ userId: user.id, familyId: randomUUID(), tokenHash, expiresAt }),
    );
    return this.tokensFor(user, next.token);
  }

  /**
   * Writes a session token while holding the user's row: a suspension or deletion (which locks
   * the row, then revokes every token) either comes first and is refused here, or comes after and
   * revokes this token too. The row is locked before any token row, in the order they take.
   */
  private whileActive<T>(userId: number, missing: () => Error, write: () => Promise<T>) {
    return this.transactions.run(async () => {
      const standing = await this.users.lockStanding(userId);
      if (standing === 'suspended') throw AuthError.suspended();
      if (standing === 'missing') throw missing();
      return write();
    });
  }

  private async tokensFor(user: UserResponseDto, refreshToken: string): Promise<AuthResponseDto> {
    const claims: AccessTokenClaims = { sub: String(user.id), username: user.username };
    return {
      user,
      accessToken: await this.jwt.signAsync(claims),
      refreshToken,
      expiresIn: this.config.auth.accessTokenTtlSeconds,
    };
  }

  private newRefreshToken() {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.config.auth.refreshTokenTtlSeconds * 1000);
    return { token, tokenHash: hashToken(token), expiresAt };
  }

  /** Read again after the rotation failed: a concurrent refresh may have just used the token. */
  private async refreshFailure(tokenHash: Buffer): Promise<AuthError> {
    const token = await this.refreshTokens.findByHash(tokenHash);
    if (token?.usedAt) {
      await this.refreshTokens.revokeFamily(token.familyId);
      return new AuthError(
        AuthErrorCode.REFRESH_TOKEN_REUSED,
        'This refresh token was already used; the session is revoked, log in again',
      );
    }
    return invalidRefreshToken();
  }
}

function invalidCredentials(): AuthError {
  return new AuthError(AuthErrorCode.INVALID_CREDENTIALS, 'Wrong username or password');
}

function invalidRefreshToken(): AuthError {
  return new AuthError(
    AuthErrorCode.INVALID_REFRESH_TOKEN,
    'The refresh token is invalid, expired or revoked',
  );
}

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
