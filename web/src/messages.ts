/**
 * Every string the interface shows, zh-CN first. Components read `t.…`; an English table can
 * follow with the same shape (`typeof zhCN`).
 */
export const zhCN = {
  app: { name: '城运', console: '一图掌控', portal: '一键报事', skip: '跳到主要内容' },
  nav: { queue: '案件工作台', map: '一图掌控', vital: '城市体征', signOut: '退出登录', portal: '市民报事', me: '当前用户' },
  common: {
    loading: '加载中…', retry: '重试', error: '出错了', noData: '暂无数据', save: '保存', cancel: '取消', submit: '提交', close: '关闭',
    search: '搜索', all: '全部', yes: '是', no: '否', required: '必填', offline: '连接已断开，正在重连…', live: '实时', back: '返回',
    networkError: '网络连接失败，请检查网络后重试', serverError: '服务器暂时无法处理，请稍后重试', unauthorised: '登录已过期，请重新登录',
  },
  login: {
    title: '登录', username: '用户名', password: '密码', submit: '登录', failed: '用户名或密码不正确', locked: '账户已被锁定，请稍后再试',
    consoleHint: '城市运行管理服务平台 · 值班员、处置人员、督办人员登录', citizenHint: '市民登录后即可报事、查进度、评价',
  },
  queue: {
    title: '案件工作台', unit: '本单位', filters: '筛选', status: '状态', urgency: '紧急程度', overdueOnly: '只看超期', searchPlaceholder: '案件编号、标题、地址',
    empty: '当前条件下没有案件', count: (n: number) => `共 ${n} 件`, more: '加载更多', liveNew: '有新动态，已自动刷新',
    columns: { number: '案件编号', title: '标题', status: '状态', place: '位置', due: '剩余时限', unit: '承办单位' },
    statusGroups: { todo: '待办', active: '办理中', done: '已办结', all: '全部' },
  },
  sla: { overdue: (d: string) => `已超期 ${d}`, left: (d: string) => `剩余 ${d}`, none: '不计时', days: '天', hours: '小时', minutes: '分钟' },
  urgency: { normal: '一般', urgent: '紧急', critical: '特急' } as Record<string, string>,
  caseDetail: {
    title: '案件详情', number: '案件编号', category: '类别', channel: '来源', reported: '上报时间', address: '地址', description: '问题描述',
    reporter: '上报人', owner: '主办中心', assignee: '承办单位', photos: '现场照片', noPhotos: '无照片', timeline: '办理过程', actions: '可执行操作',
    noActions: '您当前没有可执行的操作', notFound: '案件不存在或您无权查看', supervisions: '督办记录', map: '位置', select: '请从左侧选择一个案件',
    satisfaction: '满意度', due: '时限',
  },
  actions: {
    accept: '受理', requestVerification: '派核实', confirmReport: '核实属实', reject: '不予受理', void: '作废', selfHandle: '自行处置',
    dispatch: '派遣', sign: '签收', return: '回退', transfer: '转办', reportHandled: '处置反馈', requestExtension: '申请延期',
    decideExtension: '审批延期', verifyFix: '核查', rework: '返工', close: '结案', evaluate: '评价', reopen: '重新办理', suspend: '挂起',
    resume: '恢复', supervise: '督办', merge: '合并', unmerge: '取消合并',
  } as Record<string, string>,
  form: {
    note: '办理意见', reason: '原因', unit: '承办单位', recommended: '推荐', assisting: '协办单位', minutes: '延期时长（小时）', approve: '同意',
    passed: '核查通过', failed: '核查不通过', masterNumber: '主案件编号', photos: '照片', addPhoto: '添加照片', uploading: '上传中…',
    toKind: '转给', center: '指挥中心', department: '职能部门', done: (a: string) => `已${a}`, chooseUnit: '请选择单位', supervisionNote: '督办意见',
  },
  map: {
    title: '一图掌控', layers: '图层', cases: '案件点位', heat: '热力', kpi: '指标分布', alarms: '告警', sensors: '感知设备', boundaries: '区划边界',
    metric: '指标', metrics: { open: '在办', overdue: '超期', satisfaction: '满意度' } as Record<string, string>,
    city: '全市', inView: '当前区域', total: '案件总数', open: '在办', overdue: '超期', closed: '已结案', satisfaction: '满意度',
    drill: '进入', up: '返回上级', points: (n: number) => `${n.toLocaleString('zh-CN')} 个案件点位`, truncated: '（案件过密，仅显示最密集的一部分）',
    noSensing: '感知数据暂未接入：暂无数据', card: '详情', openCase: '打开案件', legend: '图例', breadcrumbs: '区划层级',
    alarmLevels: { red: '红色', orange: '橙色', yellow: '黄色', blue: '蓝色' } as Record<string, string>,
    sensorStatus: { online: '在线', offline: '离线', alarm: '告警' } as Record<string, string>,
    grids: '网格', gridsHint: '放大到街道以下显示网格', gridsMore: '网格较多，仅显示一部分', gridsShown: (n: number) => `显示 ${n} 个网格`,
    sensorsMore: (shown: number, total: number) => `仅显示 ${shown.toLocaleString('zh-CN')} / ${total.toLocaleString('zh-CN')} 个设备`,
  },
  sensing: {
    kinds: { threshold: '超阈值', rate: '变化速率超限', anomaly: '数据异常', offline: '设备离线', flatline: '数据长时间不变', burst: '疑似爆管' } as Record<string, string>,
    sensor: '设备', type: '类型', value: '当前值', raisedAt: '发生时间', state: '状态', active: '未解除', cleared: '已解除', acknowledged: '已确认',
    unacknowledged: '未确认', peak: '最高级别', openCase: '查看联动案件', readings: '查看监测曲线', lastSeen: '最近上报', never: '从未上报',
    code: '编号', alarmLevel: '告警级别',
  },
  vital: {
    title: '城市体征', division: '区域', indicators: '体征指标', alarms: '告警列表', sensors: '感知设备', readings: '监测曲线',
    threshold: '阈值', noSensing: '感知数据暂未接入：暂无数据', chooseSensor: '选择一个设备查看曲线', value: '数值', level: '级别', raisedAt: '发生时间',
    caseTiles: '案件指标', resolution: '粒度', composite: '综合体征指数', online: '设备在线', onlineRate: '在线率', openCases: '在办案件',
    overdueCases: '超期案件', trend: '近 24 小时体征指数', noTrend: '暂无体征快照（每 5 分钟记录一次）', children: '下级区域', area: '区域',
    resolutions: { auto: '自动', raw: '原始', '1m': '1 分钟', '1h': '1 小时' } as Record<string, string>, avg: '均值', max: '最大值', min: '最小值',
    alarmCount: (n: number) => `${n} 条`, noAlarms: '当前没有未解除的告警',
    range: '时间范围', ranges: { 6: '6 小时', 24: '24 小时', 168: '7 天' } as Record<number, string>,
  },
  citizen: {
    title: '一键报事', intro: '拍张照、点一下位置、说清楚问题，我们尽快处理。', photo: '现场照片', takePhoto: '拍照或从相册选择', removePhoto: '移除照片',
    location: '问题位置', useGps: '使用手机定位', tapMap: '或在地图上点选位置', locating: '正在定位…', gpsFailed: '无法获取定位，请在地图上点选',
    picked: '已选位置', description: '问题描述', descriptionHint: '例如：解放碑步行街垃圾桶满了，垃圾堆在地上', suggested: '可能的类别', urgentHint: '如涉及人身安全，请同时拨打 110 / 119 / 120',
    phone: '联系电话（可选）', submit: '提交', submitting: '正在提交…', submitted: '提交成功', yourCode: '您的案件编号', keepCode: '请保存编号，用于查询进度',
    needLocation: '请先选择问题位置', needText: '请描述问题', track: '查询进度', trackTitle: '查询办理进度', codeLabel: '案件编号（19 位数字）',
    codeInvalid: '请输入 19 位数字的案件编号', notFound: '没有找到这个编号的案件', progress: '办理进度', rate: '评价办理结果', rated: '感谢您的评价',
    stars: (n: number) => `${n} 星`, comment: '评价内容（可选）', myReports: '我的上报', newReport: '我要报事', status: '当前状态',
  },
  /** Plain-language timeline for residents, by action. */
  plain: {
    report: '您的问题已提交', accept: '中心已受理', requestVerification: '正在现场核实', confirmReport: '现场核实属实', reject: '未予受理',
    void: '已作废', selfHandle: '网格员已现场处理', dispatch: '已派给责任单位', sign: '责任单位已接单', return: '重新安排责任单位',
    transfer: '已转交其他单位', reportHandled: '责任单位已处理完毕', requestExtension: '处理需要更多时间', decideExtension: '处理时间已调整',
    verifyFix: '已现场核查', rework: '要求重新处理', close: '已办结', evaluate: '您已评价', reopen: '已重新办理', suspend: '暂停处理',
    resume: '恢复处理', supervise: '上级正在督办', merge: '与相同问题合并处理', unmerge: '单独处理', escalate: '已提醒加快处理',
    warn: '临近处理时限', 'close-merged': '随相同问题一并办结',
  } as Record<string, string>,
  statusPlain: {
    reported: '已提交，等待受理', verifying: '核实中', registered: '已受理，安排处理中', dispatched: '已派单', handling: '处理中', handled: '已处理，等待核查',
    verified: '已核查，即将办结', closed: '已办结', rejected: '未予受理', voided: '已作废', suspended: '暂停处理', merged: '已与相同问题合并',
  } as Record<string, string>,
};

export type Messages = typeof zhCN;
export const t: Messages = zhCN;
