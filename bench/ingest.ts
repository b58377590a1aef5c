/**
 * Ingest benchmark: sends the same DICOM files to Osteon, to Orthanc and to dcmtk's storescp,
 * one storescu association per peer and per set, and prints instances/s, MB/s, the ratios
 * Osteon/Orthanc and Osteon/storescp and each server's peak RSS.
 *
 *   npm run bench:ingest                              # 500 × ~0.2 MB, 100 × ~1.6 MB, 50 × ~10 MB
 *   npm run bench:ingest -- --small 50 --mid 0 --large 5 --warm-up 200  # a quick run
 *   npm run bench:ingest -- --warm-up 0                     # peers measured straight after start
 *   npm run bench:ingest -- --study-per-file --associations 4 # four rooms, fresh studies
 *   npm run bench:ingest -- --peers osteon --cpu-prof # profile the engine (profiles kept)
 *
 * Options: --warm-up N (default 2000: small instances, a study each, sent to every peer before
 * anything is measured, so a long-running receiver is measured rather than a cold start; 0 measures
 * a freshly started one), --small N, --mid N (~1.6 MB each), --large N,
 * --peers storescp,orthanc,osteon,osteon-analysis,osteon-wire (default: all but osteon-wire; osteon
 * runs ingest only, osteon-analysis with the model reading studies as they complete),
 * --cpu-prof (the engine is CPU-profiled while it receives; the .cpuprofile files are kept under
 * bench/.tmp/ and summarised), --analysis (osteon, too, keeps the production study idle timer),
 * --study-per-file (every instance its own study, as a department's stream is: with analysis on
 * the model reads studies while the next ones arrive), --rounds N (the whole run N times, every other
 * round with the peers in reverse order, each with fresh peers; prints each round's ratios and their
 * median: this host's disk speed swings 2x within minutes, so one round's ratio can be the disk's),
 * --associations N (the set is split over
 * N storescu associations sending at the same time),
 * --engine-env KEY=VALUE (repeatable; extra engine environment, e.g. OSTEON_MAX_PDU_LENGTH=16384),
 * --read-after (Osteon with analysis: after each set wait until the model has read it and its results
 * are archived, and report the peak RSS until then; with a warm-up, its backlog is read first), --keep (keep the temporary folder), --json FILE (write the results as JSON).
 *
 * Needs `npm run build` first (the engine runs from dist/, as in production) and the Debian
 * packages dcmtk and orthanc. Every peer and the sender run with TCP_NODELAY=1.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { imageToDicom } from '../src/dicom/image-to-dicom';
import { dcmtk } from '../test/support/dcmtk';
import { FIXTURE_IMAGES, fixtureImageNames, makeInstance } from '../test/support/dicom-fixtures';
import { startEngine } from '../test/support/engine';
import { startTestDatabase } from '../test/support/mongo-peer';
import { freePort } from '../test/support/ports';
import { startProcess, waitFor } from '../test/support/processes';
import { countFiles, tempWorkspace } from '../test/support/workspace';

const SENDER_AE = 'BENCH';
const LARGE_SIDE = 3200; // 3200 × 3200 × 8 bit ≈ 10.2 MB of pixel data
const MID_SIDE = 1264; // 1264 × 1264 × 8 bit ≈ 1.6 MB, a typical uncompressed DX
const PEER_KEYS = ['storescp', 'orthanc', 'osteon', 'osteon-analysis', 'osteon-wire'] as const;
type PeerKey = (typeof PEER_KEYS)[number];
/** The database in its own process (osteon-wire) is a development comparison: only when asked for. */
const DEFAULT_PEERS: readonly PeerKey[] = ['storescp', 'orthanc', 'osteon', 'osteon-analysis'];

interface InstanceSet {
  readonly name: 'warm-up' | 'small' | 'mid' | 'large';
  readonly files: readonly string[];
  readonly bytes: number;
  /** Every study in the set (one, or one per file with --study-per-file). */
  readonly studyInstanceUids: readonly string[];
}

interface PeerHandle {
  readonly label: string;
  readonly calledAeTitle: string;
  readonly port: number;
  readonly pid: number;
  readonly notes: readonly string[];
  /** Called once just before the first set is sent. */
  beforeSending?(): void;
  /** Instances stored so far for these sets, as the peer itself reports them. */
  stored(sets: readonly InstanceSet[]): Promise<number>;
  /** Whether `stored` counts every instance the peer holds (the warm-up too), not only those of the sets. */
  readonly storedCountsAll: boolean;
  /** Studies the model has read so far (Osteon only): tells whether reading overlapped a set. */
  studiesRead?(): Promise<number>;
  /** Jobs that read images (analysis, archiving results) waiting or running (Osteon only): 0 once all is read. */
  readingQueued?(): Promise<number>;
  /** Seconds summed and instances counted so far per part of an instance's durability (Osteon only, osteon_ingest_durable_seconds). */
  durableParts?(): Promise<Map<string, { sum: number; count: number }>>;
  /** Extra processes whose memory belongs to the peer (e.g. a database), by label. */
  readonly companions?: ReadonlyArray<{ label: string; pid: number }>;
  stop(): Promise<void>;
}

interface OsteonOptions {
  readonly cpuProfileDir: string | undefined;
  readonly analysis: boolean;
  /** Extra engine environment (--engine-env KEY=VALUE), e.g. OSTEON_MAX_PDU_LENGTH=16384. */
  readonly env: Readonly<Record<string, string>>;
  /** --read-after: after each set, wait until the model has read it (and everything before) and measure the peak until then. */
  readonly readAfter: boolean;
}

