/**
 * The sensor registry in memory: every sensor and gateway, loaded once per process, kept
 * current by this process's writes and refreshed periodically with other nodes' new ones. Ingest looks sensors up here, never in SQL; 200,000
 * sensors take a few tens of megabytes because identical division chains are shared.
 */
import type { Queryable } from '../storage/db.ts';
import { normalizeUnit, sensorType, type SensorInfo } from './model.ts';
import { loadGateways, loadSensors, type GatewayRow, type SensorRow } from './registry-store.ts';

export interface SensorEntry extends SensorInfo {
  num: number;
  name: string | null;
  gatewayId: string | null;
  secretHash: string | null;
  streetCode: string;
  /** The type's physical range and normalised unit, copied here for the hot path. */
  min: number;
  max: number;
  unitKey: string;
  active: boolean;
  createdAt: Date;
}

export type GatewayEntry = Omit<GatewayRow, 'createdAt'> & { createdAt: Date };

const PAGE = 20_000;

export class SensorRegistry {
  readonly #db: Queryable;
  readonly #byKey = new Map<string, SensorEntry>();
  readonly #byNum: (SensorEntry | undefined)[] = [];
  readonly #gateways = new Map<string, GatewayEntry>();
  readonly #chains = new Map<string, string[]>();
  readonly #strings = new Map<string, string>();
  #loading: Promise<void> | undefined;
  #count = 0;

  constructor(db: Queryable) {
    this.#db = db;
  }

  /** Resolves once every stored sensor and gateway is in memory. */
  ready(): Promise<void> {
    this.#loading ??= this.#load().catch((error: unknown) => {
      this.#loading = undefined;
      throw error;
    });
    return this.#loading;
  }

  async #load(): Promise<void> {
    await this.#loadAfter(0);
  }

  /** Picks up sensors and gateways registered by other nodes since the last load. */
  async refresh(): Promise<void> {
    await this.ready();
    await this.#loadAfter(Math.max(0, this.maxNum));
  }

  async #loadAfter(num: number): Promise<void> {
    for (const g of await loadGateways(this.#db)) if (!this.#gateways.has(g.id)) this.addGateway(g);
    let after = num;
    for (;;) {
      const rows = await loadSensors(this.#db, after, PAGE);
      for (const row of rows) this.add(row);
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1].num;
    }
  }

  get size(): number {
    return this.#count;
  }

  /** A sensor by id or code. */
  get(key: string): SensorEntry | undefined {
    return this.#byKey.get(key);
  }

  byNum(num: number): SensorEntry | undefined {
    return this.#byNum[num];
  }

  all(): IterableIterator<SensorEntry | undefined> {
    return this.#byNum.values();
  }

  /** The largest sensor number, for arrays indexed by it. */
  get maxNum(): number {
    return this.#byNum.length - 1;
  }

  gateway(key: string): GatewayEntry | undefined {
    return this.#gateways.get(key);
  }

  gateways(): GatewayEntry[] {
    return [...new Set(this.#gateways.values())];
  }

  addGateway(g: GatewayEntry): void {
    this.#gateways.set(g.id, g);
    this.#gateways.set(g.code, g);
  }

  #intern<T extends string | null>(value: T): T {
    if (value === null) return value;
    const known = this.#strings.get(value);
    if (known !== undefined) return known as T;
    this.#strings.set(value, value);
    return value;
  }

  add(row: SensorRow): SensorEntry {
    const type = sensorType(row.type);
    const chainKey = row.divisionCodes.join(',');
    let chain = this.#chains.get(chainKey);
    if (!chain) {
      chain = row.divisionCodes;
      this.#chains.set(chainKey, chain);
    }
    // Strings many sensors share (type, unit, owner, gateway, street) are kept once.
    const entry: SensorEntry = {
      id: row.id, code: row.code, type: this.#intern(row.type), unit: this.#intern(row.unit), assetId: row.assetId, assetType: this.#intern(row.assetType),
      ownerUnitId: this.#intern(row.ownerUnitId), divisionCodes: chain, lon: row.lon, lat: row.lat, intervalSeconds: row.intervalSeconds,
      num: row.num, name: row.name, gatewayId: this.#intern(row.gatewayId), secretHash: row.secretHash, streetCode: chain.find((c) => c === row.streetCode) ?? row.streetCode,
      min: type?.min ?? -Infinity, max: type?.max ?? Infinity, unitKey: this.#intern(normalizeUnit(row.unit)), active: row.active, createdAt: row.createdAt,
    };
    if (!this.#byNum[row.num]) this.#count++;
    this.#byKey.set(row.id, entry);
    this.#byKey.set(row.code, entry);
    this.#byNum[row.num] = entry;
    return entry;
  }
}
