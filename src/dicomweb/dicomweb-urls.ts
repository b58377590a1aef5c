/** Absolute URLs of DICOMweb resources (RetrieveURL, BulkDataURI), under the origin the client called. */
export class DicomwebUrls {
  /** `base` is the service root, e.g. `http://host:3000/dicomweb` (no trailing slash). */
  constructor(readonly base: string) {}

  static fromRequest(protocol: string, host: string | undefined): DicomwebUrls {
    return new DicomwebUrls(`${protocol}://${host ?? 'localhost'}/dicomweb`);
  }

  study(study: string): string {
    return `${this.base}/studies/${study}`;
  }

  series(study: string, series: string): string {
    return `${this.study(study)}/series/${series}`;
  }

  instance(study: string, series: string, instance: string): string {
    return `${this.series(study, series)}/instances/${instance}`;
  }

  frames(study: string, series: string, instance: string, frameCount: number): string {
    const numbers = Array.from({ length: Math.max(1, frameCount) }, (_, index) => index + 1).join(',');
    return `${this.instance(study, series, instance)}/frames/${numbers}`;
  }

  bulkData(study: string, series: string, instance: string, tag: string): string {
    return `${this.instance(study, series, instance)}/bulkdata/${tag}`;
  }
}
