"""Checks `export --format hf` against Hugging Face transformers itself, on models our trainer changed.

For each family (gpt2, marian, bert; all by default):
1. fine-tunes its tiny fixture (test/fixtures/hf/) for 20 steps with our CLI (train --init-from) on Bible text it
   has not seen: verses (GPT-2), English-Spanish pairs (Marian), verses labelled yahweh/question/other (BERT);
2. exports the run (export --format hf);
3. loads the export with from_pretrained (GPT2LMHeadModel, MarianMTModel, BertForSequenceClassification) and its
   tokenizer with AutoTokenizer, and compares the logits with ours (scripts/hf/logits.mjs, on the run folder) within
   1e-5; GPT-2 also its prompt ids and greedy generate() with our `generate --greedy --json`, Marian greedy
   generate() with our `translate --json`, BERT the softmax probabilities with our `classify --json`.
Prints the max |Δlogit| per family and exits non-zero on any difference. The Node tests (test/hf/*-export.test.ts,
*-init-from.test.ts) check the same files without Python.

Usage (after npm run build; a venv with torch, transformers and sentencepiece as in make_fixtures.py):
    /tmp/hfvenv/bin/python scripts/hf/check_export.py [gpt2] [marian] [bert]
"""
import gzip
import json
import os
import subprocess
import sys
import tempfile

import torch
from transformers import AutoTokenizer, BertForSequenceClassification, GPT2LMHeadModel, MarianMTModel

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.path.join(ROOT, "dist", "src", "cli", "main.js")
FIXTURES = os.path.join(ROOT, "test", "fixtures", "hf")
FIXTURE = os.path.join(FIXTURES, "gpt2-tiny")
TOLERANCE = 1e-5
PROMPTS = ["And God said", "The LORD is my shepherd", "In the beginning"]
NEW_TOKENS = 12


def node(*args, stdin=None):
    r = subprocess.run(["node", *args], input=stdin, capture_output=True, text=True, cwd=ROOT)
    if r.returncode != 0:
        sys.exit(f"node {' '.join(args)} failed: {r.stderr.strip()}")
    return r.stdout


def bible(name, lo, hi):
    with gzip.open(os.path.join(ROOT, "data", "bible", name), "rt", encoding="utf-8") as f:
        return [line for i, line in enumerate(f) if lo <= i < hi]


def ours_logits(run, payload):
    got = json.loads(node(os.path.join(ROOT, "scripts", "hf", "logits.mjs"), run, stdin=json.dumps(payload)))
    return torch.tensor(got["logits"]).reshape(got["shape"])


def fine_tune(work, fixture, data, *extra):
    run, hf = os.path.join(work, "run"), os.path.join(work, "hf")
    node(CLI, "train", "--init-from", fixture, "--data", data, "--out", run, "--steps", "20",
         "--schedule", "cosine", "--lr", "2e-3", "--warmup", "2", "--log-every", "5", *extra)
    node(CLI, "export", "--format", "hf", "--checkpoint", run, "--out", hf)
    return run, hf


def check_gpt2(work):
    verses = bible("web-english.train.txt.gz", 5000, 5200)
    data = os.path.join(work, "verses.txt")
    with open(data, "w", encoding="utf-8") as f:
        f.writelines(verses)
    run, hf = fine_tune(work, FIXTURE, data)

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
        delta = (ours_logits(run, [full])[0] - theirs_logits).abs().max().item()
        worst = max(worst, delta)
        out = model.generate(torch.tensor([ids]), max_new_tokens=NEW_TOKENS, do_sample=False, use_cache=True,
                             pad_token_id=eot)[0, len(ids):].tolist()
        if out != ours["ids"]:
            failures.append(f"{prompt!r}: greedy {ours['ids']} vs transformers' {out}")
        print(f"{prompt!r}: {len(full)} positions, max |Δlogit| {delta:.3e}, greedy ids equal: {out == ours['ids']}")
    print(f"gpt2: export of a 20-step fine-tune of gpt2-tiny in transformers: max |Δlogit| {worst:.3e} over {len(PROMPTS)} prompts")
    return worst, failures


