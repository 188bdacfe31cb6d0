import { IsAttachmentIds } from '../../messages/dto/attachment-ids.validator';
import { IsMentions } from '../../messages/dto/mentions.validator';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsString, Matches, Max, Min, ValidateBy } from 'class-validator';
import { MAX_PAGE_SIZE } from '../../common/pagination/page';
import { IsOptionalNotNull } from '../../common/validation/optional';
import { IsMessageBody } from '../../messages/dto/message-body.validator';
import { toReactionEmoji } from '../../messages/dto/reaction-emoji';
import { CLIENT_MESSAGE_ID } from '../../messages/dto/send-message.dto';
import { IsChatId, IsMessageId } from './id.validators';

/** Payloads of the client events, validated with the same rules (and pipe) as the REST bodies. */
export class ChatPayload {
  @IsChatId()
  chatId!: number;
}

export class SendMessagePayload extends ChatPayload {
  @IsMessageBody({ emptyWithAttachments: true })
  body!: string;

  /** Required over the socket: it is what makes a resend after a lost ack safe. */
  @IsString()
  @Matches(CLIENT_MESSAGE_ID, {
    message: 'clientMessageId must be 1-64 letters, digits, or . _ : -',
  })
  clientMessageId!: string;

  @IsOptionalNotNull()
  @IsMessageId()
  replyToId?: number;

  @IsAttachmentIds()
  attachmentIds?: number[];

  @IsMentions()
  mentions?: number[];
}

export class MessagePayload extends ChatPayload {
  @IsMessageId()
  messageId!: number;
}

export class EditMessagePayload extends MessagePayload {
  @IsMessageBody()
  body!: string;

  @IsMentions()
  mentions?: number[];
}

export class TypingPayload extends ChatPayload {
  @IsBoolean()
  isTyping!: boolean;
}

export class SyncPayload extends ChatPayload {
  /** The change feed: everything changed after this rev (see MessagesService.changes). */
  @IsOptionalNotNull()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  afterRev?: number;

  @IsOptionalNotNull()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  afterSeq?: number;

  @IsOptionalNotNull()
  @IsMessageId(0)
  afterMessageId?: number;

  @IsOptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;
}

export class ReactionPayload extends MessagePayload {
  /** One emoji or a shortcode; stored as toReactionEmoji gives it. */
  @IsString()
  @ValidateBy({
    name: 'reactionEmoji',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && toReactionEmoji(value) !== null,
      defaultMessage: () =>
        'emoji must be one emoji or a shortcode of 1-32 characters a-z 0-9 _ + -',
    },
  })
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? (toReactionEmoji(value) ?? value) : value,
  )
  emoji!: string;

  @IsBoolean()
  on!: boolean;
}
