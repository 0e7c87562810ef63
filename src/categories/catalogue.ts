/**
 * The category catalogue (案件分类): what a case is about, as data.
 *
 * - 部件 components and 事件 events follow GB/T 30428.2 (数字化城市管理信息系统 第2部分:
 *   管理部件和事件), which took over the tables of CJ/T 214-2007: a 2-digit 大类 (major class)
 *   and a 2-digit 小类 (minor class). Codes here carry a kind letter so the three families
 *   never collide: 'C0101' is 部件 0101, 'E0101' is 事件 0101.
 * - 12345 hotline categories (热线诉求分类) outside city management are this project's own,
 *   grouped under the 领域 (domains) of DOMAINS: 'H' + 2-digit domain + 2-digit serial.
 *
 * The standard's text itself was not at hand. Every 部件/事件 code was cross-checked against
 * independent published code lists of systems built on the standard (and, for the first
 * 公用设施 positions, against its successor GB/T 47678.5-2026, which kept them). An entry is
 * `verified` when at least two independent lists put the same item at that code; otherwise it
 * keeps its place in the structure with `verified: false` and a note saying why, so nobody
 * mistakes a guess for the standard. Hotline codes are defined here and are authoritative.
 *
 * Some things people report have no class of their own in the standard: a missing or broken
 * manhole cover (井盖缺失/破损) is reported against the 部件 (C0101 … C0114, C0127 …), the
 * problem itself being the case's description, so routing follows the cover's owner.
 */

export type CategoryKind = 'component' | 'event' | 'hotline';
export const CATEGORY_KINDS: readonly CategoryKind[] = ['component', 'event', 'hotline'];

/** The letter that starts every code of a kind. */
export const KIND_PREFIX: Readonly<Record<CategoryKind, string>> = { component: 'C', event: 'E', hotline: 'H' };

/** 部件 component · 事件 event · 热线诉求 hotline request. */
export const KIND_ZH: Readonly<Record<CategoryKind, string>> = { component: '部件', event: '事件', hotline: '热线诉求' };

export interface Domain {
  /** Stable identifier, used in filters and rules. */
  code: string;
  /** 领域 name shown to people. */
  name: string;
}

/** The 领域 (domains) of 12345 requests; add a row to add a domain. */
export const DOMAINS: readonly Domain[] = [
  { code: 'urban_construction', name: '城乡建设' },
  { code: 'transport', name: '交通运输' },
  { code: 'education', name: '教育' },
  { code: 'government_services', name: '政务服务' },
  { code: 'market_regulation', name: '市场监管与企业' },
  { code: 'public_security', name: '社会治安' },
  { code: 'environment', name: '生态环境' },
  { code: 'labour_social_security', name: '劳动就业与社保' },
  { code: 'health', name: '医疗卫生' },
  { code: 'agriculture', name: '农业农村' },
  { code: 'culture_sports', name: '文化体育娱乐' },
  { code: 'tourism', name: '旅游' },
  { code: 'finance', name: '金融' },
  { code: 'housing_property', name: '住房与物业' },
  { code: 'civil_affairs', name: '民政与养老' },
  { code: 'emergency_safety', name: '应急与安全' },
];

export interface Category {
  /** Stable code: 'C0101' (部件 0101), 'E0102' (事件 0102), 'H0801' (hotline). */
  code: string;
  name: string;
  kind: CategoryKind;
  /** Kind letter + 2-digit 大类 code, e.g. 'C01'; for hotline categories the domain's number. */
  majorCode: string;
  majorName: string;
  /** The 领域 the category belongs to (a DOMAINS code). */
  domain: string;
  /** False when the code could not be confirmed against the classification it follows. */
  verified: boolean;
  /** Other names people use, matched by search. */
  aliases?: readonly string[];
  /** Why an entry is unverified, or where it departs from the standard. */
  note?: string;
}

export interface MajorClass {
  code: string;
  name: string;
  kind: CategoryKind;
  domain: string;
}

interface Row { serial: string; name: string; verified: boolean; aliases?: readonly string[]; note?: string }

// Reasons an entry stays unverified; kept short and uniform so they can be counted and fixed.
const ONE_LIST = 'only one published list has this code; confirm against the standard text';
const LISTS_DISAGREE = 'published lists put different items at this code; confirm against the standard text';
const NOT_IN_LISTS = 'not in the published national lists; local addition, code provisional';

