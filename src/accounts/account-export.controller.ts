import { Controller, Get, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Readable } from 'node:stream';
import { AuthUser } from '../common/auth/auth-user';
import { CurrentUser } from '../common/auth/current-user.decorator';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { AccountExportService } from './account-export.service';
import { AccountExportDto } from './dto/account-export.dto';

@ApiTags('users')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('users/me')
export class AccountExportController {
  constructor(private readonly exports: AccountExportService) {}

  @Get('export')
  @ApiOperation({
    operationId: 'exportMyData',
    summary: 'Download everything the service holds of mine, as JSON',
    description:
      'My profile, friends, friend requests (the words of those I sent), blocks, memberships, my ' +
      'own messages and reactions, and the metadata of my uploads. Of other people it holds only ' +
      'their ids, never their messages. Streamed: large accounts download as they are read. ' +
      'Limited per user (429 with Retry-After): each one reads every message I sent.',
  })
  @ApiOkResponse({ type: AccountExportDto })
  @ApiErrors(429)
  async export(@CurrentUser() user: AuthUser): Promise<StreamableFile> {
    const document = await this.exports.document(user.id);
    return new StreamableFile(Readable.from(document, { objectMode: false }), {
      type: 'application/json; charset=utf-8',
      disposition: `attachment; filename="chat-export-${user.id}.json"`,
    });
  }
}
