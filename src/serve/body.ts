import type { IncomingMessage } from "node:http";
import { HttpError } from "./http-error.js";

/**
 * The request's body as JSON, read up to `maxBytes`: a declared Content-Length over the limit is refused
 * before a byte is read, a body that grows past it as soon as it does (413); either way no more is kept.
 */
export async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const tooLarge = () => new HttpError(413, `the body is larger than the ${maxBytes} bytes a request may send`, { Connection: "close" });
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (declared > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") throw new HttpError(400, "the body is empty: send a JSON object");
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `the body is not valid JSON (${(e as Error).message.split("\n")[0]})`);
  }
}
