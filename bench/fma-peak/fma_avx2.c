#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
/* bench/fma-peak: n iterations of 12 independent 256-bit fused multiply-adds: the most arithmetic AVX2 can issue */
__attribute__((noinline)) static float fma_loop(long n, float x) {
  __m256 a = _mm256_set1_ps(x), b = _mm256_set1_ps(0.999f);
#define I(j) __m256 s##j = _mm256_set1_ps(x + j + 1);
  I(0) I(1) I(2) I(3) I(4) I(5) I(6) I(7) I(8) I(9) I(10) I(11)
#define F(j) s##j = _mm256_fmadd_ps(s##j, b, a);
  for (long i = 0; i < n; i++) { F(0) F(1) F(2) F(3) F(4) F(5) F(6) F(7) F(8) F(9) F(10) F(11) }
  __m256 t = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)), _mm256_add_ps(_mm256_add_ps(s4, s5), _mm256_add_ps(s6, s7)));
  t = _mm256_add_ps(t, _mm256_add_ps(_mm256_add_ps(s8, s9), _mm256_add_ps(s10, s11)));
  return _mm256_cvtss_f32(t);
}
int main(int argc, char** argv) {
  long n = argc > 1 ? atol(argv[1]) : 100000000;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  volatile float r = fma_loop(n, 0.5f);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
  printf("%.2f\n", n * 12.0 * 16 / s / 1e9); /* 8 lanes x 2 flops */
  (void)r;
  return 0;
}
