import type { CallOutcome, CallsOverTime } from '../../../shared/types.js';
import { OUTCOMES } from '../../../shared/types.js';
import { formatWibClock } from '../format.js';
import type { ChartOption, ChartTheme } from './echarts.js';

/**
 * A stacked bar chart of calls ended per time bucket, one series per
 * outcome of OUTCOMES (an outcome with no call in the range is left out of
 * the legend). Labels are WIB clock times.
 */
export function callsOverTimeOption(data: CallsOverTime, theme: ChartTheme, label: (outcome: CallOutcome) => string, withDate: boolean): ChartOption {
  const times = data.buckets.map((_, i) => formatWibClock(data.start + i * data.bucketMs, withDate));
  const shown = OUTCOMES.filter((o) => data.buckets.some((b) => (b[o] ?? 0) > 0));
  return {
    animation: false,
    textStyle: { color: theme.text },
    grid: { left: 8, right: 8, top: 32, bottom: 4, containLabel: true },
    legend: { top: 0, left: 0, itemWidth: 12, itemHeight: 8, textStyle: { color: theme.muted, fontSize: 11 } },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
    xAxis: {
      type: 'category',
      data: times,
      axisLabel: { color: theme.muted, hideOverlap: true, fontSize: 11 },
      axisLine: { lineStyle: { color: theme.grid } },
      axisTick: { show: false },
    },
    yAxis: {
      type: 'value',
      minInterval: 1,
      axisLabel: { color: theme.muted, fontSize: 11 },
      splitLine: { lineStyle: { color: theme.grid } },
    },
    series: shown.map((outcome) => ({
      name: label(outcome),
      type: 'bar',
      stack: 'calls',
      barMaxWidth: 18,
      itemStyle: { color: theme.outcome(outcome) },
      data: data.buckets.map((b) => b[outcome] ?? 0),
    })),
  };
}
