// The OpenAPI 3.1 description of the admin API, served at GET /v1/openapi.json (no token needed).
// Item bodies follow the inventory format (docs/inventory.md); responses are the stored model.

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const error = { description: 'Error model', content: { 'application/json': { schema: ref('Error') } } };
const plan = {
  description: 'Plan applied (or, with ?dry_run=1, only computed)',
  content: { 'application/json': { schema: ref('Plan') } },
};
const dryRun = {
  name: 'dry_run',
  in: 'query',
  required: false,
  schema: { type: 'string' },
  description: 'Compute and return the plan without applying it',
};
const key = (what: string) => ({
  name: 'key',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: `${what} name or id`,
});
const body = (schema: string) => ({
  required: true,
  content: { 'application/json': { schema: ref(schema) } },
});

function collection(tag: string, item: string) {
  return {
    get: { tags: [tag], summary: `List ${tag}`, responses: { 200: { description: 'OK' }, 401: error } },
    post: {
      tags: [tag],
      summary: `Add one (${item} item of the inventory format)`,
      parameters: [dryRun],
      requestBody: body(item),
      responses: { 201: plan, 400: error, 401: error, 409: error, 503: error, 507: error },
    },
  };
}

function member(tag: string, item: string) {
  return {
    get: {
      tags: [tag],
      parameters: [key(tag)],
      responses: { 200: { description: 'OK' }, 401: error, 404: error },
    },
    put: {
      tags: [tag],
      summary: 'Replace it',
      parameters: [key(tag), dryRun],
      requestBody: body(item),
      responses: { 200: plan, 400: error, 401: error, 404: error, 409: error, 503: error, 507: error },
    },
    delete: {
      tags: [tag],
      parameters: [key(tag), dryRun],
      responses: { 200: plan, 401: error, 404: error, 409: error, 503: error, 507: error },
    },
  };
}

export function adminOpenApi(): unknown {
  const item = { type: 'object', additionalProperties: true, description: 'See docs/inventory.md' };
  return {
    openapi: '3.1.0',
    info: { title: 'openimds admin API', version: '1' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Router: item,
        Network: item,
        Instance: item,
        Port: {
          ...item,
          description: 'A port item of the inventory format plus "instance" (name or uuid) on POST',
        },
        Plan: {
          type: 'object',
          properties: {
            applied: { type: 'boolean' },
            empty: { type: 'boolean' },
            changes: { type: 'array', items: { type: 'string' } },
          },
        },
        Error: {
          type: 'object',
          properties: {
            error: {
              type: 'object',
              properties: {
                code: { type: 'string' },
                message: { type: 'string' },
                hint: { type: 'string' },
                details: {},
              },
              required: ['code', 'message'],
            },
          },
        },
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/v1/routers': collection('routers', 'Router'),
      '/v1/routers/{key}': member('routers', 'Router'),
      '/v1/networks': collection('networks', 'Network'),
      '/v1/networks/{key}': member('networks', 'Network'),
      '/v1/instances': collection('instances', 'Instance'),
      '/v1/instances/{key}': member('instances', 'Instance'),
      '/v1/instances/{key}/password': {
        delete: {
          tags: ['instances'],
          summary: 'Clear the guest-set password (as Nova os-server-password DELETE)',
          parameters: [key('instance')],
          responses: { 200: { description: 'Cleared' }, 401: error, 404: error, 503: error, 507: error },
        },
      },
      '/v1/ports': collection('ports', 'Port'),
      '/v1/ports/{key}': member('ports', 'Port'),
      '/v1/inventory': {
        get: {
          tags: ['inventory'],
          summary: 'Export the store as an inventory (YAML)',
          responses: { 200: { description: 'YAML', content: { 'application/yaml': {} } }, 401: error },
        },
        post: {
          tags: ['inventory'],
          summary: 'Apply an inventory (YAML or JSON); the body is the whole truth',
          parameters: [dryRun],
          requestBody: { required: true, content: { 'application/yaml': {}, 'application/json': {} } },
          responses: { 200: plan, 400: error, 401: error, 409: error, 503: error, 507: error },
        },
      },
      '/v1/token-audit': {
        get: {
          tags: ['instances'],
          summary:
            'Requests without a session token from instances under http_tokens: audit, counted since the service started',
          responses: { 200: { description: 'OK' }, 401: error },
        },
      },
      '/v1/openapi.json': {
        get: { security: [], summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } },
      },
    },
  };
}
