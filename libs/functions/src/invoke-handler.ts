import type { FunctionInvokeReply } from '@portico/contracts';
import type { LambdaContext, LambdaHandler } from './lambda.types';

function errorReply(error: unknown): FunctionInvokeReply {
  if (error instanceof Error) {
    return {
      ok: false,
      error: { code: 'FunctionError', message: error.message, errorType: error.name || 'Error' },
    };
  }
  return {
    ok: false,
    error: { code: 'FunctionError', message: String(error), errorType: 'Error' },
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Runs one invocation the way the Lambda Node.js runtime does: a returned promise settles it;
 * otherwise a handler declaring a third parameter settles it through the callback; otherwise its
 * return value is the result. At the deadline the invocation ends as timed out, like Lambda's
 * "Task timed out"; the handler's late outcome is ignored.
 */
export function invokeHandler<TEvent, TResult>(
  handler: LambdaHandler<TEvent, TResult>,
  event: TEvent,
  context: LambdaContext,
  deadline: number,
): Promise<FunctionInvokeReply> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (reply: FunctionInvokeReply): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(reply);
    };
    const budget = Math.max(0, deadline - Date.now());
    const timer = setTimeout(() => {
      finish({
        ok: false,
        error: {
          code: 'FunctionTimeout',
          message: `Task timed out after ${(budget / 1000).toFixed(2)} seconds`,
          errorType: 'TimeoutError',
        },
      });
    }, budget);
    const callback = (error?: Error | string | null, result?: TResult): void => {
      finish(
        error !== undefined && error !== null
          ? errorReply(error)
          : { ok: true, result: result ?? null },
      );
    };
    try {
      const returned = handler(event, context, callback);
      // A handler that returns a promise and also calls back settles with whichever comes first.
      if (isThenable(returned)) {
        returned.then(
          (result) => finish({ ok: true, result: result ?? null }),
          (err: unknown) => finish(errorReply(err)),
        );
      } else if (handler.length < 3) {
        finish({ ok: true, result: returned ?? null });
      }
    } catch (err) {
      // Thrown by the handler, or by a `then` of its own making: either way this invocation fails.
      finish(errorReply(err));
    }
  });
}

/**
 * The reply as it is sent, and its bytes: a result JSON cannot carry (cycles, BigInt) becomes a
 * function error (Lambda's Runtime.MarshalError).
 */
export function serializeReply(reply: FunctionInvokeReply): {
  reply: FunctionInvokeReply;
  bytes: Uint8Array;
} {
  try {
    return { reply, bytes: Buffer.from(JSON.stringify(reply)) };
  } catch (err) {
    const message = `Function result is not JSON-serialisable: ${err instanceof Error ? err.message : String(err)}`;
    const marshal: FunctionInvokeReply = {
      ok: false,
      error: { code: 'FunctionError', message, errorType: 'Runtime.MarshalError' },
    };
    return { reply: marshal, bytes: Buffer.from(JSON.stringify(marshal)) };
  }
}
