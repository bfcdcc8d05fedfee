"""The peer of bench/train.ts: the same training step in PyTorch (Debian's python3-torch), on the CPU or a CUDA GPU.

Seq2seq at a preset size (scripts/pytorch/torch_reference.py, the modules our checkpoints load into), 8000-token
vocabularies, a batch of 64 x 32 source and 64 x 32 target tokens, forward, label-smoothed cross-entropy, backward,
clip_grad_norm_, Adam(0.9, 0.98, 1e-9). With --device cuda the model and batch live on the GPU, TF32 is off (f32
as ours) and the timing waits for the GPU (torch.cuda.synchronize) before and after the timed steps. Prints JSON:
preset, threads, device, device_name, torch, step_s, tokens_per_s.

Usage: /usr/bin/python3 bench/train_torch.py --preset tiny|small|base [--steps N] [--threads T] [--device cpu|cuda]
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts", "pytorch"))
from torch_reference import build, causal_mask, embed  # noqa: E402
from torch_device import add_device_arg, pick_device  # noqa: E402

PRESETS = {"tiny": (64, 4, 256, 2), "small": (256, 8, 1024, 3), "base": (512, 8, 2048, 6)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="small", choices=PRESETS)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--len", type=int, default=32)
    ap.add_argument("--vocab", type=int, default=8000)
    add_device_arg(ap)
    a = ap.parse_args()
    device, sync, device_name = pick_device(a.device, "train_torch.py")
    torch.set_num_threads(a.threads)
    d, h, ff, n = PRESETS[a.preset]
    cfg = {"architecture": "seq2seq", "src_vocab_size": a.vocab, "tgt_vocab_size": a.vocab, "d_model": d, "num_heads": h,
           "d_ff": ff, "num_encoder_layers": n, "num_decoder_layers": n, "dropout": 0.1, "activation": "relu",
           "norm_first": False, "layer_norm_eps": 1e-5, "positional": "sinusoidal", "max_len": 512,
           "scale_embeddings": True, "pad_id": 0, "bos_id": 1, "eos_id": 2}
    torch.manual_seed(1)
    model = build(cfg).to(device)
    model.train()
    src = torch.randint(3, a.vocab, (a.batch, a.len))
    tgt = torch.randint(3, a.vocab, (a.batch, a.len + 1))
    tgt[:, 0] = 1
    src, tgt = src.to(device), tgt.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4, betas=(0.9, 0.98), eps=1e-9)
    mask = causal_mask(a.len, torch.float32).to(device)

    def forward(s, t):
        # torch_reference's Seq2Seq.forward, with the causal mask made once on the device (it makes it on the CPU)
        x = embed(model.src_embed, model.src_pos, s, cfg)
        y = embed(model.tgt_embed, model.tgt_pos, t, cfg)
        pad_s, pad_t = s == cfg["pad_id"], t == cfg["pad_id"]
        out = model.transformer(x, y, tgt_mask=mask, src_key_padding_mask=pad_s, tgt_key_padding_mask=pad_t,
                                memory_key_padding_mask=pad_s)
        return model.generator(out)

    def step():
        opt.zero_grad()
        logits = forward(src, tgt[:, :-1])
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, a.vocab), tgt[:, 1:].reshape(-1), ignore_index=0,
                                                 label_smoothing=0.1)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    step()  # warm-up
    sync()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    sync()
    step_s = (time.perf_counter() - t0) / a.steps
    tokens = a.batch * 2 * a.len
    print(json.dumps({"preset": a.preset, "threads": a.threads, "device": device.type, "device_name": device_name,
                      "torch": torch.__version__, "step_s": step_s, "tokens_per_s": tokens / step_s}))


if __name__ == "__main__":
    main()
