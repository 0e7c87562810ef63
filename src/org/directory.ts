/**
 * The unit directory in memory: ~1,500 centers and departments, read on almost every case
 * request. Reloaded after a short time so a change made on another node shows up.
 */
import type { AppContext } from '../app.ts';
import type { Unit } from './model.ts';
import { scopeCovers } from './scope.ts';
import { listUnits } from './store.ts';

const TTL_MS = 30_000;

export interface UnitDirectory {
  get(id: string): Unit | undefined;
  /** Street codes (today) inside a unit's scope; null when it covers the whole city. */
  streetsOf(unit: Unit): string[] | null;
  /** The unit covers the division (its scope includes one of its ancestors, most specific wins). */
  covers(unit: Unit, divisionCode: string): boolean;
}

const cache = new WeakMap<AppContext, { at: number; directory: Promise<UnitDirectory> }>();

export function unitDirectory(ctx: AppContext): Promise<UnitDirectory> {
  const hit = cache.get(ctx);
  const now = Date.now();
  if (hit && now - hit.at < TTL_MS) return hit.directory;
  const directory = build(ctx);
  cache.set(ctx, { at: now, directory });
  directory.catch(() => cache.delete(ctx));
  return directory;
}

/** Drops the cached directory (after a unit changes on this node). */
export function forgetUnitDirectory(ctx: AppContext): void {
  cache.delete(ctx);
}

async function build(ctx: AppContext): Promise<UnitDirectory> {
  const units = new Map((await listUnits(ctx.db)).map((u) => [u.id, u]));
  const today = ctx.today();
  const tree = ctx.city.tree;
  const streets = tree.children('500000', today).flatMap((d) => tree.children(d.code, today));
  const streetCache = new Map<string, string[] | null>();
  const ancestors = (code: string) => tree.ancestors(code, today).map((d) => d.code);
  return {
    get: (id) => units.get(id),
    streetsOf(unit) {
      if (!streetCache.has(unit.id)) {
        streetCache.set(unit.id, unit.scopeInclude.includes('500000') && unit.scopeExclude.length === 0
          ? null
          : streets.filter((s) => scopeCovers(unit, ancestors(s.code))).map((s) => s.code));
      }
      return streetCache.get(unit.id)!;
    },
    covers: (unit, code) => scopeCovers(unit, tree.at(code, today) ? ancestors(code) : [code]),
  };
}
