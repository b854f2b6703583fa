import { CONTRACT, type OperationOutput, type ParsedInput } from '../shared/contract/schemas.js';
import { OPERATIONS, type OperationName } from '../shared/contract/operations.js';
import type { Result } from '../shared/result.js';
import { toErrorShape } from './errors.js';
import { inputProblem } from './rules.js';
import type { Logger } from './log.js';
import { coded } from '../shared/messages/errorMessage.js';

export type Handlers = { [K in OperationName]: (input: ParsedInput<K>) => OperationOutput<K> | Promise<OperationOutput<K>> };

export function isOperation(name: unknown): name is OperationName {
  return typeof name === 'string' && (OPERATIONS as readonly string[]).includes(name);
}

/**
 * The single entry of every request from outside the core (IPC, the test
 * bridge, the command line): unknown operations and invalid input are
 * refused before any handler runs, and every answer is a Result.
 */
export async function dispatch(handlers: Handlers, log: Logger, operation: unknown, rawInput: unknown): Promise<Result<unknown>> {
  if (!isOperation(operation)) {
    return { ok: false, error: coded('contract.unknownOperation', { op: String(operation).slice(0, 80) }) };
  }
  const parsed = CONTRACT[operation].input.safeParse(rawInput ?? {});
  if (!parsed.success) {
    return { ok: false, error: inputProblem(parsed.error) };
  }
  try {
    const handler = handlers[operation] as (input: unknown) => unknown;
    const value = await handler(parsed.data);
    return { ok: true, value };
  } catch (err) {
    const shape = toErrorShape(err);
    if (shape.code === 'internal') log.error('operation failed', { operation, error: err instanceof Error ? err.stack : String(err) });
    return { ok: false, error: shape };
  }
}
