import { ApiProperty } from '@nestjs/swagger';
import { CHAT_TYPES, ChatType } from '../entities/chat-session.entity';
import { LastMessageDto } from './last-message.dto';
import { ParticipantResponseDto } from './participant-response.dto';

export class ChatResponseDto {
  @ApiProperty({ example: 7 })
  id!: number;

  @ApiProperty({ enum: CHAT_TYPES, example: 'direct' })
  type!: ChatType;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'shivam/shahn',
    description: 'Group name; for a direct chat "initiator/other" by username',
  })
  name!: string | null;

  @ApiProperty({
    example: 'chat:3b241101-e2bb-4255-8caf-4136c566a962',
    description: 'Unique live-subscription key',
  })
  topic!: string;

  @ApiProperty({ example: '2022-11-17T12:00:00.000Z' })
  createdAt!: string;

  @ApiProperty({ example: '2022-11-17T12:00:00.000Z' })
  updatedAt!: string;

  @ApiProperty({ type: [ParticipantResponseDto] })
  participants!: ParticipantResponseDto[];

  @ApiProperty({ type: LastMessageDto, nullable: true })
  lastMessage!: LastMessageDto | null;

  @ApiProperty({ example: 0, description: 'Messages from others after my read marker' })
  unreadCount!: number;
}
