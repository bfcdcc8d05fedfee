import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { FileSystemError } from "../../src/io/fs-error.js";
import { makeFolder, probeWritable } from "../../src/io/make-folder.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "make-folder-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

/** Throws one FileSystemError line matching `pattern`. */
function fails(f: () => unknown, pattern: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof FileSystemError, String(e));
    assert.doesNotMatch(e.message, /\n/);
    assert.match(e.message, pattern);
    return true;
  });
}

/** A read-only tmpfs mounted at a new folder, or null where mounting is not allowed (not root). */
function readOnlyMount(): string | null {
  const dir = fs.mkdtempSync(path.join(tmp, "ro-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", dir], { stdio: "ignore" });
    return dir;
  } catch {
    return null;
  }
}

describe("makeFolder", () => {
  it("creates the missing folders one by one (never recursively) and says which it created", (t) => {
    const calls: unknown[] = [];
    const real = fs.mkdirSync.bind(fs);
    t.mock.method(fs, "mkdirSync", (p: fs.PathLike, o?: unknown) => {
      calls.push(o);
      return real(p, o as fs.MakeDirectoryOptions & { recursive: true });
    });
    const target = path.join(tmp, "a", "b", "c");
    assert.deepEqual(makeFolder(target), [path.join(tmp, "a"), path.join(tmp, "a", "b"), target]);
    assert.deepEqual(calls, [undefined, undefined, undefined]);
    assert.ok(fs.statSync(target).isDirectory());
    assert.deepEqual(makeFolder(target), []);
  });

  it("a file in the way is named", () => {
    const file = path.join(tmp, "file");
    fs.writeFileSync(file, "x");
    fails(() => makeFolder(file), new RegExp(`^${file}: is a file, not a folder$`));
    fails(() => makeFolder(path.join(file, "x", "y")), new RegExp(`^${file}: is a file, not a folder$`));
  });

  // /proc (where recursive mkdir spun forever) is tried through the CLI, in a child process with a time limit: test/cli/train-errors.test.ts
  it("/sys refuses in one line", { skip: !fs.existsSync("/sys/kernel") && "no /sys here" }, () => {
    fails(() => makeFolder("/sys/x"), /^\/sys\/x: cannot create the folder \((operation not permitted, EPERM|read-only file system, EROFS|permission denied, EACCES)\)$/);
  });

  it("a read-only file system: the folder cannot be made, nor a file written in one that exists", (t) => {
    const ro = readOnlyMount();
    if (ro === null) return t.skip("cannot mount a read-only tmpfs here (needs root)");
    try {
      fails(() => makeFolder(path.join(ro, "run")), new RegExp(`^${ro}/run: cannot create the folder \\(read-only file system, EROFS\\)$`));
      fails(() => probeWritable(ro), new RegExp(`^${ro}: cannot write in this folder \\(read-only file system, EROFS\\)$`));
    } finally {
      execFileSync("umount", [ro]);
    }
  });
});

describe("probeWritable", () => {
  it("leaves nothing behind", () => {
    const dir = fs.mkdtempSync(path.join(tmp, "probe-"));
    probeWritable(dir);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it("a write that fails (a full disk) is one line naming the folder, and nothing is left", (t) => {
    const dir = fs.mkdtempSync(path.join(tmp, "probe-"));
    t.mock.method(fs, "writeSync", () => {
      throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    });
    fails(() => probeWritable(dir), new RegExp(`^${dir}: cannot write in this folder \\(no space left on the device, ENOSPC\\)$`));
    t.mock.restoreAll();
    assert.deepEqual(fs.readdirSync(dir), []);
  });
});
