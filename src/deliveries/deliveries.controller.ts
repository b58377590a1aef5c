import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Roles } from '../access/access.decorators';
import { ApiJsonResponse } from '../common/openapi';
import type { ChannelState } from './channel-state';
import { channelStatesSchema } from './deliveries-api.schema';
import { DeliveryScheduler } from './delivery-scheduler';

/** The operator's view of every delivery channel: is the RIS, FHIR server, PACS, portal taking results? */
@ApiTags('deliveries')
@Roles('operator')
@Controller('api/deliveries')
export class DeliveriesController {
  constructor(private readonly scheduler: DeliveryScheduler) {}

  @Get('channels')
  @ApiJsonResponse('ChannelStates', channelStatesSchema, {
    description: 'every delivery channel: off, healthy, retrying or down, with counts',
  })
  async channels(): Promise<{ items: ChannelState[] }> {
    return { items: await this.scheduler.states() };
  }
}
