#!/usr/bin/env node
// Builds the native backend's addon (binding.gyp → build/Release/transformer_native.node) with the node-gyp that
// ships with npm. Run by `npm install` (the "install" script): it NEVER fails the install — it prints one line,
// built or not built and why, and exits 0. Without the addon the native backend is simply unavailable and the
// default backend selection falls back to wasm (then js). An addon newer than all its sources that loads is kept:
// npm runs this script again at every `npm install` and at the first `npx transformer` in this folder (npx links
// the folder into its cache and runs its install scripts there), and a rebuild costs half a minute of compiling.
//
//   node scripts/build-native.mjs [--verbose]     TRANSFORMER_SKIP_NATIVE=1 skips the build
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "build", "Release", "transformer_native.node");
const verbose = process.argv.includes("--verbose");

function say(line) {
  console.log(`transformer: native backend ${line}`);
  process.exit(0);
}

/** The newest modification time of the addon's sources: binding.gyp, native/, the shared kernels/*.c|h, this script. */
function newestSource() {
  const files = [join(root, "binding.gyp"), fileURLToPath(import.meta.url)];
  for (const e of readdirSync(join(root, "native"), { recursive: true, withFileTypes: true })) {
    if (e.isFile()) files.push(join(e.parentPath ?? e.path, e.name));
  }
  for (const name of readdirSync(join(root, "kernels"))) if (/\.[ch]$/.test(name)) files.push(join(root, "kernels", name));
  return Math.max(...files.map((f) => statSync(f).mtimeMs));
}

function loads() {
  try {
    createRequire(import.meta.url)(out);
    return true;
  } catch {
    return false;
  }
}

function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  // npm's own copy: next to the npm that runs us, or next to the node binary
  if (process.env.npm_execpath) {
    candidates.push(join(dirname(process.env.npm_execpath), "..", "node_modules", "node-gyp", "bin", "node-gyp.js"));
  }
  const prefix = dirname(dirname(process.execPath));
  candidates.push(join(prefix, "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"));
  candidates.push(join(dirname(process.execPath), "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"));
  try {
    candidates.push(createRequire(import.meta.url).resolve("node-gyp/bin/node-gyp.js"));
  } catch {
    // not installed as a package
  }
  return candidates.find((p) => existsSync(p));
}

try {
  if (process.env.TRANSFORMER_SKIP_NATIVE) say("not built: TRANSFORMER_SKIP_NATIVE is set");
  if (process.arch !== "x64") say(`not built: needs x86-64 with AVX2/FMA (this is ${process.arch})`);
  if (existsSync(out) && statSync(out).mtimeMs > newestSource() && loads()) say(`up to date: ${out}`);
  const gyp = findNodeGyp();
  if (!gyp) say("not built: node-gyp not found (it ships with npm)");
  // Node's headers: those installed beside the node binary (Debian's /usr/include/node, an official tarball's
  // include/node) keep the build offline; otherwise node-gyp downloads them.
  const prefix = dirname(dirname(process.execPath));
  const args = [gyp, "rebuild"];
  if (existsSync(join(prefix, "include", "node", "node_api.h"))) args.push(`--nodedir=${prefix}`);
  const run = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", stdio: verbose ? "inherit" : "pipe" });
  if (run.error) say(`not built: ${run.error.message}`);
  if (run.status !== 0 || !existsSync(out)) {
    const log = `${run.stdout ?? ""}\n${run.stderr ?? ""}`;
    const why = log.split("\n").find((l) => /error|not found|No such file|command not found/i.test(l) && !/^gyp info/.test(l));
    say(`not built (falls back to wasm): ${(why ?? `node-gyp exited with ${run.status}`).trim().slice(0, 200)}`);
  }
  // it must also load here (the CPU needs AVX2/FMA)
  try {
    createRequire(import.meta.url)(out);
  } catch (e) {
    say(`built but does not load here (falls back to wasm): ${e.message.split("\n")[0]}`);
  }
  say(`built: ${out}`);
} catch (e) {
  say(`not built: ${e?.message ?? e}`);
}
