import { ApiProperty } from '@nestjs/swagger';
import { ApiIdProperty, ApiTimestampProperty } from '../../common/http/api-schema.decorator';
import { MeResponseDto } from '../../users/dto/me-response.dto';

class ExportedFriendDto {
  @ApiIdProperty()
  userId!: number;

  @ApiTimestampProperty()
  since!: string;
}

class ExportedFriendRequestDto {
  @ApiIdProperty()
  id!: number;

  @ApiProperty({ enum: ['sent', 'received'] })
  direction!: string;

  @ApiIdProperty()
  otherUserId!: number;

  @ApiProperty({ enum: ['pending', 'accepted', 'rejected'] })
  status!: string;

  @ApiTimestampProperty()
  sentAt!: string;

  @ApiTimestampProperty({ nullable: true })
  respondedAt!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'What I wrote with a request I sent; null for received ones (their sender’s words)',
  })
  message!: string | null;
}

class ExportedBlockDto {
  @ApiIdProperty()
  userId!: number;

  @ApiTimestampProperty()
  blockedAt!: string;
}

class ExportedMembershipDto {
  @ApiIdProperty()
  chatId!: number;

  @ApiProperty({ enum: ['direct', 'group'] })
  type!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ enum: ['owner', 'admin', 'member'] })
  role!: string;

  @ApiTimestampProperty()
  joinedAt!: string;

  @ApiProperty()
  muted!: boolean;

  @ApiProperty()
  archived!: boolean;

  @ApiProperty({ type: 'integer', description: 'The seq I have read up to' })
  lastReadSeq!: number;
}

class ExportedMessageDto {
  @ApiProperty({ type: 'integer' })
  id!: number;

  @ApiIdProperty()
  chatId!: number;

  @ApiProperty({ type: 'integer' })
  seq!: number;

  @ApiProperty({ type: String, nullable: true, description: 'null once deleted' })
  body!: string | null;

  @ApiProperty({ type: 'integer', nullable: true })
  replyToId!: number | null;

  @ApiTimestampProperty()
  createdAt!: string;

  @ApiTimestampProperty({ nullable: true })
  editedAt!: string | null;

  @ApiTimestampProperty({ nullable: true })
  deletedAt!: string | null;
}

class ExportedReactionDto {
  @ApiIdProperty()
  chatId!: number;

  @ApiProperty({ type: 'integer' })
  messageId!: number;

  @ApiProperty({ example: '👍' })
  emoji!: string;

  @ApiTimestampProperty()
  reactedAt!: string;
}

class ExportedUploadDto {
  @ApiProperty({ type: 'integer' })
  id!: number;

  @ApiProperty()
  name!: string;

  @ApiProperty()
  contentType!: string;

  @ApiProperty({ type: 'integer' })
  size!: number;

  @ApiTimestampProperty()
  createdAt!: string;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Where it is attached, if it is' })
  chatId!: number | null;

  @ApiProperty({ type: 'integer', nullable: true })
  messageId!: number | null;
}

/** Everything the service holds of mine; of other people only their ids. */
export class AccountExportDto {
  @ApiTimestampProperty()
  exportedAt!: string;

  @ApiProperty({ type: MeResponseDto })
  profile!: MeResponseDto;

  @ApiProperty({ type: [ExportedFriendDto] })
  friends!: ExportedFriendDto[];

  @ApiProperty({ type: [ExportedFriendRequestDto] })
  friendRequests!: ExportedFriendRequestDto[];

  @ApiProperty({ type: [ExportedBlockDto] })
  blocks!: ExportedBlockDto[];

  @ApiProperty({ type: [ExportedMembershipDto] })
  memberships!: ExportedMembershipDto[];

  @ApiProperty({ type: [ExportedReactionDto] })
  reactions!: ExportedReactionDto[];

  @ApiProperty({ type: [ExportedUploadDto], description: 'Metadata only, never the bytes' })
  uploads!: ExportedUploadDto[];

  @ApiProperty({
    type: [ExportedMessageDto],
    description: 'Every message I sent, oldest first; never anyone else’s',
  })
  messages!: ExportedMessageDto[];
}
