import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { Roles } from '../access/access.decorators';
import { InvalidInputException } from '../common/invalid-input.exception';
import { ApiJsonResponse } from '../common/openapi';
import { isValidUid } from '../imaging/uid';
import { STUDY_EXAMPLE, studyPageSchema, studySchema } from './studies-api.schema';
import { StudiesService, type StudyView } from './studies.service';
import { parseStudyQuery } from './study-query';

@ApiTags('studies')
@Controller('api/studies')
@Roles('doctor', 'admin-worker', 'operator')
export class StudiesController {
  constructor(private readonly studies: StudiesService) {}

  @Get()
  @ApiQuery({ name: 'patientId', required: false })
  @ApiQuery({ name: 'from', required: false, description: 'study day, YYYY-MM-DD inclusive' })
  @ApiQuery({ name: 'to', required: false, description: 'study day, YYYY-MM-DD inclusive' })
  @ApiQuery({ name: 'offset', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1-200, default 50' })
  @ApiJsonResponse('StudyPage', studyPageSchema, { description: 'paged study summaries', example: { items: [STUDY_EXAMPLE], total: 1 } })
  async search(@Query() raw: Record<string, string | undefined>): Promise<unknown> {
    const parsed = parseStudyQuery(raw);
    if (!parsed.ok) throw new InvalidInputException(parsed.error);
    return this.studies.searchStudies(parsed.query);
  }

  @Get(':studyInstanceUid')
  @ApiJsonResponse('Study', studySchema, { description: 'the study with its instances' })
  async get(@Param('studyInstanceUid') studyInstanceUid: string): Promise<StudyView> {
    if (!isValidUid(studyInstanceUid)) throw new InvalidInputException('studyInstanceUid is not a valid UID');
    return this.studies.getStudy(studyInstanceUid);
  }
}
