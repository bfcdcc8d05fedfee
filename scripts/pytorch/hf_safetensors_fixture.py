"""A small checkpoint written by Hugging Face's own safetensors library, as pretrained ones are, for our reader.

Writes test/fixtures/hf-safetensors/mixed.safetensors (F32, F16 and BF16 tensors, an empty one and a scalar, laid
out as that library lays them out: by dtype alignment, then name) and expected.json (each tensor's shape and the
float32 bits of `.float()`, which is what our reader must return).

Needs torch and the safetensors package (`pip install safetensors`; 0.8.0 wrote the committed files):
    python3 scripts/pytorch/hf_safetensors_fixture.py
"""
import json
import os

import torch
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "hf-safetensors")


def main():
    g = torch.Generator().manual_seed(7)
    weight = torch.randn(4, 6, generator=g) * 3
    weight[0, :4] = torch.tensor([65504.0, -2.0 ** -24, 1 / 3, 2.0 ** -25 * 3])  # F16's largest, subnormals, a tie
    tensors = {
        "decoder.weight": weight.half(),
        "decoder.bias": torch.randn(6, generator=g).bfloat16(),
        "embed.weight": torch.randn(3, 5, generator=g),
        "empty": torch.zeros(0, 2, dtype=torch.float16),
        "scale": torch.tensor(0.125, dtype=torch.bfloat16),
    }
    os.makedirs(OUT, exist_ok=True)
    save_file(tensors, os.path.join(OUT, "mixed.safetensors"), metadata={"format": "pt"})
    expected = {name: {"dtype": str(t.dtype).removeprefix("torch."), "shape": list(t.shape),
                       "f32": [f"{v & 0xFFFFFFFF:08x}" for v in t.float().reshape(-1).view(torch.int32).tolist()]}
                for name, t in tensors.items()}
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print(f"wrote {len(tensors)} tensors to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
