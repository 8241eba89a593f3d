import { parseQuestion } from './src/modules/ask/ask.grammar.ts';
for (const q of ['which channel converts best last month', '上个月新客户流失最高的触点在哪', '最近30天每天的活跃用户', 'top 5 campaigns by ROI this year', '前五个渠道', 'how many customers in segment VIP buyers last month', 'funnel from "Product Viewed" to “Order Completed”', 'blah xyz', 'revenue by channel past week', '“VIP”分群有多少人', 'last revenue']) {
  const r = parseQuestion(q);
  console.log(q, '=>', JSON.stringify(r.ok ? { ...r.slots, tokens: r.slots.tokens.map((t) => `${t.kind}:${t.text}=${t.value}`) } : r), r.unknown);
}
