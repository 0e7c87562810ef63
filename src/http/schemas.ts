/** Schemas shared by every feature's routes. */
import { Type, type TSchema } from 'typebox';

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
