// The element kernels compiled from kernels/*.c by native/kernels.c (C linkage; see those sources for contracts).
#pragma once

extern "C" {
void softmax_rows(const float* x, float* out, int r0, int r1, int cols, float scale);
void masked_softmax_rows(const float* x, float* out, int r0, int r1, int heads, int queries, int keys,
                         const unsigned char* pad, int causal, int queryOffset, float scale);
void attend_one_rows(const float* q, const float* k, const float* v, float* out, float* w, int r0, int r1, int heads,
                     int dK, int keys, int limit, int qStride, int kStride, int kLd, int vStride, int vLd,
                     const unsigned char* pad, float scale);
void softmax_backward_rows(const float* y, const float* dy, float* dx, int r0, int r1, int cols, float scale);
void layer_norm_rows(const float* x, const float* gamma, const float* beta, float* out, float* mean, float* rstd,
                     int r0, int r1, int cols, float eps);
void layer_norm_backward_rows(const float* dy, const float* x, const float* gamma, const float* mean,
                              const float* rstd, float* dx, float* dGamma, float* dBeta, int r0, int r1, int cols);
void relu(const float* x, float* out, int n);
void relu_backward(const float* x, const float* dy, float* dx, int n);
void gelu(const float* x, float* out, int n);
void gelu_backward(const float* x, const float* dy, float* dx, int n);
void cross_entropy_rows(const float* logits, int r0, int r1, int cols, float* rowMax, float* rowSumExp,
                        float* rowSum);
void cross_entropy_backward_rows(const float* logits, const int* targets, const float* lse, int r0, int r1,
                                 int cols, int ignoreIndex, float smoothing, float scale, float* dLogits);
void adam(float* param, const float* grad, float* m, float* v, int n, float beta1, float beta2, float stepSize,
          float invBc2Sqrt, float eps, float decay, float l2);
}
