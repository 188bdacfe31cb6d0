import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { FRIEND_REQUEST_STATUSES, FriendRequestStatus } from '../entities/friend-request.entity';
import type { RequestDirection } from '../friends.repository';

export class ListFriendRequestsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['incoming', 'outgoing'], default: 'incoming' })
  @IsOptional()
  @IsIn(['incoming', 'outgoing'])
  direction: RequestDirection = 'incoming';

  @ApiPropertyOptional({ enum: FRIEND_REQUEST_STATUSES, description: 'All statuses when absent' })
  @IsOptional()
  @IsIn(FRIEND_REQUEST_STATUSES)
  status?: FriendRequestStatus;
}
