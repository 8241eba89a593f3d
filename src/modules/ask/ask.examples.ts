/**
 * The question forms `ask` is built and tested for, each in English and Chinese, with the analysis
 * it maps to. docs/ask.md lists them; suggestions are drawn from them; the unit tests parse every one.
 */
import type { Intent } from './ask.interpreter.ts';

export interface Example {
  en: string;
  zh: string;
  intent: Intent;
  /** Variables the query must carry (a subset), dates left out. */
  variables?: Record<string, unknown>;
}

const cp = (by: string) => ({ conversionEvent: 'Order Completed', by });
const series = (s: Record<string, unknown>) => ({ series: [s] });

export const EXAMPLES: Example[] = [
  { en: 'which channel converts best last month', zh: '上个月哪个渠道转化率最高', intent: 'CHANNEL_PERFORMANCE', variables: cp('CHANNEL') },
  { en: 'which campaign converts best this month', zh: '本月哪个活动转化率最高', intent: 'CHANNEL_PERFORMANCE', variables: cp('CAMPAIGN') },
  { en: 'worst converting channel last week', zh: '上周转化率最低的渠道', intent: 'CHANNEL_PERFORMANCE', variables: cp('CHANNEL') },
  { en: 'which touchpoint had the highest drop-off among new customers last month', zh: '上个月新客户流失最高的触点在哪', intent: 'CHANNEL_PERFORMANCE', variables: cp('CHANNEL') },
  { en: 'conversion rate last month', zh: '上个月的转化率', intent: 'METRICS', variables: { metrics: ['CONVERSION_RATE'] } },
  { en: 'daily conversion rate in the last 30 days', zh: '最近30天每天的转化率', intent: 'METRIC_TREND', variables: { metric: 'CONVERSION_RATE', interval: 'DAY' } },
  { en: 'repurchase rate this year', zh: '今年的复购率', intent: 'METRICS', variables: { metrics: ['REPURCHASE_RATE'] } },
  { en: 'churn rate last month', zh: '上个月的流失率', intent: 'METRICS', variables: { metrics: ['CHURN_RATE'] } },
  { en: 'average order value last quarter', zh: '上季度的客单价', intent: 'METRICS', variables: { metrics: ['AVERAGE_ORDER_VALUE'] } },
  { en: 'monthly average order value this year', zh: '今年每月的客单价', intent: 'METRIC_TREND', variables: { metric: 'AVERAGE_ORDER_VALUE', interval: 'MONTH' } },
  { en: 'revenue per customer last month', zh: '上个月的人均消费', intent: 'METRICS', variables: { metrics: ['REVENUE_PER_CUSTOMER'] } },
  { en: 'bounce rate last week', zh: '上周的跳出率', intent: 'METRICS', variables: { metrics: ['BOUNCE_RATE'] } },
  { en: 'sessions yesterday', zh: '昨天的会话数', intent: 'METRICS', variables: { metrics: ['SESSIONS'] } },
  { en: 'average session duration this week', zh: '本周的平均会话时长', intent: 'METRICS', variables: { metrics: ['AVERAGE_SESSION_SECONDS'] } },
  { en: 'NPS last quarter', zh: '上季度的净推荐值', intent: 'METRICS', variables: { metrics: ['NPS'] } },
  { en: 'customer satisfaction this month', zh: '本月的满意度', intent: 'METRICS', variables: { metrics: ['CSAT'] } },
  { en: 'conversion rate and bounce rate last month', zh: '上个月的转化率和跳出率', intent: 'METRICS', variables: { metrics: ['CONVERSION_RATE', 'BOUNCE_RATE'] } },
  { en: 'daily active users by channel in the last 30 days', zh: '最近30天每天各渠道的活跃用户', intent: 'TRENDS', variables: { ...series({ math: 'DAU' }), interval: 'DAY', breakdown: [{ by: 'CHANNEL' }] } },
  { en: 'daily active users in the last 30 days', zh: '最近30天每天的活跃用户', intent: 'TRENDS', variables: { ...series({ math: 'DAU' }), interval: 'DAY' } },
  { en: 'weekly active users this quarter', zh: '本季度的周活', intent: 'TRENDS', variables: series({ math: 'WAU' }) },
  { en: 'monthly active users this year', zh: '今年的月活', intent: 'TRENDS', variables: series({ math: 'MAU' }) },
  { en: 'active users last month', zh: '上个月的活跃用户', intent: 'TRENDS', variables: series({ math: 'UNIQUE_CUSTOMERS' }) },
  { en: 'revenue by channel this week', zh: '本周各渠道的收入', intent: 'TRENDS', variables: { ...series({ event: 'Order Completed', math: 'SUM', property: 'revenue' }), breakdown: [{ by: 'CHANNEL' }] } },
  { en: 'which channel has the most revenue last month', zh: '上个月哪个渠道收入最高', intent: 'TRENDS', variables: { breakdown: [{ by: 'CHANNEL' }], breakdownLimit: 1 } },
  { en: 'revenue trend this year by month', zh: '今年每月的收入趋势', intent: 'TRENDS', variables: { ...series({ event: 'Order Completed', math: 'SUM', property: 'revenue' }), interval: 'MONTH' } },
  { en: 'orders trend in the last 7 days', zh: '最近7天的订单趋势', intent: 'TRENDS', variables: { ...series({ event: 'Order Completed', math: 'TOTAL' }), interval: 'DAY' } },
  { en: 'number of orders last month', zh: '上个月的订单数', intent: 'TRENDS', variables: series({ event: 'Order Completed', math: 'TOTAL' }) },
  { en: 'orders by country this year', zh: '今年按国家的订单数', intent: 'TRENDS', variables: { breakdown: [{ by: 'ATTRIBUTE', key: 'country' }] } },
  { en: 'revenue by RFM tier this year', zh: '今年各RFM分层的收入', intent: 'TRENDS', variables: { breakdown: [{ by: 'ATTRIBUTE', key: 'rfmTier' }] } },
  { en: 'page views by day of week last month', zh: '上个月按星期几的浏览量', intent: 'TRENDS', variables: { ...series({ type: 'PAGE', math: 'TOTAL' }), breakdown: [{ by: 'DAY_OF_WEEK' }] } },
  { en: 'events by hour of day yesterday', zh: '昨天按时段的事件数', intent: 'TRENDS', variables: { ...series({ math: 'TOTAL' }), breakdown: [{ by: 'HOUR_OF_DAY' }] } },
  { en: 'unique visitors by device this week', zh: '本周各设备的访客数', intent: 'TRENDS', variables: { ...series({ math: 'UNIQUE_CUSTOMERS' }), breakdown: [{ by: 'CONTEXT', key: 'device.type' }] } },
  { en: 'customers by country last month', zh: '上个月各国家的客户数', intent: 'TRENDS', variables: { ...series({ math: 'UNIQUE_CUSTOMERS' }), breakdown: [{ by: 'ATTRIBUTE', key: 'country' }] } },
  { en: 'how many "Page Viewed" events yesterday', zh: '昨天“Page Viewed”事件数', intent: 'TRENDS', variables: series({ math: 'TOTAL', event: 'Page Viewed' }) },
  { en: 'top 5 events last month', zh: '上个月前5的事件', intent: 'TOP_EVENTS', variables: { first: 5 } },
  { en: 'number of new customers per month this year', zh: '今年每月的新客户数', intent: 'NEW_CUSTOMERS' },
  { en: 'new customers last week', zh: '上周的新客户', intent: 'NEW_CUSTOMERS' },
  { en: 'how many customers are at risk', zh: '有多少客户有流失风险', intent: 'RFM_TIER', variables: { tier: 'AT_RISK' } },
  { en: 'how many champions', zh: '冠军客户有多少', intent: 'RFM_TIER', variables: { tier: 'CHAMPIONS' } },
  { en: 'customers by RFM tier', zh: '客户分层的人数', intent: 'RFM_TIERS' },
  { en: 'how many customers in segment "VIP"', zh: '“VIP”分群有多少人', intent: 'SEGMENT_SIZE' },
  { en: 'how many customers', zh: '一共有多少客户', intent: 'CUSTOMER_COUNT' },
  { en: 'top 5 campaigns by ROI this year', zh: '今年ROI最高的前5个活动', intent: 'ROI', variables: cp('CAMPAIGN') },
  { en: 'ROAS by channel last month', zh: '上个月各渠道的广告支出回报率', intent: 'ROI', variables: cp('CHANNEL') },
  { en: 'spend by campaign this quarter', zh: '本季度各活动的花费', intent: 'ROI', variables: cp('CAMPAIGN') },
  { en: 'which channel has the lowest cost per acquisition last month', zh: '上个月获客成本最低的渠道', intent: 'ROI', variables: cp('CHANNEL') },
  { en: 'attributed conversions by channel last month', zh: '上个月各渠道的归因转化', intent: 'ATTRIBUTION', variables: { models: ['LAST_TOUCH'], by: 'CHANNEL' } },
  { en: 'which channel drives the most conversions with first touch this year', zh: '今年按首次触点哪个渠道转化数最多', intent: 'ATTRIBUTION', variables: { models: ['FIRST_TOUCH'], by: 'CHANNEL' } },
  { en: 'markov attributed revenue by campaign last quarter', zh: '上季度各活动的马尔可夫归因收入', intent: 'ATTRIBUTION', variables: { models: ['MARKOV'], by: 'CAMPAIGN' } },
  { en: 'funnel from "Product Viewed" to "Order Completed" last month', zh: '上个月从“Product Viewed”到“Order Completed”的漏斗', intent: 'FUNNEL', variables: { steps: [{ event: 'Product Viewed' }, { event: 'Order Completed' }] } },
];
