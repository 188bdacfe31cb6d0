import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';

export class MarkReadDto {
  @ApiProperty({ example: 42, description: 'The newest message I have read' })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  messageId!: number;
}
