import { Module } from '@nestjs/common';
import { ReportsModule } from '../reports/reports.module';
import { AnalyticsController } from './analytics.controller';
import { AnalyticsService } from './analytics.service';

@Module({ imports: [ReportsModule], controllers: [AnalyticsController], providers: [AnalyticsService] })
export class AnalyticsModule {}
