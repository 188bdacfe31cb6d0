import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { ToBoolean } from '../../common/validation/to-boolean';

export class ListChatsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    type: 'boolean',
    description:
      'Only the chats I archived (`true`) or only the others (`false`); all when omitted',
  })
  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  archived?: boolean;
}
