/**
 * The area a caller may look at for triage's overviews (hotspots, demand map): a center's
 * streets. A division outside it answers 404, as a missing one does.
 */
import type { AppContext } from '../app.ts';
import { notFound } from '../http/errors.ts';
import { unitDirectory } from '../org/directory.ts';
import type { Principal } from '../org/model.ts';

/**
 * The streets the caller covers (null = the whole city; empty = none: departments and residents
 * see only their own cases, not areas). With `division`, checks it exists and is covered.
 */
export async function jurisdictionStreets(ctx: AppContext, principal: Principal, division?: string): Promise<string[] | null> {
  const unit = principal.unit;
  const units = await unitDirectory(ctx);
  if (division !== undefined) {
    const known = ctx.city.tree.at(division, ctx.today());
    if (!known || !unit || unit.kind !== 'center' || !units.covers(unit, division)) throw notFound('division', division);
  }
  if (!unit || unit.kind !== 'center') return [];
  return units.streetsOf(unit);
}
