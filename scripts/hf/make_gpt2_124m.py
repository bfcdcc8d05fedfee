"""A GPT-2 124M folder with random weights, for measuring loading and generation at the real size (not a fixture:
about 500 MB, written outside the repository).

The model is GPT2LMHeadModel(GPT2Config()): transformers' defaults are GPT-2 small's real config (n_embd 768,
12 layers, 12 heads, n_positions 1024, vocab_size 50257), initialised as transformers initialises it (seed 0)
and saved with save_pretrained (model.safetensors, float32, wte once: lm_head is tied).

The tokenizer is a byte-level BPE of exactly 50,257 tokens built in a second, not trained: the 256 byte symbols,
50,000 merges of two byte symbols (every pair of the printable ones first, in byte order), and <|endoftext|> at
id 50256 as bos, eos and unk, as GPT-2's. It encodes any text (two bytes a token at best), so generation runs on
real prompts; its merges are not GPT-2's, which a random model does not need.

Usage: /tmp/hfvenv/bin/python scripts/hf/make_gpt2_124m.py /tmp/gpt2-124m
"""
import os
import sys

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers
from transformers import GPT2Config, GPT2LMHeadModel, GPT2Tokenizer, PreTrainedTokenizerFast

EOT = "<|endoftext|>"
VOCAB = 50257


def byte_level_bpe():
    alphabet = pre_tokenizers.ByteLevel.alphabet()  # the 256 byte symbols
    alphabet.sort(key=lambda ch: ord(ch))
    vocab = {ch: i for i, ch in enumerate(alphabet)}
    merges = []
    for a in alphabet:
        for b in alphabet:
            if len(vocab) == VOCAB - 1:
                break
            vocab[a + b] = len(vocab)
            merges.append((a, b))
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([EOT])
    assert tok.get_vocab_size() == VOCAB and tok.token_to_id(EOT) == VOCAB - 1
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=EOT, eos_token=EOT, unk_token=EOT)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_gpt2_124m.py OUT_DIR")
    out = sys.argv[1]
    if os.path.exists(out) and os.listdir(out):
        sys.exit(f"{out}: not empty")
    torch.manual_seed(0)
    config = GPT2Config()
    assert (config.n_embd, config.n_layer, config.n_head, config.n_positions, config.vocab_size) == (768, 12, 12, 1024, VOCAB)
    model = GPT2LMHeadModel(config).eval()
    model.save_pretrained(out)
    tok = byte_level_bpe()
    tok.save_pretrained(out)
    # transformers' GPT-2 tokenizer class, as the Hub's folders name it
    GPT2Tokenizer.from_pretrained(out).save_pretrained(out)
    n = sum(p.numel() for p in model.parameters())
    size = os.path.getsize(os.path.join(out, "model.safetensors"))
    print(f"{out}: GPT-2 {n / 1e6:.1f}M parameters, model.safetensors {size / 2**20:.1f} MiB, tokenizer {VOCAB} tokens")


if __name__ == "__main__":
    main()
