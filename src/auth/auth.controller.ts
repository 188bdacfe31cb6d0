import { Body, Controller, HttpCode, HttpStatus, Ip, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AuthUser } from '../common/auth/auth-user';
import { CurrentUser } from '../common/auth/current-user.decorator';
import { Public } from '../common/auth/public.decorator';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { AuthErrorCode } from './auth.errors';
import { AuthService } from './auth.service';
import { AuthResponseDto } from './dto/auth-response.dto';
import { LoginDto } from './dto/login.dto';
import { RefreshTokenDto } from './dto/refresh-token.dto';
import { RegisterDto } from './dto/register.dto';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('register')
  @ApiOperation({
    operationId: 'register',
    summary: 'Create an account and start a session',
    description:
      'Needs no access token. Answers the new user with a first access token and refresh token, as ' +
      'login does. A username is taken when it matches an existing one case-insensitively, or reads ' +
      'like one (409 `USERNAME_TAKEN`).',
    security: [],
  })
  @ApiCreatedResponse({ type: AuthResponseDto })
  @ApiErrors(400, 409, 429)
  register(@Body() body: RegisterDto, @Ip() ip: string): Promise<AuthResponseDto> {
    return this.auth.register(body, ip);
  }

  @Public()
  @Post('login')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'login',
    summary: 'Start a session with username and password',
    description:
      'Needs no access token. The username is matched case-insensitively. A wrong username and a ' +
      'wrong password get the same answer (401 `INVALID_CREDENTIALS`). Attempts are limited per ' +
      'address, failed ones per account too (429 with Retry-After).',
    security: [],
  })
  @ApiOkResponse({ type: AuthResponseDto })
  @ApiErrors(
    400,
    {
      status: 401,
      description: 'Wrong username or password (`INVALID_CREDENTIALS`)',
      code: AuthErrorCode.INVALID_CREDENTIALS,
      message: 'Wrong username or password',
    },
    {
      status: 403,
      description: 'The account is suspended (`ACCOUNT_SUSPENDED`)',
      code: AuthErrorCode.ACCOUNT_SUSPENDED,
      message: 'This account is suspended',
    },
    429,
  )
  login(@Body() body: LoginDto, @Ip() ip: string): Promise<AuthResponseDto> {
    return this.auth.login(body, ip);
  }

  @Public()
  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'refreshTokens',
    summary: 'Trade a refresh token for new tokens; the old refresh token stops working',
    description:
      'Needs no access token: the refresh token is the credential. Each refresh token works once. ' +
      'Presenting one that was already traded is taken as theft: the whole session is revoked ' +
      '(401 `REFRESH_TOKEN_REUSED`) and the user logs in again.',
    security: [],
  })
  @ApiOkResponse({ type: AuthResponseDto })
  @ApiErrors(
    400,
    {
      status: 401,
      description:
        'The refresh token is unknown, expired or revoked (`INVALID_REFRESH_TOKEN`), or was ' +
        'already used (`REFRESH_TOKEN_REUSED`)',
      code: AuthErrorCode.INVALID_REFRESH_TOKEN,
      message: 'The refresh token is invalid, expired or revoked',
    },
    {
      status: 403,
      description: 'The account is suspended (`ACCOUNT_SUSPENDED`)',
      code: AuthErrorCode.ACCOUNT_SUSPENDED,
      message: 'This account is suspended',
    },
  )
  refresh(@Body() body: RefreshTokenDto): Promise<AuthResponseDto> {
    return this.auth.refresh(body.refreshToken);
  }

  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBearerAuth()
  @ApiOperation({
    operationId: 'logout',
    summary: 'End the session of this refresh token',
    description:
      'Revokes the refresh token and every token refreshed from the same login. The access token ' +
      'stays valid until it expires (`expiresIn` seconds after it was issued).',
  })
  @ApiNoContentResponse({ description: 'The session is over (also when it already was)' })
  @ApiErrors(400, 401)
  async logout(@CurrentUser() user: AuthUser, @Body() body: RefreshTokenDto): Promise<void> {
    await this.auth.logout(user.id, body.refreshToken);
  }
}
