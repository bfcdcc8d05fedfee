#!/usr/bin/env bash
# The README's main job: train a small English→Spanish Transformer on the bundled Bible corpus, watch the loss
# fall, translate held-out verses, score the held-out books with BLEU and chrF, and score the shipped model
# (models/en-es) on the same verses beside it. About 6 minutes on 2 cores.
# It trains a fixed number of steps (not minutes), so that its numbers do not depend on how busy the machine is.
# Override with env: DEMO_STEPS (default 900: about 6 minutes on 2 cores), DEMO_OUT (run folder, default runs/demo,
# replaced on every run: only the files a run writes are deleted).
set -euo pipefail
cd "$(dirname "$0")/.."
T="node dist/src/cli/main.js"
OUT="${DEMO_OUT:-runs/demo}"
STEPS="${DEMO_STEPS:-900}"
DATA=data/bible

echo "== 1/4 train: tiny preset (d_model 64, 4 heads, d_ff 256, 2+2 layers) on verses of at most 40 tokens, ${STEPS} steps"
$T train --arch seq2seq --data "$DATA/web-sparv.train.tsv.gz" --valid "$DATA/web-sparv.valid.tsv.gz" --out "$OUT" --overwrite \
  --preset tiny --steps "$STEPS" --vocab-size 2000 --max-len 40 --batch-tokens 4096 --warmup 200 \
  --eval-every 100 --save-every 100 --valid-batches 10 --log-every 10 --seed 1
echo "   loss curve: $OUT/loss.svg   metrics: $OUT/metrics.jsonl"
echo "   to use it in the page: npm run web, then pick $OUT/{config.json,model.safetensors,tokenizer.json}"

echo
echo "== 2/4 translate three verses from the held-out books (Ruth, Jonah, James; never seen in training)"
printf '%s\n' "The word of Yahweh came to Jonah the son of Amittai, saying," \
  "Naomi said to her two daughters-in-law, \"Go, return each of you to her mother's house.\"" \
  "Be doers of the word, and not only hearers, deluding your own selves." |
while IFS= read -r line; do
  printf '  EN: %s\n  ES: %s\n' "$line" "$($T translate --checkpoint "$OUT" "$line")"
done

echo
echo "== 3/4 score the held-out test books (greedy search; sources of at most 40 tokens, as trained)"
$T eval --checkpoint "$OUT" --data "$DATA/web-sparv.test.tsv.gz" --max-src-tokens 40 --save-rows "$OUT.test-rows.tsv"

echo
echo "== 4/4 the shipped model (models/en-es: small preset, hours of training) on the same verses, greedy"
$T eval --data "$OUT.test-rows.tsv"
