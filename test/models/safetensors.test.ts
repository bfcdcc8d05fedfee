import { describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CheckpointError } from '../../src/errors.js';
import {
  findDuplicateJsonKey,
  parseSafetensors,
  serializeSafetensors,
  type NamedTensor,
} from '../../src/models/safetensors.js';
import { readSafetensors, writeSafetensors } from '../../src/models/safetensors-file.js';

const REFERENCE = fileURLToPath(new URL('../../../test/fixtures/reference/', import.meta.url));

/** A safetensors file from a header (object or raw text) and a data section. */
function build(header: object | string, data: Uint8Array = new Uint8Array(0), headerLen?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLen ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function f32Bytes(values: number[]): Uint8Array {
  const out = new Uint8Array(4 * values.length);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return out;
}

function u16Bytes(values: number[]): Uint8Array {
  const out = new Uint8Array(2 * values.length);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setUint16(2 * i, v, true));
  return out;
}

/** Asserts that parsing throws a CheckpointError whose message starts with the file name and matches each pattern. */
function assertRejects(bytes: Uint8Array, ...patterns: RegExp[]): void {
  const file = 'bad/model.safetensors';
  assert.throws(
    () => parseSafetensors(bytes, file),
    (e: unknown) => {
      assert.ok(e instanceof CheckpointError, `expected a CheckpointError, got ${String(e)}`);
      assert.ok(e.message.startsWith(`${file}: `), e.message);
      assert.ok(!e.message.includes('\n'), 'one line');
      for (const p of patterns) assert.match(e.message, p);
      return true;
    },
  );
}

const ENTRY = (dtype: string, shape: number[], begin: number, end: number) => ({ dtype, shape, data_offsets: [begin, end] });

describe('safetensors round trip', () => {
  it('writes and reads back shapes, values, metadata, a 0-d scalar and an empty tensor', () => {
    const tensors: Record<string, NamedTensor> = {
      'b.weight': { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 1e-30, -0, 3e38]) },
      'a.scalar': { shape: [], data: Float32Array.from([Math.PI]) },
      'c.empty': { shape: [0, 3], data: new Float32Array(0) },
      'd.tiny': { shape: [1], data: Float32Array.from([1e-45]) },
    };
    const bytes = serializeSafetensors(tensors, { format: 'pt', note: 'héllo "quoted"' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.equal(n % 8, 0, 'header padded to a multiple of 8');
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    assert.match(header, / *$/);
    assert.deepEqual(Object.keys(JSON.parse(header)), ['__metadata__', 'a.scalar', 'b.weight', 'c.empty', 'd.tiny']);

    const { tensors: back, metadata } = parseSafetensors(bytes, 'x.safetensors');
    assert.deepEqual(metadata, { format: 'pt', note: 'héllo "quoted"' });
    assert.deepEqual([...back.keys()], ['a.scalar', 'b.weight', 'c.empty', 'd.tiny']);
    for (const [name, t] of Object.entries(tensors)) {
      const got = back.get(name)!;
      assert.deepEqual(got.shape, t.shape, name);
      assert.ok(got.data instanceof Float32Array);
      assert.deepEqual([...got.data], [...t.data], name); // deepEqual: -0 ≠ 0
    }
    assert.equal(back.get('a.scalar')!.data[0], Math.fround(Math.PI));
  });

  it('accepts a Map, an ArrayBuffer, and bytes at an odd offset of a larger buffer', () => {
    const bytes = serializeSafetensors(new Map([['w', { shape: [3], data: Float32Array.from([1, 2, 3]) }]]));
    assert.deepEqual([...parseSafetensors(bytes.slice().buffer, 'f').tensors.get('w')!.data], [1, 2, 3]);
    const big = new Uint8Array(bytes.length + 5);
    big.set(bytes, 3);
    assert.deepEqual([...parseSafetensors(big.subarray(3, 3 + bytes.length), 'f').tensors.get('w')!.data], [1, 2, 3]);
  });

  it('writes a tensor given as a view into a larger buffer, not the whole buffer', () => {
    const whole = Float32Array.from([9, 1, 2, 9]);
    const bytes = serializeSafetensors({ v: { shape: [2], data: whole.subarray(1, 3) } });
    assert.deepEqual([...parseSafetensors(bytes, 'f').tensors.get('v')!.data], [1, 2]);
  });

  it('reads data that starts at an unaligned byte offset', () => {
    // 1-byte-longer header, so the data section starts at an odd offset; the F32 tensor sits at data offset 2.
    const header = JSON.stringify({ h: ENTRY('F16', [1], 0, 2), f: ENTRY('F32', [2], 2, 10) }) + ' ';
    const data = new Uint8Array(10);
    data.set(u16Bytes([0x3c00]), 0);
    data.set(f32Bytes([1.5, -7.25]), 2);
    const { tensors } = parseSafetensors(build(header, data), 'f');
    assert.deepEqual([...tensors.get('f')!.data], [1.5, -7.25]);
    assert.deepEqual([...tensors.get('h')!.data], [1]);
  });

  it('refuses to serialize a data length that does not match the shape, or a reserved name', () => {
    assert.throws(() => serializeSafetensors({ w: { shape: [2, 3], data: new Float32Array(5) } }, undefined, 'out/m.safetensors'),
      (e: unknown) => e instanceof CheckpointError && /^out\/m\.safetensors: tensor "w": shape \[2, 3\] has 6 elements but data has 5$/.test(e.message));
    assert.throws(() => serializeSafetensors({ w: { shape: [-1], data: new Float32Array(1) } }), CheckpointError);
    assert.throws(() => serializeSafetensors({ w: { shape: [2], data: new Float64Array(2) as unknown as Float32Array } }),
      /data must be a Float32Array/);
    assert.throws(() => serializeSafetensors({ __metadata__: { shape: [1], data: new Float32Array(1) } }), /reserved/);
    assert.throws(() => serializeSafetensors({}, { n: 1 as unknown as string }), /__metadata__ key "n": expected a string/);
  });
});

