import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Public } from '../common/auth/public.decorator';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { HealthService } from './health.service';
import { HealthStatusDto } from './health-status.dto';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('live')
  @ApiOperation({
    operationId: 'checkLiveness',
    summary: 'Liveness: the process is up and serving',
    description: 'Needs no token and touches no database: a restart is due only when this fails.',
    security: [],
  })
  @ApiOkResponse({ type: HealthStatusDto })
  live(): HealthStatusDto {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    operationId: 'checkReadiness',
    summary: 'Readiness: the database answers',
    description:
      'Needs no token. 503 while the database does not answer or the instance is shutting down: ' +
      'send traffic elsewhere until it is 200 again.',
    security: [],
  })
  @ApiOkResponse({ type: HealthStatusDto })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: 'The database does not answer',
  })
  async ready(): Promise<HealthStatusDto> {
    if (!(await this.health.isDatabaseUp())) {
      throw new ServiceUnavailableException('The database does not answer');
    }
    return { status: 'ok' };
  }
}
