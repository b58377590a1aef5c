// dcmjs ships no types; only the parts Osteon uses are declared.
declare module 'dcmjs' {
  export namespace data {
    class DicomDict {
      constructor(meta: Record<string, unknown>);
      dict: Record<string, unknown>;
      meta: Record<string, unknown>;
      write(options?: Record<string, unknown>): ArrayBuffer;
    }
    interface DictionaryEntry {
      readonly tag: string;
      readonly vr: string;
      readonly vm: string;
      readonly name: string;
    }
    const DicomMetaDictionary: {
      denaturalizeDataset(dataset: Record<string, unknown>): Record<string, unknown>;
      naturalizeDataset(dataset: Record<string, unknown>): Record<string, unknown>;
      /** Keyed by punctuated tag, `(0010,0010)`. */
      readonly dictionary: Readonly<Record<string, DictionaryEntry | undefined>>;
      /** Keyed by keyword, `PatientName`. */
      readonly nameMap: Readonly<Record<string, DictionaryEntry | undefined>>;
      punctuateTag(tag: string): string;
      unpunctuateTag(tag: string): string;
    };
    const DicomMessage: {
      readFile(buffer: ArrayBuffer, options?: Record<string, unknown>): DicomDict;
    };
  }
}
