import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class LoginDto {
  @ApiProperty({ minLength: 1, maxLength: 64, example: 'shivam' })
  @IsString()
  @Length(1, 64)
  username!: string;

  @ApiProperty({ minLength: 1, maxLength: 128, example: 'correct horse battery staple' })
  @IsString()
  @Length(1, 128)
  password!: string;
}
