import { ApiProperty } from '@nestjs/swagger';
import {
  ApiBigIdProperty,
  ApiIdProperty,
  ApiTimestampProperty,
} from '../../common/http/api-schema.decorator';

/** The shape of a message (the messages module returns the same fields). */
export class LastMessageDto {
  @ApiBigIdProperty({ example: 1 })
  id!: number;

  @ApiIdProperty({ example: 7 })
  chatId!: number;

  @ApiProperty({
    type: 'integer',
    minimum: 1,
    example: 1,
    description: '1, 2, 3, ... within the chat, in commit order',
  })
  seq!: number;

  @ApiIdProperty({ example: 1 })
  senderId!: number;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'helloo',
    description: 'null once deleted',
  })
  body!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: 64,
    example: '6f1c2c1e-6c1b-4d8e-9a57-0e6f1b2f5a10',
  })
  clientMessageId!: string | null;

  @ApiTimestampProperty({ example: '2022-11-15T12:00:00.000Z' })
  createdAt!: string;

  @ApiTimestampProperty({ nullable: true })
  editedAt!: string | null;

  @ApiTimestampProperty({ nullable: true })
  deletedAt!: string | null;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    maximum: 10,
    example: 0,
    description:
      'How many files it carries (0 once deleted): a list can say "📎 Photo" without them',
  })
  attachmentCount!: number;
}
