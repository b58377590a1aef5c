import NodeEnvironment from 'jest-environment-node';

/**
 * onnxruntime-node and worker_threads hand back typed arrays made in Node's own realm, and
 * onnxruntime checks `instanceof Float32Array`: inside Jest's VM sandbox that check fails.
 * Suites that run the model use this environment (docblock `@jest-environment`), which gives
 * the sandbox the host's typed-array constructors.
 */
export default class NativeRealmEnvironment extends NodeEnvironment {
  override async setup(): Promise<void> {
    await super.setup();
    const host = globalThis as unknown as Record<string, unknown>;
    for (const name of [
      'ArrayBuffer',
      'SharedArrayBuffer',
      'DataView',
      'Int8Array',
      'Uint8Array',
      'Uint8ClampedArray',
      'Int16Array',
      'Uint16Array',
      'Int32Array',
      'Uint32Array',
      'Float32Array',
      'Float64Array',
      'BigInt64Array',
      'BigUint64Array',
    ]) {
      this.global[name] = host[name];
    }
  }
}
