/** An error that becomes a uniform ApiError body ({ code, message, requestId }) with its status. */
import type { CauseCode } from '../core/causes';

export class ApiHttpError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly causeCode?: CauseCode;
  readonly headers: Record<string, string>;
  constructor(statusCode: number, code: string, message: string, options: { cause?: CauseCode; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = 'ApiHttpError';
    this.statusCode = statusCode;
    this.code = code;
    this.causeCode = options.cause;
    this.headers = options.headers ?? {};
  }
}
