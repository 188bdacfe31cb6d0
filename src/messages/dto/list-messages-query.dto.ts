import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { ApiBigIdProperty } from '../../common/http/api-schema.decorator';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { ToInt } from '../../common/validation/to-int';

export class ListMessagesQueryDto extends PageQueryDto {
  @ApiBigIdProperty({
    required: false,
    description: 'Messages older than this message id, newest first (the default order)',
  })
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  before?: number;

  @ApiBigIdProperty({
    required: false,
    minimum: 0,
    description: 'Messages newer than this message id, oldest first (for catching up)',
  })
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  after?: number;
}
