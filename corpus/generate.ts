/**
 * Generates corpus/reports.jsonl: labelled citizen reports written for the project, composed
 * from hand-written fragments per category (places in Chongqing, registers, 12345 transcript
 * and app styles, dialect, typos, emoji, danger-to-life phrases). Deterministic: the same seed
 * gives the same file byte for byte.
 *
 *   node_modules/.bin/node corpus/generate.ts            # writes corpus/reports.jsonl
 *   node_modules/.bin/node corpus/generate.ts --check    # exits 1 when the file is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATEGORIES, DOMAINS, type Category } from '../src/categories/catalogue.ts';
import { fnv1a32, mulberry32 } from '../src/random.ts';

export type AppealType = 'consult' | 'help' | 'complaint' | 'report' | 'suggestion' | 'praise';
export type Urgency = 'normal' | 'urgent' | 'critical';

export interface Report {
  id: string;
  text: string;
  appealType: AppealType;
  domain: string;
  categoryCode: string;
  urgency: Urgency;
  channel: 'app' | 'hotline';
  split: 'train' | 'test';
}

const SEED = 'chengyun-triage-corpus-v1';
const PER_CATEGORY = 64;
const TEST_SHARE = 0.2;

/** mulberry32 over a string hash: small, fast and the same on every platform. */
export function prng(seed: string): () => number {
  return mulberry32(fnv1a32(seed));
}

// ── places ──────────────────────────────────────────────────────────────────────────────

const PLACES = [
  '解放碑', '解放碑步行街', '观音桥', '观音桥步行街', '南坪', '南坪万达', '沙坪坝三峡广场', '杨家坪', '杨家坪步行街', '大坪', '大坪时代天街',
  '北碚', '北碚缙云山脚下', '江北嘴', '龙头寺', '龙头寺公园', '两路口', '洪崖洞', '朝天门', '较场口', '七星岗', '上清寺', '化龙桥', '李子坝',
  '石桥铺', '石坪桥', '谢家湾', '袁家岗', '九龙坡黄桷坪', '鹅岭', '佛图关', '磁器口', '大学城', '西永', '陈家桥', '双碑', '童家桥',
  '礼嘉', '照母山', '金开大道', '回兴', '两路', '空港', '悦来', '鸳鸯', '大竹林', '人和', '冉家坝', '五里店', '红旗河沟', '大石坝',
  '南岸弹子石', '南滨路', '四公里', '六公里', '茶园', '鸡冠石', '铜元局', '海棠溪', '大渡口', '新山村', '巴南李家沱', '鱼洞', '界石',
  '渝北中央公园', '西彭', '白市驿', '含谷', '璧山', '江津几江', '合川', '永川', '涪陵', '万州', '长寿', '綦江', '荣昌',
];
const SPOTS = [
  '附近', '旁边', '路口', '轻轨站出口', '公交站旁边', '小区门口', '菜市场门口', '背街小巷', '天桥底下', '停车场里面', '梯坎上', '学校门口',
  '医院对面', '商场后门', '老街里头', '社区活动室旁边', '农贸市场', '巷子口', '坡坡上', '桥下面',
];
const STREETS = ['民族路', '民权路', '邹容路', '中山三路', '建新北路', '北城天街', '南坪正街', '杨家坪正街', '渝州路', '科园一路', '天生路', '红锦大道', '金山大道', '江南大道', '学府大道', '大学城中路', '嘉陵路', '沧白路'];
const COMMUNITIES = ['阳光小区', '金科社区', '龙湖花园', '嘉华新城', '天湖美镇', '锦绣山庄', '融汇半岛', '恒大城', '华宇城', '协信星光', '老旧宿舍楼', '单位家属院'];

// ── the fragments each category speaks with ────────────────────────────────────────────

export interface Spec {
  /** Kind letter + name as in the catalogue, e.g. 'C:上水井盖'. */
  key: string;
  /** What people say is wrong. */
  say: readonly string[];
  /** Appeal types this kind of report takes (first most common). */
  appeals?: readonly AppealType[];
  /** Chance a report is urgent without a danger phrase (blocked road, many affected). */
  urgentShare?: number;
  /** Danger-to-life phrases that can occur with this category; their presence makes the report critical or urgent. */
  danger?: readonly (readonly [string, Urgency])[];
  /** Where it usually happens, replacing the generic spots. */
  where?: readonly string[];
}

const COMPLAIN: readonly AppealType[] = ['complaint', 'help', 'report', 'suggestion', 'consult', 'praise'];
const ASK: readonly AppealType[] = ['consult', 'help', 'complaint', 'suggestion', 'praise'];
const TIP: readonly AppealType[] = ['report', 'complaint', 'help', 'consult'];
const SEEK: readonly AppealType[] = ['help', 'consult', 'complaint', 'praise'];

