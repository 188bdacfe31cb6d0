import { ApiProperty } from '@nestjs/swagger';

/** What is waiting for me across all my chats; a muted chat counts only its mentions. */
export class UnreadTotalsDto {
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    example: 5,
    description: 'Messages after my read markers in chats not muted, and my mentions in muted ones',
  })
  messages!: number;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    example: 2,
    description: 'Chats where `messages` counts something',
  })
  chats!: number;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    example: 1,
    description: 'Messages after my read markers that mention me, in every chat',
  })
  mentions!: number;
}
