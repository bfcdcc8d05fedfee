"""Tiny BERTs made by Hugging Face transformers, and what transformers computes with them, for our tests.

Writes test/fixtures/hf/bert-tiny/: three folders as save_pretrained writes them (config.json, model.safetensors,
tokenizer.json, tokenizer_config.json), which `--checkpoint` loads, over one WordPiece tokenizer:

- mlm/: BertForMaskedLM (the decoder tied to the word embeddings, with its own bias);
- classifier/: BertForSequenceClassification with three named labels (id2label), started from mlm/'s encoder;
- base/: BertModel (its pooled output), the same encoder with classifier/'s pooler;

and under expected/ what transformers computes with them:

- tokens.json.gz: the ids of ~1,000 held-out verses (the English of data/bible/web-sparv.test.tsv.gz and the
  Spanish of the first 200: accents) and of tricky strings (accents, emoji, CJK, whitespace runs, unknown and
  control characters, literal [MASK]), as the folder's tokenizer (AutoTokenizer) encodes them with its [CLS]/[SEP],
  sentence pairs with their token_type_ids, and the decodings of `tokenizers` (tokenizer.json's decoder) with and
  without the special tokens;
- logits.json + logits.safetensors: MLM logits, classification logits and the pooled output of a right-padded batch
  of sentence pairs (attention_mask, token_type_ids);
- fill_mask.json: pipeline("fill-mask", top_k=5) on a few sentences (token ids and scores);
- classify.json: pipeline("text-classification", top_k=None) on a few texts (every label's probability);
- attention.json: the masked-LM's attention weights (every layer and head) over one text.

The model: hidden 32, 2 layers, 2 heads, intermediate 64, max_position_embeddings 64, over a WordPiece of ~600
tokens trained with `tokenizers` (BertWordPieceTokenizer: lowercase, strip accents) on the first 3,000 lines of
data/bible/web-english.train.txt.gz. The MLM is trained for a few hundred steps on those lines (seconds on one core)
and the classifier for ~150 steps, so that their top choices are not near-ties as a random model's would be.
`tokenizers`' WordPiece trainer numbers the "##" alphabet in hash order, so a rerun may give other ids (and so
other weights); the tests read whatever the committed run wrote.

Usage (a venv with a CPU torch; transformers 5.18.0, tokenizers 0.23.2, torch 2.13.0 wrote the committed files):
    /tmp/hfvenv/bin/python scripts/hf/make_bert_fixtures.py
"""
import csv
import gzip
import io
import json
import os
import shutil

import torch
import tokenizers
import transformers
from safetensors.torch import save_file
from tokenizers import BertWordPieceTokenizer, Tokenizer
from transformers import (AutoModel, AutoModelForMaskedLM, AutoModelForSequenceClassification, AutoTokenizer, BertConfig,
                          BertForMaskedLM, BertForSequenceClassification, BertModel, BertTokenizerFast, pipeline)

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "test", "fixtures", "hf", "bert-tiny")
EXPECTED = os.path.join(OUT, "expected")
LABELS = ["yahweh", "question", "other"]

TRICKY = [
    "", " ", "   ", "a  b   c", "\n", "line one\nline two\n\nthree", "a\r\nb\tc", "trailing spaces   ",
    "héllo wörld, ñandú über café", "¿Qué pasó? ¡Sí, señor!", "Él dijo: «no».", "ÀÉÎÕÜ àéîõü Ç ç Ø ø Å",
    "It's 2024: 3.14 dogs' bones, we'll see, I'd've", "DON'T don't 'tis", "hello...world!!! (yes) [no] {maybe}",
    "emoji 👍🏽 and family 👨‍👩‍👧 ok", "🎉🎉🎉", "日本語のテキスト", "中文字符和标点。", "𠀀𪜀 ext-b 丽 compat", "مرحبا بالعالم",
    "ℕ ½ ² ①", "ﬁne ﬂow", "e\u0301 vs é", "\u00a0nbsp\u3000ideographic\u2028ls\u2029ps", "a\u0085\u0085b", "\ufeff\ufeff word",
    "zero\u200bwidth\u200djoiner", "control \x00\x01\x07\x1b[0m\x7f bytes", "\ufffd replacement", "tabs\t\t\tand\u000bvt\u000cff",
    "ΣΊΣΥΦΟΣ Ὀδυσσεύς", "İstanbul ǅ ß ẞ", "Ⅻ ⓐ 𝐀𝐁𝐂", "x" * 99, "y" * 100, "z" * 101, "and" + "and" * 40,
    "The [MASK] is my shepherd.", "[MASK]", "[MASK][MASK] x", "[mask] [Mask]", "[CLS] In the beginning [SEP]",
    "[UNK] [PAD] [SEP]x", "[MASK", "MASK]", "qqqq xqzv", "Jesus wept.", "In the beginning, God created the heavens and the earth.",
    "And God said, “Let there be light,” and there was light.", "—dash–dash‐hyphen ‘quotes’ „low“ ‹›",
    # where newer Unicode classes differ from the Rust library's tables (src/tokenizer/bert-unicode.ts)
    "a⹝b 𑽃c ᪿd eࢗf g᜴h ᙭i 𑇉j k࢐l m࣢n é᫁",
]

