/** Only the ECharts pieces the console draws (modular import keeps the chunk small). */
import { FunnelChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([FunnelChart, LineChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

export function draw(el: HTMLElement, option: echarts.EChartsCoreOption): () => void {
  const chart = echarts.init(el, undefined, { renderer: 'svg' });
  chart.setOption(option);
  const resize = () => chart.resize();
  addEventListener('resize', resize);
  return () => {
    removeEventListener('resize', resize);
    chart.dispose();
  };
}
