/**
 * Open311 GeoReport v2 at /open311/v2 (discovery, services, service definitions, requests,
 * tokens) in JSON and XML, with the spec's error list for every refusal; and the API-key
 * administration at /api/v1/open311/keys, which speaks the platform's problem+json.
 */
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type TSchema } from 'typebox';
import type { AppContext } from '../app.ts';
import { allow, principalOf, SECURED } from '../http/auth.ts';
import { toProblem } from '../http/error-handler.ts';
import { problems } from '../http/schemas.ts';
import { clientOf, limit } from '../http/rate-limit.ts';
import { formatOf, isFormat, Open311Error, sendErrors, sendResource, type Format, type Open311Status } from './format.ts';
import * as keys from './keys.ts';
import { parseW3c, type RequestStatus } from './requests.ts';
import * as service from './service.ts';
import { serviceDefinition, serviceList, SERVICES_CHANGESET, type RawAttributes } from './services.ts';

const SPECIFICATION = 'http://wiki.open311.org/GeoReport_v2';

// ---------------------------------------------------------------------------------------------
// Schemas (the JSON shapes; XML carries the same elements, see the spec's Spark convention).

const Nullable = (t: TSchema) => Type.Union([t, Type.Null()]);

const ServiceSchema = Type.Object({
  service_code: Type.String({ description: 'Category code: C… 部件, E… 事件, H… 12345 hotline' }), service_name: Type.String(), description: Type.String(),
  metadata: Type.Boolean(), type: Type.Literal('realtime'), keywords: Type.String(), group: Type.String({ description: '大类 (major class) or 领域 (domain)' }),
});

const ServiceDefinitionSchema = Type.Object({
  service_code: Type.String(),
  attributes: Type.Array(Type.Object({
    variable: Type.Boolean(), code: Type.String(), datatype: Type.String(), required: Type.Boolean(), datatype_description: Nullable(Type.String()),
    order: Type.Integer(), description: Type.String(), values: Type.Array(Type.Object({ key: Type.String(), name: Type.String() })),
  })),
});

const RequestSchema = Type.Object({
  service_request_id: Type.String({ description: 'The case number (案件编号)' }), status: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
  status_notes: Type.String({ description: 'Chinese status name and the latest public note' }), service_name: Type.String(), service_code: Type.String(),
  description: Type.String(), agency_responsible: Nullable(Type.String()), service_notice: Nullable(Type.String()),
  requested_datetime: Type.String(), updated_datetime: Type.String(), expected_datetime: Nullable(Type.String({ description: 'The handling deadline of the case\'s time limit' })),
  address: Type.String(), address_id: Type.String({ description: 'Unit grid code (单元网格)' }), zipcode: Nullable(Type.String()),
  lat: Type.Number(), long: Type.Number(), media_url: Nullable(Type.String()),
});

const ReceiptSchema = Type.Object({ service_request_id: Type.String(), service_notice: Type.String(), account_id: Nullable(Type.String()) });
const TokenSchema = Type.Object({ service_request_id: Type.String(), token: Type.String() });

const DiscoverySchema = Type.Object({
  changeset: Type.String(), contact: Type.String(), key_service: Type.String(),
  endpoints: Type.Array(Type.Object({
    specification: Type.String(), url: Type.String(), changeset: Type.String(), type: Type.String(), formats: Type.Array(Type.String()),
  })),
});

const ErrorsSchema = Type.Array(Type.Object({ code: Type.Integer(), description: Type.String() }), { description: 'GeoReport errors; XML: <errors><error><code/><description/></error></errors>' });

const ERROR_MEANING: Record<Open311Status, string> = {
  400: 'Missing or invalid parameters, or a request that cannot be fulfilled',
  403: 'Missing or invalid api_key',
  404: 'No such service, request, token or format',
  429: 'Too many requests from this app or address: retry after the Retry-After header\'s seconds',
};

/** Responses in both formats, for the OpenAPI document. */
function responses(ok: Record<number, TSchema>, errors: readonly Open311Status[]) {
  const both = (description: string, schema: TSchema) => ({
    description,
    content: { 'application/json': { schema }, 'text/xml': { schema: Type.String({ description: 'The same, as XML with encoding="UTF-8"' }) } },
  });
  return {
    ...Object.fromEntries(Object.entries(ok).map(([status, schema]) => [status, both((schema as { description?: string }).description ?? 'OK', schema)])),
    ...Object.fromEntries(errors.map((status) => [status, both(ERROR_MEANING[status], ErrorsSchema)])),
  };
}

