#pragma once
#include <cstdint>

namespace tn {

// Backend.dropout: keep[i] = hash(key, i) >= p·2³², out[i] = float(double(x[i]) · inv · keep[i]) with
// inv = 1/(1−p): the same bits as src/backend/js/dropout.ts, for any number of threads.
void dropout(const float* x, float* out, uint8_t* keep, int64_t n, double p, const uint32_t* key, int threads);
// Backend.maskScale: out[i] = float(double(x[i]) · scale · keep[i]); out may alias x.
void mask_scale(const float* x, const uint8_t* keep, double scale, float* out, int64_t n);

// Backend.addColumnSums: out[j] += Σ_r x[r·cols + j], each sum in double over the rows in order, rounded once.
void add_column_sums(const float* x, int64_t rows, int64_t cols, float* out, int threads);

// Backend.crossEntropyWithGrad over rows × cols logits, rows split over the threads: one exp per logit (8 lanes),
// exp(x − max) kept in dLogits (which may be logits) and turned into the gradient there; rowLoss and lse get each
// row's values.
void cross_entropy_with_grad(const float* logits, const int* targets, int64_t rows, int64_t cols, int ignoreIndex,
                             float smoothing, float scale, float* rowLoss, float* lse, float* dLogits, int threads);

}  // namespace tn
