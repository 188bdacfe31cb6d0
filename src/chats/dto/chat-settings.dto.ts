import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';
import { ApiIdProperty } from '../../common/http/api-schema.decorator';
import { IsOptionalNotNull } from '../../common/validation/optional';

export class UpdateChatSettingsDto {
  @ApiPropertyOptional({
    description: 'A muted chat counts only its mentions in my unread totals',
    example: true,
  })
  @IsOptionalNotNull()
  @IsBoolean()
  muted?: boolean;

  @ApiPropertyOptional({
    description:
      'An archived chat stays out of `GET /chats?archived=false`; a message that mentions me brings it back',
    example: false,
  })
  @IsOptionalNotNull()
  @IsBoolean()
  archived?: boolean;
}

/** My own settings for a chat: nobody else sees them. */
export class ChatSettingsDto {
  @ApiIdProperty({ example: 7 })
  chatId!: number;

  @ApiProperty({ example: true })
  muted!: boolean;

  @ApiProperty({ example: false })
  archived!: boolean;
}