export const SPECS: readonly Spec[] = [
  { key: 'C:上水井盖', say: ['自来水井盖不见了', '供水井盖破了一个大洞', '上水井盖松动, 车子压过去哐当响', '自来水井盖翘起来了'], urgentShare: 0.4, danger: [['有人掉进井里去了', 'critical']] },
  { key: 'C:污水井盖', say: ['污水井盖烂了', '污水井盖缺了一块, 臭得很', '下水道井盖被压碎了', '污水井盖移位了, 露出个口子'], urgentShare: 0.4 },
  { key: 'C:雨水箅子', say: ['雨水箅子被偷了', '雨水篦子断了几根', '路边的雨水箅子塌下去了', '雨水箅子堵满了树叶'], urgentShare: 0.2 },
  { key: 'C:电力井盖', say: ['电力井盖破损', '电力井盖翘起来, 摩托车差点摔倒', '电力井盖缺失, 下面全是电缆'], urgentShare: 0.4, danger: [['井里冒烟, 有烧焦的味道', 'urgent']] },
  { key: 'C:燃气井盖', say: ['燃气井盖松动', '燃气井盖裂开了', '燃气井盖被车压坏了'], urgentShare: 0.3, danger: [['燃气井盖那里闻到天然气味道', 'critical']] },
  { key: 'C:消防设施', say: ['消火栓被撞歪了一直漏水', '消防栓被车堵死了', '楼道里的灭火器过期了', '消火栓的盖子被人偷了'], appeals: TIP },
  { key: 'C:路灯', say: ['路灯不亮', '一排路灯晚上全部黑起的', '路灯白天一直亮着浪费电', '路灯杆子歪了', '路灯一闪一闪的'], urgentShare: 0.05 },
  { key: 'C:健身设施', say: ['健身器材坏了', '小区健身器材的螺丝松了, 老年人用起危险', '漫步机断了', '单杠生锈了'] },
  { key: 'C:公交站亭', say: ['公交站亭的玻璃碎了', '公交站亭顶棚漏雨', '站台的座位被拆了', '公交站牌字都看不清了'] },
  { key: 'C:过街天桥', say: ['过街天桥的台阶石板松了', '天桥扶手断了', '人行天桥上面积水滑得很', '天桥电梯坏了好久'], urgentShare: 0.2 },
  { key: 'C:交通标志牌', say: ['交通标志牌被树挡住了', '限速牌被撞倒在路边', '指路牌指错了方向', '标志牌掉了一半挂起的'], urgentShare: 0.15 },
  { key: 'C:交通信号灯', say: ['红绿灯坏了', '信号灯不亮, 路口乱得很', '红绿灯时间太短, 老人过不完', '信号灯一直黄灯闪'], urgentShare: 0.35 },
  { key: 'C:交通护栏', say: ['道路护栏被撞倒了', '中间的隔离栏歪起的', '护栏被人剪开一个口子, 经常有人翻', '护栏锈穿了'] },
  { key: 'C:公共厕所', say: ['公厕臭得很, 没人打扫', '公共厕所没得水冲', '公厕门锁坏了', '公共厕所晚上不开门', '厕所里头灯坏了'] },
  { key: 'C:垃圾箱', say: ['垃圾桶满了没人收', '垃圾箱被烧坏了', '分类垃圾桶烂了', '果皮箱不见了', '垃圾桶冒出来了臭得很'] },
  { key: 'C:广告牌匾', say: ['广告牌摇摇晃晃的要掉下来', '店招牌被风吹歪了', '楼顶广告牌锈得很凶'], urgentShare: 0.4, danger: [['广告牌垮下来砸到人了', 'critical']] },
  { key: 'C:行道树', say: ['行道树歪了快倒了', '行道树枝丫挡住了路灯', '树根把人行道拱起来了', '行道树死了好久没人换'], urgentShare: 0.2, danger: [['大树倒在马路中间, 把车子砸了', 'urgent']] },
  { key: 'C:绿地', say: ['绿化带被人踩秃了', '绿地里种起了菜', '草坪好久没修剪', '绿化带被车子压坏了'] },
  { key: 'C:街头座椅', say: ['街边的长椅坏了', '座椅的木板断了', '座椅被人拆走了'] },
  { key: 'C:宣传栏', say: ['社区宣传栏的玻璃碎了', '宣传栏上的内容好几年没换', '宣传栏倒了'] },
  { key: 'C:工地', say: ['工地围挡倒了', '工地晚上施工没有警示灯', '工地大门口的泥巴带得满街都是', '工地基坑边没有护栏'], appeals: TIP, urgentShare: 0.3, danger: [['工地基坑垮塌了', 'critical'], ['工地挡墙有裂缝怕要垮塌', 'critical']] },
  { key: 'C:水域护栏', say: ['河边的护栏断了', '江边栏杆松了, 娃儿在那里耍危险得很', '水边护栏缺了一段'], urgentShare: 0.4 },
  { key: 'E:私搭乱建', say: ['楼顶私搭乱建了一间房子', '有人在小区绿地上搭棚子', '一楼住户把院子围起来搭了个房子', '阳台往外搭了个铁皮棚'], appeals: TIP },
  { key: 'E:暴露垃圾', say: ['路边堆了一大堆垃圾', '垃圾好几天没人清运, 苍蝇到处飞', '有人把装修垃圾倒在路边', '菜市场外头垃圾堆成山'] },
  { key: 'E:道路不洁', say: ['马路上全是泥巴', '人行道好脏, 油污一大片', '路面上到处是烟头和纸屑', '街道好久没人扫了'] },
  { key: 'E:水域不洁', say: ['河道里漂起好多垃圾', '嘉陵江边上全是白色垃圾', '小河沟里发臭发黑', '湖面上漂着死鱼'] },
  { key: 'E:废弃车辆', say: ['一辆僵尸车停在路边好几个月了', '废弃的面包车占了车位', '小区里有辆烂车子轮胎都瘪了', '路边有辆没牌照的废车'] },
  { key: 'E:道路破损', say: ['路面烂了一个大坑', '马路坑坑洼洼的', '人行道砖松了一踩一脚水', '路面裂了好长一条缝', '梯坎烂了'], urgentShare: 0.25 },
  { key: 'E:油烟污染', say: ['楼下餐馆油烟直接往我家窗户冲', '火锅店的油烟熏得人受不了', '烧烤店油烟没装净化器'], appeals: COMPLAIN },
  { key: 'E:动物尸体清理', say: ['路边有只死狗', '马路中间有只死猫', '小区里有动物尸体发臭了'] },
  { key: 'E:非法小广告', say: ['墙上贴满了牛皮癣', '电线杆上全是办证小广告', '楼道里到处喷的开锁电话', '小广告贴到电梯里了'] },
  { key: 'E:占道广告牌', say: ['店家把广告牌摆到人行道上', '易拉宝广告占了盲道', '门口立的广告牌挡路'] },
  { key: 'E:施工扰民', say: ['工地半夜还在施工, 吵得睡不着', '晚上十二点了还在打桩', '装修电钻声从早响到晚', '工地凌晨还在浇混凝土'], appeals: COMPLAIN },
  { key: 'E:工地扬尘', say: ['工地扬尘好大, 灰都飘到屋里', '渣土车没盖篷布, 一路掉灰', '工地没洒水, 灰蒙蒙的'], appeals: COMPLAIN },
  { key: 'E:施工占道', say: ['施工把整条人行道都围了', '修路占了一半车道, 堵得很', '施工围挡占了公交站'] },
  {
    key: 'E:路面塌陷', say: ['路面塌陷了一个坑', '马路中间陷下去一块', '人行道塌下去了', '路面下沉, 有裂缝'], urgentShare: 0.6,
    danger: [['路面突然垮塌, 一辆车陷进去了', 'critical'], ['路面塌方, 下面是空的', 'urgent'], ['地面塌陷越来越大, 旁边房子怕要垮塌', 'critical']],
  },
  { key: 'E:自来水管破裂', say: ['自来水管爆了, 水哗哗地冒', '路边水管破裂, 水漫了一地', '水管爆裂, 整栋楼停水'], urgentShare: 0.6, danger: [['水管爆了, 一楼都被淹了', 'urgent']] },
  {
    key: 'E:燃气管道破裂', say: ['燃气管道被挖断了', '燃气管破了', '闻到很大一股气味'], urgentShare: 0.3,
    danger: [['天然气味道好大, 怕是燃气泄漏', 'critical'], ['楼道里一股煤气味', 'critical'], ['燃气泄漏了, 嘶嘶地响', 'critical'], ['天燃气管道漏气了', 'critical']],
  },
  { key: 'E:下水道堵塞或破损', say: ['下水道堵了, 污水冒到路上', '化粪池满了往外冒', '下水道返臭', '排水管堵起了'], urgentShare: 0.2 },
  { key: 'E:道路积水', say: ['一下雨这里就积水', '路面积水好深, 车子开不过', '下穿道积水了'], urgentShare: 0.5, danger: [['下穿隧道被淹了, 有人被困在车里', 'critical'], ['路面淹水到膝盖了', 'urgent']] },
  { key: 'E:架空线缆损坏', say: ['电线垂下来好低', '通信线缆断了挂在路上', '电线杆上的线乱成一团'], urgentShare: 0.5, danger: [['电线掉下来了, 有人触电', 'critical'], ['电线打火, 在冒烟', 'urgent']] },
  { key: 'E:无照经营游商', say: ['流动摊贩推着车卖水果', '游商在路口摆摊', '三轮车卖菜的把路堵了'] },
  { key: 'E:店外经营', say: ['餐馆把桌子摆到人行道上', '商家出店经营占道', '修车铺在人行道上修车'] },
  { key: 'E:机动车乱停放', say: ['车子乱停在人行道上', '小车停在消防通道', '有车子堵在小区门口', '违章停车把公交站堵了'], appeals: TIP },
  { key: 'E:非机动车乱停放', say: ['共享单车乱停一大片', '电瓶车堵住了楼道', '摩托车停满了人行道'] },
  { key: 'E:商业噪音', say: ['店铺门口喇叭放歌好吵', '商场促销音响声音好大', '酒吧晚上音乐吵得睡不着'], appeals: COMPLAIN },
  { key: 'E:露天烧烤', say: ['路边露天烧烤烟熏火燎', '晚上有人在小区门口摆烧烤摊', '烧烤摊占道经营到凌晨'] },
  { key: 'E:占道经营', say: ['路边摆摊占道', '小贩把人行道占完了', '夜市摊位堵住了路'] },
  { key: 'E:违法建设', say: ['有人在违法建房', '楼顶加盖了一层违建', '农房违规加层'], appeals: TIP },
  { key: 'H:供水问题', say: ['家里停水了', '水压太低, 楼上没得水', '自来水发黄有异味', '停水了也没有通知'], appeals: SEEK, urgentShare: 0.2 },
  { key: 'H:供电问题', say: ['家里突然停电了', '这一片停电好几个小时了', '经常跳闸停电', '电压不稳'], appeals: SEEK, urgentShare: 0.2 },
  { key: 'H:供气问题', say: ['天然气停了', '燃气开不燃', '燃气灶火好小'], appeals: SEEK, danger: [['屋头闻到天然气味道', 'critical']] },
  { key: 'H:排水不畅', say: ['小区排水不畅, 一下雨就积水', '排水沟堵死了', '雨水排不出去, 车库进水'], urgentShare: 0.2, danger: [['地下车库被淹了', 'urgent']] },
  { key: 'H:出租车服务', say: ['出租车拒载', '出租车司机绕路', '的哥不打表', '出租车司机态度很差'], appeals: ['complaint', 'report', 'consult', 'praise'] },
  { key: 'H:公交线路与服务', say: ['公交车老是不来', '公交司机不等人就开走了', '希望增开一条公交线路', '公交车太挤了'], appeals: ['complaint', 'suggestion', 'consult', 'praise'] },
  { key: 'H:道路交通拥堵', say: ['这个路口天天堵车', '早晚高峰堵得动不了', '匝道口老是堵'], appeals: ['complaint', 'suggestion', 'consult'] },
  { key: 'H:停车收费', say: ['停车场乱收费', '路边停车收费太贵', '停车场收费没有票据'], appeals: ['complaint', 'report', 'consult'] },
  { key: 'H:轨道交通服务', say: ['轻轨站电梯坏了', '轨道交通末班车太早', '地铁站里空调不开'], appeals: ['complaint', 'suggestion', 'consult', 'praise'] },
  { key: 'H:招生入学', say: ['娃儿读小学的学区怎么划分', '幼升小报名需要啥子材料', '孩子转学手续怎么办'], appeals: ['consult', 'complaint', 'help'] },
  { key: 'H:学校收费', say: ['学校乱收费', '学校强制买教辅资料', '学校收取补课费'], appeals: ['complaint', 'report', 'consult'] },
  { key: 'H:校外培训', say: ['培训机构跑路了, 学费退不到', '校外培训机构周末违规上课', '培训班收费不退'], appeals: ['complaint', 'report', 'help'] },
  { key: 'H:校园安全', say: ['学校门口车辆太多不安全', '放学时候有人在校门口卖三无食品', '学校围墙有裂缝'], appeals: ['report', 'suggestion', 'complaint'], urgentShare: 0.2 },
  { key: 'H:办事效率', say: ['办个证跑了好几趟', '窗口排队两个小时', '审批拖了一个月都没结果'], appeals: ['complaint', 'suggestion', 'praise'] },
  { key: 'H:政策咨询', say: ['想问下新出的购房补贴政策', '退役军人优待政策是啥子', '生育津贴怎么申领'], appeals: ['consult'] },
  { key: 'H:户籍办理', say: ['户口迁移要准备啥子材料', '新生儿上户口怎么办', '身份证补办要多久'], appeals: ['consult', 'complaint', 'help'] },
  { key: 'H:食品安全', say: ['在餐馆吃出了虫子', '超市卖过期食品', '外卖吃了拉肚子', '小作坊卫生很差'], appeals: ['complaint', 'report', 'help'], urgentShare: 0.1 },
  { key: 'H:消费维权', say: ['买的东西坏了商家不退', '健身房跑路了预付卡退不到钱', '理发店办卡后关门了'], appeals: ['complaint', 'help', 'consult'] },
  { key: 'H:价格违法', say: ['商家乱涨价', '明码标价和实际收费不一样', '景区周边饭店宰客'], appeals: ['report', 'complaint'] },
  { key: 'H:特种设备安全', say: ['电梯经常坏', '电梯运行时抖得很', '电梯年检过期了'], appeals: ['complaint', 'help', 'report'], urgentShare: 0.3, danger: [['电梯突然停了, 有人被困在里面', 'critical'], ['电梯关人了, 娃儿在里面哭', 'critical']] },
  { key: 'H:治安隐患', say: ['晚上有人撬车窗', '小区里经常丢电瓶车', '有陌生人在楼道里晃'], appeals: ['report', 'help', 'complaint'], urgentShare: 0.2 },
  { key: 'H:电信诈骗', say: ['接到诈骗电话', '网上刷单被骗了钱', '冒充客服骗了我的验证码'], appeals: ['report', 'help', 'consult'], urgentShare: 0.3 },
  { key: 'H:邻里纠纷', say: ['楼上邻居天天跺脚', '邻居在公共楼道堆东西', '邻居家的狗天天叫'], appeals: ['complaint', 'help'] },
  { key: 'H:噪声扰民', say: ['楼下广场舞音响太吵', '半夜有人唱歌', '空调外机噪音太大'], appeals: COMPLAIN },
  { key: 'H:大气污染', say: ['工厂排黑烟', '附近有股刺鼻的臭味', '有人烧垃圾浓烟滚滚'], appeals: ['complaint', 'report'], urgentShare: 0.15 },
  { key: 'H:水污染', say: ['工厂往河里排污水', '河水变成了红色', '养殖场的粪水流进了河里'], appeals: ['report', 'complaint'], urgentShare: 0.15 },
  { key: 'H:餐饮油烟', say: ['餐馆油烟扰民', '小吃店的排烟管对着居民窗户'], appeals: COMPLAIN },
  { key: 'H:拖欠工资', say: ['老板拖欠工资三个月了', '工地包工头不给农民工发工资', '公司倒闭了工资拿不到'], appeals: ['help', 'complaint', 'report'], urgentShare: 0.1 },
  { key: 'H:社保缴纳', say: ['公司没给我买社保', '社保断缴了怎么补', '社保卡怎么激活'], appeals: ['consult', 'complaint', 'report'] },
  { key: 'H:养老金领取', say: ['退休金这个月没到账', '养老金资格认证怎么弄', '养老金调整了好多'], appeals: ['consult', 'help'] },
  { key: 'H:就业创业', say: ['想问下创业贷款怎么申请', '失业了能领失业金不', '有没有免费的就业招聘会'], appeals: ['consult', 'help'] },
  { key: 'H:医保报销', say: ['异地就医医保怎么报销', '医保报销比例是好多', '门诊费用医保不给报'], appeals: ['consult', 'complaint'] },
  { key: 'H:医疗服务', say: ['医院挂号太难了', '医生态度很差', '医院排队等了一上午'], appeals: ['complaint', 'suggestion', 'praise'] },
  { key: 'H:疫苗接种', say: ['娃儿打疫苗在哪里预约', '社区医院疫苗没货了', 'HPV疫苗怎么预约'], appeals: ['consult', 'complaint'] },
  { key: 'H:非法行医', say: ['小诊所无证行医', '有人在街边摆摊拔牙', '黑诊所给人打针'], appeals: ['report'] },
  { key: 'H:农村土地承包', say: ['村里的土地流转款没给', '承包地被别人占了', '土地确权有错误'], appeals: ['help', 'complaint', 'consult'], where: ['村里', '组上', '镇上', '村委会旁边'] },
  { key: 'H:动物防疫', say: ['村里的猪死了好几头', '有人乱丢病死的鸡', '狗没打狂犬疫苗'], appeals: ['report', 'help'], where: ['村里', '养殖场', '组上'] },
  { key: 'H:惠农补贴', say: ['种粮补贴没发到', '农机补贴怎么申请', '耕地地力补贴少了'], appeals: ['consult', 'complaint'], where: ['村里', '镇上'] },
  { key: 'H:农村人居环境', say: ['村里的路烂了没人修', '村口垃圾堆了好久', '农村厕所改造没做完'], appeals: ['help', 'complaint', 'suggestion'], where: ['村里', '组上', '村口'] },
  { key: 'H:公共文化设施', say: ['图书馆开放时间太短', '社区文化室一直锁着门', '文化馆的活动怎么报名'], appeals: ['suggestion', 'consult', 'complaint', 'praise'] },
  { key: 'H:体育场馆', say: ['体育馆收费太高', '篮球场的灯晚上不开', '游泳馆水质很差'], appeals: ['complaint', 'suggestion', 'consult'] },
  { key: 'H:网吧与娱乐场所', say: ['网吧让未成年人进去上网', 'KTV半夜还在营业吵得很', '娱乐场所没有消防通道'], appeals: ['report', 'complaint'] },
  { key: 'H:景区服务', say: ['景区门票乱收费', '景区排队太久了没人管', '景区厕所太少'], appeals: ['complaint', 'suggestion', 'praise'], where: ['洪崖洞景区', '磁器口古镇', '长江索道', '李子坝轻轨站观景台', '武隆天生三桥', '大足石刻'] },
  { key: 'H:旅行社', say: ['旅行社强制购物', '报了团旅行社临时加价', '旅行社不退团费'], appeals: ['complaint', 'report'] },
  { key: 'H:酒店住宿', say: ['酒店卫生太差', '民宿订了到店说没房', '酒店乱收押金不退'], appeals: ['complaint', 'help'] },
  { key: 'H:非法集资', say: ['有公司高息拉人投资', '养老项目骗老年人集资', '有人在小区搞非法集资讲座'], appeals: ['report', 'help', 'consult'] },
  { key: 'H:银行服务', say: ['银行网点排队太久', '银行卡被莫名冻结', '银行乱收费'], appeals: ['complaint', 'consult', 'help'] },
  { key: 'H:暴力催收', say: ['网贷催收天天打电话骂人', '催收的把电话打到我单位了', '催收人员上门威胁'], appeals: ['report', 'help', 'complaint'], urgentShare: 0.15 },
  { key: 'H:物业服务', say: ['物业不作为', '物业费乱涨价', '物业不打扫卫生', '小区门禁坏了物业不修'], appeals: ['complaint', 'help', 'suggestion', 'praise'], where: COMMUNITIES },
  { key: 'H:房屋租赁', say: ['房东不退押金', '中介骗了我的租金', '租的房子漏水房东不管'], appeals: ['help', 'complaint', 'consult'] },
  { key: 'H:商品房交付', say: ['买的房子延期交房', '交房时墙面开裂', '开发商不办房产证'], appeals: ['complaint', 'help'] },
  { key: 'H:老旧小区改造', say: ['老旧小区改造啥子时候开始', '改造工程把管道挖坏了', '老小区改造质量差'], appeals: ['consult', 'complaint', 'suggestion'], where: COMMUNITIES },
  { key: 'H:电梯加装', say: ['老楼想加装电梯怎么申请', '加装电梯有补贴不', '低楼层不同意加装电梯'], appeals: ['consult', 'help'], where: COMMUNITIES },
  { key: 'H:养老服务', say: ['社区养老服务中心怎么申请', '老人助餐点好久开', '养老院服务太差'], appeals: ASK },
  { key: 'H:低保救助', say: ['想申请低保要啥子条件', '低保被取消了', '家庭困难想申请临时救助'], appeals: ['consult', 'help'] },
  { key: 'H:残疾人帮扶', say: ['残疾证怎么办理', '残疾人补贴没发', '盲道被占了'], appeals: ['consult', 'help', 'complaint'] },
  { key: 'H:社区管理', say: ['社区工作人员态度不好', '社区活动室被占用', '社区公告不及时'], appeals: ['complaint', 'suggestion', 'praise'] },
  { key: 'H:未成年人保护', say: ['有娃儿一个人在街上流浪', '邻居家打小孩打得很凶', '有人雇童工'], appeals: ['report', 'help'], urgentShare: 0.4, danger: [['小孩走丢了, 找不到人', 'critical'], ['娃儿不见了, 到处都找过了', 'critical']] },
  { key: 'H:安全生产隐患', say: ['工厂违规储存危险品', '小作坊没有消防设施', '工地工人没戴安全帽'], appeals: ['report', 'complaint'], urgentShare: 0.3 },
  {
    key: 'H:消防安全', say: ['消防通道被堵了', '楼道里堆满杂物', '电瓶车在楼道里充电', '消防栓没水'], appeals: ['report', 'complaint', 'help'], urgentShare: 0.2,
    danger: [['楼下着火了, 好大的烟', 'critical'], ['厨房起火了', 'critical'], ['电瓶车在冒烟', 'urgent'], ['对面楼烧起来了', 'critical']],
  },
  {
    key: 'H:地质灾害', say: ['后山有裂缝', '挡土墙开裂', '坡上老是掉石头'], appeals: ['report', 'help'], urgentShare: 0.5,
    danger: [['山体滑坡了, 把路埋了', 'critical'], ['后面的堡坎垮塌了', 'critical'], ['坡上塌方, 石头滚下来', 'urgent'], ['滑坡了, 房子有危险', 'critical']],
  },
  {
    key: 'H:防汛抗旱', say: ['河水涨得好快', '排洪沟堵了', '好久没下雨, 田里缺水'], appeals: ['report', 'help', 'consult'], urgentShare: 0.4,
    danger: [['洪水进屋了, 一楼全部被淹', 'critical'], ['低洼地方淹水了', 'urgent']],
  },
  { key: 'H:危险化学品', say: ['有车子拉危化品停在小区', '化工厂味道刺鼻', '加油站旁边有人抽烟'], appeals: ['report'], urgentShare: 0.4, danger: [['化工厂好像在漏气, 有人头晕', 'critical']] },
];