const ok = (serial: string, name: string, aliases?: readonly string[]): Row => ({ serial, name, verified: true, ...(aliases ? { aliases } : {}) });
const unconfirmed = (serial: string, name: string, note: string, aliases?: readonly string[]): Row =>
  ({ serial, name, verified: false, note, ...(aliases ? { aliases } : {}) });

interface MajorRows { code: string; name: string; domain: string; rows: readonly Row[] }

/** 部件 (components): city assets a case can be about. */
const COMPONENT_MAJORS: readonly MajorRows[] = [
  {
    code: '01', name: '公用设施', domain: 'urban_construction', rows: [
      ok('01', '上水井盖', ['供水井盖', '自来水井盖']),
      ok('02', '污水井盖'),
      ok('03', '雨水井盖'),
      ok('04', '雨水箅子', ['雨水篦子']),
      ok('05', '电力井盖'),
      ok('06', '路灯井盖'),
      ok('07', '通信井盖', ['通讯井盖', '电信井盖']),
      ok('08', '电视井盖', ['有线电视井盖']),
      ok('09', '网络井盖'),
      ok('10', '热力井盖'),
      ok('11', '燃气井盖'),
      ok('12', '公安井盖'),
      ok('13', '消防设施', ['消火栓']),
      ok('14', '无主井盖', ['不明井盖']),
      ok('15', '通信交接箱', ['通讯交接箱', '电信交接箱']),
      ok('16', '电力设施'),
      ok('17', '立杆', ['电杆']),
      ok('18', '路灯'),
      ok('19', '地灯'),
      unconfirmed('20', '景观灯', LISTS_DISAGREE),
      ok('21', '报刊亭'),
      ok('22', '电话亭'),
      ok('23', '邮筒'),
      ok('24', '信息亭'),
      ok('25', '自动售货机', ['自动售货亭']),
      ok('26', '健身设施'),
      ok('27', '中水井盖'),
      unconfirmed('28', '公交井盖', LISTS_DISAGREE),
      unconfirmed('29', '输油（气）井盖', LISTS_DISAGREE),
      unconfirmed('30', '特殊井盖', LISTS_DISAGREE),
      unconfirmed('31', '民用水井', LISTS_DISAGREE),
      unconfirmed('32', '供水器', LISTS_DISAGREE),
      unconfirmed('33', '高压线铁塔', LISTS_DISAGREE),
      unconfirmed('34', '变压器（箱）', LISTS_DISAGREE),
      ok('35', '燃气调压站（箱）'),
      unconfirmed('36', '监控电子眼', LISTS_DISAGREE),
      unconfirmed('37', '售货亭', LISTS_DISAGREE),
      unconfirmed('38', '治安岗亭', LISTS_DISAGREE),
    ],
  },
  {
    code: '02', name: '道路交通', domain: 'transport', rows: [
      ok('01', '停车场'),
      ok('02', '停车咪表'),
      ok('03', '公交站亭'),
      ok('04', '出租车站牌'),
      ok('05', '过街天桥'),
      ok('06', '地下通道'),
      ok('07', '高架立交桥'),
      ok('08', '跨河桥'),
      ok('09', '交通标志牌'),
      unconfirmed('10', '交通信号灯', LISTS_DISAGREE),
      ok('11', '交通护栏'),
      ok('12', '存车支架'),
      ok('13', '路名牌'),
      unconfirmed('14', '交通信号设施', LISTS_DISAGREE),
      unconfirmed('15', '道路信息显示屏', LISTS_DISAGREE),
      unconfirmed('16', '道路隔音屏', LISTS_DISAGREE),
      unconfirmed('17', '交通岗亭', LISTS_DISAGREE),
    ],
  },
  {
    code: '03', name: '市容环境', domain: 'urban_construction', rows: [
      ok('01', '公共厕所', ['公厕']),
      ok('02', '化粪池', ['公厕化粪池']),
      ok('03', '公厕指示牌'),
      ok('04', '垃圾间（楼）', ['垃圾间']),
      ok('05', '垃圾箱', ['垃圾桶', '果皮箱']),
      ok('06', '灯箱霓虹灯'),
      ok('07', '广告牌匾'),
      unconfirmed('08', '环保监测站', LISTS_DISAGREE),
      unconfirmed('09', '气象监测站', LISTS_DISAGREE),
      unconfirmed('10', '污水口监测站', LISTS_DISAGREE),
      unconfirmed('11', '噪声显示屏', LISTS_DISAGREE),
    ],
  },
  {
    code: '04', name: '园林绿化', domain: 'urban_construction', rows: [
      ok('01', '古树名木'),
      ok('02', '行道树'),
      unconfirmed('03', '护树设施', LISTS_DISAGREE, ['树池箅子']),
      ok('04', '花架花钵'),
      ok('05', '绿地'),
      ok('06', '雕塑'),
      ok('07', '街头座椅', ['街头坐椅']),
      unconfirmed('08', '绿地护栏', ONE_LIST),
      ok('09', '绿地维护设施'),
      unconfirmed('10', '喷泉', ONE_LIST),
    ],
  },
  {
    code: '05', name: '房屋土地', domain: 'urban_construction', rows: [
      ok('01', '宣传栏'),
      ok('02', '人防工事'),
      ok('03', '公房地下室'),
    ],
  },
  {
    code: '06', name: '其他设施', domain: 'emergency_safety', rows: [
      unconfirmed('01', '重大危险源', ONE_LIST),
      unconfirmed('02', '工地', ONE_LIST),
      unconfirmed('03', '水域附属设施', ONE_LIST),
      unconfirmed('04', '水域护栏', ONE_LIST),
      unconfirmed('05', '港监设施', ONE_LIST),
      unconfirmed('06', '防汛墙', ONE_LIST),
    ],
  },
];

