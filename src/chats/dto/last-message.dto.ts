import { ApiProperty } from '@nestjs/swagger';

/** The shape of a message (the messages module returns the same fields). */
export class LastMessageDto {
  @ApiProperty({ example: 1 })
  id!: number;

  @ApiProperty({ example: 7 })
  chatId!: number;

  @ApiProperty({ example: 1, description: '1, 2, 3, ... within the chat, in commit order' })
  seq!: number;

  @ApiProperty({ example: 1 })
  senderId!: number;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'helloo',
    description: 'null once deleted',
  })
  body!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '6f1c2c1e-6c1b-4d8e-9a57-0e6f1b2f5a10' })
  clientMessageId!: string | null;

  @ApiProperty({ example: '2022-11-15T12:00:00.000Z' })
  createdAt!: string;

  @ApiProperty({ type: String, nullable: true, example: null })
  editedAt!: string | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  deletedAt!: string | null;
}
