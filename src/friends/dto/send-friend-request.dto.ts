import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { ApiIdProperty } from '../../common/http/api-schema.decorator';
import { MAX_INT_ID } from '../../common/validation/parse-id.pipe';
import { TrimmedVisibleText, visibleTextSchema } from '../../common/validation/visible-text';

const MESSAGE_SCHEMA = visibleTextSchema(0, 200);

export class SendFriendRequestDto {
  @ApiIdProperty({ example: 2 })
  @IsInt()
  @Min(1)
  @Max(MAX_INT_ID)
  toUserId!: number;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    ...MESSAGE_SCHEMA,
    example: 'hi',
    description: `${MESSAGE_SCHEMA.description}. Empty, blank or null means none`,
  })
  @IsOptional()
  @TrimmedVisibleText(0, 200)
  message?: string;
}
