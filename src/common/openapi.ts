import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV3 } from '@asteasolutions/zod-to-openapi';
import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiExtension, ApiProduces, ApiResponse, type OpenAPIObject } from '@nestjs/swagger';
import { z, type ZodTypeAny } from 'zod';
import { PROBLEM_JSON } from './problem-details';

extendZodWithOpenApi(z);

/**
 * One source for validation and documentation: the zod schemas that parse a request (and those that
 * describe an answer) become the OpenAPI document's component schemas, by name.
 */
const registry = new OpenAPIRegistry();
const registered = new Map<string, ZodTypeAny>();

const PUBLIC_EXTENSION = 'x-osteon-public';

function reference(name: string, schema: ZodTypeAny, example: unknown): { $ref: string } {
  const known = registered.get(name);
  if (known !== undefined && known !== schema) throw new Error(`OpenAPI schema ${name} is registered twice with different schemas`);
  if (known === undefined) {
    registered.set(name, schema);
    registry.register(name, example === undefined ? schema : schema.openapi({ example }));
  }
  return { $ref: `#/components/schemas/${name}` };
}

/** The request body, documented from the schema `parseInput` validates it with. */
export function ApiJsonBody(name: string, schema: ZodTypeAny, example?: unknown): MethodDecorator {
  return ApiBody({ schema: reference(name, schema, example) });
}

/** A multipart body: the fields a zod schema validates, plus file parts under `filesField`. */
export function ApiMultipartBody(name: string, schema: ZodTypeAny, filesField: string): MethodDecorator {
  return ApiBody({
    schema: {
      allOf: [
        reference(name, schema, undefined),
        {
          type: 'object',
          properties: { [filesField]: { type: 'array', items: { type: 'string', format: 'binary' } } },
          required: [filesField],
        },
      ],
    },
  });
}

/** A JSON answer, documented from a zod schema of its shape. */
export function ApiJsonResponse(
  name: string,
  schema: ZodTypeAny,
  options: { description: string; status?: number; example?: unknown },
): MethodDecorator & ClassDecorator {
  return ApiResponse({ status: options.status ?? 200, description: options.description, schema: reference(name, schema, options.example) });
}

/** A file answer (PDF, PNG, DICOM Part 10). */
export function ApiFileResponse(contentType: string, description: string): MethodDecorator {
  return applyDecorators(
    ApiProduces(contentType),
    ApiResponse({ status: 200, description, content: { [contentType]: { schema: { type: 'string', format: 'binary' } } } }),
  );
}

/** Marks an open route (`@Public()`), so the document lists no security requirement for it. */
export function ApiPublic(): MethodDecorator & ClassDecorator {
  return ApiExtension(PUBLIC_EXTENSION, true);
}

const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    statusCode: z.number().int(),
    error: z.string(),
    message: z.union([z.string(), z.array(z.string())]),
  })
  .openapi({
    description: 'RFC 9457 problem details (plus Nest’s statusCode/error/message); /fhir routes answer a FHIR OperationOutcome instead',
    example: {
      type: 'urn:osteon:problem:report-not-found',
      title: 'Report not found',
      status: 404,
      detail: 'report 6650… not found',
      code: 'REPORT_NOT_FOUND',
      statusCode: 404,
      error: 'Not Found',
      message: 'report 6650… not found',
    },
  });

type Operation = Record<string, unknown> & { responses?: Record<string, unknown>; security?: unknown[] };

/**
 * Completes what Nest's scanner built: the zod component schemas, one error shape on every
 * operation, and no security requirement on open routes (the others carry the bearer scheme).
 */
export function completeOpenApiDocument(document: OpenAPIObject): OpenAPIObject {
  reference('ProblemDetails', problemSchema, undefined);
  // openapi3-ts and Nest describe the same JSON Schema subset with slightly different types.
  const generated = (new OpenApiGeneratorV3(registry.definitions).generateComponents().components?.schemas ?? {}) as NonNullable<
    OpenAPIObject['components']
  >['schemas'];
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...generated } };
  for (const operations of Object.values(document.paths)) {
    for (const operation of Object.values(operations as Record<string, Operation>)) {
      if (typeof operation !== 'object' || operation === null || !('responses' in operation)) continue;
      operation.responses = {
        ...operation.responses,
        default: {
          description: 'an error, as problem details',
          content: { [PROBLEM_JSON]: { schema: { $ref: '#/components/schemas/ProblemDetails' } } },
        },
      };
      if (operation[PUBLIC_EXTENSION] === true) {
        operation.security = [];
        delete operation[PUBLIC_EXTENSION];
      }
    }
  }
  return document;
}

/** `{items, total}`: a page of a list. */
export function pagedSchema<Item extends ZodTypeAny>(item: Item): z.ZodObject<{ items: z.ZodArray<Item>; total: z.ZodNumber }> {
  return z.object({ items: z.array(item), total: z.number().int() });
}

/** `{items}`: a whole list. */
export function listSchema<Item extends ZodTypeAny>(item: Item): z.ZodObject<{ items: z.ZodArray<Item> }> {
  return z.object({ items: z.array(item) });
}

/** A date-time as JSON carries it (ISO 8601). */
export const isoDate = z.string().datetime();
