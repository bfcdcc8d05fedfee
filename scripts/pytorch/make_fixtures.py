"""Writes reference cases computed by PyTorch (float64) for the TypeScript Transformer to match.

A copy of shared/reference/make_fixtures.py with the cases this repository added (TIED).

Usage: /usr/bin/python3 make_fixtures.py OUT_DIR [SPEC.json | NAME...]
Without a second argument it writes every case below; with names, only those (so that a new case can be
written without rewriting the others, whose float64 numbers move in the last digits with the BLAS underneath).
Each case is a folder with config.json, model.safetensors (float32) and case.json; see
shared/reference/README.md.
"""
import copy
import json
import math
import os
import sys

import torch
from torch import nn

from torch_reference import build, causal_mask, embed, save_safetensors

BASE = {
    "d_model": 16,
    "num_heads": 4,
    "d_ff": 32,
    "dropout": 0.0,
    "activation": "relu",
    "norm_first": False,
    "layer_norm_eps": 1e-5,
    "positional": "sinusoidal",
    "max_len": 32,
    "scale_embeddings": True,
    "pad_id": 0,
    "bos_id": 1,
    "eos_id": 2,
}

PUBLIC = [
    {"name": "seq2seq_postln_relu_sinusoidal", "kind": "forward_backward", "seed": 1,
     "config": {"architecture": "seq2seq", "src_vocab_size": 11, "tgt_vocab_size": 13,
                "num_encoder_layers": 2, "num_decoder_layers": 2},
     "batch": {"size": 3, "src_len": 7, "tgt_len": 6}, "label_smoothing": 0.1},
    {"name": "seq2seq_preln_gelu_learned", "kind": "forward_backward", "seed": 2,
     "config": {"architecture": "seq2seq", "src_vocab_size": 9, "tgt_vocab_size": 10,
                "num_encoder_layers": 1, "num_decoder_layers": 2, "norm_first": True,
                "activation": "gelu", "positional": "learned", "scale_embeddings": False},
     "batch": {"size": 2, "src_len": 5, "tgt_len": 8}, "label_smoothing": 0.0},
    {"name": "decoder_only_preln_gelu", "kind": "forward_backward", "seed": 3,
     "config": {"architecture": "decoder_only", "vocab_size": 12, "num_layers": 2, "norm_first": True,
                "activation": "gelu", "positional": "learned"},
     "batch": {"size": 3, "len": 9}, "label_smoothing": 0.0},
    {"name": "encoder_only_classifier", "kind": "forward_backward", "seed": 4,
     "config": {"architecture": "encoder_only", "vocab_size": 14, "num_layers": 2, "num_classes": 3,
                "pooling": "mean"},
     "batch": {"size": 4, "len": 6}, "label_smoothing": 0.0},
    {"name": "seq2seq_train_adam_noam", "kind": "train", "seed": 5,
     "config": {"architecture": "seq2seq", "src_vocab_size": 11, "tgt_vocab_size": 13,
                "num_encoder_layers": 2, "num_decoder_layers": 2},
     "batch": {"size": 3, "src_len": 7, "tgt_len": 6}, "label_smoothing": 0.1, "steps": 6,
     "optimizer": {"name": "adam", "betas": [0.9, 0.98], "eps": 1e-9, "weight_decay": 0.0},
     "schedule": {"name": "noam", "factor": 0.5, "warmup": 3}, "clip_grad_norm": 1.0},
    {"name": "seq2seq_greedy", "kind": "greedy", "seed": 6,
     "config": {"architecture": "seq2seq", "src_vocab_size": 11, "tgt_vocab_size": 13,
                "num_encoder_layers": 2, "num_decoder_layers": 2},
     "batch": {"size": 3, "src_len": 7}, "max_new_tokens": 12, "pretrain_reverse_steps": 300},
]

