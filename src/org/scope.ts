/**
 * Jurisdiction (辖区) scoping: a unit covers the subtrees of its included division codes
 * minus excluded subtrees. The most specific listed ancestor decides, so a district center
 * covers its district except the streets a management zone runs.
 */
import type { Unit } from './model.ts';

/** `ancestors` lists the division itself first, then its parents up to the city, as of a date. */
export function scopeCovers(unit: Pick<Unit, 'scopeInclude' | 'scopeExclude'>, ancestors: readonly string[]): boolean {
  for (const code of ancestors) {
    if (unit.scopeExclude.includes(code)) return false;
    if (unit.scopeInclude.includes(code)) return true;
  }
  return false;
}

/** True when every subtree `inner` includes lies inside `outer`'s scope (which units an admin may manage). */
export function scopeContains(
  outer: Pick<Unit, 'scopeInclude' | 'scopeExclude'>,
  inner: Pick<Unit, 'scopeInclude'>,
  ancestorsOf: (code: string) => readonly string[],
): boolean {
  return inner.scopeInclude.every((code) => scopeCovers(outer, ancestorsOf(code)));
}
