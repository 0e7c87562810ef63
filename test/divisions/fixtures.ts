import type { DivisionLevel, DivisionVersion } from '../../src/divisions/model.ts';

export function version(code: string, name: string, level: DivisionLevel, parentCode: string | null,
  validFrom = '2023-01-01', validTo: string | null = null, provisional = false): DivisionVersion {
  return { code, name, level, parentCode, validFrom, validTo, provisional, changeSet: 'test' };
}

/** A small city: two districts, three streets, four communities. */
export function smallCity(): DivisionVersion[] {
  return [
    version('500000', '重庆市', 'city', null),
    version('500105', '江北区', 'district', '500000'),
    version('500109', '北碚区', 'district', '500000'),
    version('500105006', '观音桥街道', 'street', '500105'),
    version('500105100', '鱼嘴镇', 'street', '500105'),
    version('500109008', '水土街道', 'street', '500109'),
    version('500105006001', '桃源社区', 'community', '500105006'),
    version('500105006002', '建北社区', 'community', '500105006'),
    version('500105100200', '鱼嘴村', 'community', '500105100'),
    version('500109008001', '水土社区', 'community', '500109008'),
  ];
}