# Weight sharing (paper §3.4): one matrix for the source and target embeddings and the generator (seq2seq), for
# the embedding and lm_head (decoder_only). PyTorch's named_parameters() and so the expected gradients list it
# once, under its first name; state_dict() and so the safetensors files under every name.
TIED_SEQ2SEQ = {"architecture": "seq2seq", "src_vocab_size": 13, "tgt_vocab_size": 13,
                "num_encoder_layers": 2, "num_decoder_layers": 2, "tie_word_embeddings": True}
TIED = [
    {"name": "seq2seq_tied_embeddings", "kind": "forward_backward", "seed": 7, "config": TIED_SEQ2SEQ,
     "batch": {"size": 3, "src_len": 7, "tgt_len": 6}, "label_smoothing": 0.1},
    {"name": "seq2seq_tied_train_adam_noam", "kind": "train", "seed": 8, "config": TIED_SEQ2SEQ,
     "batch": {"size": 3, "src_len": 7, "tgt_len": 6}, "label_smoothing": 0.1, "steps": 6,
     "optimizer": {"name": "adam", "betas": [0.9, 0.98], "eps": 1e-9, "weight_decay": 0.0},
     "schedule": {"name": "noam", "factor": 0.5, "warmup": 3}, "clip_grad_norm": 1.0},
    {"name": "decoder_only_tied_embeddings", "kind": "forward_backward", "seed": 9,
     "config": {"architecture": "decoder_only", "vocab_size": 12, "num_layers": 2, "tie_word_embeddings": True},
     "batch": {"size": 3, "len": 9}, "label_smoothing": 0.1},
]

CASES = PUBLIC + TIED


def init_params(model, seed, gain):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() > 1:
                bound = gain * math.sqrt(6.0 / (p.shape[0] + p.shape[1]))
                p.copy_((torch.rand(p.shape, generator=g) * 2 - 1) * bound)
            elif "norm" in name and name.endswith("weight"):
                p.copy_(1 + (torch.rand(p.shape, generator=g) * 2 - 1) * 0.1)
            else:
                p.copy_((torch.rand(p.shape, generator=g) * 2 - 1) * 0.1)


def tied_names(model):
    """Groups of state_dict names that hold one parameter."""
    names = {}
    for name, p in model.state_dict(keep_vars=True).items():  # every name, each holding the Parameter itself
        names.setdefault(id(p), []).append(name)
    return [n for n in names.values() if len(n) > 1]


def padded_ids(g, size, length, vocab, pad, first=None, min_len=2):
    """Rows of random ids in [3, vocab) with a random tail of padding; row 0 is full length."""
    rows = []
    for r in range(size):
        n = length if r == 0 else int(torch.randint(min_len, length + 1, (1,), generator=g))
        ids = torch.randint(3, vocab, (n,), generator=g).tolist()
        if first is not None:
            ids[0] = first
        rows.append(ids + [pad] * (length - n))
    return rows


def make_batch(cfg, spec, g):
    b, pad = spec["batch"], cfg["pad_id"]
    arch = cfg["architecture"]
    if arch == "seq2seq":
        src = padded_ids(g, b["size"], b["src_len"], cfg["src_vocab_size"], pad)
        if "tgt_len" not in b:
            return {"src": src}
        # target sequence = BOS y1..yn EOS; decoder input drops the last, output drops the first
        tgt = []
        for r in range(b["size"]):
            n = b["tgt_len"] if r == 0 else int(torch.randint(2, b["tgt_len"] + 1, (1,), generator=g))
            body = torch.randint(3, cfg["tgt_vocab_size"], (n - 1,), generator=g).tolist()
            tgt.append([cfg["bos_id"]] + body + [cfg["eos_id"]] + [pad] * (b["tgt_len"] - n))
        return {"src": src, "tgt_in": [t[:-1] for t in tgt], "tgt_out": [t[1:] for t in tgt]}
    if arch == "decoder_only":
        seq = padded_ids(g, b["size"], b["len"] + 1, cfg["vocab_size"], pad, first=cfg["bos_id"])
        return {"ids": [s[:-1] for s in seq], "targets": [s[1:] for s in seq]}
    ids = padded_ids(g, b["size"], b["len"], cfg["vocab_size"], pad, first=cfg["bos_id"])
    labels = torch.randint(0, cfg["num_classes"], (b["size"],), generator=g).tolist()
    return {"ids": ids, "labels": labels}


