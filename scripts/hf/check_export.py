"""Checks `export --format hf` against Hugging Face transformers itself, on a model our trainer changed.

1. fine-tunes test/fixtures/hf/gpt2-tiny for a few steps with our CLI (train --init-from) on verses it has not seen;
2. exports the run (export --format hf);
3. loads the export with GPT2LMHeadModel.from_pretrained and AutoTokenizer.from_pretrained, and compares:
   the prompt's ids with our `generate --json` prompt_ids, the logits with ours (scripts/hf/logits.mjs, on the
   run folder) within 1e-5, and greedy generate() with our `generate --greedy --json`.
Prints the max |Δlogit| and exits non-zero on any difference. The Node tests (test/hf/gpt2-export.test.ts,
gpt2-init-from.test.ts) check the same files without Python.

Usage (after npm run build; a venv with torch and transformers as in make_fixtures.py):
    /tmp/hfvenv/bin/python scripts/hf/check_export.py
"""
import gzip
import json
import os
import subprocess
import sys
import tempfile

import torch
from transformers import AutoTokenizer, GPT2LMHeadModel

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.path.join(ROOT, "dist", "src", "cli", "main.js")
FIXTURE = os.path.join(ROOT, "test", "fixtures", "hf", "gpt2-tiny")
PROMPTS = ["And God said", "The LORD is my shepherd", "In the beginning"]
NEW_TOKENS = 12


def node(*args, stdin=None):
    r = subprocess.run(["node", *args], input=stdin, capture_output=True, text=True, cwd=ROOT)
    if r.returncode != 0:
        sys.exit(f"node {' '.join(args)} failed: {r.stderr.strip()}")
    return r.stdout


def main():
    torch.set_num_threads(1)
    work = tempfile.mkdtemp(prefix="check-export-")
    with gzip.open(os.path.join(ROOT, "data", "bible", "web-english.train.txt.gz"), "rt", encoding="utf-8") as f:
        verses = [line for i, line in enumerate(f) if 5000 <= i < 5200]
    data = os.path.join(work, "verses.txt")
    with open(data, "w", encoding="utf-8") as f:
        f.writelines(verses)
    run, hf = os.path.join(work, "run"), os.path.join(work, "hf")
    node(CLI, "train", "--init-from", FIXTURE, "--data", data, "--out", run, "--steps", "20",
         "--schedule", "cosine", "--lr", "2e-3", "--warmup", "2", "--log-every", "5")
    node(CLI, "export", "--format", "hf", "--checkpoint", run, "--out", hf)

    model = GPT2LMHeadModel.from_pretrained(hf).eval()
    tok = AutoTokenizer.from_pretrained(hf)
    eot = model.config.eos_token_id
    worst, failures = 0.0, []
    for prompt in PROMPTS:
        ours = json.loads(node(CLI, "generate", "--checkpoint", run, "--prompt", prompt, "--greedy",
                               "--max-new-tokens", str(NEW_TOKENS), "--json"))
        ids = [eot] + tok(prompt).input_ids  # our run was trained on <|endoftext|> text <|endoftext|>: bos first
        if ours["prompt_ids"] != ids:
            failures.append(f"{prompt!r}: prompt ids {ours['prompt_ids']} vs transformers' {ids}")
        full = ids + ours["ids"]
        theirs_logits = model(torch.tensor([full])).logits[0].detach()
        got = json.loads(node(os.path.join(ROOT, "scripts", "hf", "logits.mjs"), run, stdin=json.dumps([full])))
        ours_logits = torch.tensor(got["logits"]).reshape(got["shape"])[0]
        delta = (ours_logits - theirs_logits).abs().max().item()
        worst = max(worst, delta)
        out = model.generate(torch.tensor([ids]), max_new_tokens=NEW_TOKENS, do_sample=False, use_cache=True,
                             pad_token_id=eot)[0, len(ids):].tolist()
        if out != ours["ids"]:
            failures.append(f"{prompt!r}: greedy {ours['ids']} vs transformers' {out}")
        print(f"{prompt!r}: {len(full)} positions, max |Δlogit| {delta:.3e}, greedy ids equal: {out == ours['ids']}")
    print(f"export of a 20-step fine-tune of gpt2-tiny in transformers: max |Δlogit| {worst:.3e} over {len(PROMPTS)} prompts")
    if worst > 1e-5:
        failures.append(f"max |Δlogit| {worst} > 1e-5")
    if failures:
        sys.exit("\n".join(failures))


if __name__ == "__main__":
    with torch.no_grad():
        main()
