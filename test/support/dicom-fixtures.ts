import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { imageToDicom, type PatientIdentity, type StudyContext } from '../../src/dicom/image-to-dicom';
import { readFileMeta } from '../../src/imaging/part10';
import { dcmtk } from './dcmtk';

export const FIXTURE_IMAGES = path.join(__dirname, '..', 'fixtures', 'fracatlas', 'images');

export async function fixtureImageNames(): Promise<string[]> {
  return (await fs.readdir(FIXTURE_IMAGES)).filter((name) => /\.(jpe?g|png)$/i.test(name)).sort();
}

/** A DX instance (Explicit VR LE) made from a committed FracAtlas fixture image. */
export async function makeInstance(
  imageName: string,
  target: string,
  patient: PatientIdentity,
  study: StudyContext = {},
): Promise<{ file: string; sopInstanceUid: string; studyInstanceUid: string }> {
  const { data, info } = await sharp(path.join(FIXTURE_IMAGES, imageName)).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  const made = imageToDicom(
    {
      width: info.width,
      height: info.height,
      pixels: new Uint8Array(data.buffer, data.byteOffset, info.width * info.height),
      lossySource: true,
    },
    patient,
    study,
  );
  await fs.mkdir(path.dirname(target), { recursive: true });
  await fs.writeFile(target, made.part10);
  return { file: target, sopInstanceUid: made.sopInstanceUid, studyInstanceUid: made.studyInstanceUid };
}

export type SyntaxName = 'implicit' | 'explicit' | 'jpeg-baseline' | 'jpeg-lossless' | 'jpeg-ls' | 'jpeg2000' | 'rle';

export const SYNTAX_UIDS: Record<SyntaxName, string> = {
  implicit: '1.2.840.10008.1.2',
  explicit: '1.2.840.10008.1.2.1',
  'jpeg-baseline': '1.2.840.10008.1.2.4.50',
  'jpeg-lossless': '1.2.840.10008.1.2.4.70',
  'jpeg-ls': '1.2.840.10008.1.2.4.80',
  jpeg2000: '1.2.840.10008.1.2.4.90',
  rle: '1.2.840.10008.1.2.5',
};

async function must(tool: string, args: string[]): Promise<void> {
  const result = await dcmtk(tool, args);
  if (result.code !== 0) throw new Error(`${tool} ${args.join(' ')} failed: ${result.output}`);
}

/** Converts with the dcmtk (or GDCM, for JPEG 2000) tool a modality vendor would use. */
export async function convertSyntax(source: string, target: string, syntax: SyntaxName): Promise<void> {
  switch (syntax) {
    case 'explicit':
      return must('dcmconv', ['+te', source, target]);
    case 'implicit':
      return must('dcmconv', ['+ti', source, target]);
    case 'jpeg-baseline':
      return must('dcmcjpeg', ['+eb', source, target]);
    case 'jpeg-lossless':
      return must('dcmcjpeg', ['+e1', source, target]);
    case 'jpeg-ls':
      return must('dcmcjpls', [source, target]);
    case 'jpeg2000':
      return must('gdcmconv', ['--j2k', source, target]);
    case 'rle':
      return must('dcmcrle', [source, target]);
  }
}

/** Gives a file new Study/Series/SOP Instance UIDs in place, as a separate study. */
export async function newUids(file: string, which: 'study' | 'instance' = 'study'): Promise<void> {
  const flags = which === 'study' ? ['-gst', '-gse', '-gin'] : ['-gin'];
  await must('dcmodify', ['-nb', ...flags, file]);
}

export async function readUid(file: string, tag: '0008,0018' | '0020,000d' | '0002,0010'): Promise<string> {
  const result = await dcmtk('dcmdump', ['-Un', '+P', tag, file]);
  const uid = /\[([0-9.]+)\]/.exec(result.output)?.[1];
  if (!uid) throw new Error(`no ${tag} in ${file}`);
  return uid;
}

/** SHA-256 of the data set bytes of a Part 10 file (what travels on the wire). */
export async function datasetSha256(file: string): Promise<string> {
  const bytes = await fs.readFile(file);
  const meta = await readFileMeta({ size: bytes.length, read: async (position, length) => bytes.subarray(position, position + length) });
  return createHash('sha256').update(bytes.subarray(meta.datasetOffset)).digest('hex');
}
