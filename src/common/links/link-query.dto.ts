import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { ToInt } from '../validation/to-int';

/** When a signed link stops working, and its signature. */
export class SignedLinkQueryDto {
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'Unix time (seconds) the link stops working',
  })
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  expires!: number;

  @ApiProperty({
    pattern: '^[A-Za-z0-9_-]{43}$',
    description: 'HMAC-SHA256 of the rest, base64url',
  })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{43}$/, { message: 'signature must be 43 base64url characters' })
  signature!: string;
}