describe('safetensors written by PyTorch (test/fixtures/reference)', () => {
  const cases = fs.readdirSync(REFERENCE).filter((d) => fs.existsSync(path.join(REFERENCE, d, 'config.json')));
  it('has reference cases', () => assert.ok(cases.length >= 5, `found ${cases.length}`));

  for (const name of cases) {
    it(`reads ${name}/*.safetensors with the shapes its config.json implies, and writes the same bytes back`, () => {
      const dir = path.join(REFERENCE, name);
      const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
      const files = fs.readdirSync(dir).filter((f) => f.endsWith('.safetensors'));
      assert.ok(files.includes('model.safetensors'));
      for (const f of files) {
        const file = path.join(dir, f);
        const { tensors, metadata } = readSafetensors(file);
        assert.deepEqual(metadata, {});
        const d = cfg.d_model as number;
        const expect: Record<string, number[]> =
          cfg.architecture === 'seq2seq'
            ? { 'src_embed.weight': [cfg.src_vocab_size, d], 'tgt_embed.weight': [cfg.tgt_vocab_size, d],
                'generator.weight': [cfg.tgt_vocab_size, d], 'generator.bias': [cfg.tgt_vocab_size] }
            : cfg.architecture === 'decoder_only'
              ? { 'embed.weight': [cfg.vocab_size, d], 'lm_head.weight': [cfg.vocab_size, d] }
              : { 'embed.weight': [cfg.vocab_size, d], 'classifier.weight': [cfg.num_classes, d] };
        if (cfg.positional === 'learned') {
          for (const t of tensors.keys()) if (/pos\.weight$/.test(t)) expect[t] = [cfg.max_len, d];
        }
        for (const [t, shape] of Object.entries(expect)) {
          assert.ok(tensors.has(t), `${file}: ${t} missing`);
          assert.deepEqual(tensors.get(t)!.shape, shape, `${file}: ${t}`);
        }
        for (const [t, { shape, data }] of tensors) {
          assert.equal(data.length, shape.reduce((a, b) => a * b, 1), t);
          assert.ok(data.every(Number.isFinite), `${t} finite`);
        }
        // Our writer mirrors the reference writer: sorted names, compact JSON, space padding to 8.
        assert.deepEqual(serializeSafetensors(tensors), new Uint8Array(fs.readFileSync(file)), `${file} bytes`);
      }
    });
  }
});

describe('a file written by Hugging Face\'s safetensors (test/fixtures/hf-safetensors)', () => {
  const dir = fileURLToPath(new URL('../../../test/fixtures/hf-safetensors/', import.meta.url));
  const expected: Record<string, { dtype: string; shape: number[]; f32: string[] }> =
    JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'));

  it('reads its F32, F16 and BF16 tensors, the empty one and the scalar, as PyTorch\'s .float() of them', () => {
    const dtypes = new Set(Object.values(expected).map((e) => e.dtype));
    assert.deepEqual([...dtypes].sort(), ['bfloat16', 'float16', 'float32']);
    const file = path.join(dir, 'mixed.safetensors');
    const { tensors, metadata } = readSafetensors(file);
    assert.deepEqual(metadata, { format: 'pt' });
    assert.deepEqual([...tensors.keys()].sort(), Object.keys(expected).sort());
    for (const [name, e] of Object.entries(expected)) {
      const t = tensors.get(name)!;
      assert.deepEqual(t.shape, e.shape, name);
      assert.deepEqual([...new Uint32Array(t.data.buffer)].map((b) => b.toString(16).padStart(8, '0')), e.f32, name);
    }
    const inMemory = parseSafetensors(fs.readFileSync(file), file).tensors; // the browser's path
    for (const [name, t] of tensors) assert.deepEqual(inMemory.get(name), t, name);
  });
});