const FormatParam = Type.String({ maxLength: 20, description: 'json or xml' });

// The spec lets one endpoint serve several jurisdictions; this one serves the city only, so
// jurisdiction_id is accepted and ignored. api_key is optional on reads.
const ReadQuery = {
  jurisdiction_id: Type.Optional(Type.String({ maxLength: 200 })),
  api_key: Type.Optional(Type.String({ maxLength: 200, description: 'Optional on reads; when sent it must be valid' })),
};

const CommaList = (description: string) => Type.Optional(Type.Union([
  Type.String({ maxLength: 40_000 }), Type.Array(Type.String({ maxLength: 40_000 }), { maxItems: 1000 }),
], { description }));

const RequestsQuery = Type.Object({
  ...ReadQuery,
  service_request_id: CommaList('Comma-separated request ids; overrides every other filter'),
  service_code: CommaList('Comma-separated service codes'),
  start_date: Type.Optional(Type.String({ maxLength: 40, description: 'W3C datetime with zone; requested at or after' })),
  end_date: Type.Optional(Type.String({ maxLength: 40, description: 'W3C datetime with zone; requested at or before (at most 90 days after start_date)' })),
  status: CommaList('open, closed or both, comma-separated'),
});

const Numeric = Type.Union([Type.Number(), Type.String({ pattern: '^\\s*-?[0-9]{1,3}(\\.[0-9]{1,15})?\\s*$' })]);

const RequestBody = Type.Object({
  api_key: Type.Optional(Type.String({ maxLength: 200, description: 'The key issued to your app (required)' })),
  jurisdiction_id: Type.Optional(Type.String({ maxLength: 200 })),
  service_code: Type.String({ minLength: 1, maxLength: 50 }),
  lat: Type.Optional(Numeric), long: Type.Optional(Numeric),
  crs: Type.Optional(Type.Union([Type.Literal('wgs84'), Type.Literal('gcj02')], { description: 'Extension: gcj02 for coordinates from Chinese map SDKs; the spec\'s default is wgs84' })),
  address_string: Type.Optional(Type.String({ maxLength: 300, description: 'Describes the place; lat and long are still required' })),
  address_id: Type.Optional(Type.String({ maxLength: 100 })),
  email: Type.Optional(Type.String({ maxLength: 200, description: 'Accepted but not stored: the platform answers residents by phone and in its app' })),
  device_id: Type.Optional(Type.String({ maxLength: 200 })), account_id: Type.Optional(Type.String({ maxLength: 100 })),
  first_name: Type.Optional(Type.String({ maxLength: 25 })), last_name: Type.Optional(Type.String({ maxLength: 25 })),
  phone: Type.Optional(Type.String({ pattern: '^\\+?[0-9 -]{5,20}$' })),
  description: Type.Optional(Type.String({ maxLength: 4000 })),
  media_url: Type.Optional(Type.String({ maxLength: 2000, pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s]+$' })),
  attribute: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String({ maxLength: 200 }), Type.Array(Type.String({ maxLength: 200 }), { maxItems: 20 })]))),
}, { description: 'application/x-www-form-urlencoded as the spec says (attribute[code]=value), or the same fields as JSON' });

interface RequestBodyValue {
  api_key?: string; service_code: string; lat?: number | string; long?: number | string; crs?: 'wgs84' | 'gcj02';
  address_string?: string; address_id?: string; account_id?: string; first_name?: string; last_name?: string; phone?: string;
  description?: string; media_url?: string; attribute?: RawAttributes;
}

interface RequestsQueryValue {
  service_request_id?: string | string[]; service_code?: string | string[]; start_date?: string; end_date?: string; status?: string | string[];
}

// ---------------------------------------------------------------------------------------------
// Input normalisation and errors.

const ATTRIBUTE_KEY = /^attribute\[([^\]]+)\](\[\])?$/;

/**
 * The spec's "optional" means an empty parameter equals an absent one, so empty values are
 * dropped; form keys attribute[code] and attribute[code][] become the attribute object.
 */
function normalise(input: unknown): unknown {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return input;
  const out: Record<string, unknown> = {};
  const attribute: Record<string, string | string[]> = {};
  const keep = (v: unknown) => v !== '' && v !== null && v !== undefined;
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    const m = ATTRIBUTE_KEY.exec(key);
    if (m) {
      const values = (Array.isArray(value) ? value : [value]).filter(keep).map(String);
      if (values.length) attribute[m[1]] = m[2] || values.length > 1 ? values : values[0];
    } else if (key === 'attribute' && value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [code, v] of Object.entries(value as Record<string, unknown>)) if (keep(v)) attribute[code] = v as string | string[];
    } else if (keep(value)) {
      out[key] = value;
    }
  }
  if (Object.keys(attribute).length) out.attribute = attribute;
  return out;
}

