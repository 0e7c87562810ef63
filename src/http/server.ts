/**
 * Server assembly: Fastify with TypeBox schemas, one error format (problem+json), request
 * ids, security headers, OpenAPI and its interactive docs. Features add their routes.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../app.ts';
import { installErrorHandling, rejectUnstorableText, sendProblem, toProblem } from './error-handler.ts';
import { Problem } from './errors.ts';
import { validatorCompiler } from './validation.ts';
import { ProblemSchema } from './schemas.ts';
import { authPlugin } from './auth.ts';
import { undeclaredRoutes } from './access-policy.ts';
import { RedisBuckets } from './redis-buckets.ts';
import { TokenBuckets } from './rate-limit.ts';
import { systemRoutes } from './system-routes.ts';
import { orgRoutes } from '../org/routes.ts';
import { divisionRoutes } from '../divisions/routes.ts';
import { auditRoutes } from '../audit/routes.ts';
import { caseRoutes } from '../cases/routes.ts';
import { slaRoutes } from '../sla/routes.ts';
import { notifyRoutes } from '../notify/routes.ts';
import { routingRoutes } from '../routing/routes.ts';
import { open311Routes } from '../open311/routes.ts';
import { formatOf, sendErrors } from '../open311/format.ts';
import { triageRoutes } from '../triage/routes.ts';
import { consoleFiles } from './static.ts';
import { sensingRoutes } from '../sensing/routes.ts';
import { alarmRoutes } from '../sensing/alarm-routes.ts';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Query parameters that carry credentials (the event stream's token, Open311 keys): never logged. */
const SECRET_QUERY = /([?&](?:access_token|api_key|token|password|secret)=)[^&#]*/gi;
export const redactUrl = (url: string) => url.replace(SECRET_QUERY, '$1[redacted]');

/** Field names whose values are never written to the log, wherever they appear in a logged object. */
const SECRET_FIELDS = ['password', 'passwordHash', 'token', 'secret', 'key', 'apiKey', 'api_key', 'authorization'];

/** The request log line: method, url without credentials, client; never headers or bodies. */
function requestLog(req: FastifyRequest): Record<string, unknown> {
  return { method: req.method, url: redactUrl(req.url), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort };
}

export interface RegisteredRoute { method: string; url: string }

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route as registered (method, full url), for the access policy check. */
    routeTable: readonly RegisteredRoute[];
    /** Rate limits on sign-in and public intake: this node's, or shared in Redis. */
    rateLimits: Readonly<Record<'signInAddress' | 'signInAccount' | 'intakeAddress' | 'intakeReporter', TokenBuckets>>;
  }
}

/** Headers every answer carries; the interactive docs need to frame and script themselves. */
function securityHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', request.id);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  if (!request.url.startsWith('/docs')) {
    reply.header('x-frame-options', 'DENY');
    // The console's pages and assets (static.ts) set their own policy and caching.
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  }
}

