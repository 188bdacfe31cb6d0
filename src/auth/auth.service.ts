import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RateLimiterService } from '../common/rate-limit/rate-limiter.service';
import { UserResponseDto } from '../users/dto/user-response.dto';
import { usernameKey } from '../users/username';
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
      throw new AuthError(AuthErrorCode.INVALID_CREDENTIALS, 'Wrong username or password');
    }
    // The owner got in: guesses made before do not count against their next typo.
    await this.rateLimiter.reset('login-account', loginPerAccount, account);
    if ((await this.users.standing(credentials.user.id)) === 'suspended') {
      throw AuthError.suspended();
    }
    return this.startSession(credentials.user);
  }

  /** A session for the user, as a login would start it, minted for the app that runs the server. */
  async issueSession(userId: number): Promise<AuthResponseDto> {
    const user = await this.users.getOrThrow(userId);
    if ((await this.users.standing(userId)) === 'suspended') throw AuthError.suspended();
    return this.startSession(user);
  }

  /** Ends every session of the user: their refresh tokens stop working. */
  revokeSessions(userId: number): Promise<void> {
    return this.refreshTokens.revokeAllOf(userId);
  }

  /** Rotates the refresh token. Presenting one that was already used revokes its whole family. */
  async refresh(refreshToken: string): Promise<AuthResponseDto> {
    const tokenHash = hashToken(refreshToken);
    const next = this.newRefreshToken();
    const userId = await this.refreshTokens.rotate(tokenHash, next);
    if (userId === null) throw await this.refreshFailure(tokenHash);
    if ((await this.users.standing(userId)) === 'suspended') throw AuthError.suspended();
    const user = await this.users.getOrThrow(userId);
    return this.tokensFor(user, next.token);
  }

  /** Ends the session the refresh token belongs to; unknown tokens are ignored. */
  async logout(userId: number, refreshToken: string): Promise<void> {
    const token = await this.refreshTokens.findByHash(hashToken(refreshToken));
    if (token?.userId === userId) await this.refreshTokens.revokeFamily(token.familyId);
  }

  private async startSession(user: UserResponseDto): Promise<AuthResponseDto> {
    const next = this.newRefreshToken();
    const { tokenHash, expiresAt } = next;
    await this.refreshTokens.insert({
      userId: user.id,
      familyId: randomUUID(),
      tokenHash,
      expiresAt,
    });
    return this.tokensFor(user, next.token);
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

  private async refreshFailure(tokenHash: Buffer): Promise<AuthError> {
    const token = await this.refreshTokens.findByHash(tokenHash);
    if (token?.usedAt) {
      await this.refreshTokens.revokeFamily(token.familyId);
      return new AuthError(
        AuthErrorCode.REFRESH_TOKEN_REUSED,
        'This refresh token was already used; the session is revoked, log in again',
      );
    }
    return new AuthError(
      AuthErrorCode.INVALID_REFRESH_TOKEN,
      'The refresh token is invalid, expired or revoked',
    );
  }
}

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
