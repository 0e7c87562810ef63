/**
 * The one map's switchable layers over the basemap: cases as clusters and heat, the KPI
 * choropleth, alarms by colour and sensors by status. Each layer group is added once and
 * shown or hidden; data is replaced with setData.
 */
import { Marker, type GeoJSONSource, type Map as MapLibre } from 'maplibre-gl';
import type { Alarm, AreaStats, MapPoints, Sensor } from '../api/types.ts';

export const LAYER_GROUPS = {
  cases: ['cases-clusters', 'cases-points'],
  heat: ['cases-heat'],
  kpi: ['kpi-fill'],
  alarms: ['alarms'],
  sensors: ['sensors'],
} as const;
export type LayerGroup = keyof typeof LAYER_GROUPS;

const EMPTY: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };

export const ALARM_COLOURS: Record<string, string> = { red: '#d7261e', orange: '#f07c00', yellow: '#e0b100', blue: '#1f6fd1' };
export const SENSOR_COLOURS: Record<string, string> = { online: '#1b7a3a', offline: '#7b8794', fault: '#a65c00', alarm: '#d7261e' };

export function addOverlayLayers(map: MapLibre): void {
  map.addSource('cases', { type: 'geojson', data: EMPTY, cluster: true, clusterMaxZoom: 15, clusterRadius: 48 });
  map.addSource('cases-raw', { type: 'geojson', data: EMPTY });
  map.addSource('alarms', { type: 'geojson', data: EMPTY });
  map.addSource('sensors', { type: 'geojson', data: EMPTY });
  map.addLayer({ id: 'kpi-fill', type: 'fill', source: 'children', paint: { 'fill-color': ['coalesce', ['get', 'kpiColour'], '#f0f3f6'], 'fill-opacity': 0.75 } }, 'children-line');
  map.addLayer({
    id: 'cases-heat', type: 'heatmap', source: 'cases-raw', maxzoom: 17,
    paint: {
      'heatmap-radius': ['interpolate', ['linear'], ['zoom'], 8, 8, 14, 24],
      'heatmap-opacity': 0.75,
      'heatmap-color': ['interpolate', ['linear'], ['heatmap-density'], 0, 'rgba(33,102,172,0)', 0.2, '#67a9cf', 0.45, '#d1e5f0', 0.65, '#fddbc7', 0.85, '#ef8a62', 1, '#b2182b'],
    },
  });
  map.addLayer({
    id: 'cases-clusters', type: 'circle', source: 'cases', filter: ['has', 'point_count'],
    paint: {
      'circle-color': ['step', ['get', 'point_count'], '#4f8fd1', 50, '#2f6fb0', 500, '#1b4f86', 5000, '#0b3d62'],
      'circle-radius': ['step', ['get', 'point_count'], 14, 50, 18, 500, 24, 5000, 30],
      'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2, 'circle-opacity': 0.9,
    },
  });
  map.addLayer({
    id: 'cases-points', type: 'circle', source: 'cases', filter: ['!', ['has', 'point_count']],
    paint: {
      'circle-color': ['case', ['==', ['get', 'o'], 1], '#d7261e', '#1565a8'],
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

export function pointsToGeoJson(points: MapPoints): GeoJSON.FeatureCollection {
  const features: GeoJSON.Feature[] = new Array(points.count);
  for (let i = 0; i < points.count; i++) {
    features[i] = {
      type: 'Feature', geometry: { type: 'Point', coordinates: [points.coords[i * 2], points.coords[i * 2 + 1]] },
      properties: { id: points.ids[i], s: points.status[i], o: points.overdue[i] },
    };
  }
  return { type: 'FeatureCollection', features };
}

const EMPTY_CASES: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };

/** The heat source is only filled while heat is shown: indexing 100,000 points twice costs seconds. */
export function setCases(map: MapLibre, fc: GeoJSON.FeatureCollection, heat: boolean): void {
  (map.getSource('cases') as GeoJSONSource).setData(fc);
  (map.getSource('cases-raw') as GeoJSONSource).setData(heat ? fc : EMPTY_CASES);
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

const pick = (o: Record<string, unknown>, ...keys: string[]) => keys.map((k) => o[k]).find((v) => v !== undefined && v !== null);

/** Sensors and alarms as points; items without a place are left off the map (they stay in lists). */
export function sensorsToGeoJson(sensors: Sensor[]): GeoJSON.FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: sensors.filter((s) => Number.isFinite(s.lon) && Number.isFinite(s.lat)).map((s) => ({
      type: 'Feature', geometry: { type: 'Point', coordinates: [s.lon, s.lat] },
      properties: { id: s.id, name: s.name ?? s.id, status: s.status, colour: SENSOR_COLOURS[s.status] ?? '#7b8794' },
    })),
  };
}

export function alarmsToGeoJson(alarms: Alarm[]): GeoJSON.FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: alarms.filter((a) => Number.isFinite(a.lon) && Number.isFinite(a.lat)).map((a) => ({
      type: 'Feature', geometry: { type: 'Point', coordinates: [a.lon as number, a.lat as number] },
      properties: { id: a.id, level: a.level, title: String(pick(a as unknown as Record<string, unknown>, 'title', 'message', 'id')), colour: ALARM_COLOURS[a.level] ?? '#d7261e' },
    })),
  };
}

/** Count badges on the visible clusters (HTML, so no glyphs are needed). */
export class ClusterCounts {
  readonly #map: MapLibre;
  #markers = new Map<number, Marker>();
  constructor(map: MapLibre) {
    this.#map = map;
  }
  update(visible: boolean): void {
    const seen = new Set<number>();
    if (visible) {
      for (const f of this.#map.querySourceFeatures('cases', { filter: ['has', 'point_count'] }).slice(0, 300)) {
        const id = f.properties.cluster_id as number;
        if (seen.has(id)) continue;
        seen.add(id);
        if (this.#markers.has(id)) continue;
        const el = document.createElement('span');
        el.className = 'cluster-count';
        el.textContent = String(f.properties.point_count_abbreviated ?? f.properties.point_count);
        el.setAttribute('aria-hidden', 'true');
        const [lon, lat] = (f.geometry as GeoJSON.Point).coordinates;
        this.#markers.set(id, new Marker({ element: el }).setLngLat([lon, lat]).addTo(this.#map));
      }
    }
    for (const [id, marker] of this.#markers) {
      if (!seen.has(id)) {
        marker.remove();
        this.#markers.delete(id);
      }
    }
  }
}
