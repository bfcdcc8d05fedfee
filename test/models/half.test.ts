import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  BF16_OVERFLOW,
  F16_OVERFLOW,
  bf16ToF32Bits,
  f16ToF32Bits,
  f32ToBf16Bits,
  f32ToF16Bits,
} from '../../src/models/half.js';
import { decodeElements, encodeElements } from '../../src/models/safetensors-data.js';
import { parseSafetensors, serializeSafetensors } from '../../src/models/safetensors.js';

/** PyTorch's conversions, written by scripts/pytorch/half_fixture.py. */
interface Fixture {
  sweep_lows: number[];
  cases: { f32: string; f16: string; f16_f32: string; bf16: string; bf16_f32: string }[];
  digests: Record<'f16_to_f32_all' | 'bf16_to_f32_all' | 'sweep_f32' | 'sweep_to_f16' | 'sweep_to_bf16', string> & {
    sweep_count: number;
  };
}
const FIXTURE: Fixture = JSON.parse(fs.readFileSync(
  fileURLToPath(new URL('../../../test/fixtures/half-precision.json', import.meta.url)), 'utf8'));

const hex = (bits: number, digits: number) => (bits >>> 0).toString(16).padStart(digits, '0');
const CASES = FIXTURE.cases.map((c) => ({
  f32: parseInt(c.f32, 16), f16: parseInt(c.f16, 16), f16f32: parseInt(c.f16_f32, 16),
  bf16: parseInt(c.bf16, 16), bf16f32: parseInt(c.bf16_f32, 16),
}));

function floatsFromBits(bits: number[] | Uint32Array): Float32Array {
  return new Float32Array(Uint32Array.from(bits).buffer);
}

/** SHA-256 of 16- or 32-bit words as little-endian bytes, as the fixture script hashes numpy arrays. */
function digest(words: Uint16Array | Uint32Array): string {
  const bytes = new Uint8Array(words.length * words.BYTES_PER_ELEMENT);
  const view = new DataView(bytes.buffer);
  words.forEach((w, i) => (words instanceof Uint16Array ? view.setUint16(2 * i, w, true) : view.setUint32(4 * i, w, true)));
  return createHash('sha256').update(bytes).digest('hex');
}

/** The fixture script's sweep, in its order: every high half with each low half of sweep_lows, then the f16 midpoints. */
function sweep(): Uint32Array {
  const lows = FIXTURE.sweep_lows;
  const out: number[] = [];
  for (let hi = 0; hi < 65536; hi++) for (const lo of lows) out.push(((hi << 16) | lo) >>> 0);
  const mids: number[] = [];
  const value = (h: number) => new Float32Array(Uint32Array.of(f16ToF32Bits(h)).buffer)[0]!;
  for (let h = 0; h < 0x7bff; h++) {
    const mid = new Uint32Array(Float32Array.of((value(h) + value(h + 1)) / 2).buffer)[0]!;
    mids.push(mid - 1, mid, mid + 1);
  }
  return Uint32Array.from([...out, ...mids, ...mids.map((m) => (m | 0x80000000) >>> 0)]);
}

