import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { data as dcmjsData } from 'dcmjs';

const run = promisify(execFile);
// Both ends need TCP_NODELAY or dcmtk's small PDUs wait on Nagle (peers.md).
const env = { ...process.env, TCP_NODELAY: '1' };

export interface CommandResult {
  readonly code: number;
  readonly output: string;
}

export async function dcmtk(tool: string, args: readonly string[]): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await run(tool, [...args], { env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, output: (failed.stdout ?? '') + (failed.stderr ?? '') };
  }
}

/** echoscu can exit 0 although the echo failed: an `E:` line also means failure. */
export async function echo(port: number, callingAeTitle = 'MODALITY'): Promise<{ ok: boolean; output: string }> {
  const result = await dcmtk('echoscu', ['-aet', callingAeTitle, '-aec', 'OSTEON', '127.0.0.1', String(port)]);
  return { ok: result.code === 0 && !/^E:/m.test(result.output), output: result.output };
}

export interface SendReport {
  readonly code: number;
  readonly output: string;
  /** DIMSE status per SOP Instance UID, as the peer answered it. */
  readonly statuses: ReadonlyMap<string, number>;
}

/** dcmsend offers each file's own transfer syntax; -dn keeps compressed files compressed. */
export async function dcmsend(files: readonly string[], port: number, callingAeTitle = 'MODALITY'): Promise<SendReport> {
  const reportFile = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'dcmsend-')), 'report.txt');
  const result = await dcmtk('dcmsend', [
    '-dn',
    '-aet',
    callingAeTitle,
    '-aec',
    'OSTEON',
    '+crf',
    reportFile,
    '127.0.0.1',
    String(port),
    ...files,
  ]);
  const report = await fs.readFile(reportFile, 'utf8').catch(() => '');
  const statuses = new Map<string, number>();
  for (const block of report.split(/\n\s*\n/)) {
    const uid = /SOP Instance\s*:\s*(\S+)/.exec(block)?.[1];
    const status = /DIMSE Status\s*:\s*0x([0-9a-fA-F]{4})/.exec(block)?.[1];
    if (uid && status) statuses.set(uid, Number.parseInt(status, 16));
  }
  return { code: result.code, output: result.output + report, statuses };
}

/** storescu sends every file through one association; -v reports each response in order. */
export async function storescu(
  files: readonly string[],
  port: number,
  callingAeTitle = 'MODALITY',
  extraArgs: readonly string[] = [],
): Promise<CommandResult> {
  return dcmtk('storescu', ['-v', ...extraArgs, '-aet', callingAeTitle, '-aec', 'OSTEON', '127.0.0.1', String(port), ...files]);
}

export interface FindResult {
  readonly code: number;
  readonly output: string;
  /** Each pending response's identifier, naturalised by dcmjs. */
  readonly answers: Array<Record<string, unknown>>;
  /** The final response's DIMSE status (undefined: no response at all). */
  readonly status: number | undefined;
}

/** findscu with the given keys (`Name=value` or `Name` for a return key); -S study root, -P patient root. */
export async function findscu(
  port: number,
  root: 'study' | 'patient',
  keys: readonly string[],
  callingAeTitle = 'MODALITY',
): Promise<FindResult> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'findscu-'));
  try {
    const args = ['-d', root === 'study' ? '-S' : '-P', '-X', '-od', directory, '-aet', callingAeTitle, '-aec', 'OSTEON'];
    const result = await dcmtk('findscu', [...args, ...keys.flatMap((key) => ['-k', key]), '127.0.0.1', String(port)]);
    const files = (await fs.readdir(directory)).filter((name) => /^rsp\d+\.dcm$/.test(name)).sort();
    const answers: Array<Record<string, unknown>> = [];
    for (const name of files) {
      const bytes = await fs.readFile(path.join(directory, name));
      const message = dcmjsData.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      answers.push(dcmjsData.DicomMetaDictionary.naturalizeDataset(message.dict) as Record<string, unknown>);
    }
    // -d dumps every response; the last DIMSE status is the final one.
    const statuses = [...result.output.matchAll(/DIMSE Status\s*:\s*0x([0-9a-fA-F]{4})/g)].map((match) =>
      Number.parseInt(match[1] as string, 16),
    );
    return { ...result, answers, status: statuses.at(-1) };
  } finally {
    await fs.rm(directory, { recursive: true, force: true });
  }
}
