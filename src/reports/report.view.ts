import type { Report } from './report';
import { fillerOrderNumber, reportKey } from './report-identity';

/** The worklist row: enough to triage without opening the report. */
export function worklistItem(report: Report): Record<string, unknown> {
  return {
    id: report.id,
    studyInstanceUid: report.studyInstanceUid,
    accessionNumber: report.accessionNumber,
    patientId: report.patient.patientId,
    patientName: report.patient.name,
    birthDate: report.patient.birthDate,
    sex: report.patient.sex,
    studyDate: report.studyDate,
    status: report.status,
    urgency: report.urgency,
    // null: no image was analysed by AI; the doctor reads the study without a draft.
    findings: report.findings
      ? {
          fracture: report.findings.fracture,
          probability: report.findings.probability,
          countClass: report.findings.countClass,
          bodyPart: report.findings.bodyPart,
        }
      : null,
    notAnalysedCount: report.notAnalysed.length,
    modelVersion: report.modelVersion,
    imageCount: report.images.length + report.notAnalysed.length,
    assignedTo: report.assignedTo?.username,
    assignedToName: report.assignedTo ? (report.assignedTo.displayName ?? report.assignedTo.username) : undefined,
    signedBy: report.review ? (report.review.by.displayName ?? report.review.by.username) : undefined,
    firstReceivedAt: report.firstReceivedAt,
    finalAt: report.finalAt,
    createdAt: report.createdAt,
    updatedAt: report.updatedAt,
  };
}

/** The full report with links to each image and its heat map. */
export function reportDetail(report: Report): Record<string, unknown> {
  return {
    ...worklistItem(report),
    patient: report.patient,
    images: report.images.map((image) => ({
      sopInstanceUid: image.sopInstanceUid,
      instanceId: image.instanceId,
      findings: image.findings,
      imageUrl: `/api/instances/${image.instanceId}/file`,
      heatmapUrl: image.heatmapId ? `/api/reports/${report.id}/heatmaps/${image.heatmapId}` : undefined,
    })),
    notAnalysed: report.notAnalysed.map((image) => ({
      sopInstanceUid: image.sopInstanceUid,
      instanceId: image.instanceId,
      cause: image.cause,
      reason: image.reason,
      imageUrl: `/api/instances/${image.instanceId}/file`,
    })),
    firstReceivedAt: report.firstReceivedAt,
    lastReceivedAt: report.lastReceivedAt,
    analysedAt: report.analysedAt,
    preliminaryAt: report.preliminaryAt,
    finalAt: report.finalAt,
    review: report.review,
    reviews: report.reviews,
    statusHistory: report.statusHistory,
    deliveries: report.deliveries,
    revision: report.revision,
    contentVersion: report.contentVersion,
    identity: { key: reportKey(report), fillerOrderNumber: report.fillerOrderNumber ?? fillerOrderNumber(report) },
  };
}
