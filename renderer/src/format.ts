import { formatWib, wibParts } from '../../shared/time/wib.js';
import { INTL_TAGS, i18n, isAppLocale } from './i18n/index.js';

/**
 * Display formats. Times are always shown in WIB (Asia/Jakarta) with the
 * "WIB" suffix, whatever the workstation's own zone (docs/DOMAIN.md); numbers use
 * the grouping of the chosen language.
 */
function intlTag(): string {
  const locale = i18n.global.locale.value;
  return isAppLocale(locale) ? INTL_TAGS[locale] : 'en-US';
}

export function formatDateTime(epochMs: number, withSeconds = false): string {
  return formatWib(epochMs, withSeconds);
}

export function formatNumber(value: number, maximumFractionDigits = 0): string {
  return new Intl.NumberFormat(intlTag(), { maximumFractionDigits }).format(value);
}

/** m:ss, or h:mm:ss from one hour. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${formatNumber(bytes)} B`;
  if (bytes < 1024 * 1024) return `${formatNumber(bytes / 1024, 1)} KB`;
  return `${formatNumber(bytes / (1024 * 1024), 1)} MB`;
}

export function formatPercent(fraction: number): string {
  return new Intl.NumberFormat(intlTag(), { style: 'percent', maximumFractionDigits: 0 }).format(Math.min(1, Math.max(0, fraction)));
}

/** "14:05" (WIB), or "01-15 14:05" when a chart spans days; for chart axes, where the date and "WIB" would crowd. */
export function formatWibClock(epochMs: number, withDate = false): string {
  const { date, time } = wibParts(epochMs);
  return withDate ? `${date.slice(5)} ${time}` : time;
}
