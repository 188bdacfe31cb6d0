import { ApiProperty } from '@nestjs/swagger';
import { AttachmentResponseDto } from '../../attachments/dto/attachment-response.dto';
import { LastMessageDto } from '../../chats/dto/last-message.dto';
import { ReactionSummaryDto } from './reaction-summary.dto';
import { ReplyPreviewDto } from './reply-preview.dto';

/** A message: its fields as chat lists show them, and its rev, reply preview, reactions and files. */
export class MessageResponseDto extends LastMessageDto {
  @ApiProperty({
    type: 'integer',
    minimum: 1,
    example: 2,
    description:
      "The chat's rev of this message's latest change (sent, edited, deleted, reacted to, its reply target changed)",
  })
  rev!: number;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    example: null,
    description:
      'Who deleted it: its sender, or an owner or admin of its group; null while it is not deleted (or that account is gone)',
  })
  deletedBy!: number | null;

  @ApiProperty({ type: ReplyPreviewDto, nullable: true })
  replyTo!: ReplyPreviewDto | null;

  @ApiProperty({
    type: [ReactionSummaryDto],
    description:
      'Most used first, then by emoji in Unicode code point order; empty on a deleted message',
  })
  reactions!: ReactionSummaryDto[];

  @ApiProperty({
    type: 'array',
    items: { type: 'integer', minimum: 1 },
    example: [2],
    description: 'The participants it mentions, by ascending id; empty on a deleted message',
  })
  mentions!: number[];

  @ApiProperty({
    type: [AttachmentResponseDto],
    description:
      'Its files in the order sent, with links signed for you; empty on a deleted message (its files are gone)',
  })
  attachments!: AttachmentResponseDto[];
}
