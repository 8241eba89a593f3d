/**
 * The words `ask` understands, in English and Chinese, each with the kind of token it makes (the
 * ThoughtSpot-style word blocks shown back in the interpretation) and what it stands for. The lexer
 * matches the longest entry at each position, so "last month" wins over "last" and "新客户" over "客户".
 * English entries match case-insensitively and only as whole words.
 */

export type Measure =
  | 'conversionRate'
  | 'repurchaseRate'
  | 'churnRate'
  | 'averageOrderValue'
  | 'revenuePerCustomer'
  | 'sessions'
  | 'bounceRate'
  | 'sessionSeconds'
  | 'nps'
  | 'csat'
  | 'activeUsers'
  | 'dau'
  | 'wau'
  | 'mau'
  | 'visitors'
  | 'orders'
  | 'revenue'
  | 'events'
  | 'pageViews'
  | 'newCustomers'
  | 'customers'
  | 'roi'
  | 'roas'
  | 'cpa'
  | 'spend'
  | 'attributedConversions'
  | 'attributedRevenue';

export type Dimension = 'channel' | 'campaign' | 'country' | 'city' | 'rfmTier' | 'segment' | 'hourOfDay' | 'dayOfWeek' | 'source' | 'device';
export type Interval = 'HOUR' | 'DAY' | 'WEEK' | 'MONTH';
export type Unit = 'day' | 'week' | 'month' | 'quarter' | 'year';
export type Period = 'today' | 'yesterday' | 'thisWeek' | 'lastWeek' | 'thisMonth' | 'lastMonth' | 'thisQuarter' | 'lastQuarter' | 'thisYear' | 'lastYear';
export type Tier = 'AT_RISK' | 'CHAMPIONS' | 'LOYAL' | 'HIBERNATING' | 'LOST' | 'POTENTIAL' | 'NEW';
export type Model = 'FIRST_TOUCH' | 'LAST_TOUCH' | 'LINEAR' | 'MARKOV' | 'TIME_DECAY' | 'POSITION_BASED';

/** What an entry stands for, by the kind of token it makes. */
export type Entry =
  | { kind: 'measure'; value: Measure }
  | { kind: 'dimension'; value: Dimension }
  | { kind: 'tier'; value: Tier }
  | { kind: 'model'; value: Model }
  | { kind: 'interval'; value: Interval }
  | { kind: 'period'; value: Period }
  | { kind: 'unit'; value: Unit }
  | { kind: 'superlative'; value: 'desc' | 'asc' }
  | { kind: 'lastN' | 'top' | 'which' | 'count' | 'trend' | 'by' | 'funnel' | 'from' | 'to' | 'segment' | 'filler'; value: string };

type Words = { en?: string[]; zh?: string[] };
const entries: [Entry, Words][] = [];
const add = (entry: Entry, words: Words) => entries.push([entry, words]);
const m = (value: Measure, words: Words) => add({ kind: 'measure', value }, words);
const d = (value: Dimension, words: Words) => add({ kind: 'dimension', value }, words);

