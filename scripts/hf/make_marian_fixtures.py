"""A tiny Marian translation model made by Hugging Face transformers, and what transformers computes with it.

Writes test/fixtures/hf/marian-tiny/, a folder as MarianMTModel.save_pretrained and MarianTokenizer.save_pretrained
write it (config.json, generation_config.json, model.safetensors, source.spm, target.spm, vocab.json,
tokenizer_config.json), laid out as a Helsinki-NLP/opus-mt-* folder, which `--checkpoint` loads, and under expected/
what transformers computes with it:

- tokens.json.gz: the source ids (MarianTokenizer, </s> appended) of the held-out verses (the test books of
  data/bible/web-sparv.test.tsv.gz and the first 200 of web-sparv.valid.tsv.gz, English) and of tricky strings (accents, emoji, CJK, whitespace runs, unknown
  characters, full-width characters that nmt_nfkc folds, a >>xx<< language code); the target-side ids (text_target)
  of the Spanish verses and the tricky strings; the decoding of each id list;
- byte-fallback.spm + byte_fallback.json: a unigram model with byte_fallback and identity normalization, and the
  ids sentencepiece itself encodes the tricky strings to (MarianTokenizer has no byte fallback of its own);
- logits.json + logits.safetensors: the logits (float32) of a padded batch (attention_mask on the source, the
  targets shifted right from decoder_start_token_id as the labels path does);
- generate.json: greedy (num_beams 1) and beam (the generation_config's num_beams 4, length_penalty 1)
  generate() outputs for a few sources, alone and batched, with the least gap between the best two logits along
  each greedy path (3.4e-3 at the committed weights, against logit differences of ~2e-6).

The SentencePiece models are unigram models (vocabulary 256, nmt_nfkc normalization, sentencepiece's defaults
otherwise) trained on 3,000 English and 3,000 Spanish verses of data/bible/web-sparv.train.tsv.gz; vocab.json is
their joint vocabulary as the opus-mt conversions lay it out (</s> 0, <unk> 1, the pieces, <pad> last). The model
is MarianMTModel(d_model 32, 2+2 layers, 2 heads, ffn 64, swish, scale_embedding, shared embeddings), initialised
at random and trained a few hundred steps on those pairs (seconds on one core), so that it emits </s> and greedy
choices are not near-ties.

Usage (transformers 5.18.0, sentencepiece 0.2.2, torch 2.13.0 wrote the committed files):
    /tmp/hfvenv/bin/pip install sentencepiece protobuf
    /tmp/hfvenv/bin/python scripts/hf/make_marian_fixtures.py
"""
import csv
import gzip
import io
import json
import os
import shutil
import tempfile

import sentencepiece as spm
import torch
import transformers
from safetensors.torch import save_file
from transformers import GenerationConfig, MarianConfig, MarianMTModel, MarianTokenizer

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "test", "fixtures", "hf", "marian-tiny")
EXPECTED = os.path.join(OUT, "expected")

TRICKY = [
    "", " ", "   ", "a  b   c", "  leading and trailing  ", "\n", "line one\nline two\n\nthree", "a\r\nb\tc",
    "héllo wörld, ñandú über café", "¿Qué pasó? ¡Sí, señor!", "Él dijo: «no».", "e\u0301 vs é",
    "It's 2024: 3.14 dogs' bones, we'll see", "DON'T don't 'tis",
    "emoji 👍🏽 and family 👨‍👩‍👧 ok", "🎉🎉🎉", "日本語のテキスト", "中文字符和标点。", "مرحبا بالعالم", "ℕ ½ ² ①",
    "ＦＵＬＬ ｗｉｄｔｈ ＡＢＣ １２３", "ﬁne ﬂower ㍿ ㌔", "\u00a0nbsp\u3000ideographic\u2028ls\u2029ps", "a\u0085\u0085b",
    "\ufeff\ufeff word", "control \x00\x01\x07\x1b[0m\x7f bytes", "\ufffd replacement", "tabs\t\t\tand\u000bvt\u000cff",
    "zero\u200bwidth\u200djoiner", "qwxzj ʘʬ ǂ", "And God said, “Let there be light,” and there was light.",
    ">>es<< In the beginning", "</s> literal <unk> <pad>", "▁already▁escaped ▁",
]

SOURCES = ["In the beginning, God created the heavens and the earth.", "Jesus wept.", "The LORD is my shepherd.",
           "And God said, “Let there be light,” and there was light.", "Rejoice always."]


