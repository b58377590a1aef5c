import { Body, Controller, Post, UploadedFiles, UseInterceptors } from '@nestjs/common';
import { FilesInterceptor } from '@nestjs/platform-express';
import { ApiBearerAuth, ApiConsumes, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentUser, Roles } from '../access/access.decorators';
import type { AuthenticatedUser } from '../access/authenticated-user';
import { AuditService } from '../audit/audit.service';
import { parseInput } from '../common/invalid-input.exception';
import { ApiJsonResponse, ApiMultipartBody } from '../common/openapi';
import { recordInputSchema } from './record-input';
import { RecordsService, type RecordResult } from './records.service';

const MAX_FILES = 20;

const recordResultSchema = z.object({
  studyInstanceUids: z.array(z.string()),
  instances: z.array(
    z.object({
      originalName: z.string(),
      sopInstanceUid: z.string(),
      studyInstanceUid: z.string(),
      outcome: z.enum(['stored', 'duplicate', 'new-version']),
    }),
  ),
});
// Files stream to disk (records.module.ts); this bounds the disk one upload may take, not memory.
const MAX_FILE_BYTES = 512 * 1024 * 1024;

/** Upload API for the administrative worker: multipart `images` plus patient fields. */
@ApiTags('records')
@ApiBearerAuth()
@Controller('api/records')
export class RecordsController {
  constructor(
    private readonly records: RecordsService,
    private readonly audit: AuditService,
  ) {}

  @Post()
  @Roles('admin-worker', 'operator')
  @ApiConsumes('multipart/form-data')
  @ApiMultipartBody('RecordInput', recordInputSchema, 'images')
  @ApiJsonResponse('RecordResult', recordResultSchema, {
    status: 201,
    description: 'the study (or studies, for DICOM files) and each image’s ingest outcome',
  })
  @UseInterceptors(FilesInterceptor('images', MAX_FILES, { limits: { fileSize: MAX_FILE_BYTES, files: MAX_FILES } }))
  async add(
    @Body() body: Record<string, string>,
    @UploadedFiles() files: Express.Multer.File[] | undefined,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<RecordResult> {
    const input = parseInput(recordInputSchema, body);
    const result = await this.records.addRecord(
      input,
      (files ?? []).map((file) => ({ originalName: file.originalname, mimeType: file.mimetype, path: file.path })),
      user.username,
    );
    await this.audit.record({
      actor: user,
      action: 'record.create',
      resourceType: 'study',
      resourceId: result.studyInstanceUids.join(','),
      details: { images: result.instances.length },
    });
    return result;
  }
}
