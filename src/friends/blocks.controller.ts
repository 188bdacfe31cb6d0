import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Query,
} from '@nestjs/common';
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
import { ApiErrors } from '../common/http/api-errors.decorator';
import { ApiIdParam } from '../common/http/api-schema.decorator';
import { PageOf } from '../common/pagination/page-of.dto';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { ParseIdPipe } from '../common/validation/parse-id.pipe';
import { BlocksService } from './blocks.service';
import { BlockResponseDto } from './dto/block-response.dto';
import { BlockUserDto } from './dto/block-user.dto';

const BlockPageDto = PageOf(BlockResponseDto);

@ApiTags('blocks')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('blocks')
export class BlocksController {
  constructor(private readonly blocks: BlocksService) {}

  @Post()
  @ApiOperation({
    operationId: 'blockUser',
    summary: 'Block a user',
    description:
      'Ends our friendship and pending requests; they can no longer send me friend requests or direct messages. ' +
      'They are not told. Blocking again is harmless.',
  })
  @ApiCreatedResponse({ type: BlockResponseDto })
  @ApiErrors(400, 404)
  block(@CurrentUser() user: AuthUser, @Body() body: BlockUserDto): Promise<BlockResponseDto> {
    return this.blocks.block(user.id, body.userId);
  }

  @Get()
  @ApiOperation({
    operationId: 'listBlocks',
    summary: 'Users I block, most recent first',
    description: 'Each blocked user as a public profile with the time of the block.',
  })
  @ApiOkResponse({ type: BlockPageDto })
  @ApiErrors(400)
  list(@CurrentUser() user: AuthUser, @Query() query: PageQueryDto) {
    return this.blocks.list(user.id, query);
  }

  @Delete(':userId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'unblockUser',
    summary: 'Unblock a user',
    description:
      'Lifts the block only: the friendship and requests it ended do not come back. 404 when I do ' +
      'not block them.',
  })
  @ApiNoContentResponse({ description: 'Unblocked' })
  @ApiErrors(400, 404)
  @ApiIdParam('userId')
  async unblock(
    @CurrentUser() user: AuthUser,
    @Param('userId', ParseIdPipe) userId: number,
  ): Promise<void> {
    await this.blocks.unblock(user.id, userId);
  }
}
