import { ApiProperty } from '@nestjs/swagger';
import { ApiTimestampProperty } from '../../common/http/api-schema.decorator';
import { UserResponseDto } from '../../users/dto/user-response.dto';

export class FriendResponseDto {
  @ApiProperty({ type: UserResponseDto })
  user!: UserResponseDto;

  @ApiTimestampProperty({
    description: 'When the friendship began',
    example: '2022-11-15T12:00:00.000Z',
  })
  since!: string;
}