// ---- measures
m('conversionRate', { en: ['conversion rate', 'conversion rates', 'converts', 'convert', 'converting', 'converted'], zh: ['转化率', '转化', '转换率'] });
m('repurchaseRate', { en: ['repurchase rate', 'repeat purchase rate', 'repeat rate', 'repurchase'], zh: ['复购率', '回购率', '复购', '重复购买率'] });
m('churnRate', { en: ['churn rate', 'churn', 'churned', 'drop off', 'drop-off', 'drops off'], zh: ['流失率', '流失'] });
m('averageOrderValue', { en: ['average order value', 'avg order value', 'aov', 'average basket'], zh: ['客单价', '平均订单金额', '平均订单价值', '平均客单价'] });
m('revenuePerCustomer', { en: ['revenue per customer', 'revenue per buyer', 'arpu', 'spend per customer'], zh: ['人均消费', '每客户收入', '人均收入'] });
m('sessions', { en: ['sessions', 'visits', 'session count'], zh: ['会话数', '会话', '访问次数', '访问量'] });
m('bounceRate', { en: ['bounce rate', 'bounces'], zh: ['跳出率'] });
m('sessionSeconds', { en: ['average session duration', 'session duration', 'session length', 'time on site'], zh: ['平均会话时长', '会话时长', '停留时长', '平均停留时长'] });
m('nps', { en: ['nps', 'net promoter score'], zh: ['净推荐值', 'nps值'] });
m('csat', { en: ['csat', 'customer satisfaction', 'satisfaction'], zh: ['满意度', '客户满意度'] });
m('activeUsers', { en: ['active users', 'active customers', 'active people', 'actives'], zh: ['活跃用户', '活跃客户', '活跃人数', '活跃'] });
m('dau', { en: ['dau', 'daily active users', 'daily active customers', 'daily actives'], zh: ['日活', '日活跃用户', '每日活跃用户'] });
m('wau', { en: ['wau', 'weekly active users', 'weekly active customers', 'weekly actives'], zh: ['周活', '周活跃用户'] });
m('mau', { en: ['mau', 'monthly active users', 'monthly active customers', 'monthly actives'], zh: ['月活', '月活跃用户'] });
m('visitors', { en: ['unique visitors', 'visitors', 'unique users', 'unique customers'], zh: ['访客', '访客数', '独立访客', 'uv'] });
m('orders', { en: ['orders', 'order count', 'purchases', 'order'], zh: ['订单数', '订单量', '订单', '下单数', '下单量'] });
m('revenue', { en: ['revenue', 'sales', 'gmv', 'income'], zh: ['收入', '销售额', '营收', '成交额', '营业额'] });
m('events', { en: ['events', 'touchpoints', 'event count'], zh: ['事件', '事件数', '触点数', '事件量'] });
m('pageViews', { en: ['page views', 'pageviews', 'page view', 'pv'], zh: ['浏览量', '页面浏览量', '页面浏览', 'pv'] });
m('newCustomers', { en: ['new customers', 'new users', 'new buyers', 'signups', 'sign ups', 'new people'], zh: ['新客户', '新用户', '新客', '新增客户', '新增用户'] });
m('customers', { en: ['customers', 'customer', 'people', 'users', 'buyers', 'persons'], zh: ['客户', '用户', '客户数', '用户数', '人数', '人', '顾客'] });
m('roi', { en: ['roi', 'return on investment'], zh: ['投资回报率', '投入产出比', 'roi'] });
m('roas', { en: ['roas', 'return on ad spend'], zh: ['广告支出回报率', 'roas'] });
m('cpa', { en: ['cpa', 'cost per acquisition', 'acquisition cost', 'cost per conversion'], zh: ['获客成本', '单次转化成本', 'cpa'] });
m('spend', { en: ['spend', 'ad spend', 'spending', 'spent', 'cost', 'costs', 'budget'], zh: ['花费', '广告花费', '投放花费', '广告费', '消耗'] });
m('attributedConversions', { en: ['attributed conversions', 'conversions', 'conversion credit'], zh: ['归因转化', '转化数', '转化量', '转化次数'] });
m('attributedRevenue', { en: ['attributed revenue', 'attributed value', 'revenue credit'], zh: ['归因收入', '归因价值'] });

// ---- dimensions
d('channel', { en: ['channel', 'channels', 'touchpoint', 'touch point', 'touch points'], zh: ['渠道', '触点', '来源渠道', '通路'] });
d('campaign', { en: ['campaign', 'campaigns'], zh: ['活动', '营销活动', '广告活动', '推广活动'] });
d('country', { en: ['country', 'countries'], zh: ['国家', '国家地区'] });
d('city', { en: ['city', 'cities'], zh: ['城市'] });
d('rfmTier', { en: ['rfm tier', 'rfm tiers', 'rfm', 'tier', 'tiers', 'rfm segment'], zh: ['rfm分层', '客户分层', '分层', '层级', 'rfm'] });
d('segment', { en: ['segments'], zh: ['各分群', '各人群'] });
d('hourOfDay', { en: ['hour of day', 'hour of the day', 'time of day'], zh: ['时段', '几点', '每小时段'] });
d('dayOfWeek', { en: ['day of week', 'day of the week', 'weekday', 'weekdays'], zh: ['星期几', '周几', '工作日'] });
d('source', { en: ['source', 'sources', 'source name'], zh: ['数据源', '来源'] });
d('device', { en: ['device', 'devices', 'device type'], zh: ['设备', '终端'] });

