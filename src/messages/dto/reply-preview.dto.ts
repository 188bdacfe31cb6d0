import { ApiProperty } from '@nestjs/swagger';
import {
  ApiBigIdProperty,
  ApiIdProperty,
  ApiTimestampProperty,
} from '../../common/http/api-schema.decorator';

export const REPLY_PREVIEW_LENGTH = 200;

/** What a reply shows of the message it answers, as that message is now. */
export class ReplyPreviewDto {
  @ApiBigIdProperty({ example: 1 })
  id!: number;

  @ApiProperty({ type: 'integer', minimum: 1, example: 1 })
  seq!: number;

  @ApiIdProperty({ example: 2 })
  senderId!: number;

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: REPLY_PREVIEW_LENGTH,
    example: 'helloo',
    description: `The first ${REPLY_PREVIEW_LENGTH} characters of its body; null once it is deleted`,
  })
  body!: string | null;

  @ApiTimestampProperty({ nullable: true })
  deletedAt!: string | null;
}
