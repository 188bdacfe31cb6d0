import { ApiProperty } from '@nestjs/swagger';
import { UserResponseDto } from '../../users/dto/user-response.dto';

export class AuthResponseDto {
  @ApiProperty({ type: UserResponseDto })
  user!: UserResponseDto;

  @ApiProperty({
    description: 'JWT to send as `Authorization: Bearer <token>`',
    example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...',
  })
  accessToken!: string;

  @ApiProperty({
    description: 'Opaque; works once, at POST /auth/refresh',
    example: 'q3N8Jm0x2sXb4R1uYkqv7Wc9pL5tZ0hG6dFaE8yB2nM',
  })
  refreshToken!: string;

  @ApiProperty({
    type: 'integer',
    minimum: 1,
    description: 'Seconds until the access token expires',
    example: 900,
  })
  expiresIn!: number;
}
