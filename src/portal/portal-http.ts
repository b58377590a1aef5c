import { StreamableFile } from '@nestjs/common';
import type { PatientPdf } from './patient-pdf.service';

export function pdfFile(document: PatientPdf): StreamableFile {
  return new StreamableFile(document.pdf, {
    type: 'application/pdf',
    disposition: `inline; filename="${document.filename}"`,
    length: document.pdf.length,
  });
}