def logits_and_loss(model, cfg, batch, label_smoothing):
    arch = cfg["architecture"]
    if arch == "seq2seq":
        logits = model(torch.tensor(batch["src"]), torch.tensor(batch["tgt_in"]))
        target = torch.tensor(batch["tgt_out"])
    elif arch == "decoder_only":
        logits = model(torch.tensor(batch["ids"]))
        target = torch.tensor(batch["targets"])
    else:
        logits = model(torch.tensor(batch["ids"]))
        loss = nn.functional.cross_entropy(logits, torch.tensor(batch["labels"]))
        return logits, loss
    loss = nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), target.reshape(-1),
        ignore_index=cfg["pad_id"], label_smoothing=label_smoothing)
    return logits, loss


def tensor_json(t):
    t = t.detach().to(torch.float64)
    return {"shape": list(t.shape), "data": [float(x) for x in t.reshape(-1).tolist()]}


def noam(step, d_model, factor, warmup):
    return factor * d_model ** -0.5 * min(step ** -0.5, step * warmup ** -1.5)


def greedy(model, cfg, src, max_new_tokens):
    """Greedy decoding; records the smallest top-1/top-2 logit margin seen, so that float32 can agree."""
    out = [[cfg["bos_id"]] for _ in src]
    done = [False] * len(src)
    margin = float("inf")
    for _ in range(max_new_tokens):
        logits = model(torch.tensor(src), torch.tensor(out))[:, -1]
        top = torch.topk(logits, 2, dim=-1)
        for r in range(len(src)):
            if done[r]:
                out[r].append(cfg["pad_id"])
                continue
            margin = min(margin, float(top.values[r, 0] - top.values[r, 1]))
            tok = int(top.indices[r, 0])
            out[r].append(tok)
            done[r] = tok == cfg["eos_id"]
        if all(done):
            break
    return out, margin


def pretrain_reverse(model, cfg, steps, seed):
    """Teaches the model to output its source reversed, so that greedy decoding has real choices to make."""
    g = torch.Generator().manual_seed(seed)
    optim = torch.optim.Adam(model.parameters(), lr=3e-3)
    bos, eos, pad = cfg["bos_id"], cfg["eos_id"], cfg["pad_id"]
    for _ in range(steps):
        src = padded_ids(g, 32, 7, cfg["src_vocab_size"], pad)
        tgt = []
        for row in src:
            body = [t for t in row if t != pad][::-1]
            tgt.append([bos] + body + [eos] + [pad] * (7 - len(body)))
        tgt = torch.tensor(tgt)
        logits = model(torch.tensor(src), tgt[:, :-1])
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt[:, 1:].reshape(-1),
                                           ignore_index=pad)
        optim.zero_grad()
        loss.backward()
        optim.step()
    return float(loss)


