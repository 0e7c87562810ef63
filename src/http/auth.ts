/**
 * Authentication (bearer tokens) and the route guard. Every route but health, docs and
 * sign-in declares the roles it admits; jurisdiction checks happen in the services.
 */
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { AppContext } from '../app.ts';
import { principalForToken } from '../org/service.ts';
import type { Principal, Role } from '../org/model.ts';
import { Problem } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const BEARER = /^Bearer ([A-Za-z0-9_-]{10,200})$/;

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header ? BEARER.exec(header)?.[1] : undefined;
}

export const authPlugin = fp(async (app: FastifyInstance, { ctx }: { ctx: AppContext }) => {
  app.decorateRequest('principal', null);
  app.decorate('authenticate', async (request: FastifyRequest) => {
    const token = bearerToken(request);
    if (!token) throw new Problem('CY_UNAUTHENTICATED', 'Send Authorization: Bearer <token> from POST /api/v1/auth/login');
    const principal = await principalForToken(ctx, token);
    if (!principal) throw new Problem('CY_UNAUTHENTICATED', 'Token is unknown, expired or revoked');
    request.principal = principal;
    return principal;
  });
});

declare module 'fastify' {
  interface FastifyInstance {
    authenticate(request: FastifyRequest): Promise<Principal>;
  }
}

/** A preHandler admitting signed-in users with one of `roles` (all roles when omitted). */
export function allow(app: FastifyInstance, roles?: readonly Role[]): preHandlerAsyncHookHandler {
  return async (request) => {
    const principal = await app.authenticate(request);
    if (roles && !roles.includes(principal.user.role)) {
      throw new Problem('CY_FORBIDDEN', `Role ${principal.user.role} may not do this; allowed: ${roles.join(', ')}`);
    }
  };
}

/** The principal set by `allow`; routes behind a guard always have one. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Problem('CY_UNAUTHENTICATED');
  return request.principal;
}

export const STAFF: readonly Role[] = ['grid_worker', 'handler', 'operator', 'supervisor', 'admin'];
export const SECURED = [{ bearer: [] as string[] }];
