import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic, writeFileAtomicAsync } from '../../src/io/atomic-write.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-write-test-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

/** A fresh folder holding `name` with `content`. */
function folderWith(name: string, content: string): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(tmp, 'case-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return { dir, file };
}

const simulated = (code: string) => Object.assign(new Error(`${code}: simulated failure`), { code });

describe('writeFileAtomic', () => {
  it('creates a new file from bytes or a string, leaving nothing else in the folder', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'case-'));
    writeFileAtomic(path.join(dir, 'a.bin'), Uint8Array.from([1, 2, 3]));
    writeFileAtomic(path.join(dir, 'b.txt'), 'héllo');
    writeFileAtomic(path.join(dir, 'empty'), new Uint8Array(0));
    assert.deepEqual([...fs.readFileSync(path.join(dir, 'a.bin'))], [1, 2, 3]);
    assert.equal(fs.readFileSync(path.join(dir, 'b.txt'), 'utf8'), 'héllo');
    assert.equal(fs.statSync(path.join(dir, 'empty')).size, 0);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['a.bin', 'b.txt', 'empty']);
  });

  it('replaces an existing file and keeps its permission bits', () => {
    const { dir, file } = folderWith('f', 'old');
    fs.chmodSync(file, 0o640);
    writeFileAtomic(file, 'new content');
    assert.equal(fs.readFileSync(file, 'utf8'), 'new content');
    assert.equal(fs.statSync(file).mode & 0o777, 0o640);
    assert.deepEqual(fs.readdirSync(dir), ['f']);
  });

  it('a write that fails mid-way leaves the previous file intact and no temporary file', (t) => {
    const { dir, file } = folderWith('model.safetensors', 'previous');
    const realWrite = fs.writeSync as (...a: unknown[]) => number;
    let calls = 0;
    t.mock.method(fs, 'writeSync', (fd: number, buf: Uint8Array, offset: number) => {
      calls++;
      if (calls > 1) throw simulated('ENOSPC');
      return realWrite(fd, buf, offset, 4); // a short write: the loop comes back for the rest, and then fails
    });
    assert.throws(() => writeFileAtomic(file, 'a much longer new content'), /ENOSPC/);
    assert.equal(calls, 2);
    assert.equal(fs.readFileSync(file, 'utf8'), 'previous');
    assert.deepEqual(fs.readdirSync(dir), ['model.safetensors']);
  });

  it('a failed fsync or rename leaves the previous file intact and no temporary file', (t) => {
    for (const fn of ['fsyncSync', 'renameSync'] as const) {
      const { dir, file } = folderWith('f', 'previous');
      const m = t.mock.method(fs, fn, () => {
        throw simulated('EIO');
      });
      assert.throws(() => writeFileAtomic(file, 'new'), /EIO/, fn);
      m.mock.restore();
      assert.equal(fs.readFileSync(file, 'utf8'), 'previous', fn);
      assert.deepEqual(fs.readdirSync(dir), ['f'], fn);
    }
  });

  it('a folder that cannot be written to leaves the previous file intact', { skip: process.getuid?.() === 0 && 'root ignores folder permissions' }, () => {
    const { dir, file } = folderWith('f', 'previous');
    fs.chmodSync(dir, 0o555);
    try {
      assert.throws(() => writeFileAtomic(file, 'new'), { code: 'EACCES' });
    } finally {
      fs.chmodSync(dir, 0o755);
    }
    assert.equal(fs.readFileSync(file, 'utf8'), 'previous');
    assert.deepEqual(fs.readdirSync(dir), ['f']);
  });

  it('a missing folder is an error, not a silent success', () => {
    assert.throws(() => writeFileAtomic(path.join(tmp, 'missing', 'f'), 'x'), { code: 'ENOENT' });
  });
});

describe('writeFileAtomic from pieces', () => {
  it('writes each piece before asking for the next, so a producer may reuse one buffer', () => {
    const { dir, file } = folderWith('f', 'old');
    function* pieces() {
      const buf = new Uint8Array(3);
      for (const v of [1, 2, 3]) {
        buf.fill(v);
        yield buf.subarray(0, v); // lengths 1, 2, 3
      }
    }
    writeFileAtomic(file, pieces());
    assert.deepEqual([...fs.readFileSync(file)], [1, 2, 2, 3, 3, 3]);
    assert.deepEqual(fs.readdirSync(dir), ['f']);
  });

  it('a producer that throws part-way leaves the previous file intact and no temporary file', () => {
    const { dir, file } = folderWith('f', 'previous');
    function* pieces() {
      yield Uint8Array.from([1, 2, 3]);
      throw new Error('the producer failed');
    }
    assert.throws(() => writeFileAtomic(file, pieces()), /the producer failed/);
    assert.equal(fs.readFileSync(file, 'utf8'), 'previous');
    assert.deepEqual(fs.readdirSync(dir), ['f']);
  });

  it('a piece of 2 GiB or more goes out in writes no longer than Node accepts (2^31 - 1 bytes)', (t) => {
    const { file } = folderWith('f', 'previous');
    const lengths: number[] = [];
    // Only the lengths are wanted: nothing is written, so the 2 GiB buffer is never touched (no memory is used).
    t.mock.method(fs, 'writeSync', (_fd: number, _buf: Uint8Array, _offset: number, length: number) => {
      lengths.push(length);
      return length;
    });
    t.mock.method(fs, 'fsyncSync', () => undefined);
    const big = new Uint8Array(2 ** 31 + 8);
    writeFileAtomic(file, [Uint8Array.from([7]), big]);
    assert.equal(lengths.reduce((a, b) => a + b, 0), 1 + big.length);
    assert.ok(lengths.every((n) => n <= 2 ** 31 - 1), lengths.join(', '));
  });
});

describe('writeFileAtomicAsync', () => {
  it('writes and replaces', async () => {
    const { dir, file } = folderWith('f', 'old');
    await writeFileAtomicAsync(file, Uint8Array.from([104, 105]));
    assert.equal(fs.readFileSync(file, 'utf8'), 'hi');
    await writeFileAtomicAsync(path.join(dir, 'g'), 'new');
    assert.deepEqual(fs.readdirSync(dir).sort(), ['f', 'g']);
  });

  it('a failed rename leaves the previous file intact and no temporary file', async (t) => {
    const { dir, file } = folderWith('f', 'previous');
    t.mock.method(fsp, 'rename', async () => {
      throw simulated('EIO');
    });
    await assert.rejects(writeFileAtomicAsync(file, 'new'), /EIO/);
    assert.equal(fs.readFileSync(file, 'utf8'), 'previous');
    assert.deepEqual(fs.readdirSync(dir), ['f']);
  });
});
