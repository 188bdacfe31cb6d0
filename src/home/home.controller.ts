import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../common/auth/public.decorator';
import { HOME_PAGE } from './home-page';

/** `/` for a person with a browser; not part of the API, so not in the OpenAPI document. */
@ApiExcludeController()
@Public()
@Controller()
export class HomeController {
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  page(): string {
    return HOME_PAGE;
  }
}
