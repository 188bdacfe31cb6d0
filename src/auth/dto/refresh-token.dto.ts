import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class RefreshTokenDto {
  @ApiProperty({
    minLength: 16,
    maxLength: 256,
    description: 'The refresh token from register, login or the last refresh',
    example: 'q3N8Jm0x2sXb4R1uYkqv7Wc9pL5tZ0hG6dFaE8yB2nM',
  })
  @IsString()
  @Length(16, 256)
  refreshToken!: string;
}
