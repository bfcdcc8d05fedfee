#pragma once
#include <cstdint>

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
void gemm(const Gemm& g, float* a, float* b, float* c, int threads);

}  // namespace tn