interface Measurement {
  readonly peer: PeerKey;
  /** --rounds: which round (1-based) measured it. */
  readonly round: number;
  readonly label: string;
  readonly set: InstanceSet['name'];
  readonly instances: number;
  readonly megabytes: number;
  readonly seconds: number;
  readonly instancesPerSecond: number;
  readonly megabytesPerSecond: number;
  readonly stored: number;
  /** VmHWM of the server process during this set (reset before it where the kernel allows). */
  readonly peakRssMb: number | undefined;
  /** --read-after: VmHWM from the start of the set until the model had read it and archived the results. */
  readonly peakRssReadingMb?: number | undefined;
  readonly senderOk: boolean;
}

const peerEnv = (): NodeJS.ProcessEnv => ({ ...process.env, TCP_NODELAY: '1' });

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

// ---------------------------------------------------------------- instance sets

async function fileSize(file: string): Promise<number> {
  return (await fs.stat(file)).size;
}

/** N copies of one instance, each with its own SOP Instance UID (dcmodify -gin), one study or one each. */
async function copiesOf(base: string, dir: string, count: number, studyPerFile: boolean): Promise<string[]> {
  await fs.mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const file = path.join(dir, `${String(index).padStart(5, '0')}.dcm`);
    await fs.copyFile(base, file);
    files.push(file);
  }
  const batch = 100;
  for (let start = 0; start < files.length; start += batch) {
    const uids = studyPerFile ? ['-gst', '-gse', '-gin'] : ['-gin'];
    const result = await dcmtk('dcmodify', ['-nb', ...uids, ...files.slice(start, start + batch)]);
    if (result.code !== 0) throw new Error(`dcmodify failed: ${result.output}`);
  }
  return files;
}

/** The Study Instance UIDs in the files (dcmdump), distinct. */
async function studiesOf(files: readonly string[]): Promise<string[]> {
  const uids = new Set<string>();
  for (let start = 0; start < files.length; start += 100) {
    const result = await dcmtk('dcmdump', ['-q', '+P', 'StudyInstanceUID', ...files.slice(start, start + 100)]);
    for (const match of result.output.matchAll(/\(0020,000d\) UI \[([0-9.]+)\]/g)) uids.add(match[1] as string);
  }
  return [...uids];
}

async function makeSets(
  root: string,
  counts: { warmUp: number; small: number; mid: number; large: number },
  studyPerFile: boolean,
): Promise<{ warmUp: InstanceSet | undefined; sets: InstanceSet[] }> {
  const { warmUp, small, mid, large } = counts;
  const images = await fixtureImageNames();
  const imageName = images.find((name) => name === 'IMG0000040.jpg') ?? images[0];
  if (!imageName) throw new Error(`no fixture images in ${FIXTURE_IMAGES}`);
  const sets: InstanceSet[] = [];
  // A fixture image as it is (410 × 512, 8 bit): ~210 KB per instance.
  const smallBase = await makeInstance(imageName, path.join(root, 'base', 'small.dcm'), { patientId: 'BENCH-SMALL' });
  // The warm-up stream: small instances, a study each, as a department sends them; never measured.
  const warmUpFiles = warmUp > 0 ? await copiesOf(smallBase.file, path.join(root, 'warm-up'), warmUp, true) : [];
  const warmUpSet: InstanceSet | undefined =
    warmUp > 0
      ? {
          name: 'warm-up',
          files: warmUpFiles,
          bytes: (await Promise.all(warmUpFiles.map(fileSize))).reduce((sum, size) => sum + size, 0),
          studyInstanceUids: await studiesOf(warmUpFiles),
        }
      : undefined;
  if (small > 0) {
    const files = await copiesOf(smallBase.file, path.join(root, 'small'), small, studyPerFile);
    const bytes = (await Promise.all(files.map(fileSize))).reduce((sum, size) => sum + size, 0);
    sets.push({ name: 'small', files, bytes, studyInstanceUids: await studiesOf(files) });
  }
  // The fixture image upscaled, grey 8 bit: a mid-size (~1.6 MB) and a large (~10 MB) radiograph.
  for (const [name, count, side] of [
    ['mid', mid, MID_SIDE],
    ['large', large, LARGE_SIDE],
  ] as const) {
    if (count === 0) continue;
    const base = path.join(root, 'base', `${name}.dcm`);
    await fs.mkdir(path.dirname(base), { recursive: true });
    await fs.writeFile(base, await upscaledInstance(imageName, side, `BENCH-${name.toUpperCase()}`));
    const files = await copiesOf(base, path.join(root, name), count, studyPerFile);
    const bytes = (await Promise.all(files.map(fileSize))).reduce((sum, size) => sum + size, 0);
    sets.push({ name, files, bytes, studyInstanceUids: await studiesOf(files) });
  }
  return { warmUp: warmUpSet, sets };
}

async function upscaledInstance(imageName: string, side: number, patientId: string): Promise<Buffer> {
  const { data, info } = await sharp(path.join(FIXTURE_IMAGES, imageName))
    .resize(side, side, { fit: 'fill' })
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return imageToDicom(
    {
      width: info.width,
      height: info.height,
      pixels: new Uint8Array(data.buffer, data.byteOffset, info.width * info.height),
      lossySource: true,
    },
    { patientId },
  ).part10;
}

