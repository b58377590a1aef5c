/**
 * Makes DX DICOM instances from ordinary images, for demos, fixtures and the README's first run.
 *   npm run make-dicom -- <image.jpg|png...> --patient-id P1 [--patient-name "DOE^JANE"]
 *     [--birth-date 19800101] [--sex F] [--accession A1] [--body-part HAND] [--out dir]
 * All images of one call become one study (one series), numbered in the order given.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { imageToDicom, type PatientIdentity } from '../src/dicom/image-to-dicom';
import { generateUid } from '../src/imaging/uid';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'patient-id': { type: 'string' },
      patient: { type: 'string' },
      'patient-name': { type: 'string' },
      'birth-date': { type: 'string' },
      sex: { type: 'string' },
      accession: { type: 'string' },
      'body-part': { type: 'string' },
      'study-uid': { type: 'string' },
      out: { type: 'string', default: '.' },
    },
  });
  const patientId = values['patient-id'] ?? values.patient;
  if (positionals.length === 0 || !patientId) {
    process.stderr.write(
      'usage: make-dicom <image...> --patient-id ID [--patient-name N] [--birth-date YYYYMMDD] [--sex M|F|O] [--accession A] [--body-part P] [--out DIR]\n',
    );
    process.exit(2);
  }
  const sex = values.sex?.toUpperCase();
  if (sex !== undefined && sex !== 'M' && sex !== 'F' && sex !== 'O') throw new Error('--sex must be M, F or O');
  const patient: PatientIdentity = { patientId, patientName: values['patient-name'], birthDate: values['birth-date'], sex };
  const studyInstanceUid = values['study-uid'] ?? generateUid();
  const seriesInstanceUid = generateUid();
  await fs.mkdir(values.out, { recursive: true });
  for (const [index, file] of positionals.entries()) {
    const { data, info } = await sharp(file).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    const lossySource = /\.jpe?g$/i.test(file);
    const { part10, sopInstanceUid } = imageToDicom(
      {
        width: info.width,
        height: info.height,
        pixels: new Uint8Array(data.buffer, data.byteOffset, info.width * info.height),
        lossySource,
      },
      patient,
      {
        studyInstanceUid,
        seriesInstanceUid,
        accessionNumber: values.accession,
        bodyPartExamined: values['body-part']?.toUpperCase(),
        instanceNumber: index + 1,
      },
    );
    const target = path.join(values.out, `${path.basename(file, path.extname(file))}.dcm`);
    await fs.writeFile(target, part10);
    process.stdout.write(`${target} ${sopInstanceUid}\n`);
  }
  process.stdout.write(`study ${studyInstanceUid}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`make-dicom: ${error.message}\n`);
  process.exit(1);
});
