import type { Hl7Message } from '@medplum/core';
import { Injectable } from '@nestjs/common';
import { moduleLogger } from '../common/logger';
import { OrderRepository } from '../orders/order.repository';
import type { DoctorVerdict } from '../reports/findings';
import type { PersonRef, Report } from '../reports/report';
import { ReportErrorCode, ReportException } from '../reports/report.exception';
import { ReportService } from '../reports/report.service';
import { headerOf } from './hl7-fields';
import { Hl7ErrorCode, Hl7Exception } from './hl7.exception';
import { parseResultMessage, type ExternalResult } from './result-message.parser';

/** The doctor named in OBR-32, else the RIS itself (the verdict is still a doctor's, signed there). */
function interpreterOf(result: ExternalResult, sendingApplication: string): PersonRef {
  if (result.interpreter) {
    const handle = result.interpreter.id || result.interpreter.family;
    return { id: `hl7:${handle}`, username: handle, role: 'doctor' };
  }
  const ris = sendingApplication || 'ris';
  return { id: `hl7:${ris}`, username: `${ris} (RIS)`, role: 'doctor' };
}

/** Final and corrected results from the RIS: the doctor's verdict goes onto Osteon's report. */
@Injectable()
export class ResultIntakeService {
  private readonly logger = moduleLogger('hl7');

  constructor(
    private readonly reports: ReportService,
    private readonly orders: OrderRepository,
  ) {}

  async receive(message: Hl7Message): Promise<Report> {
    const result = parseResultMessage(message);
    const report = await this.findReport(result);
    const ai = report.findings;
    const verdict: DoctorVerdict = {
      fracture: result.fracture,
      // A RIS that only codes the finding: keep the AI's count when it agrees on a fracture.
      countClass: result.countClass ?? (result.fracture ? (ai.countClass === '0' ? '1' : ai.countClass) : '0'),
      bodyPart: result.bodyPart ?? ai.bodyPart,
      conclusion: result.conclusion,
    };
    try {
      const updated = await this.reports.applyExternalVerdict(
        report.id,
        interpreterOf(result, headerOf(message).sendingApplication),
        verdict,
        'hl7',
      );
      this.logger.info({ reportId: updated.id, status: updated.status, resultStatus: result.resultStatus }, 'verdict from the RIS applied');
      return updated;
    } catch (error) {
      if (error instanceof ReportException && error.code === ReportErrorCode.InvalidTransition)
        throw new Hl7Exception(Hl7ErrorCode.ReportNotUpdatable, error.message);
      throw error;
    }
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
