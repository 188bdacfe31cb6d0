import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { AdminRoute } from '../admin/admin-route.decorator';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { ApiBigIdParam, ApiIdParam } from '../common/http/api-schema.decorator';
import { PageOf } from '../common/pagination/page-of.dto';
import { ParseBigIdPipe, ParseIdPipe } from '../common/validation/parse-id.pipe';
import { CreateWebhookDto } from './dto/create-webhook.dto';
import { ListDeliveriesQueryDto } from './dto/list-deliveries-query.dto';
import { UpdateWebhookDto } from './dto/update-webhook.dto';
import { WebhookDeliveryResponseDto } from './dto/webhook-delivery-response.dto';
import { CreatedWebhookResponseDto, WebhookResponseDto } from './dto/webhook-response.dto';
import { WebhooksService } from './webhooks.service';

const DeliveryPageDto = PageOf(WebhookDeliveryResponseDto);

@AdminRoute()
@Controller('admin/webhooks')
export class AdminWebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiOperation({
    operationId: 'createWebhook',
    summary: 'Register a webhook endpoint',
    description:
      'Every committed event of the chosen types is POSTed to `url` as `{id, type, createdAt, data}` ' +
      'with Standard Webhooks headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`), at ' +
      'least once, retried with backoff for about a day. The answer is the only one that shows the ' +
      'secret. A URL on an internal address is 400 `WEBHOOK_URL_FORBIDDEN`.',
  })
  @ApiCreatedResponse({ type: CreatedWebhookResponseDto })
  @ApiErrors(400)
  create(@Body() body: CreateWebhookDto): Promise<CreatedWebhookResponseDto> {
    return this.webhooks.register(body);
  }

  @Get()
  @ApiOperation({
    operationId: 'listWebhooks',
    summary: 'Every webhook endpoint',
    description: 'Oldest first, with its state; secrets are never shown again after registration.',
  })
  @ApiOkResponse({ type: [WebhookResponseDto] })
  list(): Promise<WebhookResponseDto[]> {
    return this.webhooks.list();
  }

  @Get(':webhookId')
  @ApiOperation({
    operationId: 'getWebhook',
    summary: 'A webhook endpoint',
    description: 'Whether it is enabled, why not, and how many deliveries failed in a row.',
  })
  @ApiOkResponse({ type: WebhookResponseDto })
  @ApiErrors(400)
  @ApiIdParam('webhookId')
  get(@Param('webhookId', ParseIdPipe) id: number): Promise<WebhookResponseDto> {
    return this.webhooks.get(id);
  }

  @Patch(':webhookId')
  @ApiOperation({
    operationId: 'updateWebhook',
    summary: 'Change, disable or enable again a webhook endpoint',
    description:
      '`enabled: true` takes a disabled endpoint back and starts its failure count over; ' +
      '`enabled: false` stops new deliveries (pending ones are given up on at their next attempt).',
  })
  @ApiOkResponse({ type: WebhookResponseDto })
  @ApiErrors(400)
  @ApiIdParam('webhookId')
  update(
    @Param('webhookId', ParseIdPipe) id: number,
    @Body() body: UpdateWebhookDto,
  ): Promise<WebhookResponseDto> {
    return this.webhooks.update(id, body);
  }

  @Delete(':webhookId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'deleteWebhook',
    summary: 'Remove a webhook endpoint and its deliveries',
    description: 'Pending deliveries to it are dropped; events already delivered stay delivered.',
  })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiErrors(400)
  @ApiIdParam('webhookId')
  async remove(@Param('webhookId', ParseIdPipe) id: number): Promise<void> {
    await this.webhooks.remove(id);
  }

  @Get(':webhookId/deliveries')
  @ApiOperation({
    operationId: 'listWebhookDeliveries',
    summary: "An endpoint's deliveries, newest first",
    description: "With each one's state, attempts, and the last answer's status or error.",
  })
  @ApiOkResponse({ type: DeliveryPageDto })
  @ApiErrors(400)
  @ApiIdParam('webhookId')
  deliveries(@Param('webhookId', ParseIdPipe) id: number, @Query() query: ListDeliveriesQueryDto) {
    return this.webhooks.deliveries(id, query);
  }

  @Post(':webhookId/deliveries/:deliveryId/replay')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    operationId: 'replayWebhookDelivery',
    summary: 'Deliver an event again',
    description:
      'Starts a fresh series of attempts at once for a delivery that has finished (succeeded or ' +
      'failed): the same body and `webhook-id`. A delivery still pending is 409 `DELIVERY_PENDING` ' +
      '(its next attempt is already due), a disabled endpoint 409 `WEBHOOK_DISABLED`, and a ' +
      "delivery that is not the endpoint's (or was purged) 404 `DELIVERY_NOT_FOUND`.",
  })
  @ApiAcceptedResponse({ type: WebhookDeliveryResponseDto })
  @ApiErrors(400, 409)
  @ApiIdParam('webhookId')
  @ApiBigIdParam('deliveryId')
  replay(
    @Param('webhookId', ParseIdPipe) id: number,
    @Param('deliveryId', ParseBigIdPipe) deliveryId: number,
  ): Promise<WebhookDeliveryResponseDto> {
    return this.webhooks.replay(id, deliveryId);
  }
}
