import type { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { data as dcmjsData } from 'dcmjs';
import { ownArrayBuffer } from '../common/array-buffers';
import type { InstanceRecord } from '../dicom/instance-record';
import type { ObjectScope } from '../dicom/instance.repository';
import { BlobStoreRepository } from '../storage/blob-store.repository';
import { datasetFromDcmjs, type JsonDataset } from './dicom-json';
import type { DicomwebUrls } from './dicomweb-urls';
import { DicomwebErrorCode, DicomwebException } from './dicomweb.exception';
import { IMPLICIT_VR_LITTLE_ENDIAN, negotiateInstances, type MediaRange } from './media-types';
import { multipartBody, newBoundary } from './multipart';
import { StoredObjectsService } from './stored-objects.service';

/** An answer body with its Content-Type (and length when known). */
export interface WadoAnswer {
  readonly contentType: string;
  readonly body: AsyncIterable<Buffer> | Readable | Buffer;
  readonly length?: number;
}

const PIXEL_DATA = '7FE00010';

/**
 * WADO-RS retrieve and metadata (PS3.18 10.4): the stored Part 10 files exactly as kept (never
 * transcoded), and DICOM JSON with the pixel data (and any large binary value) as BulkDataURIs.
 */
@Injectable()
export class WadoService {
  constructor(
    private readonly objects: StoredObjectsService,
    private readonly blobs: BlobStoreRepository,
  ) {}

  async retrieve(scope: ObjectScope, accept: readonly MediaRange[]): Promise<{ answer: WadoAnswer; records: InstanceRecord[] }> {
    const records = await this.objects.resolve(scope);
    const form = negotiateInstances(
      accept,
      records.map((record) => record.transferSyntaxUid),
      scope.sopInstanceUid !== undefined,
    );
    if (!form) {
      throw new DicomwebException(
        DicomwebErrorCode.NotAcceptable,
        'instances are served as multipart/related; type="application/dicom" in their stored transfer syntax (no transcoding)',
      );
    }
    const [first] = records as [InstanceRecord];
    if (form === 'single') {
      return { answer: { contentType: 'application/dicom', body: this.blobs.readStream(first.blobKey), length: first.size }, records };
    }
    const boundary = newBoundary();
    const parts = records.map((record) => ({
      contentType: `application/dicom; transfer-syntax=${record.transferSyntaxUid}`,
      body: { [Symbol.asyncIterator]: () => this.blobs.readStream(record.blobKey)[Symbol.asyncIterator]() },
    }));
    return {
      answer: { contentType: `multipart/related; type="application/dicom"; boundary=${boundary}`, body: multipartBody(boundary, parts) },
      records,
    };
  }

  async metadata(scope: ObjectScope, urls: DicomwebUrls): Promise<{ datasets: JsonDataset[]; records: InstanceRecord[] }> {
    const records = await this.objects.resolve(scope);
    const datasets: JsonDataset[] = [];
    for (const record of records) datasets.push(await this.metadataOf(record, urls));
    return { datasets, records };
  }

  /** A top-level binary value of an instance (PS3.18 10.4.1.1.2), as one `application/octet-stream` part. */
  async bulkData(scope: Required<ObjectScope>, tag: string): Promise<WadoAnswer> {
    const record = await this.objects.resolveOne(scope);
    const dict = await this.readDataset(record, false);
    const element = dict[tag.toUpperCase()] as { Value?: unknown[] } | undefined;
    const value = element?.Value?.[0];
    if (tag.toUpperCase() === PIXEL_DATA || !(value instanceof ArrayBuffer)) {
      throw new DicomwebException(DicomwebErrorCode.BulkDataNotFound, `instance ${scope.sopInstanceUid} has no bulk data ${tag}`);
    }
    const boundary = newBoundary();
    return {
      contentType: `multipart/related; type="application/octet-stream"; boundary=${boundary}`,
      body: multipartBody(boundary, [{ contentType: 'application/octet-stream', body: Buffer.from(value) }]),
    };
  }

  private async metadataOf(record: InstanceRecord, urls: DicomwebUrls): Promise<JsonDataset> {
    const { studyInstanceUid: study, seriesInstanceUid: series, sopInstanceUid: instance } = record;
    const dict = await this.readDataset(record, true);
    const json = datasetFromDcmjs(dict, (tag) => urls.bulkData(study, series, instance, tag));
    if (record.pixelDataOffset !== undefined) {
      const frames = Number((json['00280008']?.Value ?? [1])[0]) || 1;
      const bitsAllocated = Number((json['00280100']?.Value ?? [8])[0]);
      json[PIXEL_DATA] = { vr: bitsAllocated > 8 ? 'OW' : 'OB', BulkDataURI: urls.frames(study, series, instance, frames) };
    }
    return json;
  }

  /** The data set as dcmjs reads it; for metadata only the bytes before the pixel data are read. */
  private async readDataset(record: InstanceRecord, headerOnly: boolean): Promise<Record<string, unknown>> {
    const source = await this.blobs.open(record.blobKey);
    try {
      const pixelElementStart =
        headerOnly && record.pixelDataOffset !== undefined
          ? record.pixelDataOffset - (record.transferSyntaxUid === IMPLICIT_VR_LITTLE_ENDIAN ? 8 : 12)
          : source.size;
      const bytes = await source.read(0, pixelElementStart);
      const parsed = dcmjsData.DicomMessage.readFile(ownArrayBuffer(bytes), {
        ignoreErrors: true,
        ...(headerOnly ? { untilTag: PIXEL_DATA, includeUntilTagValue: false } : {}),
      });
      const dict = { ...parsed.dict };
      delete dict[PIXEL_DATA];
      return dict;
    } finally {
      await source.close();
    }
  }
}
