/** Only the ECharts pieces the console draws (modular import keeps the Insights chunk small). */
import { BarChart, FunnelChart, HeatmapChart, LineChart, SankeyChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([BarChart, FunnelChart, HeatmapChart, LineChart, SankeyChart, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent, SVGRenderer]);

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
