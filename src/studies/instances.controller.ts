import { Controller, Get, Param, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../access/access.decorators';
import type { AuthenticatedUser } from '../access/authenticated-user';
import { AuditService } from '../audit/audit.service';
import { ApiFileResponse } from '../common/openapi';
import { StudiesService } from './studies.service';

@ApiTags('studies')
@ApiBearerAuth()
@Controller('api/instances')
export class InstancesController {
  constructor(
    private readonly studies: StudiesService,
    private readonly audit: AuditService,
  ) {}

  /** The stored Part 10 file, exactly as received behind Osteon's file meta header. */
  @Get(':id/file')
  @Roles('doctor', 'operator')
  @ApiFileResponse('application/dicom', 'the stored DICOM Part 10 file')
  async file(@Param('id') id: string, @CurrentUser() user: AuthenticatedUser): Promise<StreamableFile> {
    const instance = await this.studies.openInstanceFile(id);
    await this.audit.record({ actor: user, action: 'instance.read', resourceType: 'instance', resourceId: id });
    return new StreamableFile(instance.stream, { type: 'application/dicom', length: instance.size });
  }
}
