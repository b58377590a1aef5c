import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Roles } from '../access/access.decorators';
import { InvalidInputException } from '../common/invalid-input.exception';
import { ApiJsonResponse } from '../common/openapi';
import { auditPageSchema } from './audit-api.schema';
import type { AuditEntry } from './audit-entry';
import { parseAuditQuery } from './audit-query';
import { AuditService } from './audit.service';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('api/audit')
@Roles('operator')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiQuery({ name: 'actorId', required: false })
  @ApiQuery({ name: 'resourceType', required: false })
  @ApiQuery({ name: 'resourceId', required: false })
  @ApiQuery({ name: 'action', required: false })
  @ApiQuery({ name: 'from', required: false, description: 'ISO 8601, inclusive' })
  @ApiQuery({ name: 'to', required: false, description: 'ISO 8601, inclusive' })
  @ApiQuery({ name: 'offset', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1-200, default 50' })
  @ApiJsonResponse('AuditPage', auditPageSchema, { description: 'paged audit entries, newest first' })
  async search(@Query() raw: Record<string, string | undefined>): Promise<{ items: AuditEntry[]; total: number }> {
    const parsed = parseAuditQuery(raw);
    if (!parsed.ok) throw new InvalidInputException(parsed.error);
    return this.audit.search(parsed.query);
  }
}
