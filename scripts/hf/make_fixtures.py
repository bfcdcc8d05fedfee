"""A tiny GPT-2 made by Hugging Face transformers, and what transformers computes with it, for our tests.

Writes test/fixtures/hf/gpt2-tiny/, a folder as GPT2LMHeadModel.save_pretrained and GPT2Tokenizer.save_pretrained
write it (config.json, generation_config.json, model.safetensors, tokenizer.json, tokenizer_config.json), which
`--checkpoint` loads, and under expected/ what transformers computes with it:

- tokens.json: the ids of ~1,000 held-out verses (the test books of data/bible/web-sparv.test.tsv.gz, English and
  Spanish) and of tricky strings (accents, emoji, CJK, whitespace runs, control bytes, literal specials), as the
  folder's tokenizer (AutoTokenizer) encodes them, and their decoding;
- logits.json + logits.safetensors: next-token logits (float32) of a left-padded batch (attention_mask and the
  position ids generate() makes), a right-padded batch, and one input filling all n_positions;
- generate.json: greedy and beam-4 generate() outputs (ids after the prompt) for a few prompts, alone and batched.

The model is GPT2LMHeadModel(n_embd 32, 2 layers, 2 heads, n_positions 64) over a byte-level BPE of 1,024 tokens
trained with `tokenizers` on the first 3,000 lines of data/bible/web-english.train.txt.gz, with <|endoftext|> as
bos, eos and unk (as GPT-2's). It is initialised at random and then trained for a few hundred steps (seconds on one
core) on those lines, so that it emits <|endoftext|> and beams finish at different lengths; without that a random
model's near-uniform logits would leave eos unused and greedy choices near ties.

Usage (a venv with a CPU torch; transformers 5.18.0, tokenizers 0.23.2, torch 2.13.0 wrote the committed files):
    python3 -m venv /tmp/hfvenv && /tmp/hfvenv/bin/pip install torch transformers tokenizers
    /tmp/hfvenv/bin/python scripts/hf/make_fixtures.py
"""
import csv
import gzip
import io
import json
import os
import shutil

import torch
import transformers
import tokenizers
from safetensors.torch import save_file
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import AutoModelForCausalLM, AutoTokenizer, GPT2Config, GPT2LMHeadModel, GPT2Tokenizer

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "test", "fixtures", "hf", "gpt2-tiny")
EXPECTED = os.path.join(OUT, "expected")
EOT = "<|endoftext|>"

TRICKY = [
    "", " ", "   ", "a  b   c", "\n", "line one\nline two\n\nthree", "a\r\nb\tc", "trailing spaces   ",
    "héllo wörld, ñandú über café", "¿Qué pasó? ¡Sí, señor!", "Él dijo: «no».",
    "It's 2024: 3.14 dogs' bones, we'll see, I'd've", "DON'T don't 'tis",
    "emoji 👍🏽 and family 👨‍👩‍👧 ok", "🎉🎉🎉", "日本語のテキスト", "中文字符和标点。", "مرحبا بالعالم", "ℕ ½ ² ①",
    "e\u0301 vs é", "\u00a0nbsp\u3000ideographic\u2028ls\u2029ps", "a\u0085\u0085b", "\ufeff\ufeff word",
    "control \x00\x01\x07\x1b[0m\x7f bytes", "\ufffd replacement", "tabs\t\t\tand\u000bvt\u000cff",
    "In the beginning<|endoftext|>God", "<|endoftext|>", "<|endoftext|><|endoftext|>x", "<|endoftext", "<|end|>",
    "And God said, “Let there be light,” and there was light.",
]

PROMPTS = ["And God said", "In the beginning", "Jesus wept.", "The LORD is my shepherd;"]


def english_lines(limit):
    with gzip.open(os.path.join(ROOT, "data", "bible", "web-english.train.txt.gz"), "rt", encoding="utf-8") as f:
        return [line.rstrip("\n") for _, line in zip(range(limit), f)]


