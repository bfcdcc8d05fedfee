/**
 * A request the server refuses: its HTTP status and one line for the client (`{"error": message}`). Anything
 * else thrown while serving is a bug: the client gets a bare 500 and the stack goes to the server's log only.
 */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
    this.name = "HttpError";
  }
}
