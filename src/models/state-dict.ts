import { CheckpointError } from "../errors.js";
import type { Tensor } from "../tensor/index.js";
import type { Model } from "./build.js";
import { type NamedTensor, isLazyTensor } from "./safetensors.js";

/**
 * Copies named tensors into the model's parameters, refusing missing and unexpected names and wrong shapes:
 * the same strictness as PyTorch's load_state_dict(strict=True), one line per problem. A tied weight is stored
 * under each of its names (as PyTorch's state_dict() writes it); all of them must be there and hold the same
 * values, since they will be one tensor. Browser-safe.
 */
export function loadStateDict(model: Model, tensors: Map<string, NamedTensor>, file: string): void {
  const named = model.namedParameters({ withAliases: true });
  const params = new Map(named);
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
  const firstName = new Map<Tensor, string>();
  for (const [name, p] of named) {
    const first = firstName.get(p);
    if (first === undefined) firstName.set(p, name);
    else if (tensors.get(first) !== tensors.get(name)) checkSameValues(tensors.get(first)!.data, tensors.get(name)!.data, first, name, file);
  }
  // a lazy tensor (a file read on demand) is read straight into its parameter: no second copy of the weights
  for (const [p, name] of firstName) {
    const t = tensors.get(name)!;
    if (isLazyTensor(t)) t.readInto(p.data);
    else p.data.set(t.data);
  }
}

/** Two stored copies of one tied tensor must agree bit for bit: loading either must give the same model. */
function checkSameValues(a: Float32Array, b: Float32Array, nameA: string, nameB: string, file: string): void {
  const bitsA = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const bitsB = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < bitsA.length; i++) {
    if (bitsA[i] !== bitsB[i]) {
      throw new CheckpointError(
        `${file}: tied tensors "${nameA}" and "${nameB}" differ at index ${i} (${a[i]} vs ${b[i]}); they are one tensor in this model (tie_word_embeddings) and must hold the same values`,
      );
    }
  }
}

/**
 * The model's parameters by PyTorch state_dict name: a tied weight under every one of its names, as
 * state_dict() lists it (so that load_state_dict(strict=True) accepts the file); a safetensors file then holds
 * one copy of its data per name.
 */
export function stateDict(model: Model): Map<string, NamedTensor> {
  return new Map(model.namedParameters({ withAliases: true }).map(([n, t]) => [n, { shape: [...t.shape], data: t.data }]));
}
