import { Controller, Delete, HttpCode, HttpStatus, Param } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation } from '@nestjs/swagger';
import { AdminRoute } from '../admin/admin-route.decorator';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { ApiIdParam } from '../common/http/api-schema.decorator';
import { ParseIdPipe } from '../common/validation/parse-id.pipe';
import { AccountDeletionService } from './account-deletion.service';

@AdminRoute()
@Controller('admin/users')
export class AdminAccountsController {
  constructor(private readonly deletion: AccountDeletionService) {}

  @Delete(':userId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'deleteUser',
    summary: "Delete a user's account, for good",
    description:
      'What `DELETE /api/v1/users/me` does, without a password: for the app whose users sign in ' +
      'through it. An account already deleted is 404 `USER_NOT_FOUND`.',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400)
  @ApiIdParam('userId')
  async delete(@Param('userId', ParseIdPipe) userId: number): Promise<void> {
    await this.deletion.delete(userId);
  }
}