/** 事件 (events): conditions and behaviour a case can be about. */
const EVENT_MAJORS: readonly MajorRows[] = [
  {
    code: '01', name: '市容环境', domain: 'urban_construction', rows: [
      ok('01', '私搭乱建', ['乱搭乱建']),
      ok('02', '暴露垃圾'),
      ok('03', '积存垃圾渣土'),
      ok('04', '道路不洁', ['道路保洁']),
      ok('05', '水域不洁', ['河道保洁']),
      ok('06', '绿地脏乱', ['绿地保洁']),
      ok('07', '废弃车辆', ['僵尸车']),
      ok('08', '废弃家具设备'),
      ok('09', '非装饰性树挂'),
      unconfirmed('10', '道路破损', LISTS_DISAGREE, ['路面破损']),
      unconfirmed('11', '河堤破损', LISTS_DISAGREE),
      unconfirmed('12', '道路遗撒', LISTS_DISAGREE, ['道路撒遗']),
      unconfirmed('13', '建筑物外立面不洁', LISTS_DISAGREE),
      unconfirmed('14', '水域秩序问题', LISTS_DISAGREE),
      unconfirmed('15', '焚烧垃圾、树叶', LISTS_DISAGREE),
      unconfirmed('16', '油烟污染', LISTS_DISAGREE),
      unconfirmed('17', '动物尸体清理', LISTS_DISAGREE),
      unconfirmed('18', '擅自饲养家禽家畜', LISTS_DISAGREE),
    ],
  },
  {
    code: '02', name: '宣传广告', domain: 'urban_construction', rows: [
      ok('01', '非法小广告', ['违章张贴小广告', '非法张贴小广告', '牛皮癣']),
      ok('02', '违章张贴悬挂广告牌匾'),
      ok('03', '占道广告牌'),
      ok('04', '街头散发广告', ['街头散发小广告']),
      unconfirmed('05', '广告招牌破损', LISTS_DISAGREE),
    ],
  },
  {
    code: '03', name: '施工管理', domain: 'urban_construction', rows: [
      ok('01', '施工扰民', ['施工噪声']),
      ok('02', '工地扬尘'),
      unconfirmed('03', '施工废弃料', LISTS_DISAGREE),
      unconfirmed('04', '施工占道', LISTS_DISAGREE),
      unconfirmed('05', '无证掘路', LISTS_DISAGREE),
    ],
  },
  {
    code: '04', name: '突发事件', domain: 'emergency_safety', rows: [
      ok('01', '路面塌陷', ['道路塌陷']),
      ok('02', '自来水管破裂', ['供水管道破裂']),
      ok('03', '燃气管道破裂', ['燃气泄漏']),
      ok('04', '下水道堵塞或破损', ['排水管道堵塞']),
      unconfirmed('05', '热力管道破裂', LISTS_DISAGREE),
      unconfirmed('06', '道路积水', LISTS_DISAGREE, ['路面积水']),
      unconfirmed('07', '道路积雪结冰', LISTS_DISAGREE),
      unconfirmed('08', '架空线缆损坏', LISTS_DISAGREE),
      unconfirmed('09', '群体性事件', LISTS_DISAGREE),
    ],
  },
  {
    code: '05', name: '街面秩序', domain: 'urban_construction', rows: [
      ok('01', '无照经营游商', ['流动摊贩', '游商']),
      ok('02', '流浪乞讨'),
      ok('03', '占道废品收购'),
      ok('04', '店外经营', ['出店经营']),
      ok('05', '机动车乱停放', ['违章停车']),
      ok('06', '非机动车乱停放'),
      ok('07', '乱堆物堆料'),
      ok('08', '商业噪音', ['商业噪声']),
      ok('09', '黑车拉客'),
      ok('10', '露天烧烤'),
      unconfirmed('11', '沿街晾挂', ONE_LIST),
      ok('12', '非法出版物销售'),
      unconfirmed('13', '空调室外机低挂', ONE_LIST),
      unconfirmed('14', '占道经营', NOT_IN_LISTS, ['占道摆卖', '路边摆摊']),
    ],
  },
  {
    code: '06', name: '其他事件', domain: 'urban_construction', rows: [
      unconfirmed('01', '违法建设', NOT_IN_LISTS, ['违章建筑', '违建']),
      unconfirmed('02', '违法用地', NOT_IN_LISTS),
      unconfirmed('03', '擅自占用挖掘道路', NOT_IN_LISTS),
    ],
  },
];

