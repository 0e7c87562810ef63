/**
 * Who may call each route (访问控制), in one table keyed by "METHOD /url" as registered.
 * The route guards (`allow`, the services' jurisdiction checks) enforce it; this table
 * declares it, and test/hardening/access-matrix.test.ts proves the two agree for every
 * role on both sides of a jurisdiction line. A route missing here fails that test: a new
 * endpoint needs one line.
 *
 *   who    public     anyone (answers carry nothing of a jurisdiction)
 *          api-key    anyone presenting a valid Open311 API key
 *          device     a sensor or gateway presenting its own credentials (`Authorization: Device
 *                     <sensor>:<secret>` or `Gateway <gateway>:<secret>`); a bearer token, whoever
 *                     holds it, is no such credential (401)
 *          signed-in  any valid bearer token, citizens included
 *          Role[]     signed-in with one of these roles (others get 403)
 *   scope  none       nothing jurisdictional in the path; lists are filtered to your reach
 *          area       the resource in the path (or the division the query names) lies in a
 *                     jurisdiction: outside yours it is 404, exactly like a missing id (citizens:
 *                     their own reports; departments: the cases they handle, the sensors and
 *                     alarms their unit owns)
 *          overview   the division the query names lies in the caller's area (a center's streets):
 *                     elsewhere 404, as a missing one; departments have no area, so 404 for them
 *          city       only users of the city center (市级中心); elsewhere 403
 */
import type { Role } from '../org/model.ts';
import { CASE_ACTIONS } from '../cases/workflow.ts';
import { actionPath } from '../cases/routes.ts';

export type Audience = 'public' | 'api-key' | 'device' | 'signed-in' | readonly Role[];
export type Scope = 'none' | 'area' | 'overview' | 'city';
export interface AccessRule { who: Audience; scope: Scope }

const STAFF: readonly Role[] = ['grid_worker', 'handler', 'operator', 'supervisor', 'admin'];
const ADMIN: readonly Role[] = ['admin'];
const MANAGERS: readonly Role[] = ['admin', 'supervisor'];

const rule = (who: Audience, scope: Scope = 'none'): AccessRule => ({ who, scope });
const PUBLIC = rule('public');

