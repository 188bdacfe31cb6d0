import { Body, Controller, Delete, HttpCode, HttpStatus } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthErrorCode } from '../auth/auth.errors';
import { AuthUser } from '../common/auth/auth-user';
import { CurrentUser } from '../common/auth/current-user.decorator';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { AccountDeletionService } from './account-deletion.service';
import { DeleteAccountDto } from './dto/delete-account.dto';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users/me')
export class AccountDeletionController {
  constructor(private readonly deletion: AccountDeletionService) {}

  @Delete()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'deleteMyAccount',
    summary: 'Delete my account, for good',
    description:
      'Confirmed with my password. At once: my sessions end and my sockets close on every ' +
      'replica, my friendships, friend requests and blocks go, I leave my groups (an owner hands ' +
      'them over as when leaving), my avatar and push subscriptions go. Then, in the background: ' +
      'my reactions go and my messages become tombstones (unless the operator keeps them), and my ' +
      'uploads are purged. Others see my profile as a deleted user; my username stays taken for a ' +
      'grace period. Wrong passwords count against the account like failed logins (429). An ' +
      "account without a password (the app's own users) is deleted by the app: " +
      '`DELETE /api/v1/admin/users/:userId`.',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(
    400,
    401,
    {
      status: 403,
      description:
        'The password is wrong (`WRONG_PASSWORD`), or the account has none (`NO_PASSWORD`)',
      code: AuthErrorCode.WRONG_PASSWORD,
      message: 'The password is wrong',
    },
    429,
  )
  async deleteMe(@CurrentUser() user: AuthUser, @Body() body: DeleteAccountDto): Promise<void> {
    await this.deletion.deleteOwn(user.id, body.password);
  }
}
