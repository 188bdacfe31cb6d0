import {
  Body,
  Controller,
  Delete,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Put,
  Res,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
} from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { AuthResponseDto } from '../auth/dto/auth-response.dto';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { ApiIdParam } from '../common/http/api-schema.decorator';
import { ParseIdPipe } from '../common/validation/parse-id.pipe';
import { AdminRoute } from './admin-route.decorator';
import { AdminUsersService } from './admin-users.service';
import { ParseExternalIdPipe } from './parse-external-id.pipe';
import { ProvisionedUserResponseDto } from './dto/provisioned-user-response.dto';
import { ProvisionUserDto } from './dto/provision-user.dto';
import { SuspendUserDto, SuspensionResponseDto } from './dto/suspend-user.dto';

@AdminRoute()
@Controller('admin/users')
export class AdminUsersController {
  constructor(private readonly admin: AdminUsersService) {}

  @Put('by-external-id/:externalId')
  @ApiOperation({
    operationId: 'provisionUser',
    summary: "Create or update the user of the app's own id",
    description:
      'Creates the user (201) or updates their username and display name (200). Such users have ' +
      'no password: the app hands them sessions (POST /admin/users/:userId/sessions). Usernames are ' +
      'validated and unique as for registration (409 `USERNAME_TAKEN`).',
  })
  @ApiParam({ name: 'externalId', schema: { type: 'string', minLength: 1, maxLength: 255 } })
  @ApiCreatedResponse({ type: ProvisionedUserResponseDto, description: 'Created' })
  @ApiOkResponse({ type: ProvisionedUserResponseDto, description: 'Updated' })
  @ApiErrors(400, 409)
  async provision(
    @Param('externalId', ParseExternalIdPipe) externalId: string,
    @Body() body: ProvisionUserDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProvisionedUserResponseDto> {
    const { user, created } = await this.admin.provision(externalId, body);
    reply.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return user;
  }

  @Post(':userId/sessions')
  @ApiOperation({
    operationId: 'createUserSession',
    summary: 'Start a session for a user, as their login would',
    description:
      'The same access and refresh tokens as a login, revocable the same way. A suspended user is ' +
      '403 `ACCOUNT_SUSPENDED`.',
  })
  @ApiCreatedResponse({ type: AuthResponseDto })
  @ApiErrors(400)
  @ApiIdParam('userId')
  createSession(@Param('userId', ParseIdPipe) userId: number): Promise<AuthResponseDto> {
    return this.admin.issueSession(userId);
  }

  @Post(':userId/suspension')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'suspendUser',
    summary: 'Suspend a user',
    description:
      'Until `until` (for good when left out): their sessions are revoked, their sockets close on ' +
      'every replica, and login, refresh, tokens and socket connections are refused with 403 ' +
      '`ACCOUNT_SUSPENDED`. Suspending again replaces the terms.',
  })
  @ApiOkResponse({ type: SuspensionResponseDto })
  @ApiErrors(400)
  @ApiIdParam('userId')
  suspend(
    @Param('userId', ParseIdPipe) userId: number,
    @Body() body: SuspendUserDto,
  ): Promise<SuspensionResponseDto> {
    return this.admin.suspend(userId, body);
  }

  @Delete(':userId/suspension')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'liftSuspension',
    summary: "Lift a user's suspension",
    description: 'They may log in again (or get a session from the app); idempotent.',
  })
  @ApiNoContentResponse({ description: 'Lifted' })
  @ApiErrors(400)
  @ApiIdParam('userId')
  async lift(@Param('userId', ParseIdPipe) userId: number): Promise<void> {
    await this.admin.liftSuspension(userId);
  }
}
