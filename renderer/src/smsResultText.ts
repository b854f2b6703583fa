import type { SmsSendResult } from '../../shared/types.js';
import { i18n } from './i18n/index.js';

/**
 * What a test SMS's answer means, in a sentence (not the provider's JSON):
 * accepted with its message ID, or why not by the HTTP status class the
 * providers document (401/403 credentials, 429 throttled, 404 wrong base URL,
 * other 4xx the message itself, 5xx the provider's own trouble).
 */
export function smsResultText(result: SmsSendResult, dryRun = false): string {
  const { t } = i18n.global;
  if (dryRun) return t('smsResult.dryRun');
  if (result.accepted) return t('smsResult.accepted', { id: result.providerMessageId ? t('smsResult.acceptedId', { id: result.providerMessageId }) : '' });
  const status = result.httpStatus;
  if (status === 401 || status === 403) return t('smsResult.refusedAuth', { status });
  if (status === 429) return t('smsResult.refusedThrottled', { status });
  if (status === 404) return t('smsResult.refusedNotFound', { status });
  if (status !== null && status >= 400 && status < 500) return t('smsResult.refusedRequest', { status });
  if (status !== null && status >= 500) return t('smsResult.refusedServer', { status });
  return t('smsResult.refusedOther');
}