describe('safetensors: malformed files are refused with a one-line CheckpointError', () => {
  const ok = { w: ENTRY('F32', [2], 0, 8) };
  const data8 = f32Bytes([1, 2]);

  it('sanity: the well-formed base case parses', () => {
    assert.deepEqual([...parseSafetensors(build(ok, data8), 'f').tensors.get('w')!.data], [1, 2]);
  });
  it('a file shorter than 8 bytes', () => assertRejects(new Uint8Array(5), /5 bytes, shorter than the 8-byte header length/));
  it('an empty file', () => assertRejects(new Uint8Array(0), /0 bytes/));
  it('a truncated file (data cut short)', () => assertRejects(build(ok, data8).subarray(0, 8 + JSON.stringify(ok).length + 5),
    /tensor "w"/, /data_offsets \[0, 8\] run past the end of the data section \(5 bytes\)/));
  it('a truncated file (header cut short)', () => assertRejects(build(ok, data8).subarray(0, 20),
    /header claims \d+ bytes but the file has only 12 after the length/));
  it('a header length past the end of the file', () => assertRejects(build(ok, data8, 1000n),
    /header claims 1000 bytes but the file has only \d+ after the length/));
  it('a header length beyond 2^53 is refused exactly', () => assertRejects(build(ok, data8, 0xffff_ffff_ffff_ffffn),
    /header claims 18446744073709551615 bytes/));
  it('a header that is not UTF-8', () => {
    const bytes = build('{"w":1}');
    bytes[10] = 0xff;
    assertRejects(bytes, /header \(7 bytes\) is not valid UTF-8/);
  });
  it('a header that is not JSON', () => {
    assertRejects(build('{"w": {"dtype": "F32",'), /header is not valid JSON/);
    assertRejects(build('{"w":\n\n oops' + ' '.repeat(500)), /header is not valid JSON/); // one line, however long
  });
  it('a header that is not an object', () => assertRejects(build('[1, 2]'), /header must be a JSON object.*found an array/));
  it('an entry that is not an object', () => assertRejects(build({ w: 5 }), /tensor "w": expected an object .* found the number 5/));
  it('an entry missing dtype', () => assertRejects(build({ w: { shape: [2], data_offsets: [0, 8] } }, data8), /tensor "w": missing "dtype"/));
  it('an entry missing shape', () => assertRejects(build({ w: { dtype: 'F32', data_offsets: [0, 8] } }, data8), /tensor "w": missing "shape"/));
  it('an entry missing data_offsets', () => assertRejects(build({ w: { dtype: 'F32', shape: [2] } }, data8), /tensor "w": missing "data_offsets"/));
  it('a dtype that is not a string', () => assertRejects(build({ w: { ...ENTRY('F32', [2], 0, 8), dtype: 4 } }, data8),
    /tensor "w": dtype must be a string, found the number 4/));
  it('an unsupported dtype (I64)', () => assertRejects(build({ w: ENTRY('I64', [1], 0, 8) }, data8),
    /^bad\/model\.safetensors: tensor "w" has dtype "I64"; only F32, F16, BF16, F64 and BOOL are supported$/));
  it('a dtype named like an Object.prototype property', () => assertRejects(build({ w: ENTRY('constructor', [1], 0, 8) }, data8),
    /has dtype "constructor"; only/));
  it('a shape that is not an array', () => assertRejects(build({ w: { ...ENTRY('F32', [2], 0, 8), shape: '2' } }, data8),
    /tensor "w": shape must be an array/));
  it('a negative shape entry', () => assertRejects(build({ w: ENTRY('F32', [-2], 0, 8) }, data8),
    /tensor "w": shape\[0\] must be a non-negative integer, found the number -2/));
  it('a fractional shape entry', () => assertRejects(build({ w: ENTRY('F32', [2, 0.5], 0, 8) }, data8), /shape\[1\] must be a non-negative integer/));
  it('a shape that does not match the byte length', () => assertRejects(build({ w: ENTRY('F32', [3], 0, 8) }, data8),
    /tensor "w": shape \[3\] of F32 needs 12 bytes but data_offsets \[0, 8\] hold 8/));
  it('a huge shape whose product is past 2^53', () => assertRejects(build({ w: ENTRY('F32', [2 ** 40, 2 ** 40], 0, 8) }, data8),
    /tensor "w": shape .* needs .* bytes but data_offsets \[0, 8\] hold 8/));
  it('data_offsets of the wrong form', () => {
    assertRejects(build({ w: { ...ENTRY('F32', [2], 0, 8), data_offsets: [0] } }, data8), /data_offsets must be \[begin, end\].*length 1/);
    assertRejects(build({ w: { ...ENTRY('F32', [2], 0, 8), data_offsets: [0, '8'] } }, data8), /data_offsets must be non-negative integers, found \[0,"8"\]/);
    assertRejects(build({ w: { ...ENTRY('F32', [2], 0, 8), data_offsets: [-4, 4] } }, data8), /data_offsets must be non-negative integers/);
  });
  it('data_offsets out of order', () => assertRejects(build({ w: ENTRY('F32', [0], 8, 0) }, data8),
    /tensor "w": data_offsets \[8, 0\] are out of order/));
  it('data_offsets past the end of the data section', () => assertRejects(build({ w: ENTRY('F32', [2], 4, 12) }, data8),
    /tensor "w": data_offsets \[4, 12\] run past the end of the data section \(8 bytes\)/));
  it('overlapping tensor ranges', () => assertRejects(build({ a: ENTRY('F32', [2], 0, 8), b: ENTRY('F32', [1], 4, 8) }, data8),
    /tensor "b": data_offsets \[4, 8\] should start at 8, where tensor "a" \[0, 8\] ends \(tensors must be packed without gaps or overlaps\)$/));
  it('two tensors on the very same range', () => assertRejects(build({ a: ENTRY('F32', [2], 0, 8), b: ENTRY('F32', [2], 0, 8) }, data8),
    /tensor "b": data_offsets \[0, 8\] should start at 8/));
  it('a gap between tensors, or before the first (the reference implementation refuses both)', () => {
    assertRejects(build({ a: ENTRY('F32', [1], 0, 4), b: ENTRY('F32', [1], 8, 12) }, f32Bytes([1, 2, 3])),
      /tensor "b": data_offsets \[8, 12\] should start at 4, where tensor "a" \[0, 4\] ends/);
    assertRejects(build({ a: ENTRY('F32', [1], 4, 8) }, data8), /tensor "a": data_offsets \[4, 8\] should start at 0, the start of the data section/);
  });
  it('bytes after the last tensor (a file padded, or a longer one written over)', () => assertRejects(
    build({ a: ENTRY('F32', [1], 0, 4) }, f32Bytes([1, 2, 3])),
    /the data section has 12 bytes but its tensors end at byte 4 \(8 bytes after the last one/));
  it('an empty tensor inside another one\'s range', () => assertRejects(
    build({ a: ENTRY('F32', [2], 0, 8), e: ENTRY('F32', [0], 4, 4) }, data8), /tensor "e": data_offsets \[4, 4\] should start at 8/));
  it('a tensor name given twice (JSON.parse would keep only the last)', () => {
    const e = JSON.stringify(ENTRY('F32', [1], 0, 4));
    assertRejects(build(`{"w":${e},"v":${JSON.stringify(ENTRY('F32', [1], 4, 8))},"w":${e}}`, data8),
      /tensor "w" appears more than once in the header/);
    // The same key spelled with an escape is the same key.
    assertRejects(build(`{"w":${e},"\\u0077":${JSON.stringify(ENTRY('F32', [1], 4, 8))}}`, data8), /tensor "w" appears more than once/);
  });
  it('a field given twice inside one entry', () => assertRejects(
    build('{"w":{"dtype":"F32","shape":[2],"shape":[1],"data_offsets":[0,8]}}', data8),
    /header entry "w" has the key "shape" more than once/));
  it('__metadata__ that is not strings', () => {
    assertRejects(build({ __metadata__: { epoch: 3 } }), /__metadata__ key "epoch": expected a string, found the number 3/);
    assertRejects(build({ __metadata__: ['x'] }), /__metadata__ must be an object of strings/);
  });
  it('a name with odd characters stays readable in the message', () => assertRejects(build({ 'a "b"\n': ENTRY('I8', [1], 0, 1) }, data8),
    /tensor "a \\"b\\"\\n" has dtype "I8"/));
});

describe('safetensors: accepted variations', () => {
  it('a header padded with spaces, __metadata__ null, tensors in the header in another order than in the data', () => {
    const header = JSON.stringify({ __metadata__: null, b: ENTRY('F32', [1], 4, 8), a: ENTRY('F32', [1], 0, 4) }) + '      ';
    const { tensors, metadata } = parseSafetensors(build(header, f32Bytes([9, 5])), 'f');
    assert.deepEqual([...tensors.keys()], ['b', 'a']);
    assert.deepEqual([...tensors.get('a')!.data], [9]);
    assert.deepEqual([...tensors.get('b')!.data], [5]);
    assert.deepEqual(metadata, {});
  });
  it('__proto__ as a tensor name or metadata key is an ordinary name', () => {
    const { tensors, metadata } = parseSafetensors(
      build('{"__metadata__":{"__proto__":"x"},"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', f32Bytes([3])), 'f');
    assert.deepEqual([...tensors.get('__proto__')!.data], [3]);
    assert.equal(Object.getOwnPropertyDescriptor(metadata, '__proto__')?.value, 'x');
    assert.equal(Object.getPrototypeOf(metadata), Object.prototype);
  });
  it('empty tensors where one ends and the next begins, and at the very end', () => {
    const header = { a: ENTRY('F32', [1], 0, 4), e: ENTRY('F32', [0], 4, 4), b: ENTRY('F32', [1], 4, 8), z: ENTRY('F16', [0, 2], 8, 8) };
    const { tensors } = parseSafetensors(build(header, f32Bytes([1, 2])), 'f');
    assert.deepEqual(tensors.get('e')!.shape, [0]);
    assert.deepEqual(tensors.get('z')!.shape, [0, 2]);
    assert.deepEqual([...tensors.get('b')!.data], [2]);
  });
});

describe('safetensors: F16, BF16 and F64 are converted to float32', () => {
  it('decodes F16 bit patterns to hand-computed values', () => {
    const cases: [number, number][] = [
      [0x3c00, 1], [0xc000, -2], [0x0000, 0], [0x8000, -0], [0x3555, 0.333251953125], [0x7bff, 65504],
      [0x0001, 2 ** -24] /* smallest subnormal */, [0x03ff, 1023 * 2 ** -24] /* largest subnormal */,
      [0x0400, 2 ** -14] /* smallest normal */,
    ];
    const header = { h: ENTRY('F16', [cases.length], 0, 2 * cases.length) };
    const { tensors } = parseSafetensors(build(header, u16Bytes(cases.map(([b]) => b))), 'f');
    assert.deepEqual([...tensors.get('h')!.data], cases.map(([, v]) => v));
  });

  it('decodes BF16 bit patterns to hand-computed values', () => {
    const cases: [number, number][] = [[0x3f80, 1], [0xc000, -2], [0x4049, 3.140625], [0x8000, -0], [0x0001, 2 ** -133], [0xff7f, -3.3895313892515355e38]];
    const { tensors } = parseSafetensors(build({ b: ENTRY('BF16', [2, 3], 0, 12) }, u16Bytes(cases.map(([b]) => b))), 'f');
    assert.deepEqual(tensors.get('b')!.shape, [2, 3]);
    assert.deepEqual([...tensors.get('b')!.data], cases.map(([, v]) => v));
  });

  it('decodes F64, rounding to float32', () => {
    const data = new Uint8Array(16);
    new DataView(data.buffer).setFloat64(0, 0.1, true);
    new DataView(data.buffer).setFloat64(8, -3, true);
    const { tensors } = parseSafetensors(build({ d: ENTRY('F64', [2], 0, 16) }, data), 'f');
    assert.deepEqual([...tensors.get('d')!.data], [Math.fround(0.1), -3]);
  });
});

describe('findDuplicateJsonKey', () => {
  it('tells keys from string values, and escaped quotes from ends of strings', () => {
    assert.equal(findDuplicateJsonKey('{"a":"a","b":["a","a"],"c":{"a":1,"d":"\\"a"}}'), undefined);
    assert.deepEqual(findDuplicateJsonKey('{"a":{"x":[{"y":1,"y":2}]}}'), { key: 'y', path: ['a', 'x', '[]'] });
    assert.deepEqual(findDuplicateJsonKey('{"a\\\\":1, "a\\\\" :2}'), { key: 'a\\', path: [] });
  });
});

describe('readSafetensors / writeSafetensors', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'safetensors-test-'));
  process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

  it('round-trips through a file, leaving no temporary file behind', () => {
    const file = path.join(tmp, 'model.safetensors');
    writeSafetensors(file, { w: { shape: [2], data: Float32Array.from([1, 2]) } }, { step: '7' });
    const { tensors, metadata } = readSafetensors(file);
    assert.deepEqual([...tensors.get('w')!.data], [1, 2]);
    assert.deepEqual(metadata, { step: '7' });
    assert.deepEqual(fs.readdirSync(tmp), ['model.safetensors']);
  });

  it('a missing file', () => {
    const file = path.join(tmp, 'nope', 'model.safetensors');
    assert.throws(() => readSafetensors(file), (e: unknown) => e instanceof CheckpointError && e.message === `${file}: file not found`);
  });

  it('a folder instead of a file', () => {
    assert.throws(() => readSafetensors(tmp), (e: unknown) => e instanceof CheckpointError && e.message.startsWith(`${tmp}: is a folder`));
  });

  it('a short file', () => {
    const file = path.join(tmp, 'short.safetensors');
    fs.writeFileSync(file, new Uint8Array(3));
    assert.throws(() => readSafetensors(file), (e: unknown) => e instanceof CheckpointError && e.message.startsWith(`${file}: not a safetensors file: 3 bytes`));
  });

  it('refuses a header length past the end after reading only the first 8 bytes', (t) => {
    const file = path.join(tmp, 'claims.safetensors');
    fs.writeFileSync(file, build({}, new Uint8Array(4096), 1n << 40n));
    let bytesRead = 0;
    const realRead = fs.readSync;
    t.mock.method(fs, 'readSync', (...args: Parameters<typeof fs.readSync>) => {
      const n = (realRead as (...a: unknown[]) => number)(...args);
      bytesRead += n;
      return n;
    });
    assert.throws(() => readSafetensors(file),
      (e: unknown) => e instanceof CheckpointError && e.message === `${file}: header claims 1099511627776 bytes but the file has only 4098 after the length`);
    assert.equal(bytesRead, 8);
  });

  it('reports an invalid tensor on write with the file name, and writes nothing', () => {
    const file = path.join(tmp, 'invalid.safetensors');
    assert.throws(() => writeSafetensors(file, { w: { shape: [4], data: new Float32Array(2) } }),
      (e: unknown) => e instanceof CheckpointError && e.message.startsWith(`${file}: tensor "w": shape [4] has 4 elements but data has 2`));
    assert.equal(fs.existsSync(file), false);
  });

  it('reports a missing output folder as a CheckpointError', () => {
    const file = path.join(tmp, 'no-such-dir', 'model.safetensors');
    assert.throws(() => writeSafetensors(file, {}), (e: unknown) => e instanceof CheckpointError && e.message.includes('folder does not exist'));
  });

  it('a failed save keeps the previous file whole', () => {
    const file = path.join(tmp, 'keep.safetensors');
    writeSafetensors(file, { w: { shape: [1], data: Float32Array.from([1]) } });
    const before = fs.readFileSync(file);
    const m = mock.method(fs, 'renameSync', () => {
      throw Object.assign(new Error('EIO: simulated'), { code: 'EIO' });
    });
    try {
      assert.throws(() => writeSafetensors(file, { w: { shape: [1], data: Float32Array.from([2]) } }),
        (e: unknown) => e instanceof CheckpointError && e.message.startsWith(`${file}: cannot write (EIO`));
    } finally {
      m.mock.restore();
    }
    assert.deepEqual(fs.readFileSync(file), before);
    assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.includes('keep')), ['keep.safetensors']);
  });
});

