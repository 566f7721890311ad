/** The OpenAPI 3 document of the HTTP API, built from the same JSON Schemas the validators use. */
import { eventSchema, itemSchema } from '../events/schema.ts';
import { ERRORS } from '../errors.ts';
import { REGISTRY_ERROR_SCHEMA, REGISTRY_OPENAPI_PATHS } from './registry-routes.ts';

function strip(schema: object): object {
  // OpenAPI component schemas take no $id.
  const { $id: _id, ...rest } = schema as Record<string, unknown>;
  return rest;
}

const itemList = {
  type: 'object',
  properties: {
    request_id: { type: 'string' },
    generated_at: { type: 'string', format: 'date-time' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['content_id', 'score', 'reasons'],
        properties: { content_id: { type: 'string' }, score: { type: 'number' }, category: { type: 'string' }, reasons: { type: 'array', items: { type: 'string' } } },
      },
    },
  },
};

const query = (name: string, required = false, type = 'string') => ({ name, in: 'query', required, schema: { type } });
const path = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const errorResponse = { description: 'error', ...json({ $ref: '#/components/schemas/Error' }) };

export function openApiDocument(): object {
  return {
    openapi: '3.0.3',
    info: { title: 'eddy', version: '1', description: 'Real-time content personalization API' },
    components: {
      schemas: {
        Event: strip(eventSchema),
        Item: strip(itemSchema),
        Error: {
          type: 'object',
          required: ['error', 'code'],
          properties: { error: { type: 'string' }, code: { type: 'string', enum: Object.keys(ERRORS) }, details: { type: 'array', items: {} } },
        },
        RegistryError: REGISTRY_ERROR_SCHEMA,
        IngestResult: {
          type: 'object',
          properties: {
            accepted: { type: 'integer' },
            duplicates: { type: 'integer' },
            rejected: { type: 'array', items: { type: 'object', properties: { index: { type: 'integer' }, errors: { type: 'array', items: { type: 'string' } } } } },
          },
        },
      },
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } },
    },
    paths: {
      '/v1/events': {
        post: {
          summary: 'Send one event, an array of events, or NDJSON',
          requestBody: {
            content: {
              'application/json': { schema: { oneOf: [{ $ref: '#/components/schemas/Event' }, { type: 'array', items: { $ref: '#/components/schemas/Event' } }] } },
              'application/x-ndjson': { schema: { type: 'string' } },
            },
          },
          responses: {
            202: { description: 'accepted (some events may be rejected)', ...json({ $ref: '#/components/schemas/IngestResult' }) },
            400: { description: 'nothing accepted', ...json({ $ref: '#/components/schemas/IngestResult' }) },
            503: errorResponse,
          },
        },
      },
      '/v1/items': { post: { summary: 'Store catalogue items', requestBody: json({ type: 'array', items: { $ref: '#/components/schemas/Item' } }), responses: { 202: { description: 'stored' }, 400: errorResponse } } },
      '/v1/items/{content_id}': { put: { summary: 'Store one catalogue item', parameters: [path('content_id')], requestBody: json({ $ref: '#/components/schemas/Item' }), responses: { 200: { description: 'stored' }, 400: errorResponse } } },
      '/v1/recommendations': {
        get: {
          summary: 'Recommendations for a user',
          parameters: [query('user_id', true), query('k', false, 'integer'), query('session_id'), query('exclude'), query('category')],
          responses: { 200: { description: 'ranked items with reasons', ...json(itemList) }, 400: errorResponse },
        },
      },
      '/v1/trending': { get: { summary: 'Trending items', parameters: [query('window'), query('k', false, 'integer')], responses: { 200: { description: 'items with counts' } } } },
      '/v1/items/{content_id}/similar': { get: { summary: 'Similar items', parameters: [path('content_id'), query('k', false, 'integer')], responses: { 200: { description: 'items', ...json(itemList) } } } },
      '/v1/users/{user_id}/features': { get: { summary: 'A user\'s online features', parameters: [path('user_id')], responses: { 200: { description: 'features' }, 404: errorResponse } } },
      '/v1/items/{content_id}/features': { get: { summary: 'An item\'s online features', parameters: [path('content_id')], responses: { 200: { description: 'features' }, 404: errorResponse } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'text format' } } } },
      '/healthz': { get: { summary: 'Liveness', responses: { 200: { description: 'alive' } } } },
      '/readyz': { get: { summary: 'Readiness', responses: { 200: { description: 'ready' }, 503: { description: 'not ready' } } } },
      ...REGISTRY_OPENAPI_PATHS,
    },
    security: [{ apiKey: [] }],
  };
}