// ---- filters: RFM tiers (named as `customer.rfmTier` names them)
add({ kind: 'tier', value: 'AT_RISK' }, { en: ['at risk', 'at-risk', 'at risk of churning'], zh: ['流失风险', '有流失风险', '风险客户', '高风险'] });
add({ kind: 'tier', value: 'CHAMPIONS' }, { en: ['champions', 'champion'], zh: ['冠军客户', '核心客户', '重要价值客户'] });
add({ kind: 'tier', value: 'LOYAL' }, { en: ['loyal', 'loyal customers'], zh: ['忠诚客户', '忠实客户', '忠诚'] });
add({ kind: 'tier', value: 'HIBERNATING' }, { en: ['hibernating', 'dormant', 'sleeping'], zh: ['沉睡客户', '沉睡', '休眠客户', '休眠'] });
add({ kind: 'tier', value: 'LOST' }, { en: ['lost', 'lost customers'], zh: ['流失客户', '已流失', '已流失客户'] });
add({ kind: 'tier', value: 'POTENTIAL' }, { en: ['potential', 'potential loyalists', 'promising'], zh: ['潜力客户', '潜在忠诚客户'] });
add({ kind: 'tier', value: 'NEW' }, { en: ['rfm new', 'recent first-time buyers', 'first-time buyers'], zh: ['新晋客户', '首购客户'] });

// ---- attribution models
add({ kind: 'model', value: 'FIRST_TOUCH' }, { en: ['first touch', 'first-touch', 'first click'], zh: ['首次触点', '首次点击', '首触点'] });
add({ kind: 'model', value: 'LAST_TOUCH' }, { en: ['last touch', 'last-touch', 'last click'], zh: ['末次触点', '最后点击', '末触点'] });
add({ kind: 'model', value: 'LINEAR' }, { en: ['linear'], zh: ['线性'] });
add({ kind: 'model', value: 'MARKOV' }, { en: ['markov', 'data-driven', 'data driven'], zh: ['马尔可夫', '马尔科夫', '数据驱动'] });
add({ kind: 'model', value: 'TIME_DECAY' }, { en: ['time decay', 'time-decay'], zh: ['时间衰减'] });
add({ kind: 'model', value: 'POSITION_BASED' }, { en: ['position based', 'position-based', 'u-shaped'], zh: ['位置归因', 'u型'] });

// ---- time
const iv = (value: Interval, words: Words) => add({ kind: 'interval', value }, words);
iv('HOUR', { en: ['hourly', 'per hour', 'each hour', 'every hour'], zh: ['每小时', '按小时', '逐小时'] });
iv('DAY', { en: ['daily', 'per day', 'each day', 'every day', 'day by day'], zh: ['每天', '每日', '按天', '按日', '逐日', '每一天'] });
iv('WEEK', { en: ['weekly', 'per week', 'each week', 'every week', 'week by week'], zh: ['每周', '按周', '每星期', '逐周'] });
iv('MONTH', { en: ['monthly', 'per month', 'each month', 'every month', 'month by month'], zh: ['每月', '每个月', '按月', '逐月'] });
const p = (value: Period, words: Words) => add({ kind: 'period', value }, words);
p('today', { en: ['today'], zh: ['今天', '今日'] });
p('yesterday', { en: ['yesterday'], zh: ['昨天', '昨日'] });
p('thisWeek', { en: ['this week', 'week to date'], zh: ['本周', '这周', '这一周', '本星期'] });
p('lastWeek', { en: ['last week', 'previous week'], zh: ['上周', '上个星期', '上星期', '上一周'] });
p('thisMonth', { en: ['this month', 'month to date', 'mtd'], zh: ['本月', '这个月', '当月'] });
p('lastMonth', { en: ['last month', 'previous month'], zh: ['上个月', '上月', '上一个月'] });
p('thisQuarter', { en: ['this quarter', 'quarter to date', 'qtd'], zh: ['本季度', '这个季度', '本季'] });
p('lastQuarter', { en: ['last quarter', 'previous quarter'], zh: ['上季度', '上个季度', '上一季度'] });
p('thisYear', { en: ['this year', 'year to date', 'ytd'], zh: ['今年', '本年', '本年度'] });
p('lastYear', { en: ['last year', 'previous year'], zh: ['去年', '上一年'] });
add({ kind: 'lastN', value: 'last' }, { en: ['last', 'past', 'previous', 'the last', 'the past'], zh: ['最近', '过去', '近', '最近的'] });
const u = (value: Unit, words: Words) => add({ kind: 'unit', value }, words);
u('day', { en: ['day', 'days'], zh: ['天', '日'] });
u('week', { en: ['week', 'weeks'], zh: ['周', '星期', '个星期', '个周'] });
u('month', { en: ['month', 'months'], zh: ['个月', '月'] });
u('quarter', { en: ['quarter', 'quarters'], zh: ['个季度', '季度'] });
u('year', { en: ['year', 'years'], zh: ['年'] });

