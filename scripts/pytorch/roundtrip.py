"""Round trip of checkpoints written by `transformer init` through PyTorch.

For each architecture, untied and tied: `transformer init` writes a fresh checkpoint; PyTorch's reference modules
(torch_reference.py, a copy of shared/reference/torch_reference.py that also ties weights) load it with
load_state_dict(strict=True) (a tied weight is stored under each of its names), compute logits, loss and every
gradient in float64 on a random padded batch, and write them as a forward_backward case folder; then
`transformer conformance` recomputes them in TypeScript and compares.

Usage (Debian's torch: apt-get install -y python3-torch), from the repository root after `npm ci`:
    /usr/bin/python3 scripts/pytorch/roundtrip.py [WORK_DIR]
Exits non-zero if PyTorch refuses a checkpoint or any comparison is out of tolerance.
"""
import json
import os
import subprocess
import sys
import tempfile

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_reference import build, load_safetensors  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = [os.environ.get("NODE", "node"), os.path.join(ROOT, "dist", "src", "cli", "main.js")]

COMMON = {"d_model": 24, "num_heads": 4, "d_ff": 40, "dropout": 0.0, "layer_norm_eps": 1e-5, "max_len": 40,
          "pad_id": 0, "bos_id": 1, "eos_id": 2}
CONFIGS = {
    "seq2seq_postln_relu_sinusoidal": {"architecture": "seq2seq", "src_vocab_size": 17, "tgt_vocab_size": 19,
                                       "num_encoder_layers": 2, "num_decoder_layers": 3, "activation": "relu",
                                       "norm_first": False, "positional": "sinusoidal", "scale_embeddings": True},
    "seq2seq_preln_gelu_learned": {"architecture": "seq2seq", "src_vocab_size": 15, "tgt_vocab_size": 15,
                                   "num_encoder_layers": 3, "num_decoder_layers": 1, "activation": "gelu",
                                   "norm_first": True, "positional": "learned", "scale_embeddings": False},
    "decoder_only_postln_relu": {"architecture": "decoder_only", "vocab_size": 21, "num_layers": 2,
                                 "activation": "relu", "norm_first": False, "positional": "sinusoidal",
                                 "scale_embeddings": True},
    "encoder_only_first_gelu_learned": {"architecture": "encoder_only", "vocab_size": 13, "num_layers": 2,
                                        "num_classes": 4, "pooling": "first", "activation": "gelu",
                                        "norm_first": True, "positional": "learned", "scale_embeddings": True},
    "seq2seq_tied_embeddings": {"architecture": "seq2seq", "src_vocab_size": 16, "tgt_vocab_size": 16,
                                "num_encoder_layers": 1, "num_decoder_layers": 2, "activation": "relu",
                                "norm_first": False, "positional": "sinusoidal", "scale_embeddings": True,
                                "tie_word_embeddings": True},
    "decoder_only_tied_embeddings": {"architecture": "decoder_only", "vocab_size": 18, "num_layers": 1,
                                     "activation": "gelu", "norm_first": True, "positional": "sinusoidal",
                                     "scale_embeddings": True, "tie_word_embeddings": True},
}


def rows(g, n, length, vocab, first=None):
    out = []
    for r in range(n):
        k = length if r == 0 else int(torch.randint(2, length + 1, (1,), generator=g))
        ids = torch.randint(3, vocab, (k,), generator=g).tolist()
        if first is not None:
            ids[0] = first
        out.append(ids + [0] * (length - k))
    return out


def case_for(name, cfg, folder, seed):
    model = build(cfg)
    state = load_safetensors(os.path.join(folder, "model.safetensors"))
    model.load_state_dict(state, strict=True)  # raises on any missing, unexpected or misshapen tensor
    model = model.double()
    model.train()
    g = torch.Generator().manual_seed(seed)
    ls = 0.1
    arch = cfg["architecture"]
    if arch == "seq2seq":
        src = rows(g, 3, 9, cfg["src_vocab_size"])
        tgt = rows(g, 3, 8, cfg["tgt_vocab_size"], first=cfg["bos_id"])
        inputs = {"src": src, "tgt_in": [t[:-1] for t in tgt], "tgt_out": [t[1:] for t in tgt]}
        logits = model(torch.tensor(inputs["src"]), torch.tensor(inputs["tgt_in"]))
        target = torch.tensor(inputs["tgt_out"])
    elif arch == "decoder_only":
        seq = rows(g, 3, 10, cfg["vocab_size"], first=cfg["bos_id"])
        inputs = {"ids": [s[:-1] for s in seq], "targets": [s[1:] for s in seq]}
        logits = model(torch.tensor(inputs["ids"]))
        target = torch.tensor(inputs["targets"])
    else:
        inputs = {"ids": rows(g, 4, 7, cfg["vocab_size"], first=cfg["bos_id"]),
                  "labels": torch.randint(0, cfg["num_classes"], (4,), generator=g).tolist()}
        logits = model(torch.tensor(inputs["ids"]))
        ls = 0.0
    if arch == "encoder_only":
        loss = nn.functional.cross_entropy(logits, torch.tensor(inputs["labels"]))
    else:
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1),
                                           ignore_index=cfg["pad_id"], label_smoothing=ls)
    loss.backward()

    def tj(t):
        t = t.detach().to(torch.float64)
        return {"shape": list(t.shape), "data": [float(x) for x in t.reshape(-1).tolist()]}

    case = {"name": name, "kind": "forward_backward", "tolerance": {"atol": 1e-4, "rtol": 1e-3},
            "inputs": inputs, "loss_fn": {"label_smoothing": ls, "ignore_index": cfg["pad_id"]},
            "expected": {"logits": tj(logits), "loss": float(loss),
                         "grads": {n: tj(p.grad) for n, p in model.named_parameters()}}}
    with open(os.path.join(folder, "case.json"), "w") as f:
        json.dump(case, f)


def main():
    work = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="roundtrip-")
    folders = []
    for i, (name, cfg) in enumerate(CONFIGS.items()):
        folder = os.path.join(work, name)
        cfg_file = os.path.join(work, name + ".json")
        os.makedirs(work, exist_ok=True)
        with open(cfg_file, "w") as f:
            json.dump({**cfg, **COMMON}, f)
        subprocess.run(CLI + ["init", "--config", cfg_file, "--out", folder, "--seed", str(100 + i)], check=True)
        with open(os.path.join(folder, "config.json")) as f:
            written = json.load(f)  # the config as `init` wrote it, defaults filled in
        case_for(name, written, folder, 200 + i)
        print(f"PyTorch loaded {name} with load_state_dict(strict=True) and wrote its logits, loss and gradients")
        folders.append(folder)
    result = subprocess.run(CLI + ["conformance"] + folders)
    sys.exit(result.returncode)


if __name__ == "__main__":
    main()
