import { Controller, Get, Header } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Roles } from '../access/access.decorators';
import { MetricsRegistry } from './metrics.registry';

/** Prometheus scrape endpoint; the scraper sends the operator credential as its bearer token. */
@ApiTags('metrics')
@Roles('operator')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsRegistry) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.text();
  }
}
