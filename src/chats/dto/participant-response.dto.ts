import { ApiProperty } from '@nestjs/swagger';
import { ApiIdProperty, ApiTimestampProperty } from '../../common/http/api-schema.decorator';
import { PARTICIPANT_ROLES, ParticipantRole } from '../entities/chat-participant.entity';

export class ParticipantResponseDto {
  @ApiIdProperty({ example: 1 })
  userId!: number;

  @ApiProperty({ enum: PARTICIPANT_ROLES, example: 'member' })
  role!: ParticipantRole;

  @ApiTimestampProperty({ example: '2022-11-15T12:00:00.000Z' })
  joinedAt!: string;
}
