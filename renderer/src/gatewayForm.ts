import { gatewaySettingsSchema } from '../../shared/gatewaySchema.js';
import type { GatewaySettings } from '../../shared/types.js';

export const NUMBER_FIELDS = ['port', 'channels', 'callsPerSecond', 'ringTimeoutSeconds', 'playTimes', 'rtpPortMin', 'rtpPortMax', 'playoutTailMs'] as const;
export type NumberField = (typeof NUMBER_FIELDS)[number];
export type GatewayField = keyof GatewaySettings;

/** Settings > Gateway as typed. Numbers stay text, so an empty or half-typed one is shown as wrong instead of becoming 0. */
export type GatewayDraft = Omit<GatewaySettings, NumberField> & Record<NumberField, string>;

/** What is wrong with one field, as an i18n key under settings.gateway.invalid and its parameters. */
export interface FieldProblem {
  key: string;
  params?: Record<string, number>;
}

/** The codec orders offered, by their i18n key under settings.gateway.codecOrders; the first codec is offered first in the SDP. */
export const CODEC_ORDERS: Record<'pcmaPcmu' | 'pcmuPcma' | 'pcma' | 'pcmu', GatewaySettings['codecs']> = {
  pcmaPcmu: ['PCMA', 'PCMU'],
  pcmuPcma: ['PCMU', 'PCMA'],
  pcma: ['PCMA'],
  pcmu: ['PCMU'],
};

export function toDraft(view: GatewaySettings): GatewayDraft {
  const settings = Object.fromEntries(Object.keys(gatewaySettingsSchema.shape).map((k) => [k, view[k as GatewayField]])) as unknown as GatewaySettings;
  const draft = { ...settings, codecs: [...settings.codecs] } as unknown as GatewayDraft;
  for (const field of NUMBER_FIELDS) draft[field] = String(settings[field]);
  return draft;
}

export function fromDraft(draft: GatewayDraft): GatewaySettings {
  const settings = { ...draft, codecs: [...draft.codecs] } as unknown as GatewaySettings;
  for (const field of NUMBER_FIELDS) {
    const text = draft[field].trim();
    // Number() would read "", "0x1F" and "1e3" as numbers; only plain digits are a port or a count.
    settings[field] = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
  }
  for (const field of ['host', 'username', 'authUsername', 'callerIdUser', 'callerIdName', 'outboundProxy', 'localAddress'] as const) {
    settings[field] = settings[field].trim();
  }
  return settings;
}

function numberBounds(field: NumberField): { min: number; max: number } {
  const schema = gatewaySettingsSchema.shape[field];
  return { min: schema.minValue ?? 0, max: schema.maxValue ?? Number.MAX_SAFE_INTEGER };
}

/**
 * The problems of the settings as the form shows them while typing: the
 * shared schema main also applies, plus two refusals of
 * GatewaySettingsService.save that read better beside their field (a host for
 * the SIP gateway, an RTP range that goes upwards). The core still decides:
 * its other refusals (two RTP ports per channel) show as the save error.
 */
export function gatewayProblems(settings: GatewaySettings): Partial<Record<GatewayField, FieldProblem>> {
  const problems: Partial<Record<GatewayField, FieldProblem>> = {};
  const parsed = gatewaySettingsSchema.safeParse(settings);
  for (const issue of parsed.success ? [] : parsed.error.issues) {
    const field = issue.path[0] as GatewayField;
    if (problems[field]) continue;
    if ((NUMBER_FIELDS as readonly string[]).includes(field)) problems[field] = { key: 'number', params: numberBounds(field as NumberField) };
    else if (issue.code === 'too_big' && issue.origin === 'string') problems[field] = { key: 'tooLong', params: { max: Number(issue.maximum) } };
    else if (issue.code === 'invalid_format') problems[field] = { key: field };
    else if (field === 'codecs') problems[field] = { key: 'codecs' };
    else problems[field] = { key: 'other' };
  }
  if (settings.mode === 'sip' && settings.host === '' && !problems.host) problems.host = { key: 'hostRequired' };
  if (!problems.rtpPortMin && !problems.rtpPortMax && settings.rtpPortMin >= settings.rtpPortMax) problems.rtpPortMax = { key: 'rtpOrder' };
  return problems;
}