def held_out_verses(n_spanish):
    """Every English verse of the test books, and the Spanish of the first n_spanish (accents)."""
    with gzip.open(os.path.join(ROOT, "data", "bible", "web-sparv.test.tsv.gz"), "rt", encoding="utf-8") as f:
        rows = list(csv.reader(io.StringIO(f.read()), delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
    return [r[1] for r in rows] + [r[2] for r in rows[:n_spanish]]


def train_tokenizer(lines):
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=1023, min_frequency=2, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    bpe.train_from_iterator(lines, trainer)
    model = json.loads(bpe.to_str())["model"]
    # GPT-2's own tokenizer class over the learned vocab and merges: <|endoftext|> is appended as the last id
    return GPT2Tokenizer(vocab=model["vocab"], merges=[tuple(m) for m in model["merges"]])


def train_briefly(model, tok, lines, steps=300, seq=64, batch=16):
    """Teacher-forced next-token training on verses joined by <|endoftext|>, as GPT-2 was trained on documents."""
    stream = []
    for line in lines:
        stream += tok(line)["input_ids"] + [tok.eos_token_id]
    data = torch.tensor(stream)
    g = torch.Generator().manual_seed(1)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for step in range(steps):
        starts = torch.randint(0, len(data) - seq - 1, (batch,), generator=g)
        x = torch.stack([data[s:s + seq] for s in starts])
        loss = model(input_ids=x, labels=x).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 100 == 0 or step == steps - 1:
            print(f"step {step} loss {loss.item():.3f}")
    model.eval()


def left_padded(tok, texts):
    rows = [tok(t)["input_ids"] for t in texts]
    T = max(map(len, rows))
    ids = [[tok.eos_token_id] * (T - len(r)) + r for r in rows]
    mask = [[0] * (T - len(r)) + [1] * len(r) for r in rows]
    return torch.tensor(ids), torch.tensor(mask)


def right_padded(tok, texts):
    rows = [tok(t)["input_ids"] for t in texts]
    T = max(map(len, rows))
    return torch.tensor([r + [tok.eos_token_id] * (T - len(r)) for r in rows]), torch.tensor([[1] * len(r) + [0] * (T - len(r)) for r in rows])


def generated(seq, prompt_len, eos):
    """The ids after the prompt, up to and including the first eos (generate fills the rest with pad = eos)."""
    out = seq[prompt_len:].tolist()
    return out[:out.index(eos) + 1] if eos in out else out


def smallest_greedy_gap(model, ids, new_tokens):
    """The least gap between the best and second-best logit along a greedy path: how far from a tie it is."""
    gap = float("inf")
    x = ids
    with torch.no_grad():
        for _ in range(new_tokens):
            top = model(input_ids=x).logits[0, -1].topk(2).values
            gap = min(gap, (top[0] - top[1]).item())
            x = torch.cat([x, model(input_ids=x).logits[0, -1].argmax().view(1, 1)], dim=1)
    return gap


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    lines = english_lines(3000)
    tok = train_tokenizer(lines)
    eos = tok.eos_token_id
    config = GPT2Config(vocab_size=len(tok), n_positions=64, n_embd=32, n_layer=2, n_head=2,
                        bos_token_id=eos, eos_token_id=eos)
    model = GPT2LMHeadModel(config)
    train_briefly(model, tok, lines)

    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(EXPECTED)
    model.save_pretrained(OUT)  # safetensors
    tok.save_pretrained(OUT)
    # everything below is computed by what a user of transformers gets from the saved folder
    tok = AutoTokenizer.from_pretrained(OUT)
    model = AutoModelForCausalLM.from_pretrained(OUT).eval()
    versions = {"transformers": transformers.__version__, "tokenizers": tokenizers.__version__, "torch": torch.__version__}

    # --- tokens ---
    texts = held_out_verses(150) + TRICKY
    encoded = [tok(t)["input_ids"] for t in texts]
    # decodings are stored only where they differ from the text (most round-trip), to keep the file small
    plain = [tok.decode(ids, skip_special_tokens=True) for ids in encoded]
    specials = [tok.decode(ids, skip_special_tokens=False) for ids in encoded]
    write_json("tokens.json", {"versions": versions, "texts": texts, "ids": encoded,
                               "decoded": {i: d for i, (d, t) in enumerate(zip(plain, texts)) if d != t},
                               "decoded_with_specials": {i: d for i, (d, t) in enumerate(zip(specials, texts)) if d != t}})

    # --- logits ---
    tensors, cases = {}, {}
    with torch.no_grad():
        ids, mask = left_padded(tok, ["And God said, “Let there be light,”", "Jesus wept.", "Amen."])
        positions = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 0)  # as generate() makes them
        logits = model(input_ids=ids, attention_mask=mask, position_ids=positions).logits
        tensors["left"] = logits[mask.bool()].contiguous()  # (real tokens, V)
        cases["left"] = {"ids": ids.tolist(), "attention_mask": mask.tolist(), "position_ids": positions.tolist()}
        ids, mask = right_padded(tok, ["In the beginning, God created the heavens and the earth.", "Rejoice always."])
        logits = model(input_ids=ids, attention_mask=mask).logits
        tensors["right"] = logits[mask.bool()].contiguous()
        cases["right"] = {"ids": ids.tolist(), "attention_mask": mask.tolist()}
        full = tok(" ".join(lines[100:110]))["input_ids"][:config.n_positions]
        assert len(full) == config.n_positions
        rows = [0, 1, 31, 62, 63]  # a few of its 64 positions keep the file small
        tensors["full"] = model(input_ids=torch.tensor([full])).logits[0, rows].contiguous()
        cases["full"] = {"ids": [full], "rows": rows}
    save_file(tensors, os.path.join(EXPECTED, "logits.safetensors"), metadata={"format": "pt"})
    write_json("logits.json", {"versions": versions, "cases": cases,
                               "note": "logits.safetensors holds each case's logits at its real (attention_mask 1) tokens, in row-major order (full: at its rows)"})

    # --- generate ---
    common = {"max_new_tokens": 24, "pad_token_id": eos}
    runs = []
    with torch.no_grad():
        for prompt in PROMPTS + [""]:
            ids = torch.tensor([tok(prompt)["input_ids"] or [tok.bos_token_id]])  # an empty prompt starts from bos
            greedy = model.generate(ids, do_sample=False, **common)
            gap = smallest_greedy_gap(model, ids, common["max_new_tokens"])
            runs.append({"strategy": "greedy", "prompts": [ids[0].tolist()], "max_new_tokens": common["max_new_tokens"],
                         "outputs": [[generated(greedy[0], ids.shape[1], eos)]], "smallest_logit_gap": gap})
            for length_penalty in (1.0, 0.6, 0.0):
                out = model.generate(ids, do_sample=False, num_beams=4, num_return_sequences=4, length_penalty=length_penalty,
                                     early_stopping=False, return_dict_in_generate=True, output_scores=True, **common)
                runs.append({"strategy": "beam", "num_beams": 4, "num_return_sequences": 4, "length_penalty": length_penalty,
                             "early_stopping": False, "prompts": [ids[0].tolist()], "max_new_tokens": common["max_new_tokens"],
                             "outputs": [[generated(s, ids.shape[1], eos) for s in out.sequences]],
                             "scores": [out.sequences_scores.tolist()]})
        # a batch: left-padded, with the attention mask (and so the position ids) generate() derives from it
        ids, mask = left_padded(tok, PROMPTS)
        prompts = [row[m.bool()].tolist() for row, m in zip(ids, mask)]
        greedy = model.generate(ids, attention_mask=mask, do_sample=False, **common)
        runs.append({"strategy": "greedy", "prompts": prompts, "max_new_tokens": common["max_new_tokens"],
                     "outputs": [[generated(s, ids.shape[1], eos)] for s in greedy]})
        out = model.generate(ids, attention_mask=mask, do_sample=False, num_beams=4, num_return_sequences=2, length_penalty=1.0,
                             early_stopping=False, return_dict_in_generate=True, output_scores=True, **common)
        seqs = [generated(s, ids.shape[1], eos) for s in out.sequences]
        runs.append({"strategy": "beam", "num_beams": 4, "num_return_sequences": 2, "length_penalty": 1.0, "early_stopping": False,
                     "prompts": prompts, "max_new_tokens": common["max_new_tokens"],
                     "outputs": [seqs[i:i + 2] for i in range(0, len(seqs), 2)],
                     "scores": [out.sequences_scores.tolist()[i:i + 2] for i in range(0, len(seqs), 2)]})
    write_json("generate.json", {"versions": versions, "eos_token_id": eos, "runs": runs})
    for r in runs:
        print(r["strategy"], r.get("length_penalty", ""), [len(o) for outs in r["outputs"] for o in outs],
              "ends with eos:", sum(o[-1:] == [eos] for outs in r["outputs"] for o in outs), r.get("smallest_logit_gap", ""))
    print(f"wrote {os.path.relpath(OUT, ROOT)}")


def write_json(name, obj):
    with open(os.path.join(EXPECTED, name), "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
