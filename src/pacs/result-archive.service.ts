import { Injectable } from '@nestjs/common';
import { data as dcmjsData } from 'dcmjs';
import { ownArrayBuffer } from '../common/array-buffers';
import { moduleLogger } from '../common/logger';
import { IngestService } from '../dicom/ingest.service';
import { ImageMemoryBudget, pixelsOf } from '../imaging/image-memory-budget';
import { InstanceRepository } from '../dicom/instance.repository';
import type { DeliveryState, Report } from '../reports/report';
import { derivedUid } from '../reports/report-identity';
import { BlobStoreRepository } from '../storage/blob-store.repository';
import { part10Parts } from './part10-writer';
import { planDelivery, type PacsReferences, type SentObject } from './pacs-delivery.plan';
import { ResultObjectsFactory } from './result-objects.factory';
import { ResultSetRepository, type ResultSet, type ResultVersion } from './result-set.repository';
import type { StoreObject } from './store-scu.client';

/**
 * Osteon's results (the annotated SC series, the TID 1500 SR, the rejection note on withdrawal)
 * are made once per content version of a report and kept in Osteon's own store like any received
 * instance, so DICOMweb serves them and the PACS is sent exactly these objects. Only the current
 * version is served: objects a newer version replaces, or a withdrawal voids, are retired.
 */
@Injectable()
export class ResultArchiveService {
  private readonly logger = moduleLogger('results');
  /** One build per report at a time in this process (the archive job and the PACS job may meet). */
  private readonly inFlight = new Map<string, Promise<ResultVersion>>();

  constructor(
    private readonly sets: ResultSetRepository,
    private readonly factory: ResultObjectsFactory,
    private readonly ingest: IngestService,
    private readonly instances: InstanceRepository,
    private readonly blobs: BlobStoreRepository,
    private readonly budget: ImageMemoryBudget,
  ) {}

  /** The report's current content version, archived (built and stored now if it was not). */
  archive(report: Report): Promise<ResultVersion> {
    const previous = this.inFlight.get(report.id) ?? Promise.resolve(undefined);
    const next = previous.catch(() => undefined).then(() => this.archiveNow(report));
    this.inFlight.set(report.id, next);
    return next.finally(() => {
      if (this.inFlight.get(report.id) === next) this.inFlight.delete(report.id);
    });
  }

  /** The stored objects of an archived version, ready to send (naturalised, as dcmjs-dimse takes them). */
  async objectsOf(version: ResultVersion): Promise<StoreObject[]> {
    const objects: StoreObject[] = [];
    for (const object of version.objects) {
      const [record] = (await this.instances.findVersions(object.sopInstanceUid))
        .filter((candidate) => candidate.source === 'engine')
        .slice(-1);
      if (!record) throw new Error(`result ${object.sopInstanceUid} is not in the store`);
      const source = await this.blobs.open(record.blobKey);
      try {
        const bytes = await source.read(0, source.size);
        const parsed = dcmjsData.DicomMessage.readFile(ownArrayBuffer(bytes));
        objects.push({
          sopClassUid: object.sopClassUid,
          sopInstanceUid: object.sopInstanceUid,
          elements: dcmjsData.DicomMetaDictionary.naturalizeDataset(parsed.dict),
        });
      } finally {
        await source.close();
      }
    }
    return objects;
  }

  private async archiveNow(report: Report): Promise<ResultVersion> {
    const set = (await this.sets.find(report.id)) ?? seedFrom(report);
    const known = set.versions.find((version) => version.contentVersion === report.contentVersion);
    if (known?.archivedAt) return known;
    const version =
      known ??
      (await this.sets.claim(
        {
          reportId: set.reportId,
          captureSeriesInstanceUid: set.captureSeriesInstanceUid,
          reportSeriesInstanceUid: set.reportSeriesInstanceUid,
          captures: set.captures,
          latestReport: set.latestReport,
        },
        {
          contentVersion: report.contentVersion,
          reportStatus: report.status,
          plan: planDelivery(report, referencesOf(set), (...role) => derivedUid(report, ...role)),
          createdAt: new Date(),
          objects: [],
        },
      ));
    // The captures are held from their making until they are stored: the whole study counts against the budget.
    const built = await this.budget.run(await this.pixelsToRender(report, version), async () => {
      const objects = await this.factory.build(report, version.plan, version.createdAt);
      for (const object of objects.objects) await this.ingest.storeResult(part10Parts(object.elements), `results:${report.id}`);
      return objects;
    });
    const archived: ResultVersion = { ...version, objects: built.sent, archivedAt: new Date() };
    const retired = await this.instances.retire(replacedBy(set, archived), archived.archivedAt as Date);
    await this.sets.archived(report.id, archived, nextState(set, archived));
    this.logger.info(
      { reportId: report.id, contentVersion: report.contentVersion, objects: built.sent.length, retired, plan: version.plan.kind },
      'results archived',
    );
    return archived;
  }

