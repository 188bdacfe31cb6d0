import { ApiProperty } from '@nestjs/swagger';
import { ChatResponseDto } from '../../chats/dto/chat-response.dto';
import { MessageResponseDto } from './message-response.dto';

/** A page of the change feed: apply it, keep `upToRev`, ask again while `hasMore`. */
export class ChangesResponseDto {
  @ApiProperty({
    type: [MessageResponseDto],
    description:
      'The current state of each message changed after afterRev (new, edited, deleted, reacted to), in rev order',
  })
  messages!: MessageResponseDto[];

  @ApiProperty({
    type: ChatResponseDto,
    nullable: true,
    description:
      'The chat, when it changed itself (name, members, roles) after afterRev; else null',
  })
  chat!: ChatResponseDto | null;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    example: 12,
    description: 'Every change up to this rev is in this page or was before afterRev',
  })
  upToRev!: number;

  @ApiProperty({ description: 'More changes follow: ask again with afterRev = upToRev' })
  hasMore!: boolean;
}