// ---------------------------------------------------------------- process facts

async function procStatus(pid: number, field: 'VmHWM' | 'VmRSS'): Promise<number | undefined> {
  const text = await fs.readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1];
  return kb ? Number(kb) / 1024 : undefined;
}

/** CPU time (user + system, ms) of each thread of a process, summed by thread name. */
async function threadCpu(pid: number): Promise<Map<string, number>> {
  const byName = new Map<string, number>();
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  for (const tid of await fs.readdir(`/proc/${pid}/task`).catch(() => [] as string[])) {
    const stat = await fs.readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => '');
    const close = stat.lastIndexOf(')');
    if (close < 0) continue;
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    // Node names few of its threads: tell the main thread from the rest at least.
    const name = tid === String(pid) ? `${comm} (main thread)` : `${comm} ${tid}`;
    const fields = stat.slice(close + 2).split(' ');
    // Fields after the name: state is 0, utime 11, stime 12.
    const cpu = (Number(fields[11]) + Number(fields[12])) * tick;
    byName.set(name, (byName.get(name) ?? 0) + cpu);
  }
  return byName;
}

function cpuDelta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const delta = new Map<string, number>();
  for (const [name, cpu] of after) delta.set(name, cpu - (before.get(name) ?? 0));
  return delta;
}

/** Resets the peak RSS (VmHWM) of a process (Linux ≥ 4.0; needs the same user or root). */
async function resetPeak(pid: number): Promise<boolean> {
  return fs
    .writeFile(`/proc/${pid}/clear_refs`, '5')
    .then(() => true)
    .catch(() => false);
}

function portOpen(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(undefined));
  });
}

function toolVersion(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8' }).split('\n')[0]?.trim() ?? '?';
  } catch {
    return '?';
  }
}

// ---------------------------------------------------------------- peers

async function startStorescp(dir: string): Promise<PeerHandle> {
  const port = await freePort();
  const storage = path.join(dir, 'storage');
  await fs.mkdir(storage, { recursive: true });
  // Plain defaults: the data set is parsed and written with the same transfer syntax, one file
  // per instance, no fsync, max receive PDU 16 KB. (+B would write the bytes as received.)
  const running = await startProcess('storescp', ['-od', storage, '-aet', 'STORESCP', String(port)], { env: peerEnv() });
  await waitFor(() => portOpen(port), 10_000, 50).catch(async (error: Error) => {
    await running.stop('SIGKILL');
    throw new Error(`storescp did not listen (${error.message}):\n${running.output().slice(-2000)}`);
  });
  const pid = running.child.pid ?? 0;
  return {
    label: `storescp (dcmtk ${/v(\d+\.\d+\.\d+)/.exec(toolVersion('storescp', ['--version']))?.[1] ?? '?'})`,
    calledAeTitle: 'STORESCP',
    port,
    pid,
    notes: ['storescp: defaults (-od <dir>), parses and rewrites each data set, no fsync, 16 KB max PDU'],
    stored: () => countFiles(storage),
    storedCountsAll: true,
    stop: () => running.stop('SIGTERM'),
  };
}

async function startOrthanc(dir: string): Promise<PeerHandle> {
  const httpPort = await freePort();
  const dicomPort = await freePort();
  const config = {
    Name: 'osteon-bench',
    StorageDirectory: path.join(dir, 'storage'),
    IndexDirectory: path.join(dir, 'index'),
    HttpPort: httpPort,
    DicomPort: dicomPort,
    DicomAet: 'ORTHANC',
    // The sender only stores; the port is never called (Orthanc wants 1..65534).
    DicomModalities: { bench: [SENDER_AE, '127.0.0.1', 104] },
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    Plugins: [],
    StorageCompression: false,
    // Orthanc's default, stated: each stored file is fsynced, as Osteon does.
    SyncStorageArea: true,
    SaveJobs: false,
  };
  const configFile = path.join(dir, 'orthanc.json');
  await fs.writeFile(configFile, JSON.stringify(config, null, 2));
  // Orthanc itself (not a wrapper), so the PID we keep is the server.
  const running = await startProcess('/usr/sbin/Orthanc', [configFile], { env: peerEnv() });
  const get = async <T>(urlPath: string): Promise<T> => {
    const response = await fetch(`http://127.0.0.1:${httpPort}${urlPath}`);
    if (!response.ok) throw new Error(`Orthanc ${urlPath}: ${response.status}`);
    return (await response.json()) as T;
  };
  const { Version } = await waitFor(() => get<{ Version: string }>('/system'), 20_000, 50).catch(async (error: Error) => {
    await running.stop('SIGKILL');
    throw new Error(`Orthanc did not answer /system (${error.message}):\n${running.output().slice(-2000)}`);
  });
  return {
    label: `Orthanc ${Version}`,
    calledAeTitle: 'ORTHANC',
    port: dicomPort,
    pid: running.child.pid ?? 0,
    notes: ['Orthanc: SQLite index, SyncStorageArea=true (fsync per file), no plugins, 16 KB max PDU (default)'],
    stored: async () => (await get<{ CountInstances: number }>('/statistics')).CountInstances,
    storedCountsAll: true,
    stop: () => running.stop('SIGTERM'),
  };
}

