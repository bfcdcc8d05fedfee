import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { placeFileAtomic } from "../../src/io/place-file.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "place-file-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

function folder(): { src: string; target: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(tmp, "case-"));
  const src = path.join(dir, "src.bin");
  fs.writeFileSync(src, "new bytes");
  const target = path.join(dir, "model.safetensors");
  fs.writeFileSync(target, "old");
  return { src, target, dir };
}

describe("placeFileAtomic", () => {
  it("replaces the target by a hard link to the source, leaving nothing else", () => {
    const { src, target, dir } = folder();
    placeFileAtomic(src, target);
    assert.equal(fs.readFileSync(target, "utf8"), "new bytes");
    assert.equal(fs.statSync(target).ino, fs.statSync(src).ino);
    assert.deepEqual(fs.readdirSync(dir).sort(), ["model.safetensors", "src.bin"]);
  });

  it("a target that is already the source stays, and no temporary is left (rename between two links does nothing)", () => {
    const { src, target, dir } = folder();
    placeFileAtomic(src, target);
    placeFileAtomic(src, target);
    assert.deepEqual(fs.readdirSync(dir).sort(), ["model.safetensors", "src.bin"]);
  });

  it("copies where hard links are not possible (another device)", (t) => {
    const { src, target, dir } = folder();
    t.mock.method(fs, "linkSync", () => {
      throw Object.assign(new Error("EXDEV: cross-device link not permitted"), { code: "EXDEV" });
    });
    placeFileAtomic(src, target);
    assert.equal(fs.readFileSync(target, "utf8"), "new bytes");
    assert.notEqual(fs.statSync(target).ino, fs.statSync(src).ino);
    assert.deepEqual(fs.readdirSync(dir).sort(), ["model.safetensors", "src.bin"]);
  });

  it("a failure leaves the target as it was and no temporary", (t) => {
    const { src, target, dir } = folder();
    t.mock.method(fs, "renameSync", () => {
      throw Object.assign(new Error("EIO: simulated"), { code: "EIO" });
    });
    assert.throws(() => placeFileAtomic(src, target), /EIO/);
    assert.equal(fs.readFileSync(target, "utf8"), "old");
    assert.deepEqual(fs.readdirSync(dir).sort(), ["model.safetensors", "src.bin"]);
  });
});