def pairs(name):
    with gzip.open(os.path.join(ROOT, "data", "bible", name), "rt", encoding="utf-8") as f:
        rows = list(csv.reader(io.StringIO(f.read()), delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
    return [(r[1], r[2]) for r in rows]


def train_spm(lines, path, vocab_size=256, **extra):
    # the model file records model_prefix: a relative one (from the work folder) keeps reruns byte-identical
    cwd = os.getcwd()
    os.chdir(os.path.dirname(path))
    try:
        spm.SentencePieceTrainer.train(sentence_iterator=iter(lines), model_prefix=os.path.basename(path), vocab_size=vocab_size,
                                       model_type="unigram", minloglevel=2, **extra)
    finally:
        os.chdir(cwd)
    return path + ".model"


def joint_vocab(models):
    """opus-mt's layout: </s> 0, <unk> 1, every piece of the models once (source first), <pad> last."""
    vocab = {"</s>": 0, "<unk>": 1}
    for m in models:
        sp = spm.SentencePieceProcessor(model_file=m)
        for i in range(sp.get_piece_size()):
            piece = sp.id_to_piece(i)
            if piece not in ("<s>", "</s>", "<unk>") and piece not in vocab:
                vocab[piece] = len(vocab)
    vocab["<pad>"] = len(vocab)
    return vocab


def train_briefly(model, tok, train, steps=400, batch=32):
    g = torch.Generator().manual_seed(1)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for step in range(steps):
        pick = torch.randint(0, len(train), (batch,), generator=g).tolist()
        enc = tok([train[i][0] for i in pick], text_target=[train[i][1] for i in pick], padding=True, truncation=True,
                  max_length=48, return_tensors="pt")
        labels = enc["labels"].masked_fill(enc["labels"] == tok.pad_token_id, -100)
        loss = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"], labels=labels).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 100 == 0 or step == steps - 1:
            print(f"step {step} loss {loss.item():.3f}")
    model.eval()


def generated(seq, pad):
    """generate()'s ids after decoder_start_token_id, without the pad that fills finished rows."""
    out = seq.tolist()[1:]
    while out and out[-1] == pad:
        out.pop()
    return out


def smallest_greedy_gap(model, enc, greedy):
    """The least gap between the best and second-best logit along the greedy paths (real tokens only): how far from a tie."""
    logits = model(**enc, decoder_input_ids=greedy[:, :-1]).logits  # (B, T, V), teacher-forced on the greedy ids
    top = logits.topk(2, dim=-1).values
    real = greedy[:, 1:] != model.config.pad_token_id
    return (top[..., 0] - top[..., 1])[real].min().item()


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    train = [p for p in pairs("web-sparv.train.tsv.gz") if len(p[0]) < 120][:3000]
    held_out = pairs("web-sparv.test.tsv.gz")
    work = tempfile.mkdtemp()
    src_spm = train_spm([e for e, _ in train], os.path.join(work, "source"))
    tgt_spm = train_spm([s for _, s in train], os.path.join(work, "target"))
    fallback_spm = train_spm([e for e, _ in train], os.path.join(work, "fallback"), vocab_size=400, byte_fallback=True,
                             normalization_rule_name="identity")
    vocab = joint_vocab([src_spm, tgt_spm])
    with open(os.path.join(work, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    tok = MarianTokenizer(src_spm, tgt_spm, os.path.join(work, "vocab.json"), source_lang="en", target_lang="es")
    pad = tok.pad_token_id
    config = MarianConfig(vocab_size=len(vocab), decoder_vocab_size=len(vocab), d_model=32, encoder_layers=2, decoder_layers=2,
                          encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64,
                          max_position_embeddings=512, activation_function="swish", scale_embedding=True,
                          pad_token_id=pad, decoder_start_token_id=pad, eos_token_id=0, forced_eos_token_id=0, bos_token_id=0,
                          dropout=0.1, attention_dropout=0.0, activation_dropout=0.0)
    model = MarianMTModel(config)
    train_briefly(model, tok, train)
    # opus-mt's generation_config, but for max_length (its 512 is this model's max_position_embeddings here too)
    model.generation_config = GenerationConfig(bad_words_ids=[[pad]], bos_token_id=0, decoder_start_token_id=pad, eos_token_id=0,
                                               forced_eos_token_id=0, max_length=512, num_beams=4, pad_token_id=pad)

    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(EXPECTED)
    model.save_pretrained(OUT)  # safetensors
    tok.save_pretrained(OUT)
    shutil.copy(fallback_spm, os.path.join(EXPECTED, "byte-fallback.spm"))
    # everything below is computed by what a user of transformers gets from the saved folder
    tok = MarianTokenizer.from_pretrained(OUT)
    model = MarianMTModel.from_pretrained(OUT).eval()
    versions = {"transformers": transformers.__version__, "sentencepiece": spm.__version__, "torch": torch.__version__}

    # --- tokens ---
    sources = [e for e, _ in held_out + pairs("web-sparv.valid.tsv.gz")[:200]] + TRICKY
    targets = [s for _, s in held_out[:300]] + TRICKY
    src_ids = [tok(t)["input_ids"] for t in sources]
    tgt_ids = [tok(text_target=t)["input_ids"] for t in targets]
    write_json("tokens.json.gz", {
        "versions": versions, "sources": sources, "source_ids": src_ids, "targets": targets, "target_ids": tgt_ids,
        # decode() uses source.spm for either side (one shared vocab.json); stored where it differs from the text
        "source_decoded": {i: d for i, d in enumerate(tok.batch_decode(src_ids, skip_special_tokens=True)) if d != sources[i]},
        "target_decoded": {i: d for i, d in enumerate(tok.batch_decode(tgt_ids, skip_special_tokens=True)) if d != targets[i]},
    })
    sp = spm.SentencePieceProcessor(model_file=fallback_spm)
    write_json("byte_fallback.json", {"versions": versions, "texts": TRICKY + sources[:10],
                                      "ids": [sp.encode(t) for t in TRICKY + sources[:10]]})

    # --- logits ---
    with torch.no_grad():
        batch = tok(SOURCES[:3], text_target=["Jesús lloró.", "Estad siempre gozosos.", "Y dijo Dios: Sea la luz."],
                    padding=True, return_tensors="pt")
        labels = batch["labels"]
        decoder_input_ids = torch.cat([torch.full((labels.shape[0], 1), pad), labels[:, :-1]], dim=1)
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                       decoder_input_ids=decoder_input_ids).logits
    save_file({"logits": logits.contiguous()}, os.path.join(EXPECTED, "logits.safetensors"), metadata={"format": "pt"})
    write_json("logits.json", {"versions": versions, "input_ids": batch["input_ids"].tolist(),
                               "attention_mask": batch["attention_mask"].tolist(), "decoder_input_ids": decoder_input_ids.tolist(),
                               "note": "logits.safetensors: logits (B, T, V) at every decoder position (no decoder_attention_mask)"})

    # --- generate ---
    runs = []
    with torch.no_grad():
        for group in [[s] for s in SOURCES] + [SOURCES]:
            enc = tok(group, padding=True, return_tensors="pt")
            rows = [r[m.bool()].tolist() for r, m in zip(enc["input_ids"], enc["attention_mask"])]
            greedy = model.generate(**enc, num_beams=1)
            out = model.generate(**enc, return_dict_in_generate=True, output_scores=True)  # generation_config: num_beams 4
            runs.append({"strategy": "greedy", "sources": rows, "outputs": [generated(s, pad) for s in greedy],
                         "smallest_logit_gap": smallest_greedy_gap(model, enc, greedy)})
            runs.append({"strategy": "beam", "num_beams": 4, "length_penalty": 1.0, "early_stopping": False, "sources": rows,
                         "outputs": [generated(s, pad) for s in out.sequences], "scores": out.sequences_scores.tolist(),
                         "translations": tok.batch_decode(out.sequences, skip_special_tokens=True)})
    write_json("generate.json", {"versions": versions, "eos_token_id": 0, "pad_token_id": pad, "runs": runs})
    for r in runs:
        print(r["strategy"], [len(o) for o in r["outputs"]], "end with eos:", sum(o[-1:] == [0] for o in r["outputs"]),
              r.get("smallest_logit_gap", ""), r.get("translations", ""))
    shutil.rmtree(work)
    print(f"wrote {os.path.relpath(OUT, ROOT)}")


def write_json(name, obj):
    text = (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    # a .gz has no name or time in its header, so that a rerun writes the same bytes
    data = gzip.compress(text, compresslevel=9, mtime=0) if name.endswith(".gz") else text
    with open(os.path.join(EXPECTED, name), "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
