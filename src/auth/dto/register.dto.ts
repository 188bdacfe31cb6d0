import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { IsOptionalNotNull } from '../../common/validation/optional';
import { IsDisplayName } from '../../users/dto/display-name.validator';
import { IsUsername } from '../../users/dto/username.validator';

export class RegisterDto {
  @ApiProperty({ minLength: 3, maxLength: 32, pattern: '^[a-zA-Z0-9_.-]+$', example: 'shivam' })
  @IsUsername()
  username!: string;

  @ApiProperty({ minLength: 8, maxLength: 128, example: 'correct horse battery staple' })
  @IsString()
  @Length(8, 128)
  password!: string;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 64,
    description: 'Defaults to the username',
    example: 'Shivam',
  })
  @IsOptionalNotNull()
  @IsDisplayName()
  displayName?: string;
}
