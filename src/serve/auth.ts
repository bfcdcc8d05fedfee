import { createHash, timingSafeEqual } from "node:crypto";
import * as fs from "node:fs";
import { OptionError } from "../errors.js";
import { HttpError } from "./http-error.js";

/** The key in an API key file: its text without surrounding white space; an empty or unreadable file is refused. */
export function readApiKeyFile(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new OptionError("apiKeyFile", `${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})`);
  }
  const key = text.trim();
  if (key === "") throw new OptionError("apiKeyFile", `${file}: is empty`);
  if (/\s/.test(key)) throw new OptionError("apiKeyFile", `${file}: the key must be one word, without white space`);
  return key;
}

/**
 * Checks `Authorization: Bearer <key>`. Both sides are hashed first so that timingSafeEqual compares equal
 * lengths: the time taken says nothing about the key, not even its length.
 */
export function bearerCheck(key: string): (authorization: string | undefined) => void {
  const want = createHash("sha256").update(key).digest();
  return (authorization) => {
    const m = /^Bearer +(\S+) *$/i.exec(authorization ?? "");
    const got = createHash("sha256").update(m ? m[1] : "").digest();
    if (!m || !timingSafeEqual(got, want)) {
      throw new HttpError(401, "missing or wrong API key (send Authorization: Bearer <key>)", { "WWW-Authenticate": "Bearer" });
    }
  };
}
