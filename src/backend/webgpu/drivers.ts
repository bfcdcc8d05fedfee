import { readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";

/**
 * Whether asking Dawn for a hardware adapter is worth a GPU worker, decided without loading Dawn: the default
 * backend choice asks on every command, and on a machine with no Vulkan driver Dawn prints its own warnings to
 * stderr ("vkCreateInstance: Found no drivers!") however it is called. On Linux the answer is in the Vulkan
 * loader's driver manifests: if every one names a CPU implementation (SwiftShader, lavapipe) or there are none,
 * no hardware adapter can come back. Elsewhere (Metal, D3D12) Dawn does not go through manifests, so it is asked.
 */

export interface VulkanDriver {
  /** The manifest file. */
  manifest: string;
  /** Its ICD.library_path as written (relative paths are relative to the manifest), or "" if unreadable. */
  library: string;
  /** A CPU implementation by its file or library name. */
  software: boolean;
}

const SOFTWARE = /swiftshader|lvp|lavapipe|llvmpipe/i;

/**
 * The manifests the Vulkan loader would read on Linux, in its order (docs/LoaderDriverInterface.md): only those
 * that VK_DRIVER_FILES (or the older VK_ICD_FILENAMES) lists, files or folders, when set; else the icd.d folders
 * under XDG_CONFIG_HOME, XDG_CONFIG_DIRS, /etc, XDG_DATA_HOME and XDG_DATA_DIRS; plus VK_ADD_DRIVER_FILES.
 */
export function vulkanDrivers(env: NodeJS.ProcessEnv = process.env): VulkanDriver[] {
  const list = (v: string | undefined) => (v ?? "").split(":").filter((s) => s.length > 0);
  const only = list(env.VK_DRIVER_FILES || env.VK_ICD_FILENAMES);
  let places: string[];
  if (only.length > 0) {
    places = only;
  } else {
    const home = env.HOME || homedir();
    const configDirs = list(env.XDG_CONFIG_DIRS).length ? list(env.XDG_CONFIG_DIRS) : ["/etc/xdg"];
    const dataDirs = list(env.XDG_DATA_DIRS).length ? list(env.XDG_DATA_DIRS) : ["/usr/local/share", "/usr/share"];
    places = [
      env.XDG_CONFIG_HOME || join(home, ".config"),
      ...configDirs,
      "/etc",
      env.XDG_DATA_HOME || join(home, ".local/share"),
      ...dataDirs,
    ].map((d) => join(d, "vulkan/icd.d"));
  }
  places.push(...list(env.VK_ADD_DRIVER_FILES));
  const drivers: VulkanDriver[] = [];
  for (const place of places) {
    for (const manifest of manifestsAt(place)) drivers.push(readDriver(manifest));
  }
  return drivers;
}

function manifestsAt(place: string): string[] {
  try {
    if (!statSync(place).isDirectory()) return [resolve(place)];
    return readdirSync(place).filter((f) => f.endsWith(".json")).sort().map((f) => join(resolve(place), f));
  } catch {
    return []; // absent: the loader skips it too
  }
}

function readDriver(manifest: string): VulkanDriver {
  let library = "";
  try {
    const json = JSON.parse(readFileSync(manifest, "utf8")) as { ICD?: { library_path?: unknown } };
    if (typeof json.ICD?.library_path === "string") library = json.ICD.library_path;
  } catch {
    // unreadable: judged by its file name alone
  }
  const names = `${manifest.slice(dirname(manifest).length)} ${library}`;
  return { manifest, library, software: SOFTWARE.test(names) };
}

/** False where no hardware adapter can come back (Linux with only CPU Vulkan drivers, or none); true otherwise. */
export function hardwareGpuPossible(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  if (platform !== "linux") return true;
  return vulkanDrivers(env).some((d) => !d.software);
}
