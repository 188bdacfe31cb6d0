import { ApiProperty } from '@nestjs/swagger';
import { ApiIdProperty, ApiTimestampProperty } from '../../common/http/api-schema.decorator';
import { CHAT_TYPES, ChatType } from '../entities/chat-session.entity';
import { MAX_GROUP_NAME_LENGTH } from './group-name.validator';
import { LastMessageDto } from './last-message.dto';
import { ParticipantResponseDto } from './participant-response.dto';

export class ChatResponseDto {
  @ApiIdProperty({ example: 7 })
  id!: number;

  @ApiProperty({ enum: CHAT_TYPES, example: 'direct' })
  type!: ChatType;

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: MAX_GROUP_NAME_LENGTH,
    example: 'shivam/shahn',
    description: 'Group name; for a direct chat "initiator/other" by username',
  })
  name!: string | null;

  @ApiProperty({
    example: 'chat:3b241101-e2bb-4255-8caf-4136c566a962',
    description: 'Unique live-subscription key',
  })
  topic!: string;

  @ApiTimestampProperty({ example: '2022-11-17T12:00:00.000Z' })
  createdAt!: string;

  @ApiTimestampProperty({ example: '2022-11-17T12:00:00.000Z' })
  updatedAt!: string;

  @ApiProperty({ type: [ParticipantResponseDto] })
  participants!: ParticipantResponseDto[];

  @ApiProperty({
    type: 'integer',
    minimum: 1,
    example: 4,
    description:
      'The rev of the latest change to the chat itself (created, renamed, members or roles changed)',
  })
  rev!: number;

  @ApiProperty({
    type: 'integer',
    minimum: 1,
    example: 12,
    description:
      'The rev of the latest change to the chat or any of its messages: `GET …/changes?afterRev=` from the highest rev you hold brings you up to it',
  })
  lastRev!: number;

  @ApiProperty({ type: LastMessageDto, nullable: true })
  lastMessage!: LastMessageDto | null;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    example: 0,
    description: 'Messages from others after my read marker',
  })
  unreadCount!: number;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    example: 0,
    description: 'Messages after my read marker that mention me',
  })
  unreadMentionCount!: number;

  @ApiProperty({ example: false, description: 'Mine only (`PATCH …/settings`)' })
  muted!: boolean;

  @ApiProperty({ example: false, description: 'Mine only (`PATCH …/settings`)' })
  archived!: boolean;
}
