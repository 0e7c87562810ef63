/** CSV export of case lists: UTF-8 with a BOM so spreadsheet programs read the Chinese right. */
import type { CaseView } from './service.ts';

const COLUMNS: readonly [string, (c: CaseView) => unknown][] = [
  ['案件编号', (c) => c.number], ['状态', (c) => c.statusName], ['渠道', (c) => c.channel], ['诉求类型', (c) => c.appealType],
  ['类别', (c) => c.categoryCode], ['领域', (c) => c.domain], ['紧急程度', (c) => c.urgency], ['标题', (c) => c.title],
  ['描述', (c) => c.description], ['地址', (c) => c.address], ['经度', (c) => c.lon], ['纬度', (c) => c.lat], ['网格', (c) => c.gridCode],
  ['社区', (c) => c.communityCode], ['街道', (c) => c.streetCode], ['区县', (c) => c.districtCode], ['上报人', (c) => c.reporterName],
  ['联系电话', (c) => c.reporterPhone], ['责任中心', (c) => c.ownerUnitName], ['处置单位', (c) => c.assigneeUnitName],
  ['时限', (c) => c.dueAt], ['超期', (c) => (c.overdue ? '是' : '否')], ['满意度', (c) => c.satisfaction], ['上报时间', (c) => c.createdAt],
  ['结案时间', (c) => c.closedAt],
];

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  // A leading = + - @ would be run as a formula by spreadsheet programs.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function casesToCsv(cases: readonly CaseView[]): string {
  const lines = [COLUMNS.map(([name]) => name).join(','), ...cases.map((c) => COLUMNS.map(([, get]) => cell(get(c))).join(','))];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