// ── registers and decorations ──────────────────────────────────────────────────────────

const HOTLINE_OPEN = ['来电人反映：', '市民来电称，', '市民来电反映，', '来电人称，', '市民张先生来电反映：', '市民李女士来电称，', '来电人（匿名）反映，', '市民王女士来电：', '来电人刘先生称，', '市民来电咨询：'];
const HOTLINE_CLOSE = ['请相关部门核实处理。', '来电人要求尽快处理。', '请相关单位处理并回复。', '来电人希望得到回复。', '', ''];
const APP_OPEN = ['', '', '', '我要反映：', '【随手拍】', '你好，', '您好，', '各位领导好，', '求助！', ''];
const DIALECT = ['搞快点嘛', '恼火得很', '啥子时候来管哦', '莫得人管', '硬是没得办法了', '晓得不嘛', '咋个搞的嘛', '遭了', '脑壳都大了', '安逸不嘛'];
const EMOJI = ['😡', '🙏', '😭', '👍', '😤', '🤦', '‼️', '🆘'];
const DURATION = ['已经三天了', '好几个星期了', '今天早上发现的', '昨天晚上开始的', '一个多月了', '反映过好几次了', '刚刚看到的', '半个月了'];
const URGENT_TAIL = ['影响很大, 请尽快处理', '老人小孩出入很危险', '马上要下雨了, 请赶紧处理', '车都过不去了', '急急急', '很危险, 请马上来人'];

