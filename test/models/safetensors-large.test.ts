/**
 * A safetensors file past 2 GiB (pretrained checkpoints are: GPT-2 large is 3.1 GB in float32), made sparse so that
 * it costs no disk to create: one F32 tensor of 2.2 GiB and a small one after it, past the 2 GiB mark. It is read
 * (memory: the 2.2 GiB tensor itself) and written back (2.2 GiB on disk, removed at the end).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSafetensors, writeSafetensors } from '../../src/models/safetensors-file.js';

const PIECE = 64 * 1024 * 1024; // the reader's and writer's default piece size
const N = 590_558_004; // 2.2 GiB of float32
const MARKS: [number, number][] = [
  [0, 1.5], [PIECE / 4 - 1, -2], [PIECE / 4, 3.25], // either side of the first piece boundary
  [2 ** 29 - 1, 7], [2 ** 29, -8.5], // either side of byte 2^31 of the data section
  [N - 1, 1e-20],
];
const SMALL = [0.5, -1e30, 42, 6.103515625e-5];

describe('safetensors over 2 GiB', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'safetensors-large-'));
  process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
  const file = path.join(tmp, 'big.safetensors');

  // The header exactly as our writer (and PyTorch's reference writer) lays it out, so a write back is byte-identical.
  const json = JSON.stringify({
    big: { dtype: 'F32', shape: [N], data_offsets: [0, 4 * N] },
    small: { dtype: 'F32', shape: [2, 2], data_offsets: [4 * N, 4 * N + 16] },
  });
  const headerLen = Math.ceil(json.length / 8) * 8;
  const dataStart = 8 + headerLen;
  const size = dataStart + 4 * N + 16;

  function writeAt(fd: number, position: number, values: number[]): void {
    fs.writeSync(fd, new Uint8Array(Float32Array.from(values).buffer), 0, 4 * values.length, position);
  }

  it('reads a sparse file of 2.2 GiB: shapes, the marked values, zeros elsewhere, and the tensor past 2 GiB', (t) => {
    const fd = fs.openSync(file, 'w');
    const head = Buffer.alloc(dataStart, 0x20);
    head.writeBigUInt64LE(BigInt(headerLen), 0);
    head.write(json, 8, 'utf8');
    fs.writeSync(fd, head);
    fs.ftruncateSync(fd, size);
    for (const [i, v] of MARKS) writeAt(fd, dataStart + 4 * i, [v]);
    writeAt(fd, dataStart + 4 * N, SMALL);
    fs.closeSync(fd);
    assert.ok(size > 2 ** 31 + 2 ** 27, `${size} bytes`);

    const reads: { length: number; buffer: ArrayBufferLike }[] = [];
    const realRead = fs.readSync as (...a: unknown[]) => number;
    t.mock.method(fs, 'readSync', (...args: unknown[]) => {
      reads.push({ length: args[3] as number, buffer: (args[1] as Uint8Array).buffer });
      return realRead(...args);
    });
    const { tensors } = readSafetensors(file);
    t.mock.restoreAll();

    const big = tensors.get('big')!;
    const small = tensors.get('small')!;
    assert.deepEqual(big.shape, [N]);
    assert.equal(big.data.length, N);
    for (const [i, v] of MARKS) assert.equal(big.data[i], Math.fround(v), `big[${i}]`);
    for (const i of [1, 12345, PIECE / 4 + 1, 2 ** 29 + 1, N - 2]) assert.equal(big.data[i], 0, `big[${i}]`);
    assert.deepEqual(small.shape, [2, 2]);
    assert.deepEqual([...small.data], SMALL.map(Math.fround));

    // Never a buffer of the whole file: the data comes in pieces, each straight into the tensor it belongs to.
    const data = reads.slice(2);
    assert.ok(data.every((r) => r.length <= PIECE), 'pieces of at most 64 MiB');
    assert.ok(data.every((r) => r.buffer === big.data.buffer || r.buffer === small.data.buffer), 'into the tensors');
    assert.equal(data.filter((r) => r.buffer === big.data.buffer).length, Math.ceil((4 * N) / PIECE));

    // Written back (F32, our layout), it is the same file byte for byte. Not flushed to disk: that costs time here
    // and is atomic-write's own business, tested there.
    const out = path.join(tmp, 'out.safetensors');
    t.mock.method(fs, 'fsyncSync', () => undefined);
    writeSafetensors(out, tensors);
    t.mock.restoreAll();
    assert.equal(fs.statSync(out).size, size);
    const a = fs.openSync(file, 'r');
    const b = fs.openSync(out, 'r');
    const bufA = new Uint8Array(PIECE);
    const bufB = new Uint8Array(PIECE);
    try {
      for (let pos = 0; pos < size; pos += PIECE) {
        const n = Math.min(PIECE, size - pos);
        assert.equal(fs.readSync(a, bufA, 0, n, pos), n);
        assert.equal(fs.readSync(b, bufB, 0, n, pos), n);
        if (Buffer.compare(bufA.subarray(0, n), bufB.subarray(0, n)) !== 0) assert.fail(`files differ in bytes ${pos}..${pos + n}`);
      }
    } finally {
      fs.closeSync(a);
      fs.closeSync(b);
      fs.rmSync(out);
    }
  });
});
