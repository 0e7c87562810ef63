/** HTTP routes for sign-in, units and users: authorise, validate, delegate. */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../app.ts';
import { allow, bearerToken, principalOf, SECURED, STAFF } from '../http/auth.ts';
import { Limit, problems } from '../http/schemas.ts';
import { clientOf, limit } from '../http/rate-limit.ts';
import { ROLES } from './model.ts';
import * as service from './service.ts';

const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)), { description: 'citizen 市民, grid_worker 网格员, handler 处置人员, operator 值班员/派遣员, supervisor 督办, admin 管理员' });

export const UnitSchema = Type.Object({
  id: Type.String(), kind: Type.Union([Type.Literal('center'), Type.Literal('department')]),
  tier: Type.Union([Type.Literal('city'), Type.Literal('district'), Type.Literal('street')]),
  name: Type.String(), divisionCode: Type.Union([Type.String(), Type.Null()]), parentId: Type.Union([Type.String(), Type.Null()]),
  scopeInclude: Type.Array(Type.String()), scopeExclude: Type.Array(Type.String()),
  line: Type.Union([Type.String(), Type.Null()]), active: Type.Boolean(),
});

export const UserSchema = Type.Object({
  id: Type.String(), username: Type.String(), displayName: Type.String(), role: RoleSchema,
  unitId: Type.Union([Type.String(), Type.Null()]), phone: Type.Union([Type.String(), Type.Null()]), disabled: Type.Boolean(),
});

const Username = Type.String({ pattern: '^[A-Za-z0-9_.@-]{3,64}$' });
const Password = Type.String({ minLength: 1, maxLength: 200 });
const Phone = Type.String({ pattern: '^\\+?[0-9 -]{5,20}$' });
const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export async function orgRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  app.post('/auth/login', {
    schema: {
      tags: ['auth'], summary: 'Sign in with username and password; returns an opaque bearer token',
      body: Type.Object({ username: Type.String({ minLength: 1, maxLength: 64 }), password: Password }, { additionalProperties: false }),
      response: { 200: Type.Object({ token: Type.String(), expiresAt: Type.String({ format: 'date-time' }), user: UserSchema, unit: Type.Union([UnitSchema, Type.Null()]) }), ...problems(400, 401, 423, 429) },
    },
  }, async (request, reply) => {
    const body = request.body as { username: string; password: string };
    await limit(reply, [[app.rateLimits.signInAddress, clientOf(request)], [app.rateLimits.signInAccount, `user:${body.username.toLowerCase()}`]]);
    const result = await service.login(ctx, body.username, body.password, request.id);
    return { ...result, expiresAt: result.expiresAt.toISOString() };
  });

  app.post('/auth/logout', {
    preHandler: allow(app),
    schema: { tags: ['auth'], summary: 'Revoke the token used for this request', security: SECURED, response: { 204: Type.Null(), ...problems(401) } },
  }, async (request, reply) => {
    await service.logout(ctx, bearerToken(request)!, { principal: principalOf(request), requestId: request.id });
    return reply.status(204).send();
  });

  app.get('/auth/me', {
    preHandler: allow(app),
    schema: { tags: ['auth'], summary: 'The signed-in user and their unit', security: SECURED, response: { 200: Type.Object({ user: UserSchema, unit: Type.Union([UnitSchema, Type.Null()]) }), ...problems(401) } },
  }, async (request) => principalOf(request));

  app.get('/units', {
    preHandler: allow(app, STAFF),
    schema: {
      tags: ['org'], summary: 'Centers and departments you work with (your area, the units above it and below it)', security: SECURED,
      querystring: Type.Object({
        tier: Type.Optional(Type.Union([Type.Literal('city'), Type.Literal('district'), Type.Literal('street')])),
        kind: Type.Optional(Type.Union([Type.Literal('center'), Type.Literal('department')])),
        q: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(UnitSchema) }), ...problems(400, 401, 403) },
    },
  }, async (request) => ({ items: await service.listVisibleUnits(ctx, principalOf(request), request.query as object) }));

  app.get('/units/:id', {
    preHandler: allow(app, STAFF),
    schema: { tags: ['org'], summary: 'One unit', security: SECURED, params: IdParam, response: { 200: UnitSchema, ...problems(401, 403, 404) } },
  }, async (request) => service.visibleUnit(ctx, principalOf(request), (request.params as { id: string }).id));

  app.get('/users', {
    preHandler: allow(app, ['admin', 'supervisor']),
    schema: {
      tags: ['org'], summary: 'Users of the units inside your jurisdiction', security: SECURED,
      querystring: Type.Object({ limit: Limit, after: Type.Optional(Type.String({ maxLength: 100 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(UserSchema), next: Type.Union([Type.String(), Type.Null()]) }), ...problems(400, 401, 403) },
    },
  }, async (request) => {
    const q = request.query as { limit: number; after?: string };
    const items = await service.listManagedUsers(ctx, principalOf(request), q.limit, q.after ?? null);
    return { items, next: items.length === q.limit ? items[items.length - 1].id : null };
  });

  app.get('/users/:id', {
    preHandler: allow(app, ['admin', 'supervisor']),
    schema: { tags: ['org'], summary: 'One user inside your jurisdiction', security: SECURED, params: IdParam, response: { 200: UserSchema, ...problems(401, 403, 404) } },
  }, async (request) => service.managedUser(ctx, principalOf(request), (request.params as { id: string }).id));

  app.post('/users', {
    preHandler: allow(app, ['admin']),
    schema: {
      tags: ['org'], summary: 'Create a user in a unit inside your jurisdiction', security: SECURED,
      body: Type.Object({
        username: Username, displayName: Type.String({ minLength: 1, maxLength: 50 }), password: Password, role: RoleSchema,
        unitId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), phone: Type.Optional(Phone),
      }, { additionalProperties: false }),
      response: { 201: UserSchema, ...problems(400, 401, 403, 404, 409, 422) },
    },
  }, async (request, reply) => {
    const user = await service.createUser(ctx, { principal: principalOf(request), requestId: request.id }, request.body as service.NewUserInput);
    return reply.status(201).send(user);
  });

  app.patch('/users/:id', {
    preHandler: allow(app, ['admin']),
    schema: {
      tags: ['org'], summary: 'Change, move, disable a user or reset their password (revokes their tokens)', security: SECURED, params: IdParam,
      body: Type.Object({
        displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })), role: Type.Optional(RoleSchema),
        unitId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), phone: Type.Optional(Type.Union([Phone, Type.Null()])),
        disabled: Type.Optional(Type.Boolean()), password: Type.Optional(Password),
      }, { additionalProperties: false, minProperties: 1 }),
      response: { 200: UserSchema, ...problems(400, 401, 403, 404, 409, 422) },
    },
  }, async (request) => service.updateUser(ctx, { principal: principalOf(request), requestId: request.id }, (request.params as { id: string }).id, request.body as service.UserPatch));
}
