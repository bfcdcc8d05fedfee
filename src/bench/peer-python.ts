/**
 * The Python that runs the PyTorch peers (bench/*_torch.py). Here that is Debian's /usr/bin/python3, where
 * python3-torch lives, not whatever python3 comes first on PATH (a venv without torch would silently drop the
 * peer). A GPU machine keeps its CUDA build of torch elsewhere (a venv under /opt), so TRANSFORMER_PEER_PYTHON
 * names it; set, it must be there, since a peer skipped for a mistyped path would leave a GPU number with nothing
 * beside it.
 */
import * as fs from "node:fs";
import { OptionError } from "../errors.js";

export const SYSTEM_PYTHON = "/usr/bin/python3";

/** TRANSFORMER_PEER_PYTHON when set (it must be an existing file), else Debian's /usr/bin/python3. */
export function peerPython(env: NodeJS.ProcessEnv = process.env): string {
  const named = env.TRANSFORMER_PEER_PYTHON;
  if (named === undefined || named === "") return SYSTEM_PYTHON;
  if (!fs.existsSync(named) || fs.statSync(named).isDirectory()) {
    throw new OptionError(`TRANSFORMER_PEER_PYTHON is "${named}", which is not a file: expected the python3 that has torch, or unset it for ${SYSTEM_PYTHON}`);
  }
  return named;
}
