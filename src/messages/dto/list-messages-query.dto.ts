import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { ToInt } from '../../common/validation/to-int';

export class ListMessagesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: 'Messages older than this message id, newest first (the default order)',
  })
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  before?: number;

  @ApiPropertyOptional({
    description: 'Messages newer than this message id, oldest first (for catching up)',
  })
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  after?: number;
}
