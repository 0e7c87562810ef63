/**
 * The one map's switchable layers over the basemap: cases as clusters (computed by the server) and heat, the KPI
 * choropleth, unit grid outlines at street zoom, alarms by colour and sensors by status. Each layer group is added once and
 * shown or hidden; data is replaced with setData.
 */
import { Marker, type Map as MapLibre } from 'maplibre-gl';
import type { Alarm, AreaStats, MapClusters, Sensor } from '../api/types.ts';
import { GRID_MIN_ZOOM } from './grids.ts';

export const LAYER_GROUPS = {
  cases: ['cases-clusters', 'cases-points'],
  heat: ['cases-heat'],
  kpi: ['kpi-fill'],
  grids: ['grids-fill', 'grids-line'],
  alarms: ['alarms'],
  sensors: ['sensors'],
} as const;
export type LayerGroup = keyof typeof LAYER_GROUPS;

const EMPTY: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };

export const ALARM_COLOURS: Record<string, string> = { red: '#d7261e', orange: '#f07c00', yellow: '#e0b100', blue: '#1f6fd1' };
export const SENSOR_COLOURS: Record<string, string> = { online: '#1b7a3a', offline: '#7b8794', alarm: '#d7261e' };

export function addOverlayLayers(map: MapLibre): void {
  // Clusters come from the server per zoom and box (map/cases.ts): the map only draws them.
  map.addSource('cases', { type: 'geojson', data: EMPTY });
  map.addSource('alarms', { type: 'geojson', data: EMPTY });
  map.addSource('sensors', { type: 'geojson', data: EMPTY });
  map.addSource('grids', { type: 'geojson', data: EMPTY });
  map.addLayer({ id: 'kpi-fill', type: 'fill', source: 'children', paint: { 'fill-color': ['coalesce', ['get', 'kpiColour'], '#f0f3f6'], 'fill-opacity': ['interpolate', ['linear'], ['zoom'], 11, 0.75, 15, 0.2] } }, 'children-line');
  map.addLayer({ id: 'grids-fill', type: 'fill', source: 'grids', minzoom: GRID_MIN_ZOOM, paint: { 'fill-color': '#ffffff', 'fill-opacity': 0.01 } });
  map.addLayer({
    id: 'grids-line', type: 'line', source: 'grids', minzoom: GRID_MIN_ZOOM,
    paint: { 'line-color': '#5b7a99', 'line-width': ['interpolate', ['linear'], ['zoom'], GRID_MIN_ZOOM, 0.6, 17, 1.6], 'line-dasharray': [3, 2] },
  });
  map.addLayer({
    id: 'cases-heat', type: 'heatmap', source: 'cases', maxzoom: 17,
    paint: {
      // A cluster weighs by its count, flattened so one dense cell does not hide the rest.
      'heatmap-weight': ['min', 1, ['/', ['ln', ['+', 1, ['get', 'n']]], ['ln', 20]]],
      'heatmap-intensity': 1.5,
      'heatmap-radius': ['interpolate', ['linear'], ['zoom'], 8, 8, 14, 24],
      'heatmap-opacity': 0.75,
      'heatmap-color': ['interpolate', ['linear'], ['heatmap-density'], 0, 'rgba(33,102,172,0)', 0.2, '#67a9cf', 0.45, '#d1e5f0', 0.65, '#fddbc7', 0.85, '#ef8a62', 1, '#b2182b'],
    },
  });
  map.addLayer({
    id: 'cases-clusters', type: 'circle', source: 'cases', filter: ['>', ['get', 'n'], 1],
    paint: {
      'circle-color': ['step', ['get', 'n'], '#4f8fd1', 50, '#2f6fb0', 500, '#1b4f86', 5000, '#0b3d62'],
      'circle-radius': ['step', ['get', 'n'], 14, 50, 18, 500, 24, 5000, 30],
      'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2, 'circle-opacity': 0.9,
    },
  });
  map.addLayer({
    id: 'cases-points', type: 'circle', source: 'cases', filter: ['==', ['get', 'n'], 1],
    paint: {
      'circle-color': ['case', ['>', ['get', 'o'], 0], '#d7261e', '#1565a8'],
      'circle-radius': 6, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1.5,
    },
  });
  map.addLayer({
    id: 'sensors', type: 'circle', source: 'sensors',
    paint: { 'circle-color': ['coalesce', ['get', 'colour'], '#7b8794'], 'circle-radius': 5, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 },
  });
  map.addLayer({
    id: 'alarms', type: 'circle', source: 'alarms',
    paint: { 'circle-color': ['coalesce', ['get', 'colour'], '#d7261e'], 'circle-radius': 9, 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 },
  });
}

export function showGroup(map: MapLibre, group: LayerGroup, visible: boolean): void {
  for (const id of LAYER_GROUPS[group]) if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none');
}

