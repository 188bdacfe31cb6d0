import { ApiProperty } from '@nestjs/swagger';
import { ApiBigIdProperty } from '../../common/http/api-schema.decorator';

/** A file attached to a message, with links signed for the reader. */
export class AttachmentResponseDto {
  @ApiBigIdProperty({ example: 7 })
  id!: number;

  @ApiProperty({ example: 'image/jpeg' })
  contentType!: string;

  @ApiProperty({ type: 'integer', minimum: 0, example: 183_406 })
  size!: number;

  @ApiProperty({ example: 'beach.jpg', maxLength: 255 })
  name!: string;

  @ApiProperty({ type: 'integer', nullable: true, example: 1600 })
  width!: number | null;

  @ApiProperty({ type: 'integer', nullable: true, example: 1200 })
  height!: number | null;

  @ApiProperty({
    example: '/api/v1/attachments/7?reader=2&expires=1796400000&signature=Zm9v',
    description:
      'The file: a signed link for this reader that needs no Authorization header and works until ' +
      '`expires` (ATTACHMENT_LINK_TTL_SECONDS), and only while the reader may see the message',
  })
  url!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '/api/v1/attachments/7/thumbnail?reader=2&expires=1796400000&signature=YmFy',
    description: 'A WebP of at most 320 × 320 pixels, for pictures; null for other files',
  })
  thumbnailUrl!: string | null;
}
