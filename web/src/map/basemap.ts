/**
 * The offline basemap: no tiles from anywhere, only our own layers. Division outlines come
 * from the API as GeoJSON; labels are HTML markers (Chinese names in the page's own fonts),
 * so no glyph server is needed.
 */
import { Map as MapLibreMap, Marker, NavigationControl, setWorkerUrl, type GeoJSONSource, type Map as MapLibre } from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import 'maplibre-gl/dist/maplibre-gl.css';

setWorkerUrl(workerUrl);

/** 解放碑, the city's centre: where maps open before they know better. */
export const CHONGQING: [number, number] = [106.577, 29.5571];
const EMPTY: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };

export function createMap(container: HTMLElement, options: { center?: [number, number]; zoom?: number; interactive?: boolean } = {}): MapLibre {
  const map = new MapLibreMap({
    container,
    style: {
      version: 8,
      sources: {
        outline: { type: 'geojson', data: EMPTY },
        children: { type: 'geojson', data: EMPTY, promoteId: 'code' },
      },
      layers: [
        { id: 'background', type: 'background', paint: { 'background-color': '#e9eef3' } },
        { id: 'outline-fill', type: 'fill', source: 'outline', paint: { 'fill-color': '#f8fafc' } },
        { id: 'children-fill', type: 'fill', source: 'children', paint: { 'fill-color': '#ffffff', 'fill-opacity': 0.01 } },
        { id: 'children-line', type: 'line', source: 'children', paint: { 'line-color': '#7d93ab', 'line-width': 1 } },
        { id: 'outline-line', type: 'line', source: 'outline', paint: { 'line-color': '#0b3d62', 'line-width': 2 } },
      ],
    },
    center: options.center ?? CHONGQING,
    zoom: options.zoom ?? 8,
    interactive: options.interactive ?? true,
    attributionControl: false,
    maxZoom: 19,
  });
  if (options.interactive !== false) map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
  return map;
}

export function whenLoaded(map: MapLibre): Promise<void> {
  return map.loaded() ? Promise.resolve() : new Promise((resolve) => map.once('load', () => resolve()));
}

export function setData(map: MapLibre, source: string, data: GeoJSON.FeatureCollection | GeoJSON.Feature): void {
  (map.getSource(source) as GeoJSONSource | undefined)?.setData(data);
}

export function asCollection(data: GeoJSON.FeatureCollection | GeoJSON.Feature): GeoJSON.FeatureCollection {
  return data.type === 'FeatureCollection' ? data : { type: 'FeatureCollection', features: [data] };
}

/** Bounds of GeoJSON geometries, for fitting the view. */
export function boundsOf(fc: GeoJSON.FeatureCollection): [[number, number], [number, number]] | null {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      x0 = Math.min(x0, c[0] as number); x1 = Math.max(x1, c[0] as number);
      y0 = Math.min(y0, c[1] as number); y1 = Math.max(y1, c[1] as number);
    } else if (Array.isArray(c)) c.forEach(visit);
  };
  for (const f of fc.features) if (f.geometry && 'coordinates' in f.geometry) visit(f.geometry.coordinates);
  return Number.isFinite(x0) ? [[x0, y0], [x1, y1]] : null;
}

/** A representative point inside a polygon feature: the centre of its bounds, good enough for a label. */
export function labelPoint(f: GeoJSON.Feature): [number, number] | null {
  const b = boundsOf({ type: 'FeatureCollection', features: [f] });
  return b ? [(b[0][0] + b[1][0]) / 2, (b[0][1] + b[1][1]) / 2] : null;
}

/** HTML labels on the map, replaced as a set. */
export class Labels {
  readonly #map: MapLibre;
  #markers: Marker[] = [];
  constructor(map: MapLibre) {
    this.#map = map;
  }
  set(items: { at: [number, number]; html: string; title: string; onClick?: () => void }[]): void {
    this.clear();
    for (const item of items) {
      const el = document.createElement(item.onClick ? 'button' : 'span');
      el.className = 'map-label';
      el.innerHTML = item.html;
      el.title = item.title;
      if (item.onClick) {
        (el as HTMLButtonElement).type = 'button';
        el.addEventListener('click', (e) => {
          e.stopPropagation();
          item.onClick?.();
        });
      }
      this.#markers.push(new Marker({ element: el }).setLngLat(item.at).addTo(this.#map));
    }
    this.declutter();
  }
  /** Hides labels that would cover one already shown (earlier items win), so names stay readable. */
  declutter(): void {
    const shown: DOMRect[] = [];
    for (const m of this.#markers) {
      const el = m.getElement();
      el.style.visibility = '';
      const r = el.getBoundingClientRect();
      const hit = shown.some((s) => r.left < s.right && r.right > s.left && r.top < s.bottom && r.bottom > s.top);
      el.style.visibility = hit ? 'hidden' : '';
      if (!hit) shown.push(r);
    }
  }
  clear(): void {
    for (const m of this.#markers) m.remove();
    this.#markers = [];
  }
}

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
