/**
 * The grid (网格) layer: unit grid outlines of the area on screen, fetched by box once the map is
 * zoomed in to street level (a whole district has thousands). A box with a margin is fetched, so
 * small pans need no new request; a newer request cancels an older one.
 */
import type { Map as MapLibre } from 'maplibre-gl';
import * as api from '../api/endpoints.ts';
import { errorText } from '../api/client.ts';
import { setData } from './basemap.ts';

export const GRID_MIN_ZOOM = 13;
/** The server's largest box side (degrees). */
const MAX_SIDE = 0.5;
const EMPTY: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };

export interface GridState { loading: boolean; error: string | null; truncated: boolean; shown: number; tooFar: boolean }

export class GridLayer {
  readonly #map: MapLibre;
  readonly #onState: (state: GridState) => void;
  #box: number[] | null = null;
  #abort: AbortController | null = null;

  constructor(map: MapLibre, onState: (state: GridState) => void) {
    this.#map = map;
    this.#onState = onState;
  }

  async refresh(visible: boolean): Promise<void> {
    const tooFar = this.#map.getZoom() < GRID_MIN_ZOOM;
    if (!visible || tooFar) {
      this.#abort?.abort();
      if (this.#box) setData(this.#map, 'grids', EMPTY);
      this.#box = null;
      this.#onState({ loading: false, error: null, truncated: false, shown: 0, tooFar });
      return;
    }
    const b = this.#map.getBounds();
    const [w, s, e, n] = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
    if (this.#box && w >= this.#box[0] && s >= this.#box[1] && e <= this.#box[2] && n <= this.#box[3]) return;
    const [cx, cy] = [(w + e) / 2, (s + n) / 2];
    const [hw, hh] = [Math.min(MAX_SIDE, (e - w) * 1.5) / 2, Math.min(MAX_SIDE, (n - s) * 1.5) / 2];
    const box = [cx - hw, cy - hh, cx + hw, cy + hh];
    this.#abort?.abort();
    const abort = (this.#abort = new AbortController());
    this.#onState({ loading: true, error: null, truncated: false, shown: 0, tooFar: false });
    try {
      const fc = await api.grids(box, abort.signal);
      setData(this.#map, 'grids', fc);
      this.#box = fc.truncated ? null : box;
      this.#onState({ loading: false, error: null, truncated: fc.truncated, shown: fc.features.length, tooFar: false });
    } catch (error) {
      if ((error as Error).name === 'AbortError') return;
      this.#onState({ loading: false, error: errorText(error), truncated: false, shown: 0, tooFar: false });
    }
  }
}
