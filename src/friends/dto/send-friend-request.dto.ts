import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { ApiIdProperty } from '../../common/http/api-schema.decorator';
import { CodePointLength } from '../../common/validation/code-point-length';
import { MAX_INT_ID } from '../../common/validation/parse-id.pipe';

export class SendFriendRequestDto {
  @ApiIdProperty({ example: 2 })
  @IsInt()
  @Min(1)
  @Max(MAX_INT_ID)
  toUserId!: number;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 200,
    example: 'hi',
    description: 'Trimmed; empty or null means none',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @CodePointLength(0, 200)
  message?: string;
}
