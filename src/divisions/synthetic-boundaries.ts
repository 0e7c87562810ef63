/**
 * Synthetic boundaries for the divisions below district level.
 *
 * Published outlines stop at 区县; streets (乡镇街道), communities (村居) and
 * grids (网格) get plausible stand-ins by nested Voronoi partitions: streets split
 * their district, communities their street, grids their community. Everything is
 * seeded from division codes, so the output is the same on every run and machine,
 * and adding a division only reshuffles its own siblings.
 */
import type { Geometry } from './model.ts';
import { hashString, partition } from '../geo/partition.ts';

export interface BoundaryInput {
  districts: { code: string; geometry: Geometry }[];
  streets: { code: string; districtCode: string }[];
  communities: { code: string; streetCode: string }[];
}

export interface GeneratedBoundaries {
  streets: Map<string, Geometry>;
  communities: Map<string, Geometry>;
  /** Grid codes follow CJ/T 213: the 12-digit community code and a 2-digit serial. */
  grids: { code: string; communityCode: string; geometry: Geometry }[];
}

/**
 * Number of grids (网格) in a community: 3 to 8, uniform over the code's hash,
 * so 5.5 on average.
 */
export function gridCountFor(communityCode: string): number {
  return 3 + (hashString(`grid-count:${communityCode}`) % 6);
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

const byCode = (a: { code: string }, b: { code: string }): number => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);

/**
 * Children are assigned to cells in code order, and the cells come out along a
 * space-filling curve, so consecutive codes tend to be neighbours. Streets whose
 * district is not in the input, and communities whose street is not, get no
 * geometry. `onProgress` counts the communities whose grids are done, out of
 * those that get a geometry.
 */
export function generateBoundaries(
  input: BoundaryInput,
  onProgress?: (done: number, total: number) => void,
): GeneratedBoundaries {
  const streetsByDistrict = groupBy(input.streets, (s) => s.districtCode);
  const communitiesByStreet = groupBy(input.communities, (c) => c.streetCode);
  const streets = new Map<string, Geometry>();
  const communities = new Map<string, Geometry>();
  const grids: GeneratedBoundaries['grids'] = [];
  const districtCodes = new Set(input.districts.map((d) => d.code));
  let total = 0;
  for (const street of input.streets) {
    if (districtCodes.has(street.districtCode)) total += communitiesByStreet.get(street.code)?.length ?? 0;
  }
  let done = 0;

  for (const district of [...input.districts].sort(byCode)) {
    const children = [...(streetsByDistrict.get(district.code) ?? [])].sort(byCode);
    const streetCells = partition(district.geometry, children.length, `street:${district.code}`);
    children.forEach((street, i) => {
      const streetGeometry = streetCells[i];
      streets.set(street.code, streetGeometry);
      const members = [...(communitiesByStreet.get(street.code) ?? [])].sort(byCode);
      const communityCells = partition(streetGeometry, members.length, `community:${street.code}`);
      members.forEach((community, j) => {
        const communityGeometry = communityCells[j];
        communities.set(community.code, communityGeometry);
        const gridCells = partition(communityGeometry, gridCountFor(community.code), `grid:${community.code}`);
        gridCells.forEach((geometry, k) => {
          grids.push({
            code: community.code + String(k + 1).padStart(2, '0'),
            communityCode: community.code,
            geometry,
          });
        });
      });
      done += members.length;
      onProgress?.(done, total);
    });
  }
  return { streets, communities, grids };
}
