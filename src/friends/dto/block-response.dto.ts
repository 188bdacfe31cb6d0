import { ApiProperty } from '@nestjs/swagger';
import { ApiTimestampProperty } from '../../common/http/api-schema.decorator';
import { UserResponseDto } from '../../users/dto/user-response.dto';

export class BlockResponseDto {
  @ApiProperty({ type: UserResponseDto, description: 'The user I block' })
  user!: UserResponseDto;

  @ApiTimestampProperty({ example: '2022-11-15T12:00:00.000Z' })
  blockedAt!: string;
}