const APPEAL_FRAME: Readonly<Record<AppealType, readonly ((problem: string) => string)[]>> = {
  complaint: [
    (p) => `${p}，反映好多次了都没人管，强烈投诉`, (p) => `${p}，太不像话了，要投诉`, (p) => `投诉：${p}，相关部门不作为`,
    (p) => `${p}，打了几次电话都推来推去`, (p) => `对${p}的情况很不满意`,
  ],
  help: [(p) => `${p}，麻烦帮忙处理一下`, (p) => `${p}，请派人来看看`, (p) => `求助：${p}`, (p) => `${p}，请帮我们解决`, (p) => `${p}，不晓得找哪个，帮下忙`],
  report: [(p) => `我要举报：${p}`, (p) => `举报${p}`, (p) => `实名举报，${p}`, (p) => `${p}，请查处`, (p) => `反映一个情况，${p}，希望依法处理`],
  consult: [(p) => `想咨询一下，${p}该找哪个部门`, (p) => `请问${p}怎么办`, (p) => `${p}，想问下有啥子办法`, (p) => `咨询：${p}，应该怎么处理`, (p) => `${p}，请问归哪个管`],
  suggestion: [(p) => `建议相关部门重视：${p}`, (p) => `${p}，建议加强管理`, (p) => `提个建议，${p}，能不能改进一下`, (p) => `${p}，希望能统筹规划一下`],
  praise: [
    (p) => `之前反映的${p}的问题已经处理好了，点赞`, (p) => `感谢工作人员，${p}的事情解决得很及时`, (p) => `表扬一下，${p}这个问题处理得巴适`,
    (p) => `${p}的问题当天就解决了，谢谢你们`, (p) => `为处理${p}的同志点赞👍`,
  ],
};

