import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ErrorResponseDto {
  @ApiProperty({ type: 'integer', minimum: 400, maximum: 599, example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['username must be longer than or equal to 3 characters'],
  })
  message!: string | string[];

  @ApiProperty({ description: 'Stable machine-readable reason', example: 'VALIDATION_FAILED' })
  code!: string;

  @ApiPropertyOptional({ description: 'Present on 5xx answers; quote it when reporting a problem' })
  requestId?: string;
}