async function startOsteon(dir: string, database: 'emulator' | 'wire', options: OsteonOptions): Promise<PeerHandle> {
  const { cpuProfileDir } = options;
  const testDatabase = database === 'wire' ? await startTestDatabase() : undefined;
  try {
    const engine = await startEngine({
      dataDir: path.join(dir, 'data'),
      mongoUri: testDatabase?.uri,
      allowedAeTitles: SENDER_AE,
      env: {
        TCP_NODELAY: '1',
        // Ingest only: a study's analysis is scheduled after this much idle time, beyond the
        // run, so no inference competes with the next set (Orthanc and storescp analyse nothing).
        ...(options.analysis ? {} : { OSTEON_STUDY_IDLE_MS: '600000' }),
        ...(cpuProfileDir ? { NODE_OPTIONS: `--require ${await cpuProfilePreload(cpuProfileDir)}` } : {}),
        ...options.env,
      },
    });
    const health = await engine.getJson<{ checks: { databaseKind: string } }>('/health').catch(async (error: Error) => {
      await engine.stop();
      throw error;
    });
    const databaseLabel = testDatabase
      ? testDatabase.kind.startsWith('mongod')
        ? 'external mongod'
        : 'CongoDB in its own process'
      : `${health.body.checks.databaseKind} database`;
    const companionPid = testDatabase ? await databasePid(testDatabase.uri) : undefined;
    return {
      label: `Osteon (${databaseLabel}, ${options.analysis ? 'analysis on' : 'ingest only'})`,
      calledAeTitle: 'OSTEON',
      port: engine.dicomPort,
      pid: engine.process.child.pid ?? 0,
      companions: companionPid ? [{ label: 'database process', pid: companionPid }] : [],
      beforeSending: () => {
        if (cpuProfileDir) engine.process.child.kill('SIGWINCH');
      },
      notes: [
        testDatabase
          ? `Osteon: database = ${testDatabase.kind}, in its own process (test/support/mongo-peer.ts)`
          : `Osteon: database = ${health.body.checks.databaseKind} (the default: journaled, fsynced before each acknowledgement, in a worker thread of the engine), so its memory is inside the engine's RSS`,
        `Osteon: streams each data set to an fsynced staging file, renames it into the content-addressed store (directory fsync), indexes it, then answers; log level info; max receive PDU ${options.env.OSTEON_MAX_PDU_LENGTH ?? '262144 (default)'}`,
        options.analysis
          ? 'Osteon, analysis on: default OSTEON_STUDY_IDLE_MS (3 s), the model reads each study while the next ones arrive (with --study-per-file) or after the set'
          : 'Osteon, ingest only: OSTEON_STUDY_IDLE_MS=600000, no study analysis starts during the run',
      ],
      studiesRead: async () => {
        const response = await fetch(`http://127.0.0.1:${engine.httpPort}/metrics`, {
          headers: { authorization: `Bearer ${engine.operatorKey ?? ''}` },
        });
        const match = /^osteon_inference_seconds_count(?:\{[^}]*\})? (\d+)/m.exec(await response.text());
        return Number(match?.[1] ?? 0);
      },
      durableParts: async () => {
        const response = await fetch(`http://127.0.0.1:${engine.httpPort}/metrics`, {
          headers: { authorization: `Bearer ${engine.operatorKey ?? ''}` },
        });
        const parts = new Map<string, { sum: number; count: number }>();
        for (const match of (await response.text()).matchAll(/^osteon_ingest_durable_seconds_(sum|count)\{part="(\w+)"\} (\S+)/gm)) {
          const part = parts.get(match[2] as string) ?? { sum: 0, count: 0 };
          part[match[1] as 'sum' | 'count'] = Number(match[3]);
          parts.set(match[2] as string, part);
        }
        return parts;
      },
      readingQueued: async () => {
        const response = await fetch(`http://127.0.0.1:${engine.httpPort}/metrics`, {
          headers: { authorization: `Bearer ${engine.operatorKey ?? ''}` },
        });
        const text = await response.text();
        let queued = 0;
        for (const match of text.matchAll(/^osteon_job_queue_depth\{([^}]*)\} (\d+)/gm)) {
          if (/type="(analyse-study|shadow-analysis|archive-results)"/.test(match[1] ?? '')) queued += Number(match[2]);
        }
        return queued;
      },
      storedCountsAll: false,
      stored: async (sets) => {
        let total = 0;
        for (const set of sets) {
          for (const study of set.studyInstanceUids) {
            const response = await engine.getJson<{ instances?: unknown[] }>(`/api/studies/${study}`);
            total += response.status === 200 ? (response.body.instances?.length ?? 0) : 0;
          }
        }
        return total;
      },
      stop: async () => {
        await engine.stop();
        await testDatabase?.stop();
      },
    };
  } catch (error) {
    await testDatabase?.stop();
    throw error;
  }
}

/**
 * Node 20 refuses --cpu-prof in NODE_OPTIONS and startEngine runs `node dist/src/main.js`, so
 * the engine is profiled by a preloaded script: the in-process inspector samples from SIGWINCH
 * (sent just before the first set) and writes a .cpuprofile (open it in Chrome DevTools or
 * speedscope) when SIGTERM arrives.
 * The in-thread inspector session answers synchronously, so the file is written before Nest's
 * own SIGTERM handler shuts the process down.
 */
