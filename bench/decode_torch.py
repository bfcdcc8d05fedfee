"""The peer of bench/decode.ts: greedy decoding in PyTorch (Debian's python3-torch), on the CPU or a CUDA GPU.

The small preset's seq2seq (scripts/pytorch/torch_reference.py: nn.Transformer, the modules our checkpoints load
into) with random weights, one source sentence of 32 tokens, 64 new tokens, eos made impossible. nn.Transformer
has no KV cache: the encoder runs once, then each step runs the decoder over every token so far and the output
layer over the last one (the Annotated Transformer's greedy_decode). With --device cuda the model and tokens live on
the GPU, TF32 is off (f32 as ours) and each timed run ends with torch.cuda.synchronize. Prints JSON: threads, device,
device_name, torch, greedy_uncached_tokens_per_s.

Usage: /usr/bin/python3 bench/decode_torch.py [--threads T] [--repeats R] [--device cpu|cuda]
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--src-len", type=int, default=32)
    ap.add_argument("--new-tokens", type=int, default=64)
    add_device_arg(ap)
    a = ap.parse_args()
    device, sync, device_name = pick_device(a.device, "decode_torch.py")
    torch.set_num_threads(a.threads)
    cfg = {"architecture": "seq2seq", "src_vocab_size": 8000, "tgt_vocab_size": 8000, "d_model": 256, "num_heads": 8,
           "d_ff": 1024, "num_encoder_layers": 3, "num_decoder_layers": 3, "dropout": 0.1, "activation": "relu",
           "norm_first": False, "layer_norm_eps": 1e-5, "positional": "sinusoidal", "max_len": 512,
           "scale_embeddings": True, "pad_id": 0, "bos_id": 1, "eos_id": 2}
    torch.manual_seed(1)
    model = build(cfg).to(device)
    model.eval()
    with torch.no_grad():
        model.generator.bias[cfg["eos_id"]] = -1e9  # exactly new_tokens steps, as bench/decode.ts
    src = torch.randint(3, 8000, (1, a.src_len)).to(device)
    t = model.transformer
    # made once on the device; the top-left L x L of a causal mask is the causal mask for L tokens
    mask = causal_mask(max(a.new_tokens, 4) + 1, torch.float32).to(device)

    def greedy(n):
        with torch.no_grad():
            memory = t.encoder(embed(model.src_embed, model.src_pos, src, cfg))
            ys = torch.tensor([[cfg["bos_id"]]], device=device)
            for _ in range(n):
                y = embed(model.tgt_embed, model.tgt_pos, ys, cfg)
                L = ys.shape[1]
                out = t.decoder(y, memory, tgt_mask=mask[:L, :L])
                nxt = model.generator(out[:, -1]).argmax(-1, keepdim=True)
                ys = torch.cat([ys, nxt], dim=1)
        return ys.shape[1] - 1

    greedy(4)  # warm-up
    sync()
    best = float("inf")
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        tokens = greedy(a.new_tokens)
        sync()
        best = min(best, time.perf_counter() - t0)
    print(json.dumps({"threads": a.threads, "device": device.type, "device_name": device_name, "torch": torch.__version__,
                      "greedy_uncached_tokens_per_s": tokens / best}))


if __name__ == "__main__":
    main()
