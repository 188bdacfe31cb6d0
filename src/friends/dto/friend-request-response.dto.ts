import { ApiProperty } from '@nestjs/swagger';
import { UserResponseDto } from '../../users/dto/user-response.dto';
import { FRIEND_REQUEST_STATUSES, FriendRequestStatus } from '../entities/friend-request.entity';

export class FriendRequestResponseDto {
  @ApiProperty({ example: 1 })
  id!: number;

  @ApiProperty({ example: 1 })
  fromUserId!: number;

  @ApiProperty({ example: 2 })
  toUserId!: number;

  @ApiProperty({ type: String, nullable: true, maxLength: 200, example: 'hi' })
  message!: string | null;

  @ApiProperty({ enum: FRIEND_REQUEST_STATUSES, example: 'pending' })
  status!: FriendRequestStatus;

  @ApiProperty({ example: '2022-11-15T12:00:00.000Z' })
  sentAt!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'When it was accepted or rejected',
  })
  respondedAt!: string | null;

  @ApiProperty({ type: UserResponseDto, description: 'The sender’s public profile' })
  fromUser!: UserResponseDto;

  @ApiProperty({ type: UserResponseDto, description: 'The recipient’s public profile' })
  toUser!: UserResponseDto;
}