/** 12345 requests outside city management, by domain (own codes, so all verified). */
const HOTLINE_ROWS: Readonly<Record<string, readonly (string | readonly [string, readonly string[]])[]>> = {
  urban_construction: ['市政道路设施', ['供水问题', ['停水', '水压低', '水质']], ['供电问题', ['停电']], ['供气问题', ['停气']], '排水不畅', '路灯照明', '城市规划咨询', '建设工程质量'],
  transport: [['出租车服务', ['出租车拒载', '出租车绕路']], '公交线路与服务', '网约车服务', '道路交通拥堵', '停车收费', '轨道交通服务', '货运物流', '驾驶培训'],
  education: [['学校收费', ['乱收费']], '招生入学', '校外培训', '校园安全', '师德师风', '学生资助', '幼儿园'],
  government_services: ['办事效率', '政策咨询', '证照办理', '户籍办理', '不动产登记', '工作人员作风'],
  market_regulation: [['食品安全', ['食品卫生', '过期食品']], ['消费维权', ['退换货', '预付卡']], '价格违法', '虚假广告', '产品质量', ['特种设备安全', ['电梯故障']], '企业登记', '营商环境', '药品安全'],
  public_security: ['治安隐患', ['电信诈骗', ['诈骗']], '黄赌毒', '邻里纠纷', '扰乱公共秩序', '出租房屋管理'],
  environment: [['噪声扰民', ['噪音扰民', '社会生活噪声']], ['大气污染', ['废气', '异味']], '水污染', '餐饮油烟', '固体废物', '辐射污染', '土壤污染'],
  labour_social_security: [['拖欠工资', ['欠薪', '拖欠农民工工资']], '劳动合同', '社保缴纳', '养老金领取', '就业创业', '工伤认定', '职业技能培训'],
  health: [['医保报销', ['医保']], '医疗服务', '医疗收费', '疫苗接种', '非法行医', '公共卫生', '生育服务'],
  agriculture: ['农村土地承包', '农产品质量', '动物防疫', '惠农补贴', '农村人居环境', '农资质量'],
  culture_sports: ['文化市场', '公共文化设施', '体育场馆', '网吧与娱乐场所', '广播电视', '出版物'],
  tourism: ['景区服务', '旅行社', '导游服务', '旅游购物', '酒店住宿'],
  finance: ['非法集资', '银行服务', '保险理赔', '网络借贷', '证券投资', '暴力催收'],
  housing_property: [['物业服务', ['物业费', '物业管理']], '房屋租赁', '商品房交付', '公租房', '房屋维修资金', '老旧小区改造', '电梯加装'],
  civil_affairs: ['养老服务', '低保救助', '残疾人帮扶', '婚姻登记', '殡葬管理', '社区管理', '未成年人保护'],
  emergency_safety: ['安全生产隐患', '消防安全', '自然灾害', '危险化学品', '地质灾害', '防汛抗旱'],
};

