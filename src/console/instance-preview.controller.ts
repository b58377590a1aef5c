import { Controller, Get, Header, Param, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentUser, Roles } from '../access/access.decorators';
import type { AuthenticatedUser } from '../access/authenticated-user';
import { AuditService } from '../audit/audit.service';
import { parseInput } from '../common/invalid-input.exception';
import { ApiFileResponse } from '../common/openapi';
import { InstancePreviewService } from './instance-preview.service';

const previewQuery = z.object({ maxSize: z.coerce.number().int().min(16).max(4096).default(1024) });

/** A windowed 8-bit PNG of a stored image, for screens that cannot decode DICOM (the console). */
@ApiTags('studies')
@ApiBearerAuth()
@Controller('api/instances')
export class InstancePreviewController {
  constructor(
    private readonly previews: InstancePreviewService,
    private readonly audit: AuditService,
  ) {}

  @Get(':id/preview.png')
  @Roles('doctor', 'operator')
  @Header('Cache-Control', 'private, no-store')
  @ApiFileResponse('image/png', 'a grey PNG preview of the image, at most maxSize pixels on its longer side')
  async preview(
    @Param('id') id: string,
    @Query() raw: Record<string, string>,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<StreamableFile> {
    const { maxSize } = parseInput(previewQuery, raw);
    const png = await this.previews.png(id, maxSize);
    await this.audit.record({ actor: user, action: 'instance.preview', resourceType: 'instance', resourceId: id });
    return new StreamableFile(png, { type: 'image/png', length: png.length });
  }
}
