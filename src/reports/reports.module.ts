import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { HeatmapRepository } from './heatmap.repository';
import { ReportAnalyticsRepository } from './report-analytics.repository';
import { ReportEvents } from './report-events';
import { ReportRepository } from './report.repository';
import { ReportService } from './report.service';
import { ReportsController } from './reports.controller';

@Module({
  imports: [AuditModule],
  controllers: [ReportsController],
  providers: [ReportRepository, ReportService, HeatmapRepository, ReportAnalyticsRepository, ReportEvents],
  exports: [ReportService, HeatmapRepository, ReportAnalyticsRepository, ReportEvents],
})
export class ReportsModule {}
