import { IsInt, Max, Min } from 'class-validator';
import { ApiBigIdProperty } from '../../common/http/api-schema.decorator';

export class MarkReadDto {
  @ApiBigIdProperty({ example: 42, description: 'The newest message I have read' })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  messageId!: number;
}