// ---- keywords
add({ kind: 'top', value: 'top' }, { en: ['top', 'the top', 'first'], zh: ['前', '排名前', 'top'] });
add({ kind: 'superlative', value: 'desc' }, { en: ['best', 'most', 'highest', 'largest', 'biggest', 'greatest', 'leading', 'the most', 'the best', 'the highest'], zh: ['最高', '最多', '最好', '最大', '最强', '最'] });
add({ kind: 'superlative', value: 'asc' }, { en: ['worst', 'lowest', 'least', 'fewest', 'smallest', 'bottom'], zh: ['最低', '最少', '最差', '最小'] });
add({ kind: 'which', value: 'which' }, { en: ['which', 'what', "what's", 'whats', 'where'], zh: ['哪个', '哪些', '哪一个', '哪', '哪里', '在哪', '什么'] });
add({ kind: 'count', value: 'count' }, { en: ['how many', 'number of', 'count of', 'count', 'size of', 'size', 'total number of'], zh: ['多少', '几个', '数量', '有多少', '多少个', '规模', '总数'] });
add({ kind: 'trend', value: 'trend' }, { en: ['trend', 'trends', 'over time', 'trended', 'timeline'], zh: ['趋势', '走势', '变化', '变化趋势'] });
add({ kind: 'by', value: 'by' }, { en: ['by', 'per', 'for each', 'each', 'broken down by', 'split by', 'grouped by'], zh: ['按', '按照', '分', '每个', '各', '各个', '不同'] });
add({ kind: 'funnel', value: 'funnel' }, { en: ['funnel', 'conversion funnel'], zh: ['漏斗', '转化漏斗'] });
add({ kind: 'from', value: 'from' }, { en: ['from'], zh: ['从'] });
add({ kind: 'to', value: 'to' }, { en: ['to', 'then'], zh: ['到', '至', '再到'] });
add({ kind: 'segment', value: 'segment' }, { en: ['segment', 'audience', 'segment named'], zh: ['分群', '人群', '细分人群', '群组'] });
add(
  { kind: 'filler', value: '' },
  {
    en: [
      'the', 'a', 'an', 'is', 'are', 'was', 'were', 'be', 'been', 'show', 'me', 'give', 'list', 'tell', 'us', 'please', 'of',
      'in', 'on', 'for', 'our', 'my', 'we', 'do', 'did', 'does', 'have', 'has', 'had', 'with', 'during', 'there', 'how',
      'and', 'so far', 'at', 'it', 'its', 'that', 'who', 'those', 'total', 'overall', 'all', 'get', 'many', 'much',
      'drives', 'drive', 'drove', 'brings', 'bring', 'brought', 'generates', 'generated', 'generate', 'performing',
      'performs', 'perform', 'performance', 'rate', 'value', 'time', 'our', 'currently', 'now', 'right now', 'members',
      'member', 'see', 'this', 'among', 'amongst', 'within', 'across'
    ],
    zh: [
      '的', '是', '了', '吗', '呢', '在', '里', '有', '我', '我们', '们', '请', '给', '看', '看看', '显示', '一下', '个', '名',
      '位', '都', '和', '与', '及', '中', '内', '期间', '情况', '分别', '共', '总共', '总', '一共', '处于', '属于', '为', '数',
      '带来', '贡献', '产生', '表现', '目前', '现在', '当前', '多', '呀', '啊', '了吗', '怎么样', '如何', '各自', '成员',
      '里面', '之中', '以来', '的是', '是什么', '排名', '排行', '列出', '查看',
    ],
  },
);