describe('safetensors: a checkpoint holds finite weights', () => {
  const RULE = 'a checkpoint must hold finite weights';
  it('refuses a NaN or ±inf stored in F32, F16 or BF16, naming the tensor and the first bad index', () => {
    assertRejects(build({ 'generator.weight': ENTRY('F32', [2, 3], 0, 24) }, f32Bytes([1, 2, 3, 4, NaN, NaN])),
      new RegExp(`^bad/model\\.safetensors: tensor "generator\\.weight" holds NaN at index 4; ${RULE}$`));
    assertRejects(build({ w: ENTRY('F32', [2], 0, 8) }, f32Bytes([Infinity, 0])), /tensor "w" holds Infinity at index 0;/);
    assertRejects(build({ h: ENTRY('F16', [3], 0, 6) }, u16Bytes([0x3c00, 0xfc00, 0x7e00])), /tensor "h" holds -Infinity at index 1;/);
    assertRejects(build({ h: ENTRY('F16', [2], 0, 4) }, u16Bytes([0x3c00, 0x7e00])), /tensor "h" holds NaN at index 1;/);
    assertRejects(build({ b: ENTRY('BF16', [2], 0, 4) }, u16Bytes([0x7f7f, 0x7f80])), /tensor "b" holds Infinity at index 1;/);
  });

  it('refuses an F64 value past the float32 range as an overflow, and an F64 NaN as a NaN', () => {
    const data = new Uint8Array(24);
    [0.5, 1e300, NaN].forEach((v, i) => new DataView(data.buffer).setFloat64(8 * i, v, true));
    assertRejects(build({ d: ENTRY('F64', [3], 0, 24) }, data), new RegExp(`tensor "d" holds 1e\\+300, which overflows float32, at index 1; ${RULE}$`));
    assertRejects(build({ e: ENTRY('F64', [2], 0, 16), d: ENTRY('F64', [1], 16, 24) }, data), /tensor "e" holds 1e\+300, which overflows float32, at index 1;/);
    assertRejects(build({ d: ENTRY('F64', [1], 16, 24), e: ENTRY('F64', [2], 0, 16) }, data), /tensor "d" holds NaN at index 0;/);
  });

  it('refuses to serialize a NaN or ±inf in any dtype', () => {
    for (const dtype of ['F32', 'F16', 'BF16'] as const) {
      assert.throws(() => serializeSafetensors({ w: { shape: [3], data: Float32Array.from([0, 1, NaN]) } }, undefined, { file: 'out/m.safetensors', dtype }),
        (e: unknown) => e instanceof CheckpointError && e.message === `out/m.safetensors: tensor "w" holds NaN at index 2; ${RULE}`);
      assert.throws(() => serializeSafetensors({ w: { shape: [1], data: Float32Array.from([-Infinity]) } }, undefined, { dtype }),
        { message: /^cannot write safetensors: tensor "w" holds -Infinity at index 0;/ });
    }
  });

  it('refuses to write as F16 a value that would round to inf (|x| ≥ 65520), and writes the largest below it as 65504', () => {
    const write = (x: number) => serializeSafetensors({ w: { shape: [2], data: Float32Array.from([1, x]) } }, undefined, { file: 'm', dtype: 'F16' });
    for (const x of [65520, -70000, 3e38]) {
      assert.throws(() => write(x), (e: unknown) => e instanceof CheckpointError &&
        e.message === `m: tensor "w" holds ${Math.fround(x)}, which overflows F16 (largest finite 65504), at index 1; ${RULE}`, String(x));
    }
    const below = Math.fround(65520 - 2 ** -8); // the float32 just below 65520 (its ulp there is 2^-8)
    assert.ok(below < 65520);
    assert.deepEqual([...parseSafetensors(write(below), 'f').tensors.get('w')!.data], [1, 65504]);
    assert.deepEqual([...parseSafetensors(write(-65519), 'f').tensors.get('w')!.data], [1, -65504]);
  });

  it('refuses to write as BF16 a value that would round to inf, and writes anything finite as F32', () => {
    const x = Math.fround(3.4e38); // above BF16's overflow tie 0x7f7f8000 (about 3.39615e38)
    assert.throws(() => serializeSafetensors({ w: { shape: [1], data: Float32Array.from([x]) } }, undefined, { dtype: 'BF16' }),
      (e: unknown) => e instanceof CheckpointError && e.message.endsWith(`holds ${x}, which overflows BF16 (largest finite 3.3895313892515355e+38), at index 0; ${RULE}`));
    const ok = serializeSafetensors({ w: { shape: [1], data: Float32Array.from([3.39e38]) } }, undefined, { dtype: 'BF16' });
    assert.equal(parseSafetensors(ok, 'f').tensors.get('w')!.data[0], 3.3895313892515355e38);
    assert.equal(parseSafetensors(serializeSafetensors({ w: { shape: [1], data: Float32Array.from([x]) } }), 'f').tensors.get('w')!.data[0], x);
  });

  it('refuses a dtype it cannot write', () => {
    assert.throws(() => serializeSafetensors({}, undefined, { dtype: 'F64' as 'F32' }), { message: 'cannot write safetensors: cannot write dtype "F64"; expected F32, F16 or BF16' });
  });
});

