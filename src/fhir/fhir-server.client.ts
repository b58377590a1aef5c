import { Inject, Injectable } from '@nestjs/common';
import type * as R4 from 'fhir/r4';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { FhirErrorCode, FhirException, outcomeText } from './fhir.exception';

// fhir-kit-client is ESM-only: a real dynamic import survives the CommonJS build.
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

interface KitClient {
  transaction(params: { body: R4.Bundle; options?: RequestOptions }): Promise<R4.Bundle>;
  read(params: { resourceType: string; id: string; options?: RequestOptions }): Promise<R4.Resource>;
  search(params: { resourceType: string; searchParams: Record<string, string>; options?: RequestOptions }): Promise<R4.Bundle>;
}
interface RequestOptions {
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal;
}
interface KitModule {
  Client: new (config: { baseUrl: string; customHeaders?: Record<string, string>; bearerToken?: string }) => KitClient;
}

/** The only code that talks HTTP to the hospital FHIR server; errors become FhirException. */
@Injectable()
export class FhirServerClient {
  private client: Promise<KitClient> | undefined;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async transaction(bundle: R4.Bundle): Promise<R4.Bundle> {
    return this.call((client, options) => client.transaction({ body: bundle, options }));
  }

  async read<T extends R4.Resource>(resourceType: T['resourceType'], id: string): Promise<T> {
    return this.call((client, options) => client.read({ resourceType, id, options })) as Promise<T>;
  }

  async search(resourceType: string, searchParams: Record<string, string>): Promise<R4.Bundle> {
    return this.call((client, options) => client.search({ resourceType, searchParams, options }));
  }

  private async call<T>(request: (client: KitClient, options: RequestOptions) => Promise<T>): Promise<T> {
    const settings = this.settings();
    const client = await (this.client ??= this.createClient());
    try {
      return await request(client, { signal: AbortSignal.timeout(settings.timeoutMs) });
    } catch (error) {
      throw this.classify(error);
    }
  }

  private classify(error: unknown): FhirException {
    const response = (error as { response?: { status?: number; data?: unknown } }).response;
    const status = response?.status;
    if (status === undefined) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return new FhirException(
        FhirErrorCode.Unavailable,
        `FHIR server unreachable: ${cause ?? (error as Error).name ?? 'error'} ${(error as Error).message ?? ''}`.trim(),
      );
    }
    const text = outcomeText(response?.data);
    if (status === 412)
      return new FhirException(FhirErrorCode.VersionConflict, `FHIR server: 412 precondition failed ${text}`.trim(), status);
    if (status >= 500 || status === 408 || status === 429)
      return new FhirException(FhirErrorCode.Unavailable, `FHIR server: ${status} ${text}`.trim(), status);
    return new FhirException(FhirErrorCode.Rejected, `FHIR server rejected the request: ${status} ${text}`.trim(), status);
  }

  private settings(): NonNullable<AppConfig['fhir']> {
    if (!this.config.fhir) throw new Error('the FHIR channel is not configured (OSTEON_FHIR_URL)');
    return this.config.fhir;
  }

  private async createClient(): Promise<KitClient> {
    const settings = this.settings();
    const { Client } = (await importEsm('fhir-kit-client')) as KitModule;
    const auth = settings.auth;
    switch (auth.kind) {
      case 'bearer':
        return new Client({ baseUrl: settings.baseUrl, bearerToken: auth.token });
      case 'basic':
        return new Client({
          baseUrl: settings.baseUrl,
          customHeaders: { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` },
        });
      case 'none':
        return new Client({ baseUrl: settings.baseUrl });
    }
  }
}
