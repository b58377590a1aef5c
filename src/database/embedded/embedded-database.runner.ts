import { EmbeddedServer } from './embedded-server';
import { EmbeddedStore, type OpenStats, type StoreOptions } from './embedded-store';

export interface RunningEmbeddedDatabase {
  readonly port: number;
  readonly stats: OpenStats;
  readonly store: EmbeddedStore;
  stop(): Promise<void>;
}

/** Opens the store in `dir` (snapshot + journal replay), then serves it on loopback. */
export async function runEmbeddedDatabase(
  options: StoreOptions & { dir: string; port?: number; host?: string },
): Promise<RunningEmbeddedDatabase> {
  const { store, stats } = await EmbeddedStore.open(options.dir, options);
  const server = new EmbeddedServer(store);
  let port: number;
  try {
    port = await server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  } catch (error) {
    await store.close();
    throw error;
  }
  return {
    port,
    stats,
    store,
    stop: async () => {
      await server.close();
      await store.close();
    },
  };
}