function buildMajors(kind: CategoryKind, majors: readonly MajorRows[]): { majors: MajorClass[]; categories: Category[] } {
  const prefix = KIND_PREFIX[kind];
  const out: Category[] = [];
  for (const major of majors) {
    for (const row of major.rows) {
      out.push({
        code: `${prefix}${major.code}${row.serial}`, name: row.name, kind, majorCode: `${prefix}${major.code}`, majorName: major.name,
        domain: major.domain, verified: row.verified,
        ...(row.aliases ? { aliases: row.aliases } : {}), ...(row.note ? { note: row.note } : {}),
      });
    }
  }
  return { majors: majors.map((m) => ({ code: `${prefix}${m.code}`, name: m.name, kind, domain: m.domain })), categories: out };
}

function buildHotline(): { majors: MajorClass[]; categories: Category[] } {
  const majors: MajorClass[] = [];
  const categories: Category[] = [];
  DOMAINS.forEach((domain, i) => {
    const majorCode = `H${String(i + 1).padStart(2, '0')}`;
    majors.push({ code: majorCode, name: domain.name, kind: 'hotline', domain: domain.code });
    (HOTLINE_ROWS[domain.code] ?? []).forEach((row, j) => {
      const [name, aliases] = typeof row === 'string' ? [row, undefined] : row;
      categories.push({
        code: `${majorCode}${String(j + 1).padStart(2, '0')}`, name, kind: 'hotline', majorCode, majorName: domain.name,
        domain: domain.code, verified: true, ...(aliases ? { aliases } : {}),
      });
    });
  });
  return { majors, categories };
}

const components = buildMajors('component', COMPONENT_MAJORS);
const events = buildMajors('event', EVENT_MAJORS);
const hotline = buildHotline();

/** Every 大类, in catalogue order. */
export const MAJOR_CLASSES: readonly MajorClass[] = Object.freeze([...components.majors, ...events.majors, ...hotline.majors]);

/** Every category, in catalogue order (components, events, hotline). */
export const CATEGORIES: readonly Category[] = Object.freeze([...components.categories, ...events.categories, ...hotline.categories].map((c) => Object.freeze(c)));

const byCode = new Map(CATEGORIES.map((c) => [c.code, c]));
const majorByCode = new Map(MAJOR_CLASSES.map((m) => [m.code, m]));

export function categoryByCode(code: string): Category | undefined {
  return byCode.get(code);
}

export function isCategoryCode(code: string): boolean {
  return byCode.has(code);
}

export function majorClassByCode(code: string): MajorClass | undefined {
  return majorByCode.get(code);
}

export function domainByCode(code: string): Domain | undefined {
  return DOMAINS.find((d) => d.code === code);
}

/**
 * A pattern a responsibility rule may name: a category code ('C0101'), a 大类 ('C01') or a
 * whole kind ('C', 'E', 'H'). Arbitrary prefixes ('C010') are refused so every rule reads as
 * something a person recognises.
 */
export function isCategoryPattern(pattern: string): boolean {
  return byCode.has(pattern) || majorByCode.has(pattern) || Object.values(KIND_PREFIX).includes(pattern);
}

/** The Chinese name of a pattern: the category, the 大类 (with its kind), or the kind. */
export function categoryPatternName(pattern: string): string | undefined {
  const category = byCode.get(pattern);
  if (category) return category.name;
  const major = majorByCode.get(pattern);
  if (major) return `${KIND_ZH[major.kind]}·${major.name}`;
  const kind = CATEGORY_KINDS.find((k) => KIND_PREFIX[k] === pattern);
  return kind ? `全部${KIND_ZH[kind]}` : undefined;
}

export interface CategoryFilter { kind?: CategoryKind; domain?: string; q?: string }

/** Categories matching every given filter; `q` matches code, name, aliases and 大类 name. */
export function searchCategories(filter: CategoryFilter): Category[] {
  const q = filter.q?.trim().toLowerCase();
  return CATEGORIES.filter((c) =>
    (!filter.kind || c.kind === filter.kind)
    && (!filter.domain || c.domain === filter.domain)
    && (!q || c.code.toLowerCase().startsWith(q) || c.name.includes(q) || c.majorName.includes(q)
      || (c.aliases ?? []).some((a) => a.includes(q))));
}
