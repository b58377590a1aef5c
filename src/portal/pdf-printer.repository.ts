import { createRequire } from 'node:module';
import { Injectable } from '@nestjs/common';
import type { TDocumentDefinitions, TFontDictionary } from 'pdfmake/interfaces';

/** pdfmake 0.2's server-side printer (its typings describe the 0.3 browser API instead). */
interface PdfKitDocument {
  on(event: 'data', listener: (chunk: Buffer) => void): void;
  on(event: 'end', listener: () => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  end(): void;
}
interface PdfPrinter {
  createPdfKitDocument(definition: TDocumentDefinitions): PdfKitDocument;
}
type PdfPrinterConstructor = new (fonts: TFontDictionary) => PdfPrinter;

const load = createRequire(__filename);

/**
 * Roboto as shipped inside pdfmake (build/vfs_fonts.js, base64): it covers Latin Extended
 * (Ł, ő, ë), so names beyond Latin-1 print, and nothing is fetched from the network.
 */
function bundledFonts(): TFontDictionary {
  const vfs = load('pdfmake/build/vfs_fonts.js') as Record<string, string>;
  const font = (name: string): Buffer => {
    const base64 = vfs[name];
    if (!base64) throw new Error(`pdfmake's bundled fonts lack ${name}`);
    return Buffer.from(base64, 'base64');
  };
  return {
    Roboto: {
      normal: font('Roboto-Regular.ttf'),
      bold: font('Roboto-Medium.ttf'),
      italics: font('Roboto-Italic.ttf'),
      bolditalics: font('Roboto-MediumItalic.ttf'),
    },
  };
}

/** Renders pdfmake documents to PDF bytes; fonts are decoded once per process. */
@Injectable()
export class PdfPrinterRepository {
  private printer: PdfPrinter | undefined;

  async render(definition: TDocumentDefinitions): Promise<Buffer> {
    this.printer ??= new (load('pdfmake') as PdfPrinterConstructor)(bundledFonts());
    const document = this.printer.createPdfKitDocument(definition);
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      document.on('data', (chunk) => chunks.push(chunk));
      document.on('end', () => resolve(Buffer.concat(chunks)));
      document.on('error', reject);
      document.end();
    });
  }
}
