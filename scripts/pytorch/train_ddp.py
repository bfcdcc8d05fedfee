"""Continues one of our seq2seq run folders with PyTorch DistributedDataParallel, on many processes, GPUs or machines.

    torchrun --nproc_per_node N scripts/pytorch/train_ddp.py RUN_DIR --out NEW_RUN_DIR --steps TOTAL [--log-every K]

(`python3 -m torch.distributed.run` where there is no `torchrun`; a plain `python3 train_ddp.py ...` runs one process.)
Backend nccl on GPUs (one per process, cuda:LOCAL_RANK), gloo on CPU (`--cpu` forces it). Run it from the folder the
run was started in (its data paths are relative to it: the repository root for data/bible/...).

When to use which path. `transformer train` is the reference: one process, every kernel checked against PyTorch,
bit-repeatable runs and resume. This script is for training past one machine's throughput — many GPUs, many nodes —
on the same recipe, and it hands back a run folder of ours, so that `transformer translate/eval --checkpoint`,
`transformer export --format onnx` and `transformer train --resume` continue from it. For serving, export to ONNX
(`transformer export --format onnx`) and run the files in ONNX Runtime (onnxruntime-node, onnxruntime-web in a
browser, or any other runtime); neither needs this script.

What it does, step for step as src/run/train-run.ts:
- the model of scripts/pytorch/torch_reference.py (nn.Transformer; the state dict names are ours) with dropout on the
  embeddings + positions as ours (torch_reference.py's TrainSeq2Seq), loaded from model.safetensors;
- the loss: PyTorch's cross_entropy with label_smoothing = the run's labelSmoothing and ignore_index = pad_id, the
  mean over the target tokens of each batch; a step's loss is the mean over its batches (as our --accum);
- Adam(0.9, 0.98, 1e-9) (AdamW when the run has weightDecay > 0, as ours), its moments m.NAME / v.NAME and step count
  (metadata adam_step) from optimizer.safetensors, NAME being our namedParameters() name of the tensor (a tied
  weight: its first name); the learning rate of step s is the run's schedule at s: noam
  lrFactor · d_model^-0.5 · min(s^-0.5, s · warmup^-1.5), or cosine to --steps; global-norm clipping at `clip`;
- batches: src/data/batching.ts ported exactly (mulberry32 shuffle seeded seed·1000 + epoch, stable sort by source
  then target length, cut at batch size × longer side ≤ batchTokens), continuing at the saved epoch and batch.
  Each step takes the next N·accum batches of that one global order and rank r trains on every N-th of them
  (r, r + N, ...); DDP averages the gradients, so a step here is exactly one of ours with --accum N·accum:
  the effective batch is N times ours (N·batchTokens padded tokens a side), and the schedule still counts optimizer
  steps, so per step the learning rate is ours while each step sees N times the data (raise lrFactor yourself if
  you want the usual scaling; the run's own value is kept, as `train --resume` keeps it);
- the token ids: the run's tokenizer on the run's data files, filtered to max_len, exactly as ours
  (scripts/pytorch/run_ids.mjs, which rank 0 runs with node and broadcasts; or `--ids DIR` from an earlier
  `node scripts/pytorch/run_ids.mjs RUN_DIR DIR`, for machines without node);
- at the end a validation over the run's valid file (sharded over the ranks; loss without smoothing and with
  sources rotated by one row, as src/eval/evaluate.ts), then rank 0 writes NEW_RUN_DIR: config.json,
  model.safetensors (our state dict names, F32), optimizer.safetensors, training_state.json (the new step, epoch and
  batch, tokens seen, options.out = NEW_RUN_DIR, options.steps = TOTAL), tokenizer.json (+ tokenizer.target.json),
  metrics.jsonl (the source's history, then this sitting's lines, with world_size and batches_per_step), best/ (the
  source's, or this sitting's when its validation is the best) and manifest.json last; built as .NAME.tmp-PID beside
  NEW_RUN_DIR and renamed into place.

What differs from ours: the dropout masks are PyTorch's (seeded from the run's seed, the step and the rank), so a
continued run is repeatable with the same world size but not bit-identical to `transformer train`; the saved dropout
state (training_state.json "rng", our generator's) is passed on unchanged. `--probe` prints each rank's first batch
loss with dropout off and writes nothing: it equals what our trainer computes for that batch (checked on 2 CPU
processes with gloo; see the README's "Scale-out"). Debian's python3-torch 1.13 under Python 3.11 needs
`torchrun --redirects 1 --tee 1 ...`: there its default `--redirects 0` does not parse (IntFlag iteration changed).
"""
import argparse
import contextlib
import hashlib
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import torch_reference  # noqa: E402
from torch_reference import TrainSeq2Seq  # noqa: E402

