/**
 * The default backend's GPU step: WebGPU only on a hardware adapter. Which Vulkan drivers a Linux machine lists
 * (read from manifests laid out here, as the Vulkan loader would find them); the adapter test itself against
 * adapters described by hand; and the CLI on a machine whose only driver pretends to be hardware but is
 * SwiftShader (a manifest under another name), which must end on the CPU without a word.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { hardwareGpuPossible, vulkanDrivers } from "../../src/backend/webgpu/drivers.js";
import { requestWebGpuDevice } from "../../src/backend/webgpu/device.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const CLI = path.join(ROOT, "dist/src/cli/main.js");
const SWIFTSHADER_LIB = "/usr/lib/chromium/libvk_swiftshader.so";

const dir = mkdtempSync(path.join(tmpdir(), "vk-drivers-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function manifest(folder: string, name: string, library: string): string {
  mkdirSync(folder, { recursive: true });
  const file = path.join(folder, name);
  writeFileSync(file, JSON.stringify({ file_format_version: "1.0.0", ICD: { library_path: library, api_version: "1.3.0" } }));
  return file;
}

/** An environment that points every search place of the loader into `root` (HOME, XDG folders), none set by the host. */
function isolated(root: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    HOME: path.join(root, "home"),
    XDG_CONFIG_DIRS: path.join(root, "xdg-config"),
    XDG_DATA_DIRS: path.join(root, "xdg-data"),
    ...extra,
  };
}

test("VK_ICD_FILENAMES naming only SwiftShader: no hardware adapter is possible", () => {
  const ss = manifest(path.join(dir, "a"), "vk_swiftshader_icd.json", "./libvk_swiftshader.so");
  const env = isolated(path.join(dir, "a"), { VK_ICD_FILENAMES: ss });
  assert.deepEqual(vulkanDrivers(env), [{ manifest: ss, library: "./libvk_swiftshader.so", software: true }]);
  assert.equal(hardwareGpuPossible(env, "linux"), false);
});

test("VK_DRIVER_FILES wins over VK_ICD_FILENAMES; a folder lists its manifests in name order; a CPU library under a hardware-sounding name is software", () => {
  const folder = path.join(dir, "b");
  const lvp = manifest(folder, "lvp_icd.x86_64.json", "/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so");
  const nv = manifest(folder, "nvidia_icd.json", "libGLX_nvidia.so.0");
  const disguised = manifest(path.join(dir, "b2"), "gpu.json", "/opt/libvk_swiftshader.so");
  const env = isolated(folder, { VK_DRIVER_FILES: `${folder}:${disguised}`, VK_ICD_FILENAMES: "/nonexistent.json" });
  assert.deepEqual(vulkanDrivers(env).map((d) => [d.manifest, d.software]), [[lvp, true], [nv, false], [disguised, true]]);
  assert.equal(hardwareGpuPossible(env, "linux"), true);
  const cpuOnly = isolated(folder, { VK_DRIVER_FILES: `${lvp}:${disguised}` });
  assert.equal(hardwareGpuPossible(cpuOnly, "linux"), false);
});

test("without the variables the loader's folders are read, VK_ADD_DRIVER_FILES added; names that are no file are skipped", () => {
  const root = path.join(dir, "c");
  const inHome = manifest(path.join(root, "home/.local/share/vulkan/icd.d"), "radeon_icd.x86_64.json", "libvulkan_radeon.so");
  const inData = manifest(path.join(root, "xdg-data/vulkan/icd.d"), "intel_icd.x86_64.json", "libvulkan_intel.so");
  const added = manifest(path.join(root, "extra"), "mine.json", "libmine.so");
  const found = vulkanDrivers(isolated(root, { VK_ADD_DRIVER_FILES: `${added}:${path.join(root, "missing.json")}` })).map((d) => d.manifest);
  // /etc/vulkan/icd.d is the host's own: only the order of ours is checked
  const ours = found.filter((m) => m.startsWith(root));
  assert.deepEqual(ours, [inHome, inData, added]);
  assert.equal(hardwareGpuPossible(isolated(root), "linux"), true);
  assert.equal(hardwareGpuPossible(isolated(path.join(dir, "empty"), { VK_DRIVER_FILES: path.join(dir, "none.json") }), "linux"), false);
  assert.equal(hardwareGpuPossible({ VK_DRIVER_FILES: path.join(dir, "none.json") }, "darwin"), true, "Metal and D3D12 have no manifests: Dawn is asked");
});