/** Form bodies as an object; a key sent twice keeps both values. */
function parseForm(body: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const seen = out[key];
    out[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return out;
}

const FIELD_HINTS: Record<string, string> = {
  lat: 'must be a latitude in decimal degrees (WGS84)',
  long: 'must be a longitude in decimal degrees (WGS84)',
  phone: 'must be a phone number: digits, spaces and dashes, optionally starting with +',
  media_url: 'must be an http or https URL',
  'idempotency-key': 'must be 8 to 100 characters of letters, digits and _ . : -',
};

function describeValidation(error: FastifyError): string {
  const v = error.validation?.[0];
  if (!v) return error.message;
  const missing = (v.params as { missingProperty?: string } | undefined)?.missingProperty;
  if (v.keyword === 'required' && missing) return `${missing} was not provided`;
  const path = (v.instancePath ?? '').split('/').filter(Boolean);
  const field = path[0] === 'attribute' && path[1] ? `attribute[${path[1]}]` : path[0];
  if (!field) return `${error.validationContext ?? 'request'} ${v.message ?? 'is invalid'}`;
  return `${field} ${FIELD_HINTS[field] ?? v.message ?? 'is invalid'}`;
}

/** Any failure as the spec's error: 403 for keys, 404 for what does not exist, 400 for the rest. */
function toOpen311(error: FastifyError | Error, request: FastifyRequest): Open311Error {
  if (error instanceof Open311Error) return error;
  const fe = error as FastifyError;
  if (fe.validation) return new Open311Error(400, describeValidation(fe));
  const problem = toProblem(error);
  if (problem && problem.status < 500) {
    const status: Open311Status = problem.status === 404 || problem.status === 429 ? problem.status : problem.status === 401 || problem.status === 403 ? 403 : 400;
    return new Open311Error(status, problem.code === 'CY_UNSUPPORTED_MEDIA_TYPE' ? 'send the request as application/x-www-form-urlencoded (or application/json), UTF-8' : problem.message);
  }
  // The spec answers a failure inside the server with 400 ("General service error") too.
  request.log.error({ err: error }, 'open311 request failed');
  return new Open311Error(400, `General service error: the request could not be processed; quote request id ${request.id} when you report it`);
}

// ---------------------------------------------------------------------------------------------
// Routes.

const presentedKeys = new WeakMap<FastifyRequest, keys.ApiKey>();

function splitList(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return items.length ? items : undefined;
}

async function georeportApi(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, parseForm(body as string)));

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const e = toOpen311(error, request);
    return sendErrors(reply, formatOf(request), e.status, [e.message]);
  });
  app.setNotFoundHandler((request, reply) =>
    sendErrors(reply, formatOf(request), 404, [`no GeoReport resource ${request.method} ${request.url.split('?')[0]}; the resources are discovery, services, services/{service_code}, requests, requests/{service_request_id} and tokens/{token}, each .json or .xml`]));

  // Before validation: the format decides how everything after answers, and the spec's empty
  // parameters are dropped before the schema sees them.
  app.addHook('preValidation', async (request) => {
    if (request.is404) return;
    const { format } = request.params as { format?: string };
    if (!isFormat(format)) throw new Open311Error(404, `format ${format ?? ''} is not served; use json or xml`);
    request.query = normalise(request.query) as typeof request.query;
    request.body = normalise(request.body) as typeof request.body;
  });

  /** POST needs a valid key; reads take one optionally, and a wrong one is still refused. */
  const checkKey = (required: boolean) => async (request: FastifyRequest) => {
    const fromBody = (request.body as { api_key?: unknown } | undefined)?.api_key;
    const given = fromBody ?? (request.query as { api_key?: unknown }).api_key;
    if (given === undefined) {
      if (required) throw new Open311Error(403, 'api_key was not provided: creating a request needs the key issued to your app');
      return;
    }
    const key = typeof given === 'string' ? await keys.keyFor(ctx, given) : undefined;
    if (!key) throw new Open311Error(403, 'Invalid api_key: it is unknown or has been revoked');
    presentedKeys.set(request, key);
  };
  const readKey = checkKey(false);

  const send = (reply: Parameters<typeof sendResource>[0], request: FastifyRequest, root: string, value: Parameters<typeof sendResource>[3], status?: number) =>
    sendResource(reply, (request.params as { format: Format }).format, root, value, status);

  app.get('/discovery.:format', {
    preValidation: readKey,
    schema: {
      tags: ['open311'], summary: 'GeoReport service discovery: endpoints, formats and how to get an API key',
      params: Type.Object({ format: FormatParam }), querystring: Type.Object(ReadQuery),
      response: responses({ 200: DiscoverySchema }, [400, 403, 404]),
    },
  }, async (request, reply) => {
    const base = ctx.config.publicUrl ? ctx.config.publicUrl.replace(/\/+$/, '') : `${request.protocol}://${request.host}`;
    const center = `${ctx.city.tree.at('500000', ctx.today())?.name ?? ''}数字化城市运行和治理中心`;
    return send(reply, request, 'discovery', {
      changeset: SERVICES_CHANGESET,
      contact: `${center}（城运中心）; report problems with this API to the center's administrators`,
      key_service: `API keys are issued to third-party apps by ${center} administrators (POST /api/v1/open311/keys); the key is shown once`,
      endpoints: [{
        specification: SPECIFICATION, url: `${base}/open311/v2`, changeset: SERVICES_CHANGESET, type: 'production',
        formats: ['text/xml', 'application/json'],
      }],
    });
  });

  app.get('/services.:format', {
    preValidation: readKey,
    schema: {
      tags: ['open311'], summary: 'GeoReport services: every case category (GB/T 30428.2 部件 and 事件, 12345 hotline categories)',
      params: Type.Object({ format: FormatParam }), querystring: Type.Object(ReadQuery),
      response: responses({ 200: Type.Array(ServiceSchema, { description: 'The service list' }) }, [400, 403, 404]),
    },
  }, async (request, reply) => send(reply, request, 'services', serviceList()));

  app.get('/services/:service_code.:format', {
    preValidation: readKey,
    schema: {
      tags: ['open311'], summary: 'GeoReport service definition: the attributes a request may carry (urgency, appeal type)',
      params: Type.Object({ service_code: Type.String({ maxLength: 50 }), format: FormatParam }), querystring: Type.Object(ReadQuery),
      response: responses({ 200: ServiceDefinitionSchema }, [400, 403, 404]),
    },
  }, async (request, reply) => {
    const code = (request.params as { service_code: string }).service_code;
    const definition = serviceDefinition(code);
    if (!definition) throw new Open311Error(404, `service_code ${code} was not found; GET services for the list`);
    return send(reply, request, 'service_definition', definition);
  });

  app.post('/requests.:format', {
    preValidation: checkKey(true),
    schema: {
      tags: ['open311'],
      summary: 'GeoReport: create a service request (a case, reported by your app); lat and long are required; Idempotency-Key makes retries safe',
      params: Type.Object({ format: FormatParam }),
      querystring: Type.Object(ReadQuery),
      headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 8, maxLength: 100, pattern: '^[A-Za-z0-9_.:-]+$' })) }),
      body: RequestBody,
      response: responses({
        201: Type.Array(ReceiptSchema, { description: 'The request was created; service_request_id is the case number' }),
        200: Type.Array(ReceiptSchema, { description: 'A retry with the same Idempotency-Key: the request created first' }),
      }, [400, 403, 404, 429]),
    },
  }, async (request, reply) => {
    const body = request.body as RequestBodyValue;
    const key = presentedKeys.get(request)!;
    await limit(reply, [[app.rateLimits.intakeAddress, clientOf(request)], [app.rateLimits.intakeReporter, `open311:${key.id}`]]);
    const num = (v: number | string | undefined) => (v === undefined ? undefined : Number(v));
    const { receipt, replayed } = await service.submitRequest(ctx, key, {
      serviceCode: body.service_code, lat: num(body.lat), long: num(body.long), crs: body.crs ?? 'wgs84',
      addressString: body.address_string, addressId: body.address_id, description: body.description,
      firstName: body.first_name, lastName: body.last_name, phone: body.phone, mediaUrl: body.media_url,
      accountId: body.account_id, attributes: body.attribute,
    }, request.id, request.headers['idempotency-key'] as string | undefined);
    return send(reply, request, 'service_requests', [receipt], replayed ? 200 : 201);
  });

  app.get('/requests.:format', {
    preValidation: readKey,
    schema: {
      tags: ['open311'], summary: 'GeoReport: public service requests, newest first; default the last 90 days, at most 1,000',
      params: Type.Object({ format: FormatParam }), querystring: RequestsQuery,
      response: responses({ 200: Type.Array(RequestSchema, { description: 'Public fields only' }) }, [400, 403, 404]),
    },
  }, async (request, reply) => {
    const q = request.query as RequestsQueryValue;
    const requests = await service.findRequests(ctx, {
      ids: splitList(q.service_request_id),
      serviceCodes: splitList(q.service_code),
      statuses: splitList(q.status) as RequestStatus[] | undefined,
      start: q.start_date ? parseW3c('start_date', q.start_date) : undefined,
      end: q.end_date ? parseW3c('end_date', q.end_date) : undefined,
    });
    return send(reply, request, 'service_requests', requests);
  });

  app.get('/requests/:service_request_id.:format', {
    preValidation: readKey,
    schema: {
      tags: ['open311'], summary: 'GeoReport: one public service request by its id (the case number)',
      params: Type.Object({ service_request_id: Type.String({ maxLength: 100 }), format: FormatParam }), querystring: Type.Object(ReadQuery),
      response: responses({ 200: Type.Array(RequestSchema, { description: 'One request, public fields only' }) }, [400, 403, 404]),
    },
  }, async (request, reply) => {
    const id = (request.params as { service_request_id: string }).service_request_id;
    return send(reply, request, 'service_requests', [await service.findRequest(ctx, id)]);
  });

  app.get('/tokens/:token.:format', {
    preValidation: readKey,
    schema: {
      tags: ['open311'],
      summary: 'GeoReport: request id from a token. Every service is realtime, so POST returns the id itself; a request id used as a token resolves to itself at once',
      params: Type.Object({ token: Type.String({ maxLength: 100 }), format: FormatParam }), querystring: Type.Object(ReadQuery),
      response: responses({ 200: Type.Array(TokenSchema, { description: 'The request id of the token' }) }, [400, 403, 404]),
    },
  }, async (request, reply) => {
    const token = (request.params as { token: string }).token;
    const found = await service.findRequest(ctx, token, 'token');
    return send(reply, request, 'service_requests', [{ service_request_id: found.service_request_id, token }]);
  });
}