export const ACCESS_POLICY: Readonly<Record<string, AccessRule>> = {
  // system and documentation
  'GET /health': PUBLIC,
  'GET /ready': PUBLIC,
  'GET /docs': PUBLIC,
  'GET /docs/json': PUBLIC,
  'GET /docs/yaml': PUBLIC,
  'GET /docs/static/index.html': PUBLIC,
  'GET /docs/static/swagger-initializer.js': PUBLIC,
  'GET /docs/static/*': PUBLIC,
  // auth and organisation
  'POST /api/v1/auth/login': PUBLIC,
  'POST /api/v1/auth/logout': rule('signed-in'),
  'GET /api/v1/auth/me': rule('signed-in'),
  'GET /api/v1/units': rule(STAFF),
  'GET /api/v1/units/:id': rule(STAFF, 'area'),
  'GET /api/v1/users': rule(MANAGERS),
  'GET /api/v1/users/:id': rule(MANAGERS, 'area'),
  'POST /api/v1/users': rule(ADMIN),
  'PATCH /api/v1/users/:id': rule(ADMIN, 'area'),
  // city model
  'GET /api/v1/divisions': rule('signed-in'),
  'GET /api/v1/divisions/:code': rule('signed-in'),
  'GET /api/v1/divisions/:code/children': rule('signed-in'),
  'GET /api/v1/divisions/:code/versions': rule('signed-in'),
  'GET /api/v1/divisions/:code/geometry': rule('signed-in'),
  'GET /api/v1/divisions/:code/grids': rule('signed-in'),
  'GET /api/v1/grids': rule('signed-in'),
  'GET /api/v1/grids/:code': rule('signed-in'),
  'GET /api/v1/geo/lookup': rule('signed-in'),
  // audit
  'GET /api/v1/audit': rule(MANAGERS, 'city'),
  'GET /api/v1/audit/verify': rule(ADMIN, 'city'),
  // cases
  'POST /api/v1/cases': rule('signed-in'),
  'GET /api/v1/cases': rule('signed-in'),
  'GET /api/v1/cases/export.csv': rule(STAFF),
  // Within your reach: staff asking for a division outside their jurisdiction get 404; residents, their own reports wherever they are.
  'GET /api/v1/cases/map-points': rule('signed-in'),
  'GET /api/v1/cases/map-clusters': rule('signed-in'),
  'GET /api/v1/cases/stats': rule('signed-in'),
  'GET /api/v1/cases/:id': rule('signed-in', 'area'),
  'GET /api/v1/cases/by-number/:number': rule('signed-in', 'area'),
  'GET /api/v1/cases/:id/timeline': rule('signed-in', 'area'),
  // Each action's own rules (who may accept, dispatch …) are the workflow table's; the route admits whoever sees the case.
  ...Object.fromEntries(CASE_ACTIONS.map((action) => [`POST /api/v1/cases/:id/${actionPath(action)}`, rule('signed-in', 'area')])),
  'POST /api/v1/photos': rule('signed-in'),
  'GET /api/v1/photos/:hash': rule('signed-in', 'area'),
  // time limits, categories, responsibility list, triage
  'GET /api/v1/sla/calendar': rule(STAFF),
  'PUT /api/v1/sla/calendar/:date': rule(ADMIN, 'city'),
  'DELETE /api/v1/sla/calendar/:date': rule(ADMIN, 'city'),
  'GET /api/v1/sla/policies': rule(STAFF),
  'POST /api/v1/sla/policies': rule(ADMIN, 'city'),
  'PATCH /api/v1/sla/policies/:id': rule(ADMIN, 'city'),
  'GET /api/v1/categories': rule('signed-in'),
  'GET /api/v1/responsibility-rules': rule(STAFF),
  'GET /api/v1/responsibility-rules/resolve': rule(STAFF),
  'GET /api/v1/responsibility-rules/:id': rule(STAFF, 'area'),
  'POST /api/v1/responsibility-rules': rule(ADMIN),
  'PATCH /api/v1/responsibility-rules/:id': rule(ADMIN, 'area'),
  'DELETE /api/v1/responsibility-rules/:id': rule(ADMIN, 'area'),
  'POST /api/v1/triage/classify': rule(STAFF),
  'GET /api/v1/triage/models': rule(STAFF),
  'POST /api/v1/triage/suggest': rule('signed-in'),
  'GET /api/v1/triage/duplicates': rule(STAFF),
  'POST /api/v1/triage/duplicates/:id/confirm': rule(STAFF, 'area'),
  'POST /api/v1/triage/duplicates/:id/dismiss': rule(STAFF, 'area'),
  'GET /api/v1/hotspots': rule(STAFF, 'overview'),
  'GET /api/v1/demand-map': rule(STAFF, 'overview'),
  // lifeline sensing (生命线): sensors, assets and gateways, ingest, alarms and their rules, vital signs
  'GET /api/v1/sensor-types': rule(STAFF),
  'GET /api/v1/sensors': rule(STAFF),
  'GET /api/v1/sensors/:id': rule(STAFF, 'area'),
  'GET /api/v1/sensors/:id/readings': rule(STAFF, 'area'),
  'POST /api/v1/sensors': rule(ADMIN),
  'POST /api/v1/sensors/import': rule(ADMIN),
  'GET /api/v1/assets': rule(STAFF),
  'POST /api/v1/assets': rule(ADMIN),
  'GET /api/v1/gateways': rule(STAFF),
  'POST /api/v1/gateways': rule(ADMIN),
  'POST /api/v1/ingest/readings': rule('device'),
  'GET /api/v1/ingest/stats': rule(STAFF),
  'GET /api/v1/alarms': rule(STAFF),
  'GET /api/v1/alarms/:id': rule(STAFF, 'area'),
  'POST /api/v1/alarms/:id/acknowledge': rule(STAFF, 'area'),
  'POST /api/v1/alarms/:id/comment': rule(STAFF, 'area'),
  'POST /api/v1/alarms/:id/assign': rule(STAFF, 'area'),
  'POST /api/v1/alarms/:id/clear': rule(STAFF, 'area'),
  'GET /api/v1/alarm-rules': rule(STAFF),
  'GET /api/v1/alarm-rules/:id/versions': rule(STAFF),
  // A type default is the city administrators'; an override, the administrators' of its sensor's or asset's area.
  'PUT /api/v1/alarm-rules': rule(ADMIN),
  'GET /api/v1/vital-signs': rule(STAFF, 'area'),
  'GET /api/v1/vital-signs/series': rule(STAFF, 'area'),
  // live events, inbox, webhooks
  'GET /api/v1/events/stream': rule('signed-in'),
  'GET /api/v1/inbox': rule('signed-in'),
  'POST /api/v1/inbox/:id/read': rule('signed-in'),
  'POST /api/v1/inbox/read-all': rule('signed-in'),
  'GET /api/v1/webhooks': rule(ADMIN, 'city'),
  'POST /api/v1/webhooks': rule(ADMIN, 'city'),
  'PATCH /api/v1/webhooks/:id': rule(ADMIN, 'city'),
  'DELETE /api/v1/webhooks/:id': rule(ADMIN, 'city'),
  'GET /api/v1/webhooks/:id/deliveries': rule(ADMIN, 'city'),
  // Open311 GeoReport v2 and its keys
  'GET /open311/v2/discovery.:format': PUBLIC,
  'GET /open311/v2/services.:format': PUBLIC,
  'GET /open311/v2/services/:service_code.:format': PUBLIC,
  'POST /open311/v2/requests.:format': rule('api-key'),
  'GET /open311/v2/requests.:format': PUBLIC,
  'GET /open311/v2/requests/:service_request_id.:format': PUBLIC,
  'GET /open311/v2/tokens/:token.:format': PUBLIC,
  'POST /api/v1/open311/keys': rule(ADMIN, 'city'),
  'GET /api/v1/open311/keys': rule(ADMIN, 'city'),
  'DELETE /api/v1/open311/keys/:id': rule(ADMIN, 'city'),
};

export const routeKey = (method: string, url: string) => `${method} ${url}`;

/** Registered routes (HEAD mirrors GET) that the table does not declare. */
export function undeclaredRoutes(routes: readonly { method: string; url: string }[]): string[] {
  return routes.filter((r) => r.method !== 'HEAD').map((r) => routeKey(r.method, r.url)).filter((key) => !ACCESS_POLICY[key]);
}