MANIFEST_FORMAT = "transformer-checkpoint-1"
MASK32 = 0xFFFFFFFF


class Refused(Exception):
    """A one-line reason to stop before training."""


def read_safetensors(path):
    try:
        return torch_reference.read_safetensors(path)
    except ValueError as e:
        raise Refused(f"{e} (a training run's files are F32)") from None


def write_safetensors(path, tensors, metadata):
    try:
        torch_reference.save_safetensors(path, tensors, metadata, sync=True)
    except ValueError as e:
        raise Refused(str(e)) from None


# --- the run folder (src/run/format.ts, manifest.ts, state.ts) ---

def describe(path):
    h, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return {"size": size, "sha256": h.hexdigest()}


def read_manifest(folder):
    path = os.path.join(folder, "manifest.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        m = json.load(f)
    if m.get("format") != MANIFEST_FORMAT:
        raise Refused(f"{path}: not a checkpoint manifest of this version ({MANIFEST_FORMAT})")
    return m


def check_intact(folder):
    """Refuses a torn folder (a file that does not match its manifest), as ours does; returns the manifest's step or None."""
    m = read_manifest(folder)
    if m is None:
        if os.path.isdir(os.path.join(folder, "checkpoints")):
            raise Refused(f"{folder}: manifest.json is missing (an interrupted save?); `transformer train --resume {folder}` repairs it")
        return None
    for name, entry in m["files"].items():
        p = os.path.join(folder, name)
        if not os.path.exists(p) or describe(p) != entry:
            raise Refused(f"{folder}: torn checkpoint ({name} does not match manifest.json); `transformer train --resume "
                          f"{folder}` repairs a run folder, or give one of its checkpoints/step-N")
    return m["step"]


def metrics_history(folder, state):
    """The metrics lines up to the saved step, as src/run/resume-point.ts metricsHistory."""
    path = os.path.join(folder, "metrics.jsonl")
    if not os.path.exists(path):
        return b""
    with open(path, "rb") as f:
        data = f.read()
    m = read_manifest(folder)
    if m is not None and "metrics.jsonl" in m["files"]:
        return data  # a checkpoint's own snapshot
    cut = state.get("metricsBytes")
    if cut is not None and cut <= len(data) and (cut == 0 or data[cut - 1:cut] == b"\n"):
        return data[:cut]
    return b"".join(l + b"\n" for l in data.split(b"\n") if l and json.loads(l).get("step", 0) <= state["step"])


# --- batching: src/data/batching.ts and src/tensor/random.ts (mulberry32) ---

class Mulberry32:
    def __init__(self, seed):
        self.s = seed & MASK32

    def next_uint32(self):
        self.s = (self.s + 0x6D2B79F5) & MASK32
        t = self.s
        t = ((t ^ (t >> 15)) * (t | 1)) & MASK32
        t ^= (t + (((t ^ (t >> 7)) * (t | 61)) & MASK32)) & MASK32
        return (t ^ (t >> 14)) & MASK32

    def shuffle(self, items):
        for i in range(len(items) - 1, 0, -1):
            j = math.floor(self.next_uint32() / 4294967296 * (i + 1))
            items[i], items[j] = items[j], items[i]
        return items


def batch_by_tokens(lengths, max_tokens, shuffle, seed=0):
    """Index batches: each of a batch's pairs within batch size × max(longest source, longest target) ≤ max_tokens."""
    rng = Mulberry32(seed)
    order = list(range(len(lengths)))
    if shuffle:
        rng.shuffle(order)
    order.sort(key=lambda i: lengths[i])  # stable: by source, then target length
    batches, batch, max_s, max_t = [], [], 0, 0
    for i in order:
        s_i, t_i = lengths[i]
        if max(s_i, t_i) > max_tokens:
            raise Refused(f"example {i} alone takes {max(s_i, t_i)} padded tokens, more than batchTokens {max_tokens}")
        s, t = max(max_s, s_i), max(max_t, t_i)
        if batch and (len(batch) + 1) * max(s, t) > max_tokens:
            batches.append(batch)
            batch, max_s, max_t = [i], s_i, t_i
        else:
            batch.append(i)
            max_s, max_t = s, t
    if batch:
        batches.append(batch)
    if shuffle:
        rng.shuffle(batches)
    return batches


class BatchStream:
    """The training loop's nextBatch: the epoch's batches in order, a new shuffle (seed·1000 + epoch) after the last."""

    def __init__(self, lengths, max_tokens, seed, epoch, batch_in_epoch):
        self.lengths, self.max_tokens, self.seed = lengths, max_tokens, seed
        self.epoch, self.k = epoch, batch_in_epoch
        self.batches = self._epoch()

    def _epoch(self):
        return batch_by_tokens(self.lengths, self.max_tokens, True, self.seed * 1000 + self.epoch)

    def next(self):
        if self.k >= len(self.batches):
            self.epoch, self.k = self.epoch + 1, 0
            self.batches = self._epoch()
        self.k += 1
        return self.batches[self.k - 1]


def collate(pairs, idx, cfg, dev):
    """bos y1..yn in, y1..yn eos out (src/data/collate.ts); the tokens a batch counts: sources + targets with eos."""
    pad, bos, eos = cfg["pad_id"], cfg["bos_id"], cfg["eos_id"]
    S = max(len(pairs[i][0]) for i in idx)
    T = max(len(pairs[i][1]) for i in idx) + 1
    src = np.full((len(idx), S), pad, dtype=np.int64)
    tin, tout = np.full((len(idx), T), pad, dtype=np.int64), np.full((len(idx), T), pad, dtype=np.int64)
    tokens = 0
    for r, i in enumerate(idx):
        s, t = pairs[i]
        src[r, :len(s)] = s
        tin[r, 0], tin[r, 1:len(t) + 1] = bos, t
        tout[r, :len(t)], tout[r, len(t)] = t, eos
        tokens += len(s) + len(t) + 1
    as_tensor = lambda a: torch.from_numpy(a).to(dev)
    return as_tensor(src), as_tensor(tin), as_tensor(tout), tokens


def read_ids(path):
    a = np.fromfile(path, dtype="<i4")
    out, i = [], 0
    while i < len(a):
        s, t = int(a[i]), int(a[i + 1])
        out.append((a[i + 2:i + 2 + s].tolist(), a[i + 2 + s:i + 2 + s + t].tolist()))
        i += 2 + s + t
    return out


def load_ids(args, state, rank, world):
    """{split: pairs}: from --ids, or made by rank 0 with run_ids.mjs and broadcast to the others."""
    splits = ["train"] + (["valid"] if state["options"].get("valid") else [])
    if args.ids:
        return {s: read_ids(os.path.join(args.ids, f"{s}.i32")) for s in splits}
    box = [None]
    if rank == 0:
        with tempfile.TemporaryDirectory(prefix="train-ddp-ids-") as tmp:
            cmd = [args.node, os.path.join(HERE, "run_ids.mjs"), args.run_dir, tmp]
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if r.returncode != 0:
                box[0] = Refused(f"{' '.join(cmd)} failed: {r.stdout.strip().splitlines()[-1] if r.stdout.strip() else r.returncode} "
                                 "(build the project first, `npm run build`, or pass --ids DIR)")
            else:
                print(r.stdout.strip(), flush=True)
                box[0] = {s: read_ids(os.path.join(tmp, f"{s}.i32")) for s in splits}
    if world > 1:
        dist.broadcast_object_list(box, src=0)
    if isinstance(box[0], Exception):
        raise box[0]
    return box[0]


# --- schedule (src/train/schedule.ts) ---

def learning_rate(o, d_model, step, total):
    if o.get("schedule", "noam") == "noam":
        return o["lrFactor"] * d_model ** -0.5 * min(step ** -0.5, step * o["warmup"] ** -1.5)
    peak, warmup = o["lr"], o["warmup"]
    if warmup > 0 and step <= warmup:
        return peak * step / warmup
    progress = min(1, (step - warmup) / max(1, total - warmup))
    return 0.5 * peak * (1 + math.cos(math.pi * progress))


def evaluate(model, pairs, cfg, o, dev, rank, world):
    """Validation as src/eval/evaluate.ts, its batches sharded over the ranks: (loss, loss with sources rotated)."""
    batches = batch_by_tokens([(len(s), len(t) + 1) for s, t in pairs], o["batchTokens"], False)
    if o.get("validBatches", 0) > 0:
        batches = batches[:o["validBatches"]]
    sums = torch.zeros(3, dtype=torch.float64, device=dev)
    pad = cfg["pad_id"]
    model.eval()
    with torch.no_grad():
        for idx in batches[rank::world]:
            src, tin, tout, _ = collate(pairs, idx, cfg, dev)
            ce = lambda s: F.cross_entropy(model(s, tin).flatten(0, 1).double(), tout.flatten(), ignore_index=pad, reduction="sum")
            sums += torch.stack([ce(src), ce(torch.roll(src, -1, 0)), (tout != pad).sum().double()])  # row b: source b + 1
    model.train()
    if world > 1:
        dist.all_reduce(sums)
    return (sums[0] / sums[2]).item(), (sums[1] / sums[2]).item()


# --- the sitting ---

def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run_dir", help="one of our seq2seq run folders (or a checkpoints/step-N of one)")
    ap.add_argument("--out", required=True, help="the run folder to write (must not exist, or be empty)")
    ap.add_argument("--steps", type=int, required=True, help="total optimizer steps of the run, as ours: it continues from its saved step to this one")
    ap.add_argument("--log-every", type=int, help="steps between metric lines (default: the run's logEvery)")
    ap.add_argument("--no-eval", action="store_true", help="no validation at the end")
    ap.add_argument("--ids", help="a folder of train.i32 / valid.i32 from scripts/pytorch/run_ids.mjs (default: made now by rank 0)")
    ap.add_argument("--node", default="node", help="the node binary for run_ids.mjs")
    ap.add_argument("--cpu", action="store_true", help="train on CPU (gloo) even where CUDA is available")
    ap.add_argument("--probe", action="store_true",
                    help="print each rank's label-smoothed loss of its first batch with dropout off, at the saved weights, and exit (writes nothing)")
    return ap.parse_args()


def main():
    args = parse_args()
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    cuda = torch.cuda.is_available() and not args.cpu
    if cuda:
        torch.cuda.set_device(local)
    dev = torch.device(f"cuda:{local}" if cuda else "cpu")
    if world > 1:
        dist.init_process_group("nccl" if cuda else "gloo")
    say = (lambda *a: print(*a, flush=True)) if rank == 0 else (lambda *a: None)
    try:
        run(args, world, rank, dev, say)
    except Refused as e:
        if rank == 0:
            print(f"train_ddp.py: {e}", file=sys.stderr, flush=True)
        sys.exit(1)
    finally:
        if world > 1 and dist.is_initialized():
            dist.destroy_process_group()


def run(args, world, rank, dev, say):
    src_dir = args.run_dir
    for name in ("config.json", "training_state.json", "model.safetensors", "optimizer.safetensors", "tokenizer.json"):
        if not os.path.exists(os.path.join(src_dir, name)):
            raise Refused(f"{src_dir}: {name} is missing (a run folder to continue holds it)")
    manifest_step = check_intact(src_dir)
    with open(os.path.join(src_dir, "config.json")) as f:
        cfg = json.load(f)
    with open(os.path.join(src_dir, "training_state.json")) as f:
        state = json.load(f)
    o = state["options"]
    if cfg["architecture"] != "seq2seq":
        raise Refused(f"{src_dir}: architecture {cfg['architecture']}; train_ddp.py continues seq2seq runs")
    if state.get("batching") != "per-side":
        raise Refused(f"{src_dir}: saved by a version whose batches counted both sides together; it cannot be continued exactly")
    if args.steps <= state["step"]:
        raise Refused(f"--steps {args.steps}: the run is at step {state['step']} already (--steps counts the run's total, as ours)")
    if manifest_step is not None and manifest_step != state["step"]:
        raise Refused(f"{src_dir}: manifest.json says step {manifest_step}, training_state.json step {state['step']}")
    if rank == 0 and os.path.exists(args.out) and (not os.path.isdir(args.out) or os.listdir(args.out)):
        raise Refused(f"--out {args.out}: exists and is not empty; choose a new folder")
    weights, wmeta = read_safetensors(os.path.join(src_dir, "model.safetensors"))
    moments, ometa = read_safetensors(os.path.join(src_dir, "optimizer.safetensors"))
    for what, meta in (("model.safetensors", wmeta), ("optimizer.safetensors", ometa)):
        if "training_step" in meta and int(meta["training_step"]) != state["step"]:
            raise Refused(f"{src_dir}: training_state.json says step {state['step']}, {what} step {meta['training_step']}")

    torch.manual_seed(o["seed"] * 1000003 + state["step"] * 7919 + rank)  # PyTorch's dropout stream, per sitting and rank
    model = TrainSeq2Seq(cfg)
    model.load_state_dict(weights, strict=True)
    model.to(dev).train()
    wrapped = nn.parallel.DistributedDataParallel(model, device_ids=[dev.index] if dev.type == "cuda" else None) if world > 1 else model

    # Adam's moments, by our parameter names (a tied weight has the moments of its first name)
    by_name = model.state_dict(keep_vars=True)
    params = list(model.parameters())
    opt_names = sorted({k[2:] for k in moments if k[:2] in ("m.", "v.")})
    owner = {}
    for name in opt_names:
        if name not in by_name:
            raise Refused(f"{src_dir}/optimizer.safetensors: moments of {name!r}, which the model has no parameter of")
        owner[id(by_name[name])] = name
    missing = [p for p in params if id(p) not in owner]
    if missing:
        raise Refused(f"{src_dir}/optimizer.safetensors: no moments for {len(missing)} parameter(s)")
    wd = o.get("weightDecay", 0)
    Opt = torch.optim.AdamW if wd > 0 else torch.optim.Adam
    opt = Opt(params, lr=0.0, betas=(0.9, 0.98), eps=1e-9, weight_decay=wd)
    adam_step = float(ometa.get("adam_step", state["step"]))
    for p in params:
        name = owner[id(p)]
        opt.state[p] = {"step": torch.tensor(adam_step), "exp_avg": moments[f"m.{name}"].to(dev).reshape(p.shape),
                        "exp_avg_sq": moments[f"v.{name}"].to(dev).reshape(p.shape)}

    data = load_ids(args, state, rank, world)
    train = data["train"]
    lengths = [(len(s), len(t) + 1) for s, t in train]
    stream = BatchStream(lengths, o["batchTokens"], o["seed"], state["epoch"], state["batchInEpoch"])
    accum, pad, ls, clip = o.get("accum", 1), cfg["pad_id"], o["labelSmoothing"], o["clip"]
    per_step = world * accum
    n_params = sum(p.numel() for p in params)
    say(f"{src_dir}: step {state['step']} (epoch {state['epoch']}, batch {state['batchInEpoch']}), {len(train)} training pairs; "
        f"{n_params:,} parameters; {world} process(es) on {dev.type} ({'nccl' if dev.type == 'cuda' else 'gloo'}), "
        f"{per_step} batches of {o['batchTokens']} tokens a side per step (ours: {accum})")

    if args.probe:
        group = [stream.next() for _ in range(per_step)]
        model.eval()
        with torch.no_grad():
            for j, idx in enumerate(group[rank::world]):
                src, tin, tout, _ = collate(train, idx, cfg, dev)
                loss = F.cross_entropy(model(src, tin).flatten(0, 1), tout.flatten(), ignore_index=pad, label_smoothing=ls)
                print(f"probe: rank {rank} batch {rank + j * world} of step {state['step'] + 1} ({len(idx)} pairs): "
                      f"loss without dropout {loss.item():.6f}", flush=True)
        return

    log_every = args.log_every or o.get("logEvery", 10)
    lines, step, tokens_seen = [], state["step"], state["tokensSeen"]
    window_loss = window_steps = window_tokens = 0
    window_start = t_train = time.time()  # elapsed_s counts training time, as ours (not the loading above)
    while step < args.steps:
        lr = learning_rate(o, cfg["d_model"], step + 1, args.steps)
        for g in opt.param_groups:
            g["lr"] = lr
        where = (stream.epoch, stream.k) if stream.k < len(stream.batches) else (stream.epoch + 1, 0)
        group = [stream.next() for _ in range(per_step)]
        mine = group[rank::world]
        opt.zero_grad(set_to_none=True)
        local = 0.0
        for j, idx in enumerate(mine):
            src, tin, tout, _ = collate(train, idx, cfg, dev)
            sync = contextlib.nullcontext() if world == 1 or j == len(mine) - 1 else wrapped.no_sync()
            with sync:
                loss = F.cross_entropy(wrapped(src, tin).flatten(0, 1), tout.flatten(), ignore_index=pad, label_smoothing=ls)
                (loss / len(mine)).backward()
            local += loss.item() / len(mine)
        norm = nn.utils.clip_grad_norm_(params, clip)
        losses = torch.tensor([local], dtype=torch.float64, device=dev)
        if world > 1:
            gathered = [torch.zeros_like(losses) for _ in range(world)]
            dist.all_gather(gathered, losses)
            losses = torch.cat(gathered)
        step_loss = losses.mean().item()
        if not (math.isfinite(step_loss) and math.isfinite(norm.item())):
            raise Refused(f"step {step + 1}: loss {step_loss}, gradient norm {norm.item()}; nothing written")
        opt.step()
        step += 1
        step_tokens = sum(collate_tokens(train, idx) for idx in group)
        tokens_seen += step_tokens
        window_loss, window_steps, window_tokens = window_loss + step_loss, window_steps + 1, window_tokens + step_tokens
        if step == state["step"] + 1:
            say(f"step {step}: loss {step_loss:.6f}, per rank {', '.join(f'{x:.6f}' for x in losses.tolist())} "
                f"(rank r trained on batch r of the step's {per_step}, from epoch {where[0]} batch {where[1]} of the "
                f"global order); gradient norm {norm.item():.4f}; lr {lr:.4e}")
        if step % log_every == 0 or step == args.steps:
            now = time.time()
            elapsed = state["elapsedSeconds"] + now - t_train
            line = {"type": "train", "step": step, "loss": window_loss / window_steps, "lr": lr,
                    "tokens_per_s": round(window_tokens / max(now - window_start, 1e-9)), "elapsed_s": round(elapsed, 1),
                    "world_size": world, "batches_per_step": per_step}
            lines.append(line)
            say(f"step {step}/{args.steps}  loss {line['loss']:.3f}  lr {lr:.2e}  {line['tokens_per_s']:,} tok/s  elapsed {elapsed:.0f}s")
            window_loss = window_steps = window_tokens = 0
            window_start = now

    new = dict(state, step=step, epoch=stream.epoch, batchInEpoch=stream.k, tokensSeen=tokens_seen,
               options=dict(o, out=args.out, steps=args.steps))
    best_from_here = False
    if data.get("valid") and not args.no_eval:
        v, vs = evaluate(model, data["valid"], cfg, o, dev, rank, world)
        lines.append({"type": "valid", "step": step, "loss": v, "ppl": math.exp(v), "loss_shuffled_src": vs})
        best_from_here = state.get("bestValidLoss") is None or v < state["bestValidLoss"]
        if best_from_here:
            new.update(bestValidLoss=v, bestStep=step)
        new["evaluatedStep"] = step
        say(f"step {step}: validation loss {v:.3f} (perplexity {math.exp(v):.1f}; with shuffled sources {vs:.3f}){' best so far' if best_from_here else ''}")
    if rank == 0:
        new["elapsedSeconds"] = state["elapsedSeconds"] + time.time() - t_train
        history = metrics_history(src_dir, state) + b"".join(json.dumps(l, separators=(",", ":")).encode() + b"\n" for l in lines)
        write_run(args.out, src_dir, model, opt, owner, params, new, history, wmeta, best_from_here)
        say(f"wrote {args.out} at step {step} (epoch {new['epoch']}, batch {new['batchInEpoch']})")
    if world > 1:
        dist.barrier()


def collate_tokens(pairs, idx):
    return sum(len(pairs[i][0]) + len(pairs[i][1]) + 1 for i in idx)


def write_run(out, src_dir, model, opt, owner, params, state, history, wmeta, best_from_here):
    """A run folder of ours, built beside `out` and renamed into place, manifest.json last."""
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    tmp = os.path.join(parent, f".{os.path.basename(os.path.abspath(out))}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    step = state["step"]
    sd = model.state_dict()
    names = sorted(read_safetensors_names(os.path.join(src_dir, "model.safetensors")))
    write_safetensors(os.path.join(tmp, "model.safetensors"), {n: sd[n] for n in names},
                      {**{k: v for k, v in wmeta.items() if k not in ("training_step",)}, "format": "pt",
                       "created_by": "scripts/pytorch/train_ddp.py", "training_step": step})
    moments, adam_step = {}, None
    for p in params:
        s = opt.state[p]
        moments[f"m.{owner[id(p)]}"], moments[f"v.{owner[id(p)]}"] = s["exp_avg"], s["exp_avg_sq"]
        adam_step = int(float(s["step"]))
    write_safetensors(os.path.join(tmp, "optimizer.safetensors"), moments, {"adam_step": adam_step, "training_step": step})
    files = ["config.json", "model.safetensors", "tokenizer.json"]
    shutil.copyfile(os.path.join(src_dir, "config.json"), os.path.join(tmp, "config.json"))
    shutil.copyfile(os.path.join(src_dir, "tokenizer.json"), os.path.join(tmp, "tokenizer.json"))
    if os.path.exists(os.path.join(src_dir, "tokenizer.target.json")):
        shutil.copyfile(os.path.join(src_dir, "tokenizer.target.json"), os.path.join(tmp, "tokenizer.target.json"))
        files.append("tokenizer.target.json")
    files += ["optimizer.safetensors", "training_state.json"]
    state["metricsBytes"] = len(history)
    write_text(os.path.join(tmp, "training_state.json"), json.dumps(state, indent=2) + "\n")
    write_bytes(os.path.join(tmp, "metrics.jsonl"), history)
    manifest = {"format": MANIFEST_FORMAT, "step": step, "files": {n: describe(os.path.join(tmp, n)) for n in files}}
    best = os.path.join(tmp, "best")
    if best_from_here:  # a checkpoint folder: the same files, the metrics snapshot, its manifest with it
        os.makedirs(best)
        for n in files + ["metrics.jsonl"]:
            shutil.copyfile(os.path.join(tmp, n), os.path.join(best, n))
        own = dict(manifest, files=dict(manifest["files"], **{"metrics.jsonl": describe(os.path.join(best, "metrics.jsonl"))}))
        write_text(os.path.join(best, "manifest.json"), json.dumps(own, indent=2) + "\n")
    else:
        src_best = os.path.join(src_dir, "best")
        m = read_manifest(src_best) if os.path.isdir(src_best) else None
        if m is not None and m["step"] == state.get("bestStep"):
            shutil.copytree(src_best, best)
    write_text(os.path.join(tmp, "manifest.json"), json.dumps(manifest, indent=2) + "\n")
    if os.path.isdir(out):
        os.rmdir(out)  # empty: checked before training
    os.rename(tmp, out)


def read_safetensors_names(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return [k for k in json.loads(f.read(n)) if k != "__metadata__"]


def write_bytes(path, data):
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def write_text(path, text):
    write_bytes(path, text.encode())


if __name__ == "__main__":
    main()
