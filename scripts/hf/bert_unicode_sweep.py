"""Which code points `tokenizers`' BERT components class as control/format/private use (dropped by BertNormalizer's
clean_text), nonspacing marks (dropped by strip_accents) and punctuation (split by BertPreTokenizer): a sweep over
every code point, written as JSON ranges for scripts/hf/bert-unicode.mjs, which compares them with this runtime's
Unicode classes and writes src/tokenizer/bert-unicode.ts.

    /tmp/hfvenv/bin/python scripts/hf/bert_unicode_sweep.py > /tmp/bert-classes.json
    node scripts/hf/bert-unicode.mjs /tmp/bert-classes.json
"""
import json
import sys
import unicodedata

import tokenizers
from tokenizers import normalizers, pre_tokenizers

clean = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=False, strip_accents=False, lowercase=False)
strip = normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=False, strip_accents=True, lowercase=False)
pre = pre_tokenizers.BertPreTokenizer()


def ranges(cps):
    out = []
    for cp in cps:
        if out and out[-1][1] == cp - 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return out


other, mark, punct = [], [], []
for cp in range(0x110000):
    if 0xD800 <= cp <= 0xDFFF:
        continue
    c = chr(cp)
    if clean.normalize_str("a" + c + "a") == "aa":  # dropped, not turned into a space
        other.append(cp)
    if unicodedata.normalize("NFD", c) == c and strip.normalize_str(c) == "":
        mark.append(cp)
    if len(pre.pre_tokenize_str("a" + c + "a")) == 3:  # isolated: a word of its own
        punct.append(cp)
json.dump({"tokenizers": tokenizers.__version__, "other": ranges(other), "mark": ranges(mark), "punct": ranges(punct)}, sys.stdout)
