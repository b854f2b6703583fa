import { readFileSync } from 'node:fs';
import { SMS_PROVIDERS, SMS_PROVIDER_NAMES } from '../../shared/sms/providers.js';
import type { SmsAccountView, SmsProvider } from '../../shared/types.js';
import { parseCommand, table, unwrap, UsageError, type CliHost, type Output } from '../io.js';

const kebab = (field: string) => field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

const ALL_FIELDS = [...new Set(SMS_PROVIDER_NAMES.flatMap((p) => [...SMS_PROVIDERS[p].config, ...SMS_PROVIDERS[p].secrets]))];

function describe(a: SmsAccountView | null): string {
  if (!a) return 'No SMS account is set. Use: autocall sms-account set --provider ...';
  const lines = [`Provider: ${a.provider} (${a.active ? 'active' : 'inactive'})`];
  for (const [k, v] of Object.entries(a.config)) lines.push(`  ${kebab(k)}: ${v}`);
  for (const [k, set] of Object.entries(a.secretsSet)) lines.push(`  ${kebab(k)}: ${set ? '(saved, encrypted)' : '(not set)'}`);
  // The setting is explicit and visible: say what it costs wherever the account is shown.
  if (a.config.allowInsecureHttp === 'true') lines.push('Warning: plain http is allowed, so the credentials and messages travel unencrypted to the gateway.');
  return lines.join('\n');
}

let stdinCache: string | undefined;
function readSecret(value: string): string {
  if (value !== '-') return value;
  // Secrets on the command line end up in shell history; "-" reads one line from stdin instead.
  stdinCache ??= readFileSync(0, 'utf8');
  return stdinCache.split(/\r?\n/)[0] ?? '';
}

export async function smsAccountCommand({ api }: CliHost, args: string[], out: Output): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'set': {
      const fieldOptions = Object.fromEntries(ALL_FIELDS.map((f) => [kebab(f), { type: 'string' as const }]));
      const { values } = parseCommand(rest, {
        provider: { type: 'string' },
        active: { type: 'boolean' },
        inactive: { type: 'boolean' },
        ...fieldOptions,
      });
      const current = unwrap(await api.smsAccount.get({}));
      const provider = (values.provider ?? current?.provider) as SmsProvider | undefined;
      if (!provider || !SMS_PROVIDER_NAMES.includes(provider)) {
        throw new UsageError(`--provider must be one of ${SMS_PROVIDER_NAMES.join(', ')}.`);
      }
      const spec = SMS_PROVIDERS[provider];
      const given = values as Record<string, string | boolean | undefined>;
      for (const field of ALL_FIELDS) {
        if (given[kebab(field)] !== undefined && ![...spec.config, ...spec.secrets].includes(field)) {
          throw new UsageError(`--${kebab(field)} is not a setting of ${provider}. Its settings: ${[...spec.config, ...spec.secrets].map((f) => '--' + kebab(f)).join(' ')}.`);
        }
      }
      const config: Record<string, string> = { ...spec.defaults, ...(current?.provider === provider ? current.config : {}) };
      for (const field of spec.config) {
        const v = given[kebab(field)];
        if (typeof v === 'string') config[field] = v;
      }
      const secrets: Record<string, string> = {};
      for (const field of spec.secrets) {
        const v = given[kebab(field)];
        if (typeof v === 'string') secrets[field] = readSecret(v);
      }
      const active = values.inactive ? false : values.active ? true : (current?.active ?? true);
      const saved = unwrap(await api.smsAccount.save({ provider, active, config, secrets }));
      out.value(saved, (a) => `Saved.\n${describe(a)}`);
      return;
    }
    case 'fields': {
      parseCommand(rest, {});
      const fields = Object.fromEntries(SMS_PROVIDER_NAMES.map((p) => [p, SMS_PROVIDERS[p]]));
      out.value(fields, () =>
        table(
          ['PROVIDER', 'SETTINGS', 'SECRETS (stored encrypted)'],
          SMS_PROVIDER_NAMES.map((p) => [p, SMS_PROVIDERS[p].config.map((f) => '--' + kebab(f)).join(' '), SMS_PROVIDERS[p].secrets.map((f) => '--' + kebab(f)).join(' ')]),
        ),
      );
      return;
    }
    case 'show': {
      parseCommand(rest, {});
      out.value(unwrap(await api.smsAccount.get({})), describe);
      return;
    }
    case 'test': {
      const { values } = parseCommand(rest, { to: { type: 'string' }, text: { type: 'string' } });
      if (!values.to) throw new UsageError('sms-account test needs --to NUMBER.');
      const result = unwrap(await api.smsAccount.test({ to: values.to, ...(values.text ? { text: values.text } : {}) }));
      out.value(result, (r) =>
        [
          r.accepted ? 'The provider accepted the message.' : 'The provider did not accept the message.',
          `HTTP status: ${r.httpStatus ?? '-'}; message id: ${r.providerMessageId ?? '-'}; attempts: ${r.attempts}`,
          `Provider answer: ${r.providerAnswer}`,
        ].join('\n'),
      );
      return;
    }
    default:
      throw new UsageError(`sms-account needs set, fields, show or test (got ${sub ?? 'nothing'}).`);
  }
}
