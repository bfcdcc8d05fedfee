"""Our trainer's recipe in PyTorch, on the same token ids: tells what the recipe does from what our code does.

A replica of `transformer train --arch seq2seq` on the bundled Bible pairs: the reference model of
scripts/pytorch/torch_reference.py (nn.Transformer, post-LN) plus dropout on the embeddings as ours, Xavier-uniform
matrices and zero biases (src/models/init.ts), batches of pairs sorted by length under a per-side token budget
(src/data/batching.ts), label-smoothed cross-entropy, Adam(0.9, 0.98, 1e-9), noam warm-up, gradient clipping.
Every `--eval-every` steps it prints the validation cross-entropy (no smoothing) and the same with each batch's
sources rotated by one row; at the end, greedy decoding's sacreBLEU and chrF on the test verses.

The token ids come from bench/recipe/export-ids.ts (our BPE, from a run folder); `--tok spm` trains a SentencePiece
BPE on the training text instead. Built for a GPU (1,500 small-preset steps in about 90 s on an H100); runs on CPU.

Usage: python3 bench/recipe/train_torch.py IDS_DIR NAME [--preset small] [--steps 1500] [--lr-factor 0.5] ...
"""
import argparse
import csv
import gzip
import math
import os
import random
import sys
import time

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts", "pytorch"))
from torch_reference import TrainSeq2Seq  # noqa: E402

PRESETS = {"tiny": (64, 4, 256, 2), "small": (256, 8, 1024, 3), "base": (512, 8, 2048, 6)}
PAD, BOS, EOS, MAX_LEN = 0, 1, 2, 128