PAIRS = [
    ("In the beginning, God created the [MASK].", "It was empty."),
    ("Jesus wept.", "Rejoice always."),
    ("The LORD is my shepherd;", "Who is he?"),
]

ATTENTION_TEXT = "The [MASK] is my shepherd."

CLASSIFY = ["Yahweh is my shepherd.", "Who is he?", "Jesus wept.", "Why do you ask, Yahweh?"]

FILL_MASK = [
    "In the beginning, God created the [MASK] and the earth.",
    "The [MASK] is my shepherd.",
    "And God said, let there be [MASK].",
    "He went up to [MASK] with his disciples.",
]


def english_lines(limit):
    with gzip.open(os.path.join(ROOT, "data", "bible", "web-english.train.txt.gz"), "rt", encoding="utf-8") as f:
        return [line.rstrip("\n") for _, line in zip(range(limit), f)]


def held_out_verses(n_spanish):
    with gzip.open(os.path.join(ROOT, "data", "bible", "web-sparv.test.tsv.gz"), "rt", encoding="utf-8") as f:
        rows = list(csv.reader(io.StringIO(f.read()), delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
    return [r[1] for r in rows] + [r[2] for r in rows[:n_spanish]]


def train_tokenizer(lines, work):
    wp = BertWordPieceTokenizer(lowercase=True)  # BertNormalizer, BertPreTokenizer, WordPiece, BertProcessing
    wp.train_from_iterator(lines, vocab_size=600, min_frequency=2, show_progress=False,
                           special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    path = os.path.join(work, "tokenizer.json")
    wp.save(path)
    # transformers' BERT tokenizer class over it: what save_pretrained writes for a BERT
    return BertTokenizerFast(tokenizer_object=Tokenizer.from_file(path))


def label_of(text):
    return 0 if "Yahweh" in text else 1 if "?" in text else 2


def train_mlm(model, tok, lines, steps=300, batch=32):
    g = torch.Generator().manual_seed(1)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for step in range(steps):
        idx = torch.randint(0, len(lines), (batch,), generator=g).tolist()
        enc = tok([lines[i] for i in idx], padding=True, truncation=True, max_length=64, return_tensors="pt")
        ids = enc["input_ids"]
        special = (ids == tok.cls_token_id) | (ids == tok.sep_token_id) | (ids == tok.pad_token_id)
        chosen = (torch.rand(ids.shape, generator=g) < 0.15) & ~special
        labels = ids.masked_fill(~chosen, -100)
        inputs = ids.masked_fill(chosen, tok.mask_token_id)
        loss = model(input_ids=inputs, attention_mask=enc["attention_mask"], labels=labels).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 100 == 0 or step == steps - 1:
            print(f"mlm step {step} loss {loss.item():.3f}")
    model.eval()


def train_classifier(model, tok, lines, steps=150, batch=30):
    """On batches with as many texts of each label (most verses are "other")."""
    g = torch.Generator().manual_seed(2)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    by_label = [[i for i, t in enumerate(lines) if label_of(t) == k] for k in range(len(LABELS))]
    model.train()
    for step in range(steps):
        idx = [ids[j] for ids in by_label for j in torch.randint(0, len(ids), (batch // len(LABELS),), generator=g).tolist()]
        enc = tok([lines[i] for i in idx], padding=True, truncation=True, max_length=64, return_tensors="pt")
        labels = torch.tensor([label_of(lines[i]) for i in idx])
        loss = model(**enc, labels=labels).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 20 == 0 or step == steps - 1:
            print(f"classifier step {step} loss {loss.item():.3f}")
    model.eval()


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    lines = english_lines(3000)
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(EXPECTED)
    tok = train_tokenizer(lines, EXPECTED)
    os.remove(os.path.join(EXPECTED, "tokenizer.json"))
    config = dict(vocab_size=len(tok), hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                  max_position_embeddings=64, pad_token_id=tok.pad_token_id)
    mlm = BertForMaskedLM(BertConfig(**config))
    train_mlm(mlm, tok, lines)
    classifier = BertForSequenceClassification(BertConfig(**config, id2label=dict(enumerate(LABELS)),
                                                          label2id={l: i for i, l in enumerate(LABELS)}))
    classifier.bert.load_state_dict(mlm.bert.state_dict(), strict=False)  # the encoder; the pooler stays random
    train_classifier(classifier, tok, lines)
    base = BertModel(BertConfig(**config))
    base.load_state_dict(classifier.bert.state_dict())

    # the calls above turned on the fast tokenizer's padding and truncation, which tokenizer.json would then keep
    tok.backend_tokenizer.no_padding()
    tok.backend_tokenizer.no_truncation()
    dirs = {"mlm": mlm, "classifier": classifier, "base": base}
    for name, model in dirs.items():
        model.save_pretrained(os.path.join(OUT, name))
        tok.save_pretrained(os.path.join(OUT, name))
    # everything below is computed by what a user of transformers gets from the saved folders
    tok = AutoTokenizer.from_pretrained(os.path.join(OUT, "mlm"))
    raw = Tokenizer.from_file(os.path.join(OUT, "mlm", "tokenizer.json"))
    mlm = AutoModelForMaskedLM.from_pretrained(os.path.join(OUT, "mlm")).eval()
    classifier = AutoModelForSequenceClassification.from_pretrained(os.path.join(OUT, "classifier")).eval()
    base = AutoModel.from_pretrained(os.path.join(OUT, "base")).eval()
    versions = {"transformers": transformers.__version__, "tokenizers": tokenizers.__version__, "torch": torch.__version__}

    # --- tokens ---
    texts = held_out_verses(200) + TRICKY
    encoded = [tok(t)["input_ids"] for t in texts]
    pairs = [tok(a, b) for a, b in PAIRS + [(t, TRICKY[i + 1]) for i, t in enumerate(TRICKY[:-1])]]
    tokens = {
        "versions": versions, "texts": texts, "ids": encoded,
        # tokenizer.json's decoder, as `tokenizers` runs it (transformers' decode may clean up spaces on top)
        "decoded": [raw.decode(ids, skip_special_tokens=True) for ids in encoded],
        "decoded_with_specials": [raw.decode(ids, skip_special_tokens=False) for ids in encoded],
        "pairs": [{"a": a, "b": b, "ids": e["input_ids"], "token_type_ids": e["token_type_ids"]}
                  for (a, b), e in zip(PAIRS + [(t, TRICKY[i + 1]) for i, t in enumerate(TRICKY[:-1])], pairs)],
    }
    with gzip.open(os.path.join(EXPECTED, "tokens.json.gz"), "wt", encoding="utf-8", compresslevel=9) as f:
        json.dump(tokens, f, ensure_ascii=False, separators=(",", ":"))

    # --- logits: a right-padded batch of sentence pairs ---
    enc = tok([a for a, _ in PAIRS], [b for _, b in PAIRS], padding=True, return_tensors="pt")
    mask = enc["attention_mask"]
    with torch.no_grad():
        mlm_logits = mlm(**enc).logits
        cls_logits = classifier(**enc).logits
        pooled = base(**enc).pooler_output
    tensors = {"mlm": mlm_logits[mask.bool()].contiguous(), "classifier": cls_logits.contiguous(),
               "pooled": pooled.contiguous()}
    save_file(tensors, os.path.join(EXPECTED, "logits.safetensors"), metadata={"format": "pt"})
    top2 = cls_logits.topk(2, dim=-1).values
    write_json("logits.json", {"versions": versions, "input_ids": enc["input_ids"].tolist(), "attention_mask": mask.tolist(),
                               "token_type_ids": enc["token_type_ids"].tolist(),
                               "classifier_labels": [LABELS[i] for i in cls_logits.argmax(-1).tolist()],
                               "classifier_probabilities": cls_logits.softmax(-1).tolist(),
                               "smallest_class_gap": (top2[:, 0] - top2[:, 1]).min().item(),
                               "note": "logits.safetensors: mlm at the real (attention_mask 1) tokens in row-major order; "
                                       "classifier (B, 3); pooled (B, 32) from base/"})

    # --- attention weights of every layer and head (the eager implementation returns them) ---
    eager = AutoModelForMaskedLM.from_pretrained(os.path.join(OUT, "mlm"), attn_implementation="eager").eval()
    enc = tok(ATTENTION_TEXT, return_tensors="pt")
    with torch.no_grad():
        attentions = eager(**enc, output_attentions=True).attentions  # per layer (1, heads, T, T)
    write_json("attention.json", {"versions": versions, "text": ATTENTION_TEXT, "ids": enc["input_ids"][0].tolist(),
                                  "weights": [a[0].tolist() for a in attentions]})

    # --- text classification of single texts, as classify runs them ---
    classify = pipeline("text-classification", model=os.path.join(OUT, "classifier"), top_k=None)
    classified = [{"text": t, "scores": {o["label"]: o["score"] for o in classify([t])[0]}} for t in CLASSIFY]
    for c in classified:
        print(c["text"], max(c["scores"], key=c["scores"].get), c["scores"])
    write_json("classify.json", {"versions": versions, "runs": classified})

    # --- fill-mask ---
    fill = pipeline("fill-mask", model=os.path.join(OUT, "mlm"), top_k=5)
    runs = []
    for text in FILL_MASK:
        out = fill(text)
        runs.append({"text": text, "token_ids": [o["token"] for o in out], "tokens": [o["token_str"] for o in out],
                     "scores": [o["score"] for o in out], "sequences": [o["sequence"] for o in out]})
        print(text, [o["token_str"] for o in out], [round(o["score"], 4) for o in out])
    write_json("fill_mask.json", {"versions": versions, "top_k": 5, "runs": runs})
    print("classifier", [LABELS[i] for i in cls_logits.argmax(-1).tolist()], "gap", (top2[:, 0] - top2[:, 1]).min().item())
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    print(f"wrote {os.path.relpath(OUT, ROOT)} ({total} bytes)")


def write_json(name, obj):
    with open(os.path.join(EXPECTED, name), "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
