import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { IsOptionalNotNull } from '../../common/validation/optional';
import { ATTACHMENT_IDS_SCHEMA, IsAttachmentIds } from './attachment-ids.validator';
import { MentionsProperty } from './mentions.validator';
import { IsMessageBody, MESSAGE_BODY_SCHEMA } from './message-body.validator';

export const CLIENT_MESSAGE_ID = /^[\w.:-]{1,64}$/;

export class SendMessageDto {
  @ApiProperty({
    ...MESSAGE_BODY_SCHEMA,
    minLength: 0,
    example: 'helloo',
    description: 'Trimmed; may be empty when `attachmentIds` are given',
  })
  @IsMessageBody({ emptyWithAttachments: true })
  body!: string;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 64,
    pattern: CLIENT_MESSAGE_ID.source,
    example: '6f1c2c1e-6c1b-4d8e-9a57-0e6f1b2f5a10',
    description:
      'Makes the send idempotent: resending it returns the first message (200) instead of a copy',
  })
  @IsOptionalNotNull()
  @IsString()
  @Matches(CLIENT_MESSAGE_ID, {
    message: 'clientMessageId must be 1-64 letters, digits, or . _ : -',
  })
  clientMessageId?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: Number.MAX_SAFE_INTEGER,
    example: 41,
    description:
      'Answers this message of the same chat (else 400 `REPLY_TARGET_INVALID`); the message then carries `replyTo`',
  })
  @IsOptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  replyToId?: number;

  @ApiPropertyOptional({
    ...ATTACHMENT_IDS_SCHEMA,
    example: [7],
    description:
      'Up to 10 of my uploads (`POST /uploads`) not attached yet, in the order to show them; else 409 `ATTACHMENT_UNAVAILABLE`',
  })
  @IsAttachmentIds()
  attachmentIds?: number[];

  @MentionsProperty(
    'Participants this message calls upon (else 400 `MENTION_NOT_PARTICIPANT`): counted in their `unreadMentionCount`, and it brings the chat back from their archive',
  )
  mentions?: number[];
}