def write_case(out_dir, spec):
    cfg = copy.deepcopy(BASE)
    cfg.update(spec["config"])
    torch.manual_seed(spec["seed"])
    model = build(cfg)
    tied = tied_names(model)
    init_params(model, spec["seed"], spec.get("init_gain", 1.0))
    if spec.get("pretrain_reverse_steps"):
        pretrain_reverse(model, cfg, spec["pretrain_reverse_steps"], spec["seed"])
    folder = os.path.join(out_dir, spec["name"])
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    save_safetensors(os.path.join(folder, "model.safetensors"), model.state_dict())

    model = model.double()
    assert tied_names(model) == tied, "the tie did not survive .double()"
    model.train()  # dropout is 0; train mode keeps PyTorch off its inference fast path
    g = torch.Generator().manual_seed(1000 + spec["seed"])
    case = {"name": spec["name"], "kind": spec["kind"], "tolerance": {"atol": 1e-4, "rtol": 1e-3}}
    ls = spec.get("label_smoothing", 0.0)

    if spec["kind"] == "forward_backward":
        batch = make_batch(cfg, spec, g)
        logits, loss = logits_and_loss(model, cfg, batch, ls)
        loss.backward()
        case.update({
            "inputs": batch,
            "loss_fn": {"label_smoothing": ls, "ignore_index": cfg["pad_id"]},
            "expected": {
                "logits": tensor_json(logits),
                "loss": float(loss),
                "grads": {n: tensor_json(p.grad) for n, p in model.named_parameters()},
            },
        })
    elif spec["kind"] == "train":
        opt = spec["optimizer"]
        sched = spec["schedule"]
        batches = [make_batch(cfg, spec, g) for _ in range(spec["steps"])]
        adam_cls = torch.optim.AdamW if opt["name"] == "adamw" else torch.optim.Adam
        optim = adam_cls(model.parameters(), lr=1.0, betas=tuple(opt["betas"]), eps=opt["eps"],
                         weight_decay=opt["weight_decay"])
        lrs, losses, norms = [], [], []
        for step, batch in enumerate(batches, start=1):
            lr = noam(step, cfg["d_model"], sched["factor"], sched["warmup"])
            for group in optim.param_groups:
                group["lr"] = lr
            optim.zero_grad()
            _, loss = logits_and_loss(model, cfg, batch, ls)
            loss.backward()
            norms.append(float(torch.nn.utils.clip_grad_norm_(model.parameters(), spec["clip_grad_norm"])))
            optim.step()
            lrs.append(lr)
            losses.append(float(loss))
        save_safetensors(os.path.join(folder, "final.safetensors"), model.state_dict())
        case.update({
            "batches": batches,
            "loss_fn": {"label_smoothing": ls, "ignore_index": cfg["pad_id"]},
            "optimizer": opt,
            "schedule": sched,
            "clip_grad_norm": spec["clip_grad_norm"],
            "expected": {"losses": losses, "learning_rates": lrs, "grad_norms_before_clip": norms,
                         "final_weights": "final.safetensors",
                         # The key bias has an exactly zero gradient (softmax ignores a shift shared by all keys), so
                         # Adam turns rounding noise into full-size steps there: float32 PyTorch itself lands up to
                         # 0.4 away from float64. Those elements are not compared.
                         "final_weights_exclude": [
                             {"name": n, "start": cfg["d_model"], "end": 2 * cfg["d_model"]}
                             for n, _ in model.named_parameters() if n.endswith("in_proj_bias")]},
        })
    elif spec["kind"] == "greedy":
        batch = make_batch(cfg, spec, g)
        with torch.no_grad():
            tokens, margin = greedy(model, cfg, batch["src"], spec["max_new_tokens"])
        assert margin > 1e-3, f"{spec['name']}: greedy margin {margin} too small for float32 to agree"
        case.update({"inputs": batch, "max_new_tokens": spec["max_new_tokens"],
                     "expected": {"tokens": tokens, "min_margin": margin}})
    with open(os.path.join(folder, "case.json"), "w") as f:
        json.dump(case, f)
    return case


def main():
    out_dir = sys.argv[1]
    specs = CASES
    if len(sys.argv) > 2 and sys.argv[2].endswith(".json"):
        with open(sys.argv[2]) as f:
            specs = json.load(f)
    elif len(sys.argv) > 2:
        by_name = {s["name"]: s for s in CASES}
        unknown = [n for n in sys.argv[2:] if n not in by_name]
        assert not unknown, f"unknown cases {unknown}; known: {', '.join(by_name)}"
        specs = [by_name[n] for n in sys.argv[2:]]
    torch.set_default_dtype(torch.float32)
    for spec in specs:
        case = write_case(out_dir, spec)
        print(case["name"], case["kind"])


if __name__ == "__main__":
    main()
