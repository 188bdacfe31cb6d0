import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class DeleteAccountDto {
  @ApiProperty({
    minLength: 1,
    maxLength: 128,
    description: 'My password, to confirm that it is me',
    example: 'correct horse battery staple',
  })
  @IsString()
  @Length(1, 128)
  password!: string;
}