const TYPOS: readonly (readonly [string, string])[] = [['在', '再'], ['的', '得'], ['反映', '反应'], ['部门', '部们'], ['处理', '处里'], ['已经', '以经'], ['那里', '哪里'], ['现在', '限在']];

export interface Draft { text: string; urgency: Urgency; channel: 'app' | 'hotline'; appealType: AppealType }

export function pick<T>(rnd: () => number, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)];
}

export function place(rnd: () => number, spec: Spec): string {
  if (spec.where && rnd() < 0.6) return `${pick(rnd, PLACES)}${pick(rnd, spec.where)}`;
  const r = rnd();
  if (r < 0.45) return `${pick(rnd, PLACES)}${pick(rnd, SPOTS)}`;
  if (r < 0.7) return `${pick(rnd, STREETS)}${1 + Math.floor(rnd() * 300)}号${pick(rnd, SPOTS)}`;
  if (r < 0.9) return `${pick(rnd, PLACES)}${pick(rnd, COMMUNITIES)}`;
  return '';
}

/** One report of `spec`; `fixed` pins the place and the problem (for rewordings of one incident). */
export function compose(rnd: () => number, spec: Spec, fixed?: { where?: string; problem?: string }): Draft {
  const channel: Draft['channel'] = rnd() < 0.5 ? 'hotline' : 'app';
  const appeals = spec.appeals ?? COMPLAIN;
  // The first appeal type listed is the usual one; the others share the rest.
  const appealType = rnd() < 0.5 ? appeals[0] : pick(rnd, appeals);
  let urgency: Urgency = 'normal';
  let problem = fixed?.problem ?? pick(rnd, spec.say);
  // Praise looks back on a solved problem: it is never urgent.
  if (appealType !== 'praise' && spec.danger && rnd() < 0.35) {
    const [phrase, level] = pick(rnd, spec.danger);
    problem = rnd() < 0.5 ? phrase : `${problem}，${phrase}`;
    urgency = level;
  }
  const where = fixed?.where ?? place(rnd, spec);
  const located = where ? (rnd() < 0.5 ? `${where}${problem}` : `${where}这里，${problem}`) : problem;
  let body = pick(rnd, APPEAL_FRAME[appealType])(located);
  if (appealType !== 'praise' && rnd() < 0.4) body += `，${pick(rnd, DURATION)}`;
  if (appealType !== 'praise' && urgency === 'normal' && rnd() < (spec.urgentShare ?? 0.05)) {
    body += `，${pick(rnd, URGENT_TAIL)}`;
    urgency = 'urgent';
  }
  if (rnd() < 0.3) body += `，${pick(rnd, DIALECT)}`;
  let text = channel === 'hotline'
    ? `${pick(rnd, HOTLINE_OPEN)}${body}。${pick(rnd, HOTLINE_CLOSE)}`
    : `${pick(rnd, APP_OPEN)}${body}${rnd() < 0.35 ? pick(rnd, EMOJI) : rnd() < 0.5 ? '！' : '。'}`;
  if (rnd() < 0.12) {
    const [from, to] = pick(rnd, TYPOS);
    text = text.replace(from, to);
  }
  if (channel === 'app' && rnd() < 0.15) text = text.replaceAll('，', ' ').replaceAll('：', ' ');
  return { text, urgency, channel, appealType };
}

