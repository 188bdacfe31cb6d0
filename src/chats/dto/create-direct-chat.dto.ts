import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { MAX_INT_ID } from '../../common/validation/parse-id.pipe';

export class CreateDirectChatDto {
  @ApiProperty({ example: 1, description: 'The friend to chat with' })
  @IsInt()
  @Min(1)
  @Max(MAX_INT_ID)
  userId!: number;
}