export async function buildServer(ctx: AppContext) {
  const app = Fastify({
    loggerInstance: ctx.log.child({}, {
      serializers: { req: requestLog },
      redact: { paths: [...SECRET_FIELDS, ...SECRET_FIELDS.map((f) => `*.${f}`)], censor: '[redacted]' },
    }) as FastifyBaseLogger,
    bodyLimit: ctx.config.bodyLimit,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // A path the router cannot even decode (bad percent-encoding, an over-long segment) is
    // answered before any route: in the same formats as every other refusal.
    frameworkErrors: (error, request, reply) => {
      securityHeaders(request, reply);
      const problem = toProblem(error) ?? new Problem('CY_VALIDATION', error.message);
      if (request.url.startsWith('/open311/v2')) return sendErrors(reply, formatOf(request), 400, [problem.message]);
      return sendProblem(reply, request, problem);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const routeTable: RegisteredRoute[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routeTable.push({ method, url: route.url });
  });

  const rates = ctx.config.rateLimits;
  const now = () => ctx.clock().getTime();
  const store = ctx.config.redisUrl ? await RedisBuckets.connect(ctx.config.redisUrl, `${ctx.config.natsNamespace}:ratelimit:`, ctx.log) : undefined;
  if (store) app.addHook('onClose', () => store.close());
  const buckets = (name: string, id: string, perMinute: number) => new TokenBuckets(name, { perMinute }, now, store && { store, id });
  app.decorate('rateLimits', {
    signInAddress: buckets('sign-in', 'signin-address', rates.signInPerAddress),
    signInAccount: buckets('sign-in', 'signin-account', rates.signInPerAccount),
    intakeAddress: buckets('intake', 'intake-address', rates.intakePerAddress),
    intakeReporter: buckets('intake', 'intake-reporter', rates.intakePerReporter),
  });

  app.setValidatorCompiler(validatorCompiler);
  installErrorHandling(app, consoleFiles());

  app.addHook('onSend', async (request, reply) => securityHeaders(request, reply));
  app.addHook('preValidation', async (request) => rejectUnstorableText(request));

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'chengyun 城运 API',
        version: '1',
        description: 'Digital city operations and governance: city model, organisation, cases, sensing. Errors are RFC 9457 problem+json.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Token from POST /api/v1/auth/login' } },
      },
      tags: [
        { name: 'system', description: 'Health and readiness' },
        { name: 'auth', description: 'Sign-in and tokens' },
        { name: 'org', description: 'Centers, departments and users (组织机构)' },
        { name: 'divisions', description: 'Administrative divisions, grids and geo lookup (行政区划, 网格)' },
        { name: 'audit', description: 'Hash-chained audit log (审计日志)' },
        { name: 'cases', description: 'The case closed loop (案件闭环): intake, workflow actions, timeline, photos' },
        { name: 'sla', description: 'Time limits (时限): working calendar with holidays and make-up days, SLA policies' },
        { name: 'categories', description: 'Case categories: GB/T 30428 部件/事件 and 12345 hotline categories by domain (领域)' },
        { name: 'routing', description: 'The responsibility list (权责清单): which unit handles which category where' },
        { name: 'events', description: 'Live events for consoles (server-sent events), scoped to your jurisdiction' },
        { name: 'inbox', description: 'In-app notifications (站内信)' },
        { name: 'webhooks', description: 'Signed outgoing webhooks with retries (出站推送)' },
        { name: 'triage', description: 'Triage intelligence (智能分拨): classify report text, recommend the unit' },
        { name: 'sensing', description: 'Lifeline sensing (城市生命线): sensors, assets, gateways, ingest, time series' },
        { name: 'alarms', description: 'Lifeline alarms (告警): four-colour levels, acknowledge, assign, clear, and their rules (告警规则)' },
        { name: 'vital-signs', description: 'City vital signs (城市体征): sensors online, alarms by colour, cases, composite index' },
        { name: 'open311', description: 'Open311 GeoReport v2 for third-party apps (JSON and XML), and its API keys' },
      ],
    },
  });
  app.addSchema({ ...ProblemSchema, $id: 'Problem' });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(authPlugin, { ctx });
  await app.register(systemRoutes, { ctx });
  await app.register(orgRoutes, { ctx, prefix: '/api/v1' });
  await app.register(divisionRoutes, { ctx, prefix: '/api/v1' });
  await app.register(auditRoutes, { ctx, prefix: '/api/v1' });
  await app.register(caseRoutes, { ctx, prefix: '/api/v1' });
  await app.register(slaRoutes, { ctx, prefix: '/api/v1' });
  await app.register(notifyRoutes, { ctx, prefix: '/api/v1' });
  await app.register(routingRoutes, { ctx, prefix: '/api/v1' });
  await app.register(triageRoutes, { ctx, prefix: '/api/v1' });
  await app.register(sensingRoutes, { ctx, prefix: '/api/v1' });
  await app.register(alarmRoutes, { ctx, prefix: '/api/v1' });
  await app.register(open311Routes, { ctx });
  await app.ready();
  const undeclared = undeclaredRoutes(routeTable);
  if (undeclared.length) ctx.log.warn({ routes: undeclared }, 'routes without a line in src/http/access-policy.ts');
  return app;
}

export type ChengyunServer = Awaited<ReturnType<typeof buildServer>>;
