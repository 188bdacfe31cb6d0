import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AuthUser } from '../common/auth/auth-user';
import { UsersService } from '../users/users.service';
import { AccessTokenClaims } from './access-token';
import { AuthError, AuthErrorCode } from './auth.errors';

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly users: UsersService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.auth.accessTokenSecret,
      algorithms: ['HS256'],
      ignoreExpiration: false,
    });
  }

  /** A token outlives nothing: a user deleted since it was issued is refused. */
  async validate(claims: AccessTokenClaims): Promise<AuthUser> {
    const id = /^[1-9]\d{0,9}$/.test(claims.sub ?? '') ? Number(claims.sub) : NaN;
    if (
      !Number.isSafeInteger(id) ||
      typeof claims.username !== 'string' ||
      !(await this.users.exists(id))
    ) {
      throw new AuthError(
        AuthErrorCode.TOKEN_INVALID,
        'The access token does not name a current user',
      );
    }
    return { id, username: claims.username };
  }
}
