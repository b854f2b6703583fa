import { BarChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { use, type EChartsCoreOption } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { computed, type ComputedRef } from 'vue';
import { useTheme } from 'vuetify';
import type { CallOutcome } from '../../../shared/types.js';

/**
 * ECharts, only the parts the charts use (through echarts/core, so the
 * bundle carries no other chart type), drawn on canvas. ECharts evaluates
 * no code from strings, so it runs under the CSP's script-src 'self';
 * vue-echarts adds its few base styles through a constructed stylesheet.
 */
use([CanvasRenderer, BarChart, PieChart, GridComponent, LegendComponent, TooltipComponent]);

export { default as VChart } from 'vue-echarts';
export type ChartOption = EChartsCoreOption;

/**
 * Colours of the outcomes, from the Vuetify theme where the task table uses
 * one (answered success, unanswered warning, failed error), so the charts
 * follow the light or dark theme. An outcome added later gets the fallback.
 */
export interface ChartTheme {
  outcome: (outcome: CallOutcome) => string;
  text: string;
  muted: string;
  grid: string;
  surface: string;
}

const FIXED: Partial<Record<CallOutcome, { light: string; dark: string }>> = {
  noAnswer: { light: '#F9A825', dark: '#FFD54F' },
  poweredOff: { light: '#8D6E63', dark: '#BCAAA4' },
  invalidNumber: { light: '#78909C', dark: '#B0BEC5' },
  rejected: { light: '#5C6BC0', dark: '#9FA8DA' },
};
const FALLBACK = { light: '#9575CD', dark: '#B39DDB' };

export function useChartTheme(): ComputedRef<ChartTheme> {
  const theme = useTheme();
  return computed(() => {
    const { colors, dark } = theme.current.value;
    const pick = (c: { light: string; dark: string }): string => (dark ? c.dark : c.light);
    // Theme colours are hex strings as this app defines them; anything else falls back to a fixed colour.
    const color = (name: string, fallback: string): string => {
      const value: unknown = (colors as Record<string, unknown>)[name];
      return typeof value === 'string' ? value : fallback;
    };
    const onSurface = color('on-surface', dark ? '#FFFFFF' : '#000000');
    return {
      outcome: (outcome) => {
        if (outcome === 'answered') return color('success', '#4CAF50');
        if (outcome === 'busy') return color('warning', '#FB8C00');
        if (outcome === 'failed') return color('error', '#B00020');
        return pick(FIXED[outcome] ?? FALLBACK);
      },
      text: onSurface,
      muted: withAlpha(onSurface, 0.6),
      grid: withAlpha(onSurface, 0.12),
      surface: color('surface', dark ? '#212121' : '#FFFFFF'),
    };
  });
}

function withAlpha(hex: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/i.exec(hex);
  if (!m) return hex;
  return `rgba(${parseInt(m[1]!, 16)}, ${parseInt(m[2]!, 16)}, ${parseInt(m[3]!, 16)}, ${alpha})`;
}
