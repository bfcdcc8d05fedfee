import { CheckpointError } from "../errors.js";
import type { Model } from "./build.js";
import type { NamedTensor } from "./safetensors.js";

/**
 * Copies named tensors into the model's parameters, refusing missing and unexpected names and wrong shapes:
 * the same strictness as PyTorch's load_state_dict(strict=True), one line per problem. Browser-safe.
 */
export function loadStateDict(model: Model, tensors: Map<string, NamedTensor>, file: string): void {
  const params = new Map(model.namedParameters());
  for (const name of tensors.keys()) {
    if (!params.has(name)) {
      throw new CheckpointError(`${file}: unexpected tensor "${name}" (not a parameter of a ${model.config.architecture} model with this config)`);
    }
  }
  for (const [name, p] of params) {
    const t = tensors.get(name);
    if (!t) throw new CheckpointError(`${file}: missing tensor "${name}" of shape [${p.shape.join(", ")}]`);
    if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
      throw new CheckpointError(
        `${file}: tensor "${name}" has shape [${t.shape.join(", ")}], expected [${p.shape.join(", ")}] from config.json`,
      );
    }
  }
  for (const [name, p] of params) p.data.set(tensors.get(name)!.data);
}

/** The model's parameters by PyTorch state_dict name. */
export function stateDict(model: Model): Map<string, NamedTensor> {
  return new Map(model.namedParameters().map(([n, t]) => [n, { shape: [...t.shape], data: t.data }]));
}
