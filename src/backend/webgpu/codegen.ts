/**
 * WGSL from a kernel's spec. Kernels name logical buffers (x, out, ...) and read and write them only through
 * generated accessors (x_f(i), out_setf(i, v), x_f4(i), ...), which lets one kernel run with its outputs aliasing
 * its inputs: WebGPU refuses a dispatch that binds one buffer twice when either binding is writable, so the
 * logical buffers that share a GPU buffer share one binding, declared read_write if any of them is written.
 * Every binding is an array of u32 (or vec4<u32> for 16-byte loads and stores) and the accessors bitcast, so f32,
 * i32 and u32 tensors may share a buffer, and copies move bits without a float round trip. The 4-wide accessors
 * (x_u4, x_f4, out_setu4, out_setf4) work on either kind of binding: on a u32 one they move four words.
 */

export type ParamType = "u32" | "i32" | "f32";

export interface BufferSpec {
  name: string;
  /** The kernel stores into it. */
  write?: boolean;
}

export interface KernelSpec {
  name: string;
  buffers: readonly BufferSpec[];
  /**
   * The dispatch's scalars, a uniform struct P with these fields in this order; then, for each buffer x, a field
   * x_o with its tensor's offset, which the accessors add (kernels index from the tensor's start).
   */
  params: ReadonlyArray<readonly [string, ParamType]>;
  workgroupSize: readonly [number, number?];
  /** Module-scope WGSL: constants, workgroup variables, helper functions. */
  decls?: string;
  /**
   * The entry point's statements. In scope: gid, lid, wid, nwg (vec3<u32>), li (local_invocation_index) and
   * wg (the workgroup's flat index over a 2-D grid, grid2d's layout).
   */
  main: string;
}

/** How a dispatch binds a kernel's logical buffers: group[i] is the binding of buffer i; vec4 per binding. */
export interface BindingPlan {
  group: number[];
  vec4: boolean[];
}

export function generateWgsl(spec: KernelSpec, plan: BindingPlan): string {
  const lines: string[] = [];
  const fields = [...spec.params.map(([n, t]) => `${n}: ${t}`), ...spec.buffers.map((b) => `${b.name}_o: u32`)].join(", ");
  lines.push(`struct Params { ${fields} }`, "@group(0) @binding(0) var<uniform> P: Params;");
  const groups = Math.max(-1, ...plan.group) + 1;
  for (let g = 0; g < groups; g++) {
    const members = spec.buffers.filter((_, i) => plan.group[i] === g);
    const write = members.some((b) => b.write);
    const elem = plan.vec4[g] ? "vec4<u32>" : "u32";
    lines.push(`@group(0) @binding(${g + 1}) var<storage, ${write ? "read_write" : "read"}> g${g}: array<${elem}>;`);
  }
  spec.buffers.forEach((b, i) => {
    const g = plan.group[i];
    const v = `g${g}`;
    const at = `P.${b.name}_o + i`;
    if (plan.vec4[g]) {
      // the runtime picks vec4 only when every tensor on this binding starts at a multiple of 4 elements; the
      // 4-wide accessors are then called only at indices that are multiples of 4
      lines.push(`fn ${b.name}_u(i: u32) -> u32 { let a = ${at}; return ${v}[a >> 2u][a & 3u]; }`);
      lines.push(`fn ${b.name}_u4(i: u32) -> vec4<u32> { return ${v}[(${at}) >> 2u]; }`);
      if (b.write) {
        lines.push(`fn ${b.name}_setu(i: u32, x: u32) { let a = ${at}; ${v}[a >> 2u][a & 3u] = x; }`);
        lines.push(`fn ${b.name}_setu4(i: u32, x: vec4<u32>) { ${v}[(${at}) >> 2u] = x; }`);
      }
    } else {
      lines.push(`fn ${b.name}_u(i: u32) -> u32 { return ${v}[${at}]; }`);
      lines.push(`fn ${b.name}_u4(i: u32) -> vec4<u32> { let a = ${at}; return vec4<u32>(${v}[a], ${v}[a + 1u], ${v}[a + 2u], ${v}[a + 3u]); }`);
      if (b.write) {
        lines.push(`fn ${b.name}_setu(i: u32, x: u32) { ${v}[${at}] = x; }`);
        lines.push(`fn ${b.name}_setu4(i: u32, x: vec4<u32>) { let a = ${at}; ${v}[a] = x.x; ${v}[a + 1u] = x.y; ${v}[a + 2u] = x.z; ${v}[a + 3u] = x.w; }`);
      }
    }
    lines.push(`fn ${b.name}_f4(i: u32) -> vec4<f32> { return bitcast<vec4<f32>>(${b.name}_u4(i)); }`);
    if (b.write) lines.push(`fn ${b.name}_setf4(i: u32, x: vec4<f32>) { ${b.name}_setu4(i, bitcast<vec4<u32>>(x)); }`);
    lines.push(`fn ${b.name}_f(i: u32) -> f32 { return bitcast<f32>(${b.name}_u(i)); }`);
    lines.push(`fn ${b.name}_i(i: u32) -> i32 { return bitcast<i32>(${b.name}_u(i)); }`);
    if (b.write) {
      lines.push(`fn ${b.name}_setf(i: u32, x: f32) { ${b.name}_setu(i, bitcast<u32>(x)); }`);
      lines.push(`fn ${b.name}_seti(i: u32, x: i32) { ${b.name}_setu(i, bitcast<u32>(x)); }`);
    }
  });
  if (spec.decls) lines.push(spec.decls);
  const [x, y = 1] = spec.workgroupSize;
  lines.push(
    `@compute @workgroup_size(${x}, ${y})`,
    "fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,",
    "        @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,",
    "        @builtin(local_invocation_index) li: u32) {",
    "  let wg = wid.y * nwg.x + wid.x;",
    spec.main,
    "}",
  );
  return lines.join("\n");
}