  /** The pixels of the originals a version's captures are rendered from (none for a withdrawal). */
  private async pixelsToRender(report: Report, version: ResultVersion): Promise<number> {
    if (version.plan.kind !== 'results' || report.images.length === 0) return 0;
    const records = new Map((await this.instances.findByStudy(report.studyInstanceUid)).map((record) => [record.id, record]));
    return report.images.reduce(
      (sum, image) => sum + pixelsOf(records.get(image.instanceId) ?? { rows: undefined, columns: undefined }),
      0,
    );
  }
}

/** A report delivered to the PACS before results were archived starts from what the PACS was sent (same series, same SC UIDs). */
function seedFrom(report: Report): ResultSet {
  const pacs = ((report.deliveries.pacs as DeliveryState | undefined)?.references ?? {}) as PacsReferences;
  return {
    reportId: report.id,
    captureSeriesInstanceUid: pacs.captureSeriesInstanceUid,
    reportSeriesInstanceUid: pacs.reportSeriesInstanceUid,
    captures: pacs.captures ?? [],
    latestReport: pacs.latestReport,
    versions: [],
  };
}

/** The planner's view of what was made before. */
function referencesOf(set: ResultSet): PacsReferences {
  return {
    captureSeriesInstanceUid: set.captureSeriesInstanceUid,
    reportSeriesInstanceUid: set.reportSeriesInstanceUid,
    captures: set.captures,
    latestReport: set.latestReport,
    versions: set.versions
      .filter((version) => version.archivedAt)
      .map((version) => ({
        contentVersion: version.contentVersion,
        reportStatus: version.reportStatus,
        sentAt: (version.archivedAt as Date).toISOString(),
        objects: version.objects,
        warnings: [],
      })),
  };
}

/** What the next version builds on: the series, the captures still current, the SR it succeeds. */
function nextState(set: ResultSet, archived: ResultVersion): Omit<ResultSet, 'reportId' | 'versions'> {
  const { plan } = archived;
  if (plan.kind === 'withdrawal') {
    return {
      captureSeriesInstanceUid: set.captureSeriesInstanceUid,
      reportSeriesInstanceUid: set.reportSeriesInstanceUid,
      captures: set.captures,
      latestReport: set.latestReport,
    };
  }
  const sr = archived.objects.find((object) => object.role === 'structured-report');
  return {
    captureSeriesInstanceUid: plan.captureSeriesInstanceUid,
    reportSeriesInstanceUid: plan.reportSeriesInstanceUid,
    captures: [
      ...set.captures.filter((old) => !plan.captures.some((capture) => capture.sourceSopInstanceUid === old.sourceSopInstanceUid)),
      ...plan.captures,
    ],
    latestReport: sr
      ? { sopClassUid: sr.sopClassUid, sopInstanceUid: sr.sopInstanceUid, seriesInstanceUid: sr.seriesInstanceUid }
      : set.latestReport,
  };
}

/** Objects of earlier versions this one does not carry on: a replaced SR, re-made captures; on withdrawal, everything. */
function replacedBy(set: ResultSet, archived: ResultVersion): string[] {
  const current = new Set(archived.objects.map((object) => object.sopInstanceUid));
  const earlier: SentObject[] = set.versions
    .filter((version) => version.contentVersion !== archived.contentVersion)
    .flatMap((version) => version.objects);
  if (archived.plan.kind === 'withdrawal') return [...new Set([...earlier, ...archived.objects].map((object) => object.sopInstanceUid))];
  return [...new Set(earlier.map((object) => object.sopInstanceUid).filter((uid) => !current.has(uid)))];
}
