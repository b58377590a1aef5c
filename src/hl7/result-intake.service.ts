import type { Hl7Message } from '@medplum/core';
import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { UsersService } from '../auth/users.service';
import { moduleLogger } from '../common/logger';
import { OrderRepository } from '../orders/order.repository';
import type { DoctorVerdict } from '../reports/findings';
import type { PersonRef, Report } from '../reports/report';
import { ReportErrorCode, ReportException } from '../reports/report.exception';
import { ReportService } from '../reports/report.service';
import { headerOf } from './hl7-fields';
import { Hl7ErrorCode, Hl7Exception } from './hl7.exception';
import { parseResultMessage, type ExternalResult } from './result-message.parser';

/** Without an AI draft there is no body part to fall back on: the RIS must code it. */
function missingBodyPart(): never {
  throw new Hl7Exception(
    Hl7ErrorCode.RequiredFieldMissing,
    'the study was not analysed by AI: the result must code the body part (OBX BODYPART)',
  );
}

/** Final and corrected results from the RIS: the doctor's verdict goes onto Osteon's report. */
@Injectable()
export class ResultIntakeService {
  private readonly logger = moduleLogger('hl7');

  constructor(
    private readonly reports: ReportService,
    private readonly orders: OrderRepository,
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  async receive(message: Hl7Message): Promise<Report> {
    const result = parseResultMessage(message);
    const doctor = await this.interpreterOf(result);
    const report = await this.findReport(result);
    const ai = report.findings;
    const verdict: DoctorVerdict = {
      fracture: result.fracture,
      // A RIS that only codes the finding: keep the AI's count when it agrees on a fracture.
      countClass: result.countClass ?? (result.fracture ? (!ai || ai.countClass === '0' ? '1' : ai.countClass) : '0'),
      bodyPart: result.bodyPart ?? ai?.bodyPart ?? missingBodyPart(),
      conclusion: result.conclusion,
    };
    try {
      const updated = await this.reports.applyExternalVerdict(report.id, doctor, verdict, 'hl7');
      await this.audit.record({
        actor: { id: doctor.id, username: doctor.username, role: 'doctor' },
        action: 'report.verdict',
        resourceType: 'report',
        resourceId: updated.id,
        details: { source: 'hl7', controlId: headerOf(message).controlId, status: updated.status },
      });
      this.logger.info({ reportId: updated.id, status: updated.status, resultStatus: result.resultStatus }, 'verdict from the RIS applied');
      return updated;
    } catch (error) {
      if (error instanceof ReportException && error.code === ReportErrorCode.InvalidTransition)
        throw new Hl7Exception(Hl7ErrorCode.ReportNotUpdatable, error.message);
      throw error;
    }
  }

  /**
   * OBR-32 must name an active doctor account (its id, OBR-32.1, as the account's username or one of
   * its external ids): a verdict is signed by a person Osteon knows, never by whoever sent it.
   */
  private async interpreterOf(result: ExternalResult): Promise<PersonRef> {
    const handle = result.interpreter ? result.interpreter.id || result.interpreter.family : '';
    if (handle === '') throw new Hl7Exception(Hl7ErrorCode.UnknownInterpreter, 'OBR-32 names no principal result interpreter');
    const doctor = await this.users.findDoctor([handle]);
    if (!doctor)
      throw new Hl7Exception(Hl7ErrorCode.UnknownInterpreter, `OBR-32 interpreter "${handle}" is not an active doctor account in Osteon`);
    return { id: doctor.id, username: doctor.username, role: 'doctor', displayName: doctor.displayName };
  }

  /** By OBR-3 (the filler order number Osteon sent), else by accession (OBR-18 or OBR-3) through the order, else by ZDS-1. */
  private async findReport(result: ExternalResult): Promise<Report> {
    if (result.fillerOrderNumber) {
      const byFiller = await this.reports.findByFillerOrderNumber(result.fillerOrderNumber);
      if (byFiller) return byFiller;
    }
    for (const accession of [result.accessionNumber, result.fillerOrderNumber].filter((value) => value !== '')) {
      const order = await this.orders.findByAccession(accession);
      const report = order?.studyInstanceUid ? await this.reports.findByStudy(order.studyInstanceUid) : undefined;
      if (report) return report;
    }
    const byStudy = result.studyInstanceUid ? await this.reports.findByStudy(result.studyInstanceUid) : undefined;
    if (byStudy) return byStudy;
    throw new Hl7Exception(
      Hl7ErrorCode.UnknownReport,
      `no Osteon report for filler order number "${result.fillerOrderNumber}" / accession "${result.accessionNumber}"`,
    );
  }
}
