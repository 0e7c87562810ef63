import { describe, expect, it } from 'vitest';
import {
  CHONGQING_ZONES, PROVISIONAL_CODES, chongqingCityModel, communityShortName, liangjiangReform2026, loadChongqingBase, streetKindOf,
} from '../../src/divisions/chongqing.ts';
import { DivisionTree } from '../../src/divisions/tree.ts';
import { BASE_VALID_FROM } from '../../src/divisions/model.ts';
import { calendarDate } from '../../src/clock.ts';

const { versions, zones } = chongqingCityModel();
const tree = new DivisionTree(versions);
const BEFORE = '2025-06-01';
const REFORM = '2026-01-25';
const TODAY = calendarDate(new Date(), 'Asia/Shanghai');
const LIANGJIANG = '500199';

const names = (list: { name: string }[]) => list.map((v) => v.name);
const streetOf = (district: string, name: string, date: string) => {
  const found = tree.children(district, date).filter((s) => s.name === name);
  expect(found, `${name} in ${district} on ${date}`).toHaveLength(1);
  return found[0];
};

describe('Chongqing base list', () => {
  const base = loadChongqingBase();

  it('holds the 2023 national codes with one version each', () => {
    expect(base).toHaveLength(1 + 38 + 1031 + 11270);
    expect(new Set(base.map((v) => v.code)).size).toBe(base.length);
    expect(base.every((v) => v.validFrom === BASE_VALID_FROM && v.validTo === null && v.changeSet === 'cn-2023' && !v.provisional)).toBe(true);
  });

  it('hangs every district directly under the city, skipping 市辖区 and 县', () => {
    const districts = base.filter((v) => v.level === 'district');
    expect(new Set(districts.map((d) => d.parentCode))).toEqual(new Set(['500000']));
    expect(districts.find((d) => d.code === '500243')?.name).toBe('彭水苗族土家族自治县');
  });

  it('shortens committee names to community and village names', () => {
    const byCode = new Map(base.map((v) => [v.code, v.name]));
    expect(byCode.get('500105006001')).toBe('桃源社区');
    expect([...byCode.values()].some((n) => /委员会$|委会$/.test(n))).toBe(false);
    expect(base.filter((v) => v.level === 'community' && !/(社区|村)$/.test(v.name)).map((v) => v.name)).toEqual(['化龙桥社区工作站']);
  });

  it('returns fresh objects on every call', () => {
    const again = loadChongqingBase();
    again[0].name = 'changed';
    expect(loadChongqingBase()[0].name).toBe('重庆市');
  });
});

describe('communityShortName', () => {
  it.each([
    ['桃源社区居民委员会', '桃源社区'],
    ['桃源社区居委会', '桃源社区'],
    ['太白村村民委员会', '太白村'],
    ['太白村村委会', '太白村'],
    ['真武村民委员会', '真武村'],
    ['新村村民委员会', '新村'],
    ['石角社区村民委员会', '石角社区村'],
    ['化龙桥社区工作站', '化龙桥社区工作站'],
  ])('%s → %s', (full, short) => {
    expect(communityShortName(full)).toBe(short);
  });
});

describe('streetKindOf', () => {
  it('reads the kind from the suffix', () => {
    expect(streetKindOf('观音桥街道')).toBe('subdistrict');
    expect(streetKindOf('大湾镇')).toBe('town');
    expect(streetKindOf('石桥苗族土家族乡')).toBe('township');
    expect(() => streetKindOf('化龙桥社区')).toThrow(/街道, 镇 or 乡/);
  });

  it('knows every street of the data', () => {
    const kinds = versions.filter((v) => v.level === 'street' && v.validTo === null).map((v) => streetKindOf(v.name));
    expect(kinds.filter((k) => k === 'subdistrict')).toHaveLength(245);
    expect(kinds.filter((k) => k === 'town')).toHaveLength(625);
    expect(kinds.filter((k) => k === 'township')).toHaveLength(161);
  });
});

describe('division counts', () => {
  it.each([BEFORE, '2026-01-24'])('has 38 区县 on %s', (date) => {
    expect(tree.countByLevel(date)).toEqual({ city: 1, district: 38, street: 1031, community: 11270 });
  });

  it.each([REFORM, TODAY])('has 37 区县 on %s', (date) => {
    expect(tree.countByLevel(date)).toEqual({ city: 1, district: 37, street: 1031, community: 11270 });
  });

  it('has nothing before the base list starts', () => {
    expect(tree.countByLevel('2022-12-31')).toEqual({ city: 0, district: 0, street: 0, community: 0 });
  });
});

