/** Schemas shared by every feature's routes. */
import { Type, type TSchema } from 'typebox';
import { Problem } from './errors.ts';

export const ProblemSchema = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  code: Type.String({ description: 'Stable error code from the catalogue, e.g. CY_VALIDATION' }),
  detail: Type.String(),
  instance: Type.Optional(Type.String()),
  requestId: Type.Optional(Type.String()),
  errors: Type.Optional(Type.Array(Type.Object({ pointer: Type.String(), message: Type.String() }))),
  allowedActions: Type.Optional(Type.Array(Type.String(), { description: 'On a refused case action: the actions you may take now' })),
  currentVersion: Type.Optional(Type.Integer({ description: 'On a version conflict: the current version of the resource' })),
}, { description: 'RFC 9457 problem details' });

const problemRef = Type.Unsafe({ $ref: 'Problem#' });

/** Error responses a route may give, by status, all in the problem format. */
export function problems(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, problemRef]));
}

export const DivisionCode = Type.String({ pattern: '^[0-9]{6}([0-9]{3}([0-9]{3})?)?$', description: 'Division code: 6 (区县), 9 (乡镇街道) or 12 (村居) digits' });
export const CalendarDate = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'Calendar date YYYY-MM-DD (China Standard Time)' });
export const Limit = Type.Integer({ minimum: 1, maximum: 500, default: 50 });

/** A box on the map as query text: minLon,minLat,maxLon,maxLat (WGS84). */
export const Bbox = Type.String({ pattern: '^-?[0-9.]+,-?[0-9.]+,-?[0-9.]+,-?[0-9.]+$', description: 'minLon,minLat,maxLon,maxLat (WGS84)' });

/** The box as numbers; 400 when it is not one (or, with `maxSide`, larger than that many degrees on a side). */
export function parseBbox(text: string, maxSide = Infinity): [number, number, number, number] {
  const b = text.split(',').map(Number) as [number, number, number, number];
  const valid = b.length === 4 && b.every(Number.isFinite) && b[0] <= b[2] && b[1] <= b[3] && b[0] >= -180 && b[2] <= 180 && b[1] >= -90 && b[3] <= 90;
  if (!valid) throw new Problem('CY_VALIDATION', 'bbox must be minLon,minLat,maxLon,maxLat', [{ pointer: '/querystring/bbox', message: 'invalid bbox' }]);
  if (b[2] - b[0] > maxSide || b[3] - b[1] > maxSide) {
    throw new Problem('CY_VALIDATION', `bbox must be at most ${maxSide}° on a side`, [{ pointer: '/querystring/bbox', message: 'bbox too large' }]);
  }
  return b;
}