/** A GPU object with one adapter of the given names, whose device is a token (nothing is run on it). */
function fakeGpu(info: Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean }): GPU {
  const limits = { maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 1 << 30, maxStorageBuffersPerShaderStage: 10 };
  const adapter = {
    info: { vendor: "", architecture: "", device: "", description: "", ...info },
    limits,
    requestDevice: async () => ({ token: "device" }),
  };
  return { requestAdapter: async () => adapter } as unknown as GPU;
}

test("hardwareOnly takes a hardware adapter and refuses software ones, by isFallbackAdapter or by name", async () => {
  const nvidia = await requestWebGpuDevice({ gpu: fakeGpu({ vendor: "nvidia", architecture: "hopper", description: "NVIDIA H200" }), hardwareOnly: true });
  assert.equal(nvidia?.adapter.description, "NVIDIA H200");
  assert.equal(nvidia?.adapter.software, false);
  for (const info of [{ vendor: "google", architecture: "swiftshader" }, { vendor: "mesa", description: "llvmpipe (LLVM 15.0.6, 256 bits)" }, { vendor: "x", isFallbackAdapter: true }]) {
    assert.equal(await requestWebGpuDevice({ gpu: fakeGpu(info), hardwareOnly: true }), null, JSON.stringify(info));
    // asked for by name (TRANSFORMER_BACKEND=webgpu), a software adapter is taken
    assert.equal((await requestWebGpuDevice({ gpu: fakeGpu(info) }))?.adapter.software, true);
  }
});

const hasDawn = (() => {
  try {
    import.meta.resolve("webgpu");
    return existsSync(SWIFTSHADER_LIB);
  } catch {
    return false;
  }
})();
const noDawn = hasDawn ? false : "needs the webgpu package and Debian's chromium (SwiftShader)";
if (process.env.CI && noDawn) throw new Error(`default backend test: CI=true and it ${noDawn}`);

test("the CLI's default on SwiftShader dressed as a hardware driver: Dawn is asked, the software adapter passed over, the CPU chosen silently", { skip: noDawn }, () => {
  const folder = path.join(dir, "d");
  mkdirSync(folder, { recursive: true });
  symlinkSync(SWIFTSHADER_LIB, path.join(folder, "libvulkan_acme.so"));
  const nv = manifest(folder, "acme_icd.json", path.join(folder, "libvulkan_acme.so"));
  const env: NodeJS.ProcessEnv = { ...process.env, VK_ICD_FILENAMES: nv };
  delete env.VK_DRIVER_FILES;
  delete env.TRANSFORMER_BACKEND;
  delete env.TRANSFORMER_THREADS;
  assert.equal(hardwareGpuPossible(env, "linux"), true);
  const r = spawnSync(process.execPath, [CLI, "conformance", path.join(ROOT, "test/fixtures/reference/encoder_only_classifier")], { env, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout.split("\n")[0]!, /^backend: (native|wasm)\b/);
  assert.equal(r.stderr, "");
});

test("TRANSFORMER_BACKEND=webgpu where Vulkan has no driver: one line, exit 1, no stack trace", { skip: hasDawn ? false : "needs the webgpu package" }, () => {
  const env: NodeJS.ProcessEnv = { ...process.env, VK_ICD_FILENAMES: path.join(dir, "no-such-driver.json"), TRANSFORMER_BACKEND: "webgpu" };
  delete env.VK_DRIVER_FILES;
  const r = spawnSync(process.execPath, [CLI, "conformance", path.join(ROOT, "test/fixtures/reference/encoder_only_classifier")], { env, encoding: "utf8" });
  assert.equal(r.status, 1);
  assert.equal(r.stdout, "");
  // Dawn prints its own warnings first (the Vulkan loader's findings); ours is the last line, and the only one of ours
  const ours = r.stderr.split("\n").filter((l) => l.startsWith("transformer:"));
  assert.deepEqual(ours, ["transformer: webgpu backend: no WebGPU adapter here (no GPU, or no Vulkan/Metal/D3D driver for one)"]);
  assert.doesNotMatch(r.stderr, /internal error|\.js:\d+/);
});
