"""The peer of src/bench/hf-generate.ts: Hugging Face transformers' greedy generate() (PyTorch, CPU) on a GPT-2
folder, kept running so that the bench can alternate rounds with ours in one run.

Loads the folder with GPT2LMHeadModel.from_pretrained, prints one JSON line {"ready", "torch", "transformers",
"threads", "load_s"}, then answers each request line {"ids": [...], "new_tokens": N} with
{"seconds", "ids"}: model.generate(ids, max_new_tokens=N, do_sample=False, num_beams=1, use_cache=True), timed
alone (no tokenizer), ids the new tokens. Ends at end of input.

Usage: PYTHON bench/hf_generate_torch.py --checkpoint DIR [--threads 2]
"""
import argparse
import json
import sys
import time

import torch
import transformers
from transformers import GPT2LMHeadModel


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    t0 = time.perf_counter()
    model = GPT2LMHeadModel.from_pretrained(a.checkpoint, dtype=torch.float32).eval()
    ready = {"ready": True, "torch": torch.__version__, "transformers": transformers.__version__, "threads": torch.get_num_threads(),
             "load_s": time.perf_counter() - t0}
    print(json.dumps(ready), flush=True)
    eos = model.config.eos_token_id
    for line in sys.stdin:
        req = json.loads(line)
        ids = torch.tensor([req["ids"]])
        with torch.no_grad():
            t0 = time.perf_counter()
            out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=req["new_tokens"], do_sample=False,
                                 num_beams=1, use_cache=True, pad_token_id=eos)
            seconds = time.perf_counter() - t0
        print(json.dumps({"seconds": seconds, "ids": out[0, ids.shape[1]:].tolist()}), flush=True)


if __name__ == "__main__":
    main()