describe('F16 and BF16 conversions equal PyTorch bit for bit (test/fixtures/half-precision.json)', () => {
  it('has the edge cases the fixture is for', () => {
    assert.ok(CASES.length >= 300, `${CASES.length} cases`);
    const has = (f32: number) => CASES.some((c) => c.f32 === f32);
    for (const f32 of [0x477ff000 /* 65520, the F16 overflow tie */, 0x7f7f8000 /* the BF16 one */, 0x33800000 /* 2^-24 */,
      0x33000000 /* 2^-25, tie to zero */, 0x80000000, 0x7fc00000]) assert.ok(has(f32), hex(f32, 8));
  });

  for (const [name, fn, key] of [
    ['float32 → F16 (.half())', f32ToF16Bits, 'f16'],
    ['float32 → BF16 (.bfloat16())', f32ToBf16Bits, 'bf16'],
  ] as const) {
    it(`${name} on every case`, () => {
      const wrong = CASES.filter((c) => fn(c.f32) !== c[key]).map((c) => `${hex(c.f32, 8)}: ${hex(fn(c.f32), 4)} ≠ ${hex(c[key], 4)}`);
      assert.deepEqual(wrong, []);
    });
  }
  for (const [name, fn, from, to] of [
    ['F16 → float32 (.float())', f16ToF32Bits, 'f16', 'f16f32'],
    ['BF16 → float32 (.float())', bf16ToF32Bits, 'bf16', 'bf16f32'],
  ] as const) {
    it(`${name} on every case`, () => {
      const wrong = CASES.filter((c) => fn(c[from]) !== c[to]).map((c) => `${hex(c[from], 4)}: ${hex(fn(c[from]), 8)} ≠ ${hex(c[to], 8)}`);
      assert.deepEqual(wrong, []);
    });
  }

  it('every F16 and every BF16 bit pattern to float32, as the readers convert them', () => {
    const all = new Uint8Array(2 * 65536);
    for (let h = 0; h < 65536; h++) new DataView(all.buffer).setUint16(2 * h, h, true);
    for (const [dtype, expected] of [['F16', FIXTURE.digests.f16_to_f32_all], ['BF16', FIXTURE.digests.bf16_to_f32_all]] as const) {
      const out = new Float32Array(65536);
      decodeElements(all, dtype, out, 0);
      assert.equal(digest(new Uint32Array(out.buffer)), expected, dtype);
    }
  });

  it(`float32 to F16 and BF16 over a sweep of ties, near-ties and every exponent, as the writers convert them`, () => {
    const bits = sweep();
    assert.equal(bits.length, FIXTURE.digests.sweep_count);
    assert.equal(digest(bits), FIXTURE.digests.sweep_f32, 'the sweep is rebuilt as the script built it');
    const data = new Float32Array(bits.buffer);
    for (const [dtype, expected] of [['F16', FIXTURE.digests.sweep_to_f16], ['BF16', FIXTURE.digests.sweep_to_bf16]] as const) {
      const bytes = encodeElements(data, 0, data.length, dtype, new Uint8Array(2 * data.length));
      const words = new Uint16Array(data.length);
      for (let i = 0; i < words.length; i++) words[i] = new DataView(bytes.buffer).getUint16(2 * i, true);
      assert.equal(digest(words), expected, dtype);
    }
  });

  it('the overflow limits are where the conversions start giving inf', () => {
    const below = (x: number) => new Float32Array(Uint32Array.of(new Uint32Array(Float32Array.of(x).buffer)[0]! - 1).buffer)[0]!;
    const bitsOf = (x: number) => new Uint32Array(Float32Array.of(x).buffer)[0]!;
    assert.equal(F16_OVERFLOW, 65520);
    assert.equal(f32ToF16Bits(bitsOf(F16_OVERFLOW)), 0x7c00);
    assert.equal(f32ToF16Bits(bitsOf(below(F16_OVERFLOW))), 0x7bff);
    assert.equal(f32ToBf16Bits(bitsOf(BF16_OVERFLOW)), 0x7f80);
    assert.equal(f32ToBf16Bits(bitsOf(below(BF16_OVERFLOW))), 0x7f7f);
  });

  it('an F16 or BF16 file written and read in memory holds PyTorch\'s bits and reads back as PyTorch\'s floats', () => {
    for (const [dtype, key, back, limit] of [['F16', 'f16', 'f16f32', F16_OVERFLOW], ['BF16', 'bf16', 'bf16f32', BF16_OVERFLOW]] as const) {
      const ok = CASES.filter((c) => Math.abs(floatsFromBits([c.f32])[0]!) < limit); // what a checkpoint may hold
      assert.ok(ok.length > 250, `${ok.length} ${dtype} cases`);
      const bytes = serializeSafetensors({ x: { shape: [ok.length], data: floatsFromBits(ok.map((c) => c.f32)) } }, undefined, { dtype });
      const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      assert.equal(JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))).x.dtype, dtype);
      const stored = ok.map((_, i) => new DataView(bytes.buffer).getUint16(8 + n + 2 * i, true));
      assert.deepEqual(stored.map((b) => hex(b, 4)), ok.map((c) => hex(c[key], 4)));
      const read = parseSafetensors(bytes, 'f').tensors.get('x')!.data;
      assert.deepEqual([...new Uint32Array(read.buffer)].map((b) => hex(b, 8)), ok.map((c) => hex(c[back], 8)));
    }
  });
});
