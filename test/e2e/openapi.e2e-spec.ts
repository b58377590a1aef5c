import SwaggerParser from '@apidevtools/swagger-parser';
import path from 'node:path';
import { startEngine, type Engine } from '../support/engine';
import { tempWorkspace } from '../support/workspace';

type Operation = {
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  security?: Array<Record<string, unknown>>;
};
type Document = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

/** Routes anyone may call: login, first-run setup, probes, the patient link. */
const OPEN = [
  'POST /api/auth/login',
  'GET /api/setup',
  'POST /api/setup/first-operator',
  'GET /health',
  'GET /livez',
  'GET /readyz',
  'GET /portal/{token}',
];

describe('the OpenAPI document at /api/docs/openapi.json', () => {
  let engine: Engine;
  let workspace: { dir: string; cleanup: () => Promise<void> };
  let document: Document;

  beforeAll(async () => {
    workspace = await tempWorkspace('openapi');
    engine = await startEngine({ dataDir: path.join(workspace.dir, 'data') });
    document = (await engine.getJson<Document>('/api/docs/openapi.json', { token: null })).body;
  }, 120_000);

  afterAll(async () => {
    await engine?.stop();
    await workspace?.cleanup();
  });

  const operations = (): Array<[string, Operation]> =>
    Object.entries(document.paths).flatMap(([route, methods]) =>
      Object.entries(methods).map(([method, operation]) => [`${method.toUpperCase()} ${route}`, operation] as [string, Operation]),
    );

  it('is a valid OpenAPI 3 document (swagger-parser)', async () => {
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
  });

  it('gives every /api route a success response with a schema, and every JSON request body a schema', () => {
    const missing = operations()
      .filter(([name]) => name.includes(' /api/'))
      .filter(([, operation]) => {
        const success = Object.entries(operation.responses).filter(([status]) => /^2\d\d$/.test(status));
        return !success.some(([, response]) => Object.values(response.content ?? {}).some((media) => media.schema !== undefined));
      })
      .map(([name]) => name);
    expect(missing).toEqual([]);
    const bodies = operations()
      .filter(([, operation]) => operation.requestBody?.content?.['application/json'])
      .filter(([, operation]) => !operation.requestBody?.content?.['application/json']?.schema)
      .map(([name]) => name);
    expect(bodies).toEqual([]);
  });

  it('documents the zod schemas that validate requests, and one problem+json error shape', () => {
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(['CreateUser', 'Login', 'Amendment', 'ProblemDetails']),
    );
    const withoutErrorShape = operations()
      .filter(([, operation]) => !operation.responses.default?.content?.['application/problem+json'])
      .map(([name]) => name);
    expect(withoutErrorShape).toEqual([]);
  });

  it('puts the bearer scheme on every secured route and none on the open ones', () => {
    const open = operations()
      .filter(([, operation]) => operation.security?.length === 0)
      .map(([name]) => name);
    expect(open.sort()).toEqual([...OPEN].sort());
    const unsecured = operations()
      .filter(([name]) => !OPEN.includes(name))
      .filter(([, operation]) => !operation.security?.some((requirement) => 'bearer' in requirement))
      .map(([name]) => name);
    expect(unsecured).toEqual([]);
  });
});
