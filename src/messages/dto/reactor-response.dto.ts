import { ApiProperty } from '@nestjs/swagger';
import { ApiTimestampProperty } from '../../common/http/api-schema.decorator';
import { UserResponseDto } from '../../users/dto/user-response.dto';

/** Someone who reacted with an emoji. */
export class ReactorResponseDto {
  @ApiProperty({ type: UserResponseDto })
  user!: UserResponseDto;

  @ApiTimestampProperty()
  reactedAt!: string;
}
