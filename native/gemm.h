#pragma once
#include <cstdint>
#include <functional>

namespace tn {

// GemmArgs of src/backend/backend.ts with every default resolved and validated by the caller (src/backend/native).
struct Gemm {
  bool transA, transB;
  int m, n, k;
  int64_t aOffset, bOffset, cOffset;
  int64_t lda, ldb, ldc;
  int batch;
  int64_t strideA, strideB, strideC;
  float alpha, beta;
  bool cApart;  // the batches of C do not overlap (so they may run on different threads)
};

bool cpu_supported();
// Runs f(chunk) for every chunk in 0..chunks-1 over up to `threads` threads (the calling one included), on the
// pool the GEMM uses; on the calling thread alone when another call holds the pool. Each chunk runs exactly once.
void parallel_for(int threads, int chunks, const std::function<void(int)>& f);
void gemm(const Gemm& g, float* a, float* b, float* c, int threads);

}  // namespace tn
