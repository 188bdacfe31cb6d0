import { ApiProperty } from '@nestjs/swagger';
import { PARTICIPANT_ROLES, ParticipantRole } from '../entities/chat-participant.entity';

export class ParticipantResponseDto {
  @ApiProperty({ example: 1 })
  userId!: number;

  @ApiProperty({ enum: PARTICIPANT_ROLES, example: 'member' })
  role!: ParticipantRole;

  @ApiProperty({ example: '2022-11-15T12:00:00.000Z' })
  joinedAt!: string;
}