def read_tsv(split):
    with gzip.open(os.path.join(HERE, "..", "..", "data", "bible", f"web-sparv.{split}.tsv.gz"), "rt", encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    e, s = rows[0].index("english"), rows[0].index("spanish")
    return [(r[e], r[s]) for r in rows[1:]]


def read_ids(ids_dir, split):
    a = np.fromfile(os.path.join(ids_dir, f"{split}.i32"), dtype="<i4")
    out, i = [], 0
    while i < len(a):
        s, t = int(a[i]), int(a[i + 1])
        out.append((a[i + 2:i + 2 + s].tolist(), a[i + 2 + s:i + 2 + s + t].tolist()))
        i += 2 + s + t
    return out


def batches(pairs, max_tokens, rng):
    """src/data/batching.ts: sorted by (source, target) length, cut at batch size × longer side ≤ max_tokens."""
    order = list(range(len(pairs)))
    if rng:
        rng.shuffle(order)
    order.sort(key=lambda i: (len(pairs[i][0]), len(pairs[i][1]) + 1))
    out, cur, longest = [], [], 0
    for i in order:
        alone = max(len(pairs[i][0]), len(pairs[i][1]) + 1)
        if cur and (len(cur) + 1) * max(longest, alone) > max_tokens:
            out.append(cur)
            cur, longest = [], 0
        cur.append(i)
        longest = max(longest, alone)
    if cur:
        out.append(cur)
    if rng:
        rng.shuffle(out)
    return out


def collate(pairs, idx, dev):
    S = max(len(pairs[i][0]) for i in idx)
    T = max(len(pairs[i][1]) for i in idx) + 1
    src = torch.full((len(idx), S), PAD, dtype=torch.long)
    tin, tout = torch.full((len(idx), T), PAD, dtype=torch.long), torch.full((len(idx), T), PAD, dtype=torch.long)
    for r, i in enumerate(idx):
        s, t = pairs[i]
        src[r, :len(s)] = torch.tensor(s, dtype=torch.long)
        tin[r, :len(t) + 1] = torch.tensor([BOS] + t, dtype=torch.long)
        tout[r, :len(t) + 1] = torch.tensor(t + [EOS], dtype=torch.long)
    return src.to(dev), tin.to(dev), tout.to(dev)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ids_dir")
    ap.add_argument("name")
    ap.add_argument("--preset", default="small", choices=PRESETS)
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--lr-factor", type=float, default=0.5)
    ap.add_argument("--warmup", type=int, default=400)
    ap.add_argument("--clip", type=float, default=1.0, help="0: no clipping")
    ap.add_argument("--batch-tokens", type=int, default=4096)
    ap.add_argument("--eval-every", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tok", choices=["ours", "spm"], default="ours")
    ap.add_argument("--no-bleu", action="store_true")
    a = ap.parse_args()
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(a.seed)
    if a.tok == "spm":
        import sentencepiece as spm
        with open("/tmp/recipe_spm.txt", "w", encoding="utf-8") as f:
            for e, s in read_tsv("train"):
                f.write(e + "\n" + s + "\n")
        spm.SentencePieceTrainer.train(input="/tmp/recipe_spm.txt", model_prefix="/tmp/recipe_spm", vocab_size=8000,
                                       model_type="bpe", pad_id=PAD, bos_id=BOS, eos_id=EOS, unk_id=3, character_coverage=1.0)
        sp = spm.SentencePieceProcessor(model_file="/tmp/recipe_spm.model")
        data = {k: [(sp.encode(e), sp.encode(s)) for e, s in read_tsv(k)] for k in ("train", "valid", "test")}
        detok = sp.decode
    else:
        data = {k: read_ids(a.ids_dir, k) for k in ("train", "valid", "test")}
        detok = None  # Hugging Face's tokenizers reads our tokenizer.json; only needed for BLEU
    fits = lambda ps: [p for p in ps if 0 < len(p[0]) <= MAX_LEN and 0 < len(p[1]) <= MAX_LEN - 1]
    train, valid = fits(data["train"]), fits(data["valid"])
    d, h, ff, n = PRESETS[a.preset]
    cfg = {"architecture": "seq2seq", "src_vocab_size": 8000, "tgt_vocab_size": 8000, "d_model": d, "num_heads": h, "d_ff": ff,
           "num_encoder_layers": n, "num_decoder_layers": n, "dropout": 0.1, "activation": "relu", "norm_first": False,
           "layer_norm_eps": 1e-5, "positional": "sinusoidal", "max_len": MAX_LEN, "scale_embeddings": True,
           "pad_id": PAD, "bos_id": BOS, "eos_id": EOS}
    model = TrainSeq2Seq(cfg).to(dev)
    with torch.no_grad():  # src/models/init.ts
        for name, p in model.named_parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)
            elif "norm" not in name:
                p.zero_()
    adam = torch.optim.Adam(model.parameters(), lr=0, betas=(0.9, 0.98), eps=1e-9)
    smoothed = nn.CrossEntropyLoss(ignore_index=PAD, label_smoothing=0.1)
    summed = nn.CrossEntropyLoss(ignore_index=PAD, reduction="sum")
    valid_batches = batches(valid, a.batch_tokens, None)
    print(f"{a.name}: {len(train)} training pairs, {len(valid)} validation pairs, {a.preset}, lr factor {a.lr_factor}, "
          f"warm-up {a.warmup}, clip {a.clip}, {a.tok} tokens, {dev}", flush=True)

    def evaluate():
        model.eval()
        loss = shuffled = tokens = 0.0
        with torch.no_grad():
            for idx in valid_batches:
                src, tin, tout = collate(valid, idx, dev)
                loss += summed(model(src, tin).flatten(0, 1), tout.flatten()).item()
                shuffled += summed(model(torch.roll(src, 1, 0), tin).flatten(0, 1), tout.flatten()).item()
                tokens += (tout != PAD).sum().item()
        model.train()
        return loss / tokens, shuffled / tokens

    step, epoch, window, count, t0 = 0, 0, 0.0, 0, time.time()
    while step < a.steps:
        for idx in batches(train, a.batch_tokens, random.Random(a.seed + epoch)):
            step += 1
            lr = a.lr_factor * d ** -0.5 * min(step ** -0.5, step * a.warmup ** -1.5)
            for g in adam.param_groups:
                g["lr"] = lr
            src, tin, tout = collate(train, idx, dev)
            loss = smoothed(model(src, tin).flatten(0, 1), tout.flatten())
            adam.zero_grad()
            loss.backward()
            if a.clip > 0:
                nn.utils.clip_grad_norm_(model.parameters(), a.clip)
            adam.step()
            window, count = window + loss.item(), count + 1
            if step % a.eval_every == 0 or step == a.steps:
                v, vs = evaluate()
                print(f"{a.name} step {step} epoch {epoch} train {window / count:.3f} valid {v:.3f} shuffled sources {vs:.3f} "
                      f"(+{vs - v:.3f}) lr {lr:.2e} {time.time() - t0:.0f}s", flush=True)
                window, count = 0.0, 0
            if step >= a.steps:
                break
        epoch += 1
    if a.no_bleu:
        return
    import sacrebleu
    if detok is None:
        from tokenizers import Tokenizer
        detok = Tokenizer.from_file(os.path.join(a.ids_dir, "tokenizer.json")).decode
    raw = read_tsv("test")
    keep = [i for i, p in enumerate(data["test"]) if 0 < len(p[0]) <= MAX_LEN]
    hyps = []
    model.eval()
    with torch.no_grad():
        for k in range(0, len(keep), 64):
            chunk = [data["test"][i] for i in keep[k:k + 64]]
            S = max(len(p[0]) for p in chunk)
            src = torch.full((len(chunk), S), PAD, dtype=torch.long)
            for r, p in enumerate(chunk):
                src[r, :len(p[0])] = torch.tensor(p[0], dtype=torch.long)
            src = src.to(dev)
            out = torch.full((len(chunk), 1), BOS, dtype=torch.long, device=dev)
            done = torch.zeros(len(chunk), dtype=torch.bool, device=dev)
            while out.shape[1] < min(MAX_LEN, S + 51) and not done.all():  # the paper's source length + 50
                best = model(src, out)[:, -1].argmax(-1)
                nxt = torch.where(done, torch.full_like(best, PAD), best)
                out = torch.cat([out, nxt[:, None]], 1)
                done |= nxt == EOS
            for row in out[:, 1:].tolist():
                row = row[:row.index(EOS)] if EOS in row else row
                hyps.append(detok([t for t in row if t != PAD]))
    refs = [raw[i][1] for i in keep]
    print(f"{a.name} test BLEU {sacrebleu.corpus_bleu(hyps, [refs]).score:.2f} chrF {sacrebleu.corpus_chrf(hyps, [refs]).score:.2f} "
          f"({len(keep)} verses); first: {hyps[0]!r}", flush=True)


if __name__ == "__main__":
    main()