/** Server clusters as features: n cases (o of them overdue) at their mean position; id when n is 1. */
export function clustersToGeoJson(c: MapClusters): GeoJSON.FeatureCollection {
  const features: GeoJSON.Feature[] = new Array(c.counts.length);
  for (let i = 0; i < c.counts.length; i++) {
    features[i] = {
      type: 'Feature', geometry: { type: 'Point', coordinates: [c.coords[i * 2], c.coords[i * 2 + 1]] },
      properties: { n: c.counts[i], o: c.overdue[i], id: c.ids[i] },
    };
  }
  return { type: 'FeatureCollection', features };
}

const SCALES: Record<string, string[]> = {
  open: ['#eff3ff', '#bdd7e7', '#6baed6', '#3182bd', '#08519c'],
  overdue: ['#fff5f0', '#fcbba1', '#fb6a4a', '#de2d26', '#a50f15'],
  satisfaction: ['#d7301f', '#fc8d59', '#fee08b', '#91cf60', '#1a9850'],
};

/** Colours each child outline by the metric; returns the legend. */
export function colourByMetric(children: GeoJSON.FeatureCollection, stats: AreaStats, metric: 'open' | 'overdue' | 'satisfaction'): { colour: string; label: string }[] {
  const byCode = new Map(stats.children.map((c) => [c.code, c]));
  const scale = SCALES[metric];
  const max = metric === 'satisfaction' ? 5 : Math.max(1, ...stats.children.map((c) => c[metric] ?? 0));
  const bucket = (v: number) => (metric === 'satisfaction' ? Math.min(4, Math.max(0, Math.round(v) - 1)) : Math.min(4, Math.floor((v / max) * 4.999)));
  for (const f of children.features) {
    const c = byCode.get(String(f.properties?.code ?? f.id));
    const v = c ? c[metric] : null;
    f.properties = { ...f.properties, kpiColour: v === null || v === undefined || (metric !== 'satisfaction' && v === 0) ? '#f4f6f8' : scale[bucket(v)] };
  }
  const steps = scale.map((colour, i) => ({ colour, label: metric === 'satisfaction' ? `${i + 1}` : `≥ ${Math.max(1, Math.ceil((max * i) / 5))}` }));
  return steps.filter((s, i) => i === 0 || s.label !== steps[i - 1].label);
}

/** Sensors by status (a sensor in alarm takes its alarm's colour) and alarms by level, as points. */
export function sensorsToGeoJson(sensors: readonly Sensor[]): GeoJSON.FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: sensors.map((s) => ({
      type: 'Feature', geometry: { type: 'Point', coordinates: [s.lon, s.lat] },
      properties: { id: s.id, colour: (s.alarmLevel && ALARM_COLOURS[s.alarmLevel]) ?? SENSOR_COLOURS[s.status] ?? '#7b8794' },
    })),
  };
}

export function alarmsToGeoJson(alarms: readonly Alarm[]): GeoJSON.FeatureCollection {
  return {
    type: 'FeatureCollection',
    // Red drawn last, on top.
    features: [...alarms].sort((a, b) => LEVEL_RANK[a.level] - LEVEL_RANK[b.level]).map((a) => ({
      type: 'Feature', geometry: { type: 'Point', coordinates: [a.lon, a.lat] },
      properties: { id: a.id, level: a.level, colour: ALARM_COLOURS[a.level] },
    })),
  };
}
const LEVEL_RANK: Record<string, number> = { blue: 0, yellow: 1, orange: 2, red: 3 };

/** Count badges on the clusters in view, fullest first (HTML, so no glyphs are needed). */
export class ClusterCounts {
  readonly #map: MapLibre;
  #markers = new Map<string, Marker>();
  constructor(map: MapLibre) {
    this.#map = map;
  }
  update(fc: GeoJSON.FeatureCollection, visible: boolean): void {
    const keep = new Map<string, Marker>();
    if (visible) {
      const bounds = this.#map.getBounds();
      const shown = fc.features
        .filter((f) => (f.properties?.n as number) > 1 && bounds.contains((f.geometry as GeoJSON.Point).coordinates as [number, number]))
        .sort((a, b) => (b.properties?.n as number) - (a.properties?.n as number)).slice(0, 300);
      for (const f of shown) {
        const [lon, lat] = (f.geometry as GeoJSON.Point).coordinates;
        const n = f.properties?.n as number;
        const key = `${lon},${lat},${n}`;
        let marker = this.#markers.get(key);
        if (!marker) {
          const el = document.createElement('span');
          el.className = 'cluster-count';
          el.textContent = n >= 10_000 ? `${Math.round(n / 1000)}k` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n);
          el.setAttribute('aria-hidden', 'true');
          marker = new Marker({ element: el }).setLngLat([lon, lat]).addTo(this.#map);
        }
        keep.set(key, marker);
      }
    }
    for (const [key, marker] of this.#markers) if (!keep.has(key)) marker.remove();
    this.#markers = keep;
  }
}