export function categoryFor(key: string): Category {
  const [prefix, name] = key.split(':');
  const found = CATEGORIES.find((c) => c.code.startsWith(prefix) && c.name === name);
  if (!found) throw new Error(`no category ${key} in the catalogue`);
  return found;
}

export function generate(seed = SEED): Report[] {
  const rnd = prng(seed);
  const reports: Report[] = [];
  for (const spec of SPECS) {
    const category = categoryFor(spec.key);
    const seen = new Set<string>();
    const drafts: Draft[] = [];
    for (let attempt = 0; drafts.length < PER_CATEGORY && attempt < PER_CATEGORY * 20; attempt++) {
      const draft = compose(rnd, spec);
      // Exact duplicates would leak between the splits.
      if (seen.has(draft.text)) continue;
      seen.add(draft.text);
      drafts.push(draft);
    }
    // Stratified split: a deterministic shuffle of each category's reports, its first fifth held out.
    const order = drafts.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const testCount = Math.round(drafts.length * TEST_SHARE);
    const testSet = new Set(order.slice(0, testCount));
    drafts.forEach((d, i) => reports.push({
      id: `${category.code}-${String(i + 1).padStart(3, '0')}`, text: d.text, appealType: d.appealType, domain: category.domain,
      categoryCode: category.code, urgency: d.urgency, channel: d.channel, split: testSet.has(i) ? 'test' : 'train',
    }));
  }
  return reports;
}

export function toJsonl(reports: readonly Report[]): string {
  return reports.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

if (import.meta.main) {
  const file = join(import.meta.dirname, 'reports.jsonl');
  const reports = generate();
  const text = toJsonl(reports);
  const domains = new Set(reports.map((r) => r.domain));
  const missing = DOMAINS.filter((d) => !domains.has(d.code)).map((d) => d.code);
  if (missing.length) throw new Error(`domains without reports: ${missing.join(', ')}`);
  if (process.argv.includes('--check')) {
    const same = readFileSync(file, 'utf8') === text;
    process.stdout.write(same ? 'corpus/reports.jsonl is up to date\n' : 'corpus/reports.jsonl is stale: run corpus/generate.ts\n');
    process.exit(same ? 0 : 1);
  }
  writeFileSync(file, text);
  process.stdout.write(`${reports.length} reports, ${new Set(reports.map((r) => r.categoryCode)).size} categories, ${domains.size} domains → ${file}\n`);
}
