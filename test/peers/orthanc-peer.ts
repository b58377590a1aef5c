import fs from 'node:fs/promises';
import path from 'node:path';
import { freePort } from '../support/ports';
import { startProcess, waitFor, type RunningProcess } from '../support/processes';

export interface OrthancOptions {
  /** Folder for the config, storage and index (kept across restarts). */
  readonly dir: string;
  readonly aeTitle?: string;
  /** Known DICOM peers, name → [AE title, host, port]. */
  readonly modalities?: Readonly<Record<string, readonly [string, string, number]>>;
  /**
   * Orthanc accepts an association from an unknown AE while any DicomAlwaysAllow* is on;
   * turning off store and echo (find and move are off by default) makes it reject them.
   */
  readonly acceptUnknownAeTitles?: boolean;
  readonly checkCalledAeTitle?: boolean;
  readonly extraConfig?: Readonly<Record<string, unknown>>;
}

export interface OrthancPeer {
  readonly aeTitle: string;
  readonly httpPort: number;
  readonly dicomPort: number;
  readonly version: string;
  getJson<T = unknown>(urlPath: string): Promise<T>;
  getBytes(urlPath: string): Promise<Buffer>;
  post<T = unknown>(urlPath: string, body: unknown): Promise<T>;
  /** Ends Orthanc and waits until it has exited (it takes up to ~5 s). */
  stop(): Promise<void>;
  /** Starts it again on the same ports and storage, with changed options if given. */
  restart(changes?: Pick<OrthancOptions, 'modalities' | 'acceptUnknownAeTitles' | 'extraConfig'>): Promise<void>;
}

/** Debian's Orthanc as a real PACS for tests: own config in a temp folder, TCP_NODELAY on. */
export async function startOrthanc(options: OrthancOptions): Promise<OrthancPeer> {
  const httpPort = await freePort();
  const dicomPort = await freePort();
  const aeTitle = options.aeTitle ?? 'ORTHANC';
  const configFile = path.join(options.dir, 'orthanc.json');
  const writeConfig = async (current: OrthancOptions): Promise<void> => {
    const acceptUnknown = current.acceptUnknownAeTitles ?? true;
    const config = {
      Name: 'osteon-test-pacs',
      StorageDirectory: path.join(current.dir, 'storage'),
      IndexDirectory: path.join(current.dir, 'index'),
      HttpPort: httpPort,
      DicomPort: dicomPort,
      DicomAet: aeTitle,
      DicomCheckCalledAet: current.checkCalledAeTitle ?? true,
      DicomModalities: current.modalities ?? {},
      DicomAlwaysAllowStore: acceptUnknown,
      DicomAlwaysAllowEcho: acceptUnknown,
      RemoteAccessAllowed: false,
      AuthenticationEnabled: false,
      Plugins: [],
      StorageCompression: false,
      SaveJobs: false,
      ...current.extraConfig,
    };
    await fs.mkdir(current.dir, { recursive: true });
    await fs.writeFile(configFile, JSON.stringify(config, null, 2));
  };
  await writeConfig(options);
  const base = `http://127.0.0.1:${httpPort}`;
  const request = async (urlPath: string, init?: RequestInit): Promise<Response> => {
    const response = await fetch(`${base}${urlPath}`, init);
    if (!response.ok) throw new Error(`Orthanc ${init?.method ?? 'GET'} ${urlPath}: ${response.status} ${await response.text()}`);
    return response;
  };
  const getJson = async <T>(urlPath: string): Promise<T> => (await (await request(urlPath)).json()) as T;
  let running: RunningProcess;
  let version = '';
  const launch = async (): Promise<void> => {
    // Orthanc itself (not a wrapper), so the PID we keep is the server.
    running = await startProcess('/usr/sbin/Orthanc', [configFile], { env: { ...process.env, TCP_NODELAY: '1' } });
    const system = await waitFor(() => getJson<{ Version: string }>('/system'), 20_000, 50).catch(async (error: Error) => {
      await running.stop('SIGKILL');
      throw new Error(`Orthanc did not answer /system (${error.message}):\n${running.output().slice(-2000)}`);
    });
    version = system.Version;
  };
  await launch();
  return {
    aeTitle,
    httpPort,
    dicomPort,
    get version() {
      return version;
    },
    getJson,
    getBytes: async (urlPath) => Buffer.from(await (await request(urlPath)).arrayBuffer()),
    post: async <T>(urlPath: string, body: unknown) =>
      (await (await request(urlPath, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) })).json()) as T,
    stop: () => running.stop('SIGTERM'),
    restart: async (changes) => {
      if (changes) await writeConfig({ ...options, ...changes });
      await launch();
    },
  };
}
