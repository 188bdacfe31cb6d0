import { ApiProperty } from '@nestjs/swagger';
import { ApiIdProperty, ApiTimestampProperty } from '../../common/http/api-schema.decorator';
import { UserResponseDto } from '../../users/dto/user-response.dto';
import { FRIEND_REQUEST_STATUSES, FriendRequestStatus } from '../entities/friend-request.entity';

export class FriendRequestResponseDto {
  @ApiIdProperty({ example: 1 })
  id!: number;

  @ApiIdProperty({ example: 1 })
  fromUserId!: number;

  @ApiIdProperty({ example: 2 })
  toUserId!: number;

  @ApiProperty({
    type: String,
    nullable: true,
    minLength: 1,
    maxLength: 200,
    example: 'hi',
    description: 'null when none was sent',
  })
  message!: string | null;

  @ApiProperty({ enum: FRIEND_REQUEST_STATUSES, example: 'pending' })
  status!: FriendRequestStatus;

  @ApiTimestampProperty({ example: '2022-11-15T12:00:00.000Z' })
  sentAt!: string;

  @ApiTimestampProperty({ nullable: true, description: 'When it was accepted or rejected' })
  respondedAt!: string | null;

  @ApiProperty({ type: UserResponseDto, description: 'The sender’s public profile' })
  fromUser!: UserResponseDto;

  @ApiProperty({ type: UserResponseDto, description: 'The recipient’s public profile' })
  toUser!: UserResponseDto;
}
