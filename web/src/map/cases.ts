/**
 * The case layer's data: clusters for the zoom and the area on screen, computed by the server
 * (GET /cases/map-clusters), so the map draws a few thousand features at most whatever the case
 * count. A box with a margin is fetched, so small pans need no new request; a newer request
 * cancels an older one.
 */
import type { Map as MapLibre } from 'maplibre-gl';
import * as api from '../api/endpoints.ts';
import { errorText } from '../api/client.ts';
import { setData } from './basemap.ts';
import { clustersToGeoJson } from './layers.ts';

export interface CaseState { loading: boolean; error: string | null; total: number | null; truncated: boolean }

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

export class CaseClusters {
  readonly #map: MapLibre;
  readonly #onState: (state: CaseState) => void;
  #key: { division: string; zoom: number; box: number[] } | null = null;
  #abort: AbortController | null = null;
  data: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };

  constructor(map: MapLibre, onState: (state: CaseState) => void) {
    this.#map = map;
    this.#onState = onState;
  }

  /** Loads the clusters for the view unless the last answer already covers it; `force` after the data changed. */
  async refresh(division: string, force = false): Promise<void> {
    const zoom = Math.round(this.#map.getZoom());
    const b = this.#map.getBounds();
    const [w, s, e, n] = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
    const k = this.#key;
    if (!force && k && k.division === division && k.zoom === zoom && w >= k.box[0] && s >= k.box[1] && e <= k.box[2] && n <= k.box[3]) return;
    const [mx, my] = [(e - w) / 4, (n - s) / 4];
    const box = [clamp(w - mx, -180, 180), clamp(s - my, -85, 85), clamp(e + mx, -180, 180), clamp(n + my, -85, 85)];
    this.#abort?.abort();
    const abort = (this.#abort = new AbortController());
    this.#onState({ loading: true, error: null, total: null, truncated: false });
    try {
      const answer = await api.mapClusters(division, zoom, box, abort.signal);
      this.data = clustersToGeoJson(answer);
      setData(this.#map, 'cases', this.data);
      this.#key = { division, zoom, box };
      this.#onState({ loading: false, error: null, total: answer.total, truncated: answer.truncated });
    } catch (error) {
      if ((error as Error).name === 'AbortError') return;
      this.#key = null;
      this.#onState({ loading: false, error: errorText(error), total: null, truncated: false });
    }
  }
}
