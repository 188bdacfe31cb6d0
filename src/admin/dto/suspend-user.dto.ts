import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsString, MaxLength } from 'class-validator';
import { ApiIdProperty, ApiTimestampProperty } from '../../common/http/api-schema.decorator';
import { IsOptionalNotNull } from '../../common/validation/optional';

export class SuspendUserDto {
  @ApiPropertyOptional({
    format: 'date-time',
    example: '2027-01-01T00:00:00.000Z',
    description: 'When it ends by itself; for good (until lifted) when left out',
  })
  @IsOptionalNotNull()
  @IsISO8601({ strict: true, strictSeparator: true })
  until?: string;

  @ApiPropertyOptional({ maxLength: 500, example: 'Spam reported by several users' })
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class SuspensionResponseDto {
  @ApiIdProperty({ example: 7 })
  userId!: number;

  @ApiTimestampProperty({ nullable: true, description: 'null: until lifted' })
  until!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Spam reported by several users' })
  reason!: string | null;
}