describe('readSafetensors / writeSafetensors in pieces', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'safetensors-pieces-'));
  process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
  const RULE = 'a checkpoint must hold finite weights';

  /** Every dtype, odd lengths, an empty tensor, and data that starts at an offset no piece boundary lines up with. */
  function mixedFile(): Uint8Array {
    const f64 = new Uint8Array(24);
    [0.1, -3, 7e-40].forEach((v, i) => new DataView(f64.buffer).setFloat64(8 * i, v, true));
    const parts: [string, string, number[], Uint8Array][] = [
      ['a', 'F32', [7], f32Bytes([1, -2, 3.5, 4, 5e-39, 6, -7])],
      ['b', 'F16', [3, 3], u16Bytes([0x3c00, 0xc000, 0x0001, 0x03ff, 0x0400, 0x7bff, 0x3555, 0x8000, 0x1234])],
      ['c', 'BF16', [5], u16Bytes([0x3f80, 0xc000, 0x4049, 0x0001, 0xff7f])],
      ['d', 'F64', [3], f64],
      ['e', 'F32', [0], new Uint8Array(0)],
      ['f', 'F32', [1], f32Bytes([9])],
    ];
    const header: Record<string, object> = {};
    let at = 0;
    for (const [name, dtype, shape, bytes] of parts) {
      header[name] = ENTRY(dtype, shape, at, at + bytes.length);
      at += bytes.length;
    }
    const data = new Uint8Array(at);
    at = 0;
    for (const [, , , bytes] of parts) {
      data.set(bytes, at);
      at += bytes.length;
    }
    return build(JSON.stringify(header) + '   ', data); // 3 spaces: the data section starts at an odd offset
  }

  it('reads every dtype in pieces of any size to the same tensors as the in-memory parser, each read bounded', (t) => {
    const file = path.join(tmp, 'mixed.safetensors');
    fs.writeFileSync(file, mixedFile());
    const expected = parseSafetensors(mixedFile(), 'f').tensors;
    const realRead = fs.readSync as (...a: unknown[]) => number;
    for (const chunkBytes of [8, 16, 24, 1000, undefined]) {
      const lengths: number[] = [];
      const m = t.mock.method(fs, 'readSync', (...args: unknown[]) => {
        lengths.push(args[3] as number);
        return realRead(...args);
      });
      const { tensors } = readSafetensors(file, { chunkBytes });
      m.mock.restore();
      assert.deepEqual([...tensors.keys()], [...expected.keys()]);
      for (const [name, want] of expected) {
        assert.deepEqual(tensors.get(name)!.shape, want.shape, name);
        assert.deepEqual([...tensors.get(name)!.data], [...want.data], `${name}, pieces of ${chunkBytes}`);
      }
      if (chunkBytes !== undefined) {
        const header = lengths.slice(0, 2); // the length, then the header
        assert.ok(lengths.slice(2).every((n) => n <= chunkBytes), `${chunkBytes}: ${lengths.slice(2)} (after ${header})`);
      }
    }
    // Hand-computed values, so that the comparison above is not one of two identical mistakes.
    const back = readSafetensors(file, { chunkBytes: 8 }).tensors;
    assert.deepEqual([...back.get('b')!.data], [1, -2, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, 65504, 0.333251953125, -0, (1 + 0x234 / 1024) * 2 ** (4 - 15)]);
    assert.deepEqual([...back.get('c')!.data], [1, -2, 3.140625, 2 ** -133, -3.3895313892515355e38]);
    assert.deepEqual([...back.get('d')!.data], [Math.fround(0.1), -3, Math.fround(7e-40)]);
    assert.deepEqual([...back.get('a')!.data], [1, -2, 3.5, 4, Math.fround(5e-39), 6, -7]);
  });

  it('reads F32 straight into the tensor\'s own memory, a piece at a time', (t) => {
    const file = path.join(tmp, 'direct.safetensors');
    const data = Float32Array.from({ length: 100 }, (_, i) => i - 50);
    writeSafetensors(file, { w: { shape: [10, 10], data } });
    const targets: ArrayBufferLike[] = [];
    const realRead = fs.readSync as (...a: unknown[]) => number;
    t.mock.method(fs, 'readSync', (...args: unknown[]) => {
      targets.push((args[1] as Uint8Array).buffer);
      return realRead(...args);
    });
    const w = readSafetensors(file, { chunkBytes: 64 }).tensors.get('w')!;
    assert.deepEqual([...w.data], [...data]);
    const dataReads = targets.slice(2);
    assert.equal(dataReads.length, Math.ceil(400 / 64));
    assert.ok(dataReads.every((b) => b === w.data.buffer), 'every data read lands in the returned array');
  });

  it('writes every dtype in pieces of any size, byte for byte as the in-memory serializer, each write bounded', (t) => {
    const tensors = parseSafetensors(mixedFile(), 'f').tensors;
    tensors.set('c', { shape: [5], data: Float32Array.from([1, -2, 3.140625, 2 ** -133, -1e4]) }); // within F16's range
    const realWrite = fs.writeSync as (...a: unknown[]) => number;
    for (const dtype of ['F32', 'F16', 'BF16'] as const) {
      const expected = serializeSafetensors(tensors, { k: 'v' }, { dtype });
      for (const chunkBytes of [8, 16, 1000, undefined]) {
        const file = path.join(tmp, `out-${dtype}-${chunkBytes}.safetensors`);
        const lengths: number[] = [];
        const m = t.mock.method(fs, 'writeSync', (...args: unknown[]) => {
          lengths.push(args[3] as number);
          return realWrite(...args);
        });
        writeSafetensors(file, tensors, { k: 'v' }, { dtype, chunkBytes });
        m.mock.restore();
        assert.deepEqual(new Uint8Array(fs.readFileSync(file)), expected, `${dtype}, pieces of ${chunkBytes}`);
        const data = lengths.slice(1); // after the header
        if (chunkBytes !== undefined) assert.ok(data.every((n) => n <= chunkBytes), `${dtype}, ${chunkBytes}: ${data}`);
      }
    }
  });

  it('refuses a piece size that is not an integer of at least 8 bytes', () => {
    const file = path.join(tmp, 'opt.safetensors');
    writeSafetensors(file, { w: { shape: [1], data: Float32Array.from([1]) } });
    for (const chunkBytes of [0, 4, 7.5, NaN, -8]) {
      assert.throws(() => readSafetensors(file, { chunkBytes }), { name: 'OptionError', message: `chunkBytes must be an integer of at least 8, found ${chunkBytes}` });
      assert.throws(() => writeSafetensors(file, {}, undefined, { chunkBytes }), { name: 'OptionError' });
    }
  });

  it('an F16 file is half the size of the F32 one and reads back rounded to F16', () => {
    const data = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 10);
    const f32 = path.join(tmp, 'w32.safetensors');
    const f16 = path.join(tmp, 'w16.safetensors');
    writeSafetensors(f32, { w: { shape: [1000], data } });
    writeSafetensors(f16, { w: { shape: [1000], data } }, undefined, { dtype: 'F16' });
    const headerOf = (f: string) => Number(fs.readFileSync(f).readBigUInt64LE(0));
    assert.equal(fs.statSync(f16).size - 8 - headerOf(f16), 2000);
    assert.equal(fs.statSync(f32).size - 8 - headerOf(f32), 4000);
    const back = readSafetensors(f16).tensors.get('w')!.data;
    // 10·sin(i) lies in [-10, 10], where F16's spacing is at most 2^-7: each value within half of that.
    for (let i = 0; i < 1000; i++) assert.ok(Math.abs(back[i]! - data[i]!) <= 2 ** -8, `${i}: ${back[i]} vs ${data[i]}`);
    assert.ok(back.some((v, i) => v !== data[i]), 'rounded, not stored exactly');
  });

  it('refuses a NaN on reading, with the file, the tensor and its index in the whole tensor (not in the piece)', () => {
    const file = path.join(tmp, 'nan.safetensors');
    const values = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    values[6] = NaN;
    fs.writeFileSync(file, build({ 'generator.weight': ENTRY('F32', [10], 0, 40) }, f32Bytes(values)));
    assert.throws(() => readSafetensors(file, { chunkBytes: 16 }),
      { name: 'CheckpointError', message: `${file}: tensor "generator.weight" holds NaN at index 6; ${RULE}` });
    fs.writeFileSync(file, build({ h: ENTRY('F16', [10], 0, 20) }, u16Bytes([0, 0, 0, 0, 0, 0, 0, 0, 0x7c00, 0])));
    assert.throws(() => readSafetensors(file, { chunkBytes: 8 }), { message: `${file}: tensor "h" holds Infinity at index 8; ${RULE}` });
  });

  it('refuses to write a NaN before anything is written, keeping the previous file', (t) => {
    const file = path.join(tmp, 'keep-nan.safetensors');
    writeSafetensors(file, { w: { shape: [2], data: Float32Array.from([1, 2]) } });
    const before = fs.readFileSync(file);
    const opened = t.mock.method(fs, 'openSync');
    assert.throws(() => writeSafetensors(file, { a: { shape: [1], data: Float32Array.from([1]) }, w: { shape: [2], data: Float32Array.from([1, NaN]) } }),
      { name: 'CheckpointError', message: `${file}: tensor "w" holds NaN at index 1; ${RULE}` });
    assert.throws(() => writeSafetensors(file, { w: { shape: [1], data: Float32Array.from([1e5]) } }, undefined, { dtype: 'F16' }),
      { message: `${file}: tensor "w" holds 100000, which overflows F16 (largest finite 65504), at index 0; ${RULE}` });
    assert.equal(opened.mock.callCount(), 0, 'no temporary file was even opened');
    assert.deepEqual(fs.readFileSync(file), before);
  });

  it('refuses a header that claims more data than the file holds, having read only the header', (t) => {
    const file = path.join(tmp, 'claims-8gib.safetensors');
    const header = JSON.stringify({ big: ENTRY('F32', [2 ** 31], 0, 2 ** 33), small: ENTRY('F32', [4], 2 ** 33, 2 ** 33 + 16) });
    fs.writeFileSync(file, build(header, f32Bytes([1, 2, 3, 4])));
    let bytesRead = 0;
    const realRead = fs.readSync as (...a: unknown[]) => number;
    t.mock.method(fs, 'readSync', (...args: unknown[]) => {
      const n = realRead(...args);
      bytesRead += n;
      return n;
    });
    // Had it allocated the 8 GiB tensor first, this would be a RangeError or an out-of-memory crash, not this line.
    assert.throws(() => readSafetensors(file),
      { name: 'CheckpointError', message: `${file}: tensor "big": data_offsets [0, 8589934592] run past the end of the data section (16 bytes)` });
    assert.equal(bytesRead, 8 + header.length);
  });

  it('refuses a file cut short inside a tensor, and one with bytes after its last tensor', () => {
    const file = path.join(tmp, 'cut.safetensors');
    const whole = serializeSafetensors({ a: { shape: [4], data: Float32Array.from([1, 2, 3, 4]) }, b: { shape: [2], data: Float32Array.from([5, 6]) } });
    fs.writeFileSync(file, whole.subarray(0, whole.length - 1));
    assert.throws(() => readSafetensors(file), { message: /^.*cut\.safetensors: tensor "b": data_offsets \[16, 24\] run past the end of the data section \(23 bytes\)$/ });
    fs.writeFileSync(file, Buffer.concat([whole, new Uint8Array(4)]));
    assert.throws(() => readSafetensors(file), { message: /the data section has 28 bytes but its tensors end at byte 24 \(4 bytes after the last one/ });
  });

  it('refuses a header longer than 100 MB having read only its length', (t) => {
    const file = path.join(tmp, 'huge-header.safetensors');
    const fd = fs.openSync(file, 'w');
    const length = new Uint8Array(8);
    new DataView(length.buffer).setBigUint64(0, 100_000_001n, true);
    fs.writeSync(fd, length);
    fs.ftruncateSync(fd, 8 + 100_000_001); // sparse: no disk, no memory
    fs.closeSync(fd);
    let bytesRead = 0;
    const realRead = fs.readSync as (...a: unknown[]) => number;
    t.mock.method(fs, 'readSync', (...args: unknown[]) => {
      const n = realRead(...args);
      bytesRead += n;
      return n;
    });
    assert.throws(() => readSafetensors(file),
      { message: `${file}: header claims 100000001 bytes, more than the 100000000 a safetensors header may have` });
    assert.equal(bytesRead, 8);
  });
});
