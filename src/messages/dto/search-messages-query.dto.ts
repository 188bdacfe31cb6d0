import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { CodePointLength } from '../../common/validation/code-point-length';
import { MAX_INT_ID } from '../../common/validation/parse-id.pipe';
import { ToInt } from '../../common/validation/to-int';
import { IsStorableText } from './message-body.validator';

export const MAX_SEARCH_QUERY_LENGTH = 200;

export class SearchMessagesQueryDto extends PageQueryDto {
  @ApiProperty({
    minLength: 1,
    maxLength: MAX_SEARCH_QUERY_LENGTH,
    example: 'lunch "next week" -friday',
    description:
      'Words to find (web search syntax: `"a phrase"`, `or`, `-word`); trimmed, 1-200 characters',
  })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @CodePointLength(1, MAX_SEARCH_QUERY_LENGTH)
  @IsStorableText()
  q!: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_INT_ID,
    description: 'Only this chat (one I am in; otherwise nothing is found)',
  })
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(MAX_INT_ID)
  chatId?: number;
}