def check_marian(work):
    rows = bible("web-sparv.train.tsv.gz", 0, 5201)
    data = os.path.join(work, "pairs.tsv")
    with open(data, "w", encoding="utf-8") as f:
        f.writelines([rows[0]] + rows[5001:5201])
    pairs = [r.rstrip("\n").split("\t")[1:] for r in rows[5001:5009]]
    run, hf = fine_tune(work, os.path.join(FIXTURES, "marian-tiny"), data)
    model = MarianMTModel.from_pretrained(hf).eval()
    tok = AutoTokenizer.from_pretrained(hf)
    enc = tok([en for en, _ in pairs], text_target=[es for _, es in pairs], padding=True, return_tensors="pt")
    labels = enc.pop("labels")
    theirs = model(**enc, labels=labels).logits
    start = model.config.decoder_start_token_id
    failures, worst = [], 0.0
    # ours on each pair unpadded (logits.mjs takes rows of one length): the decoder's input is <pad> y1 ... yn
    for b in range(len(pairs)):
        src = enc.input_ids[b][enc.attention_mask[b] == 1].tolist()
        tgt = [t for t in labels[b].tolist() if t != -100 and t != tok.pad_token_id]
        got = ours_logits(run, {"src": [src], "tgt": [[start] + tgt[:-1]]})[0]
        worst = max(worst, (got - theirs[b, : len(tgt)]).abs().max().item())
    same = 0
    for en, _ in pairs[:4]:
        ours = json.loads(node(CLI, "translate", "--checkpoint", run, "--json", "--max-new-tokens", "40", en).splitlines()[0])
        # our translate has no forced_eos_token_id (</s> in the last place allowed): the tiny model may not stop in 40
        ids = model.generate(**tok([en], return_tensors="pt"), num_beams=1, do_sample=False, max_new_tokens=40,
                             forced_eos_token_id=None)[0].tolist()
        same += ids[1:] == ours["ids"]  # transformers' output starts with decoder_start_token_id
    print(f"marian: export of a 20-step fine-tune of marian-tiny in transformers: max |Δlogit| {worst:.3e} over {len(pairs)} pairs; greedy ids equal for {same}/4 sentences")
    if same != 4:
        failures.append(f"marian: greedy ids differ for {4 - same} of 4 sentences")
    return worst, failures


def check_bert(work):
    verses = [v.rstrip("\n") for v in bible("web-english.train.txt.gz", 5000, 5200) if len(v) < 150]
    label = lambda t: "yahweh" if "Yahweh" in t else "question" if "?" in t else "other"  # make_bert_fixtures.py's
    data = os.path.join(work, "labelled.tsv")
    with open(data, "w", encoding="utf-8") as f:
        f.write("text\tlabel\n" + "".join(f"{v}\t{label(v)}\n" for v in verses))
    run, hf = fine_tune(work, os.path.join(FIXTURES, "bert-tiny", "classifier"), data)
    model = BertForSequenceClassification.from_pretrained(hf).eval()
    tok = AutoTokenizer.from_pretrained(hf)
    texts = verses[:8]
    theirs = model(**tok(texts, padding=True, return_tensors="pt")).logits
    failures, worst = [], 0.0
    for b, text in enumerate(texts):
        got = ours_logits(run, [tok(text).input_ids])[0]
        worst = max(worst, (got - theirs[b]).abs().max().item())
    probs = theirs.softmax(-1)
    names = [model.config.id2label[i] for i in range(probs.shape[1])]
    ours = [json.loads(l) for l in node(CLI, "classify", "--checkpoint", run, "--json", *texts).splitlines()]
    dp = max(abs(o["probabilities"][n] - probs[b, i].item()) for b, o in enumerate(ours) for i, n in enumerate(names))
    print(f"bert: export of a 20-step fine-tune of bert-tiny/classifier in transformers: max |Δlogit| {worst:.3e} over {len(texts)} texts; classify --json max |Δp| {dp:.3e}")
    if dp > TOLERANCE:
        failures.append(f"bert: classify probabilities differ by {dp}")
    return worst, failures


CHECKS = {"gpt2": check_gpt2, "marian": check_marian, "bert": check_bert}


def main():
    torch.set_num_threads(1)
    names = sys.argv[1:] or list(CHECKS)
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        sys.exit(f"unknown family {unknown[0]!r}; expected one of {', '.join(CHECKS)}")
    failures = []
    for name in names:
        worst, failed = CHECKS[name](tempfile.mkdtemp(prefix=f"check-export-{name}-"))
        failures += failed
        if worst > TOLERANCE:
            failures.append(f"{name}: max |Δlogit| {worst} > {TOLERANCE}")
    if failures:
        sys.exit("\n".join(failures))


if __name__ == "__main__":
    with torch.no_grad():
        main()