const ApiKeyFields = {
  id: Type.String(), name: Type.String(), active: Type.Boolean(), createdBy: Type.String(), createdAt: Type.String({ format: 'date-time' }),
  revokedBy: Nullable(Type.String()), revokedAt: Nullable(Type.String({ format: 'date-time' })),
};
const ApiKeySchema = Type.Object(ApiKeyFields, { description: 'An Open311 API key of a third-party app; the key itself is shown only when issued' });

async function keyRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  app.post('/open311/keys', {
    preHandler: allow(app, ['admin']),
    schema: {
      tags: ['open311'], summary: 'Issue an Open311 API key to a third-party app (city center administrators); the key is in this response only', security: SECURED,
      body: Type.Object({
        name: Type.String({ minLength: 2, maxLength: 60, pattern: '^[\\p{L}\\p{N}][\\p{L}\\p{N} ._-]*$', description: 'The app\'s name; cases it reports show reporter open311:<name>' }),
      }, { additionalProperties: false }),
      response: { 201: Type.Object({ ...ApiKeyFields, key: Type.String({ description: 'Send as api_key; not retrievable later' }) }), ...problems(400, 401, 403, 409) },
    },
  }, async (request, reply) => {
    const { name } = request.body as { name: string };
    return reply.status(201).send(await keys.issueKey(ctx, principalOf(request), request.id, name.trim()));
  });

  app.get('/open311/keys', {
    preHandler: allow(app, ['admin']),
    schema: {
      tags: ['open311'], summary: 'Open311 API keys, newest first, without the keys themselves (city center administrators)', security: SECURED,
      response: { 200: Type.Object({ items: Type.Array(ApiKeySchema) }), ...problems(401, 403) },
    },
  }, async (request) => ({ items: await keys.listKeys(ctx, principalOf(request)) }));

  app.delete('/open311/keys/:id', {
    preHandler: allow(app, ['admin']),
    schema: {
      tags: ['open311'], summary: 'Revoke an Open311 API key: the app can no longer create requests; its cases stay', security: SECURED,
      params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }),
      response: { 200: ApiKeySchema, ...problems(401, 403, 404, 409) },
    },
  }, async (request) => keys.revokeKey(ctx, principalOf(request), request.id, (request.params as { id: string }).id));
}

export async function open311Routes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  await app.register(georeportApi, { ctx, prefix: '/open311/v2' });
  await app.register(keyRoutes, { ctx, prefix: '/api/v1' });
}
