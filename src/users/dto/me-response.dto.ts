import { ApiProperty } from '@nestjs/swagger';
import { UserResponseDto } from './user-response.dto';

/** My own profile: the public one plus my private settings. */
export class MeResponseDto extends UserResponseDto {
  @ApiProperty({
    description: 'Whether others may send me friend requests',
    example: true,
  })
  allowFriendRequests!: boolean;

  @ApiProperty({
    description: 'Whether others see how far I have read (read markers and `chat:read`)',
    example: true,
  })
  shareReadReceipts!: boolean;
}