async function cpuProfilePreload(dir: string): Promise<string> {
  const file = path.join(dir, 'cpu-profile-preload.js');
  const source = `'use strict';
const inspector = require('node:inspector');
const fs = require('node:fs');
const session = new inspector.Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 250 });
let started = false;
let written = false;
// The bench sends SIGWINCH just before the first C-STORE, so start-up stays out of the profile
// (not SIGUSR2: Nest's enableShutdownHooks() shuts down on it; SIGWINCH is ignored by default).
process.on('SIGWINCH', () => {
  if (started) return;
  started = true;
  session.post('Profiler.start');
});
function write() {
  if (!started || written) return;
  written = true;
  session.post('Profiler.stop', (error, result) => {
    if (!error) fs.writeFileSync(${JSON.stringify(dir)} + '/osteon-' + process.pid + '.cpuprofile', JSON.stringify(result.profile));
  });
}
process.prependListener('SIGTERM', write);
process.on('exit', write);
`;
  await fs.writeFile(file, source);
  return file;
}

/** The PID listening on the database URI's port (the test database process), via /proc. */
async function databasePid(uri: string): Promise<number | undefined> {
  const port = Number(/:(\d+)\//.exec(uri)?.[1]);
  if (!port) return undefined;
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const table = await fs.readFile('/proc/net/tcp', 'utf8').catch(() => '');
  const inode = table
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .find((fields) => fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A')?.[9];
  if (!inode) return undefined;
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fds = await fs.readdir(`/proc/${entry}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await fs.readlink(`/proc/${entry}/fd/${fd}`).catch(() => '');
      if (target === `socket:[${inode}]`) return Number(entry);
    }
  }
  return undefined;
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

/** Where the engine's CPU time went: top self time by function and by module, inclusive by src/ function. */
async function summariseProfile(file: string): Promise<string[]> {
  const profile = JSON.parse(await fs.readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const shortUrl = (url: string): string => url.replace(/^file:\/\//, '').replace(`${process.cwd()}/`, '');
  const moduleOf = (url: string): string => {
    const short = shortUrl(url);
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(short)?.[1];
    if (pkg) return pkg;
    if (short.startsWith('node:')) return short.split('/')[0] ?? short;
    if (short.startsWith('dist/src/')) return short.replace(/^dist\/src\//, 'src/').replace(/\.js$/, '.ts');
    return short || '(native / idle / gc)';
  };
  const keyOf = (id: number): string => {
    const frame = byId.get(id)?.callFrame;
    if (!frame) return '?';
    return `${frame.functionName || '(anonymous)'} ${moduleOf(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
  };
  const self = new Map<string, number>();
  const modules = new Map<string, number>();
  const inclusiveSrc = new Map<string, number>();
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    total += delta;
    const frame = byId.get(id)?.callFrame;
    if (frame?.functionName === '(idle)') {
      idle += delta;
      return;
    }
    // Samples inside the profiler's own start call are the preload, not the engine.
    for (let cursor: number | undefined = id; cursor !== undefined; cursor = parent.get(cursor)) {
      if (byId.get(cursor)?.callFrame.url.endsWith('cpu-profile-preload.js')) {
        total -= delta;
        return;
      }
    }
    self.set(keyOf(id), (self.get(keyOf(id)) ?? 0) + delta);
    const module = frame ? moduleOf(frame.url) : '?';
    modules.set(module, (modules.get(module) ?? 0) + delta);
    const seen = new Set<string>();
    for (let cursor: number | undefined = id; cursor !== undefined; cursor = parent.get(cursor)) {
      const url = byId.get(cursor)?.callFrame.url ?? '';
      if (!url.includes('/dist/src/')) continue;
      const key = keyOf(cursor);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusiveSrc.set(key, (inclusiveSrc.get(key) ?? 0) + delta);
    }
  });
  const busy = total - idle;
  const top = (map: Map<string, number>, count: number): string[] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(
        ([key, micros]) =>
          `    ${(micros / 1000).toFixed(0).padStart(7)} ms ${((100 * micros) / Math.max(busy, 1)).toFixed(1).padStart(5)}%  ${key}`,
      );
  return [
    `CPU profile ${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (${(idle / 1e6).toFixed(1)} s idle); % of busy time`,
    '  self time by module:',
    ...top(modules, 12),
    '  self time by function:',
    ...top(self, 15),
    '  inclusive time by src/ function:',
    ...top(inclusiveSrc, 12),
  ];
}

// ---------------------------------------------------------------- the run

/** Sends the set over `associations` storescu processes at once (contiguous slices); wall time. */
async function send(peer: PeerHandle, set: InstanceSet, associations: number): Promise<{ seconds: number; ok: boolean; output: string }> {
  const size = Math.ceil(set.files.length / associations);
  const slices = Array.from({ length: associations }, (_, index) => set.files.slice(index * size, (index + 1) * size)).filter(
    (slice) => slice.length > 0,
  );
  const started = process.hrtime.bigint();
  const results = await Promise.all(
    slices.map((files) => dcmtk('storescu', ['-aet', SENDER_AE, '-aec', peer.calledAeTitle, '127.0.0.1', String(peer.port), ...files])),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const ok = results.every((result) => result.code === 0 && !/^E:/m.test(result.output));
  return { seconds, ok, output: results.map((result) => result.output).join('\n') };
}

/**
 * Waits until the model has read every image of the set (and whatever was queued before it) and no
 * job that reads images is waiting or running; then the peak RSS since the set began.
 */
async function untilRead(
  peer: PeerHandle,
  set: InstanceSet,
  readBefore: number | undefined,
): Promise<{ seconds: number; peakRssMb: number | undefined } | undefined> {
  if (!peer.readingQueued || !peer.studiesRead || readBefore === undefined) return undefined;
  const started = Date.now();
  while (Date.now() - started < 15 * 60_000) {
    const [queued, read] = [await peer.readingQueued(), await peer.studiesRead()];
    if (queued === 0 && read - readBefore >= set.files.length) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return { seconds: (Date.now() - started) / 1000, peakRssMb: await procStatus(peer.pid, 'VmHWM') };
}

async function benchPeer(
  key: PeerKey,
  root: string,
  sets: readonly InstanceSet[],
  warmUp: InstanceSet | undefined,
  osteonOptions: OsteonOptions,
  associations: number,
): Promise<{ measurements: Measurement[]; notes: readonly string[]; label: string }> {
  const dir = path.join(root, 'peers', key);
  await fs.mkdir(dir, { recursive: true });
  const peer =
    key === 'storescp'
      ? await startStorescp(dir)
      : key === 'orthanc'
        ? await startOrthanc(dir)
        : await startOsteon(dir, key === 'osteon-wire' ? 'wire' : 'emulator', {
            ...osteonOptions,
            analysis: osteonOptions.analysis || key === 'osteon-analysis',
          });
  const measurements: Measurement[] = [];
  const notes = [...peer.notes];
  try {
    const idle = await procStatus(peer.pid, 'VmRSS');
    notes.push(`${peer.label}: RSS before sending ${idle?.toFixed(0) ?? '?'} MB`);
    const sent: InstanceSet[] = [];
    let alreadyStored = 0;
    if (warmUp) {
      // Every peer gets the same unmeasured stream first: a long-running receiver is measured, not
      // a cold start (the engine's JIT compiles its hot paths over the first few thousand instances).
      log(`  ${peer.label}: warm-up, ${warmUp.files.length} small instances…`);
      const { seconds, ok, output } = await send(peer, warmUp, associations);
      const stored = await peer.stored([warmUp]);
      notes.push(
        `${peer.label}: warm-up ${warmUp.files.length} instances at ${(warmUp.files.length / seconds).toFixed(1)} inst/s (not measured)`,
      );
      if (!ok) notes.push(`${peer.label}: storescu reported errors during the warm-up:\n${output.slice(-1500)}`);
      if (stored !== warmUp.files.length)
        notes.push(`${peer.label}: VERIFY FAILED after the warm-up: stored ${stored}, expected ${warmUp.files.length}`);
      if (peer.storedCountsAll) alreadyStored = warmUp.files.length;
    }
    peer.beforeSending?.();
    for (const set of sets) {
      execFileSync('sync'); // earlier writes must not be flushed on this peer's time
      const reset = await resetPeak(peer.pid);
      for (const companion of peer.companions ?? []) await resetPeak(companion.pid);
      log(`  ${peer.label}: sending ${set.files.length} ${set.name} instances…`);
      const cpuBefore = await threadCpu(peer.pid);
      const readBefore = await peer.studiesRead?.();
      const partsBefore = await peer.durableParts?.();
      const { seconds, ok, output } = await send(peer, set, associations);
      const cpu = cpuDelta(cpuBefore, await threadCpu(peer.pid));
      // Peak while receiving: read before the check below gives the engine time to start reading.
      const peak = await procStatus(peer.pid, 'VmHWM');
      const readAfter = await peer.studiesRead?.();
      const partsAfter = await peer.durableParts?.();
      if (partsBefore && partsAfter) notes.push(`${peer.label}, ${set.name}: ${describeDurableParts(partsBefore, partsAfter)}`);
      if (readBefore !== undefined && readAfter !== undefined) {
        notes.push(`${peer.label}, ${set.name}: the model read ${readAfter - readBefore} images while this set was being received`);
      }
      const cpuTotal = [...cpu.values()].reduce((sum, each) => sum + each, 0);
      const threads = [...cpu]
        .filter(([, ms]) => ms > 0)
        .sort((a, b) => b[1] - a[1])
        .map(([name, ms]) => `${name} ${(ms / set.files.length).toFixed(2)}`)
        .join(', ');
      notes.push(
        `${peer.label}, ${set.name}: CPU ${(cpuTotal / set.files.length).toFixed(2)} ms per instance (${((cpuTotal / 1000 / seconds) * 100).toFixed(0)} % of one core); by thread: ${threads}`,
      );
      sent.push(set);
      const expected = alreadyStored + sent.reduce((sum, each) => sum + each.files.length, 0);
      const stored = await peer.stored(sent);
      const peakAfter = await procStatus(peer.pid, 'VmHWM');
      if (peakAfter !== undefined && peak !== undefined && peakAfter > peak + 5) {
        notes.push(
          `${peer.label}, ${set.name}: peak RSS ${peakAfter.toFixed(0)} MB including the seconds after the set (its check; with analysis on, the reading it started)`,
        );
      }
      const reading = osteonOptions.readAfter ? await untilRead(peer, set, readBefore) : undefined;
      if (reading) {
        notes.push(
          `${peer.label}, ${set.name}: peak RSS ${reading.peakRssMb?.toFixed(0) ?? '?'} MB from the start of the set until the model had read it (${reading.seconds.toFixed(1)} s after the set)`,
        );
      }
      if (!ok) notes.push(`${peer.label}: storescu reported errors for the ${set.name} set:\n${output.slice(-1500)}`);
      if (stored !== expected) notes.push(`${peer.label}: VERIFY FAILED after the ${set.name} set: stored ${stored}, expected ${expected}`);
      if (!reset) notes.push(`${peer.label}: could not reset VmHWM before the ${set.name} set: peak is since start`);
      for (const companion of peer.companions ?? []) {
        notes.push(
          `${peer.label}: ${companion.label} (pid ${companion.pid}) VmHWM ${(await procStatus(companion.pid, 'VmHWM'))?.toFixed(0) ?? '?'} MB after the ${set.name} set`,
        );
      }
      const megabytes = set.bytes / 1e6;
      measurements.push({
        round: 1,
        peer: key,
        label: peer.label,
        set: set.name,
        instances: set.files.length,
        megabytes,
        seconds,
        instancesPerSecond: set.files.length / seconds,
        megabytesPerSecond: megabytes / seconds,
        stored: stored - (expected - set.files.length),
        peakRssMb: peak,
        ...(reading ? { peakRssReadingMb: reading.peakRssMb } : {}),
        senderOk: ok,
      });
    }
  } finally {
    // The peer's files stay until the run ends: on a file system without a journal (ext4 here)
    // creating files is slower for a minute or more after many are deleted, which would fall on
    // the next peer.
    await peer.stop();
  }
  return { measurements, notes, label: peer.label };
}

function table(measurements: readonly Measurement[]): string {
  const header = ['round', 'peer', 'set', 'instances', 'MB', 'seconds', 'inst/s', 'MB/s', 'stored', 'peak RSS MB'];
  const rows = measurements.map((m) => [
    String(m.round),
    m.label,
    m.set,
    String(m.instances),
    m.megabytes.toFixed(1),
    m.seconds.toFixed(2),
    m.instancesPerSecond.toFixed(1),
    m.megabytesPerSecond.toFixed(1),
    `${m.stored}/${m.instances}${m.senderOk ? '' : ' (sender errors)'}`,
    m.peakRssMb?.toFixed(0) ?? '?',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => (column > 0 && column < 3 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join('  ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

function ratios(measurements: readonly Measurement[]): string[] {
  const lines: string[] = [];
  const rounds = Math.max(...measurements.map((m) => m.round));
  for (const osteonKey of ['osteon', 'osteon-analysis', 'osteon-wire'] as const) {
    for (const set of ['small', 'mid', 'large'] as const) {
      for (const otherKey of ['orthanc', 'storescp'] as const) {
        const perRound: number[] = [];
        for (let round = 1; round <= rounds; round += 1) {
          const osteon = measurements.find((m) => m.peer === osteonKey && m.set === set && m.round === round);
          const other = measurements.find((m) => m.peer === otherKey && m.set === set && m.round === round);
          if (!osteon || !other) continue;
          const ratio = osteon.instancesPerSecond / other.instancesPerSecond;
          perRound.push(ratio);
          lines.push(
            `${rounds > 1 ? `round ${round}: ` : ''}${osteon.label} / ${other.label}, ${set}: ${ratio.toFixed(2)}× the throughput (${osteon.instancesPerSecond.toFixed(1)} vs ${other.instancesPerSecond.toFixed(1)} inst/s)`,
          );
        }
        if (perRound.length > 1) {
          const [osteonLabel, otherLabel] = [osteonKey, otherKey].map((key) => measurements.find((m) => m.peer === key)?.label);
          lines.push(
            `median over ${perRound.length} rounds: ${osteonLabel} / ${otherLabel}, ${set}: ${median(perRound).toFixed(2)}× (rounds: ${perRound.map((ratio) => `${ratio.toFixed(2)}×`).join(', ')})`,
          );
        }
      }
    }
  }
  return lines;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'warm-up': { type: 'string', default: '2000' },
      small: { type: 'string', default: '500' },
      mid: { type: 'string', default: '100' },
      large: { type: 'string', default: '50' },
      peers: { type: 'string', default: DEFAULT_PEERS.join(',') },
      'cpu-prof': { type: 'boolean', default: false },
      analysis: { type: 'boolean', default: false },
      'study-per-file': { type: 'boolean', default: false },
      associations: { type: 'string', default: '1' },
      rounds: { type: 'string', default: '1' },
      'engine-env': { type: 'string', multiple: true, default: [] },
      'read-after': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      json: { type: 'string' },
    },
  });
  const small = Number(values.small);
  const mid = Number(values.mid);
  const large = Number(values.large);
  const warmUpCount = Number(values['warm-up']);
  if (!Number.isInteger(warmUpCount) || warmUpCount < 0) throw new Error('--warm-up takes a whole number (0: measure a cold engine)');
  if ([small, mid, large].some((count) => !Number.isInteger(count) || count < 0) || small + mid + large === 0) {
    throw new Error('--small, --mid and --large take whole numbers, not all 0');
  }
  const peers = (values.peers ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean) as PeerKey[];
  for (const peer of peers) if (!PEER_KEYS.includes(peer)) throw new Error(`unknown peer ${peer} (known: ${PEER_KEYS.join(', ')})`);

  const engineEnv: Record<string, string> = {};
  for (const assignment of values['engine-env'] ?? []) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(assignment);
    if (!match?.[1]) throw new Error(`--engine-env takes KEY=VALUE, not ${assignment}`);
    engineEnv[match[1]] = match[2] ?? '';
  }

  const associations = Number(values.associations);
  if (!Number.isInteger(associations) || associations < 1 || associations > 16) throw new Error('--associations takes 1 to 16');
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) throw new Error('--rounds takes 1 to 20');

  const workspace = await tempWorkspace('bench-ingest');
  const cpuProfileDir = values['cpu-prof'] ? path.join(process.cwd(), 'bench', '.tmp', `cpuprof-${Date.now()}`) : undefined;
  if (cpuProfileDir) await fs.mkdir(cpuProfileDir, { recursive: true });
  const started = new Date();
  const cpus = os.cpus();
  log(`Osteon ingest benchmark, ${started.toISOString()}`);
  log(
    `machine: ${cpus.length} × ${cpus[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`,
  );
  log(
    `sender: ${toolVersion('storescu', ['--version'])
      .replace(/^\$dcmtk: /, '')
      .replace(/ \$$/, '')}, ${associations} association(s) per peer and set, TCP_NODELAY=1 everywhere`,
  );
  try {
    const generating = Date.now();
    const { warmUp, sets } = await makeSets(
      path.join(workspace.dir, 'sets'),
      { warmUp: warmUpCount, small, mid, large },
      values['study-per-file'] ?? false,
    );
    for (const set of warmUp ? [warmUp, ...sets] : sets) {
      // Warm the page cache so no peer pays for reading the sources from disk.
      for (const file of set.files) await fs.readFile(file);
      log(
        `set ${set.name}: ${set.files.length} instances, ${(set.bytes / 1e6).toFixed(1)} MB (${(set.bytes / set.files.length / 1e6).toFixed(2)} MB each), ${set.studyInstanceUids.length} ${set.studyInstanceUids.length === 1 ? 'study' : 'studies'}, ${associations} association(s)`,
      );
    }
    log(`sets made in ${((Date.now() - generating) / 1000).toFixed(1)} s in ${workspace.dir}`);

    const measurements: Measurement[] = [];
    const roundNotes: string[][] = [];
    for (let round = 1; round <= rounds; round += 1) {
      // Every other round in the opposite order: no peer always runs right after another's writes.
      const order = round % 2 === 1 ? peers : [...peers].reverse();
      for (const key of order) {
        log(`${rounds > 1 ? `round ${round}, ` : ''}peer ${key}:`);
        const result = await benchPeer(
          key,
          rounds > 1 ? path.join(workspace.dir, `round-${round}`) : workspace.dir,
          sets,
          warmUp,
          { cpuProfileDir, analysis: values.analysis ?? false, env: engineEnv, readAfter: values['read-after'] ?? false },
          associations,
        );
        measurements.push(...result.measurements.map((measurement) => ({ ...measurement, round })));
        (roundNotes[round - 1] ??= []).push(...result.notes);
      }
    }

    // A note every round made alike is said once; the others with their round.
    const notes = roundNotes.flatMap((each, index) =>
      each.map((note) => (rounds === 1 || roundNotes.every((other) => other.includes(note)) ? note : `round ${index + 1}: ${note}`)),
    );
    log('');
    log(table(measurements));
    log('');
    for (const line of ratios(measurements)) log(line);
    log('');
    for (const note of new Set(notes)) log(`- ${note}`);
    if (cpuProfileDir) {
      const profiles = (await fs.readdir(cpuProfileDir)).filter((name) => name.endsWith('.cpuprofile'));
      log(`- CPU profiles of the engine: ${profiles.map((name) => path.join(cpuProfileDir, name)).join(', ') || 'none written'}`);
      for (const name of profiles) for (const line of await summariseProfile(path.join(cpuProfileDir, name))) log(line);
    }
    const failed = measurements.filter((m) => m.stored !== m.instances || !m.senderOk);
    if (values.json) {
      await fs.writeFile(
        values.json,
        JSON.stringify(
          {
            startedAt: started.toISOString(),
            machine: { cpus: cpus.length, model: cpus[0]?.model, node: process.version },
            measurements,
            ratios: ratios(measurements),
            notes,
          },
          null,
          2,
        ),
      );
      log(`- results written to ${values.json}`);
    }
    if (failed.length > 0) {
      log(`VERIFY FAILED for ${failed.map((m) => `${m.label}/${m.set}`).join(', ')}`);
      process.exitCode = 1;
    }
  } finally {
    if (values.keep) log(`kept ${workspace.dir}`);
    else await workspace.cleanup();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`bench:ingest failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});

/** Mean time from an instance's last byte to each part of its durability over one set (the engine's osteon_ingest_durable_seconds). */
function describeDurableParts(
  before: ReadonlyMap<string, { sum: number; count: number }>,
  after: ReadonlyMap<string, { sum: number; count: number }>,
): string {
  const labels: Record<string, string> = {
    file: 'staged file fsynced',
    index: 'index record journaled',
    directory: 'file in place, directory fsynced',
  };
  const means = Object.entries(labels).map(([part, label]) => {
    const [from, to] = [before.get(part) ?? { sum: 0, count: 0 }, after.get(part) ?? { sum: 0, count: 0 }];
    const count = to.count - from.count;
    return count > 0 ? `${label} ${(((to.sum - from.sum) / count) * 1000).toFixed(2)} ms` : `${label} -`;
  });
  return `after an instance's last byte, mean: ${means.join(', ')}`;
}