export interface DictionaryEntry {
  /** Lower-cased words as written in the dictionary. */
  text: string;
  entry: Entry;
  /** English entries match only as whole words. */
  wholeWord: boolean;
}

/** Every entry, longest text first (ties keep dictionary order), for longest-match lexing. */
export const DICTIONARY: readonly DictionaryEntry[] = entries
  .flatMap(([entry, words]) => [
    ...(words.en ?? []).map((text) => ({ text: text.toLowerCase(), entry, wholeWord: true })),
    ...(words.zh ?? []).map((text) => ({ text: text.toLowerCase(), entry, wholeWord: /^[a-z0-9]/.test(text) })),
  ])
  .map((e, i) => ({ e, i }))
  .sort((a, b) => b.e.text.length - a.e.text.length || a.i - b.i)
  .map(({ e }) => e);

/** Canonical names for the answer's sentences and the suggestions. */
export const MEASURE_LABEL: Record<Measure, { en: string; zh: string }> = {
  conversionRate: { en: 'conversion rate', zh: '转化率' },
  repurchaseRate: { en: 'repurchase rate', zh: '复购率' },
  churnRate: { en: 'churn rate', zh: '流失率' },
  averageOrderValue: { en: 'average order value', zh: '客单价' },
  revenuePerCustomer: { en: 'revenue per customer', zh: '人均消费' },
  sessions: { en: 'sessions', zh: '会话数' },
  bounceRate: { en: 'bounce rate', zh: '跳出率' },
  sessionSeconds: { en: 'average session duration (seconds)', zh: '平均会话时长（秒）' },
  nps: { en: 'NPS', zh: '净推荐值' },
  csat: { en: 'CSAT', zh: '满意度' },
  activeUsers: { en: 'active customers', zh: '活跃用户' },
  dau: { en: 'daily active customers', zh: '日活跃用户' },
  wau: { en: 'weekly active customers', zh: '周活跃用户' },
  mau: { en: 'monthly active customers', zh: '月活跃用户' },
  visitors: { en: 'unique customers', zh: '访客数' },
  orders: { en: 'orders', zh: '订单数' },
  revenue: { en: 'revenue', zh: '收入' },
  events: { en: 'events', zh: '事件数' },
  pageViews: { en: 'page views', zh: '浏览量' },
  newCustomers: { en: 'new customers', zh: '新客户' },
  customers: { en: 'customers', zh: '客户数' },
  roi: { en: 'ROI', zh: '投资回报率' },
  roas: { en: 'ROAS', zh: '广告支出回报率' },
  cpa: { en: 'cost per acquisition', zh: '获客成本' },
  spend: { en: 'spend', zh: '花费' },
  attributedConversions: { en: 'attributed conversions', zh: '归因转化数' },
  attributedRevenue: { en: 'attributed revenue', zh: '归因收入' },
};

export const DIMENSION_LABEL: Record<Dimension, { en: string; zh: string }> = {
  channel: { en: 'channel', zh: '渠道' },
  campaign: { en: 'campaign', zh: '活动' },
  country: { en: 'country', zh: '国家' },
  city: { en: 'city', zh: '城市' },
  rfmTier: { en: 'RFM tier', zh: 'RFM分层' },
  segment: { en: 'segment', zh: '分群' },
  hourOfDay: { en: 'hour of day', zh: '时段' },
  dayOfWeek: { en: 'day of week', zh: '星期几' },
  source: { en: 'source', zh: '来源' },
  device: { en: 'device', zh: '设备' },
};