describe('2026 两江新区 reform', () => {
  it('creates 两江新区 with a provisional code', () => {
    const lj = tree.at(LIANGJIANG, REFORM);
    expect(lj).toMatchObject({ name: '两江新区', level: 'district', parentCode: '500000', provisional: true, changeSet: 'cq-2026-liangjiang', validTo: null });
    expect(tree.at(LIANGJIANG, '2026-01-24')).toBeUndefined();
    expect(PROVISIONAL_CODES[LIANGJIANG].name).toBe('两江新区');
    expect(versions.filter((v) => v.provisional).map((v) => v.code)).toEqual([LIANGJIANG]);
  });

  it('gives 两江新区 31 街道 and 11 镇', () => {
    const children = tree.children(LIANGJIANG, TODAY);
    expect(children).toHaveLength(42);
    expect(children.filter((s) => streetKindOf(s.name) === 'subdistrict')).toHaveLength(31);
    expect(children.filter((s) => streetKindOf(s.name) === 'town')).toHaveLength(11);
    expect(names(children)).toEqual(expect.arrayContaining(['观音桥街道', '鱼嘴镇', '龙兴镇', '水土街道', '复兴街道', '蔡家岗街道', '施家梁镇', '童家溪镇']));
    expect(names(children)).not.toContain('大湾镇');
  });

  it('moves 大湾镇 from 渝北区 to 北碚区 keeping its code', () => {
    const before = streetOf('500112', '大湾镇', BEFORE);
    const after = streetOf('500109', '大湾镇', REFORM);
    expect(after.code).toBe(before.code);
    expect(names(tree.ancestors(before.code, BEFORE))).toEqual(['大湾镇', '渝北区', '重庆市']);
    expect(names(tree.ancestors(before.code, TODAY))).toEqual(['大湾镇', '北碚区', '重庆市']);
    expect(tree.versionsOf(before.code).map((v) => [v.parentCode, v.validFrom, v.validTo])).toEqual([
      ['500112', BASE_VALID_FROM, REFORM],
      ['500109', REFORM, null],
    ]);
  });

  it('puts 观音桥街道 and its communities under 两江新区 from the reform day', () => {
    const street = streetOf('500105', '观音桥街道', BEFORE);
    expect(names(tree.ancestors(street.code, '2026-01-24'))).toEqual(['观音桥街道', '江北区', '重庆市']);
    expect(names(tree.ancestors(street.code, REFORM))).toEqual(['观音桥街道', '两江新区', '重庆市']);
    const community = tree.children(street.code, TODAY)[0];
    expect(tree.ancestors(community.code, TODAY).map((v) => v.code)).toEqual([community.code, street.code, LIANGJIANG, '500000']);
    expect(tree.isWithin(community.code, '500105', BEFORE)).toBe(true);
    expect(tree.isWithin(community.code, '500105', TODAY)).toBe(false);
    expect(tree.isWithin(community.code, LIANGJIANG, TODAY)).toBe(true);
  });

  it('closes 江北区 and 渝北区 and reopens 北碚区 on the reform day', () => {
    for (const code of ['500105', '500112']) {
      expect(tree.versionsOf(code).map((v) => v.validTo)).toEqual([REFORM]);
      expect(tree.at(code, '2026-01-24')).toBeDefined();
      expect(tree.at(code, REFORM)).toBeUndefined();
    }
    const beibei = tree.versionsOf('500109');
    expect(beibei.map((v) => [v.name, v.validFrom, v.validTo, v.changeSet])).toEqual([
      ['北碚区', BASE_VALID_FROM, REFORM, 'cn-2023'],
      ['北碚区', REFORM, null, 'cq-2026-liangjiang'],
    ]);
    expect(tree.children('500109', BEFORE)).toHaveLength(17);
    expect(tree.children('500109', REFORM)).toHaveLength(17 - 5 + 5);
  });

  it('is a self-consistent change set', () => {
    expect(liangjiangReform2026.id).toBe('cq-2026-liangjiang');
    expect(liangjiangReform2026.effectiveDate).toBe(REFORM);
    expect(new Set(liangjiangReform2026.close).size).toBe(liangjiangReform2026.close.length);
  });
});

describe('management zones', () => {
  const zoneNames = (code: string) => {
    const zone = zones.find((z) => z.code === code);
    expect(zone).toBeDefined();
    return zone!.streetCodes.map((c) => {
      const chain = tree.ancestors(c, TODAY);
      return `${chain[1].name}/${chain[0].name}`;
    });
  };

  it('重庆高新区 直管园 runs 4 streets of 沙坪坝区 and 6 of 九龙坡区', () => {
    expect(zoneNames('zone-gxq').sort()).toEqual([
      '九龙坡区/含谷镇', '九龙坡区/巴福镇', '九龙坡区/白市驿镇', '九龙坡区/石板镇', '九龙坡区/走马镇', '九龙坡区/金凤镇',
      '沙坪坝区/曾家镇', '沙坪坝区/虎溪街道', '沙坪坝区/西永街道', '沙坪坝区/香炉山街道',
    ].sort());
  });

  it('万盛经开区 runs 10 streets of 綦江区', () => {
    expect(zoneNames('zone-wsjk').sort()).toEqual([
      '綦江区/万盛街道', '綦江区/东林街道', '綦江区/万东镇', '綦江区/南桐镇', '綦江区/青年镇',
      '綦江区/关坝镇', '綦江区/丛林镇', '綦江区/石林镇', '綦江区/金桥镇', '綦江区/黑山镇',
    ].sort());
  });

  it('picks 九龙坡区 走马镇, not the 走马镇 of 万州区', () => {
    expect(zones.find((z) => z.code === 'zone-gxq')!.streetCodes).toContain('500107106');
    expect(zones.find((z) => z.code === 'zone-gxq')!.streetCodes).not.toContain('500101152');
  });

  it('hands out copies', () => {
    chongqingCityModel().zones[0].streetCodes.push('x');
    expect(CHONGQING_ZONES[0].streetCodes).toHaveLength(10);
  });
});
