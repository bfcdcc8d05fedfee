// The N-API face of the native kernels. gemm(a, b, c, params) works on the Float32Arrays JS passes (no copies);
// params is a Float64Array [transA, transB, m, n, k, aOffset, bOffset, cOffset, lda, ldb, ldc, batch, strideA,
// strideB, strideC, alpha, beta, threads, cApart], resolved and bounds-checked by src/backend/native/index.ts.
#include <node_api.h>

#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#endif

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "elementwise.h"
#include "gemm.h"
#include "kernels.h"

#define CHECK(call)                                  \
  do {                                               \
    if ((call) != napi_ok) {                         \
      napi_throw_error(env, nullptr, "native: " #call); \
      return nullptr;                                \
    }                                                \
  } while (0)

static bool f32(napi_env env, napi_value v, float** data, size_t* len) {
  napi_typedarray_type type;
  void* p;
  if (napi_get_typedarray_info(env, v, &type, len, &p, nullptr, nullptr) != napi_ok || type != napi_float32_array) {
    napi_throw_type_error(env, nullptr, "native: expected a Float32Array");
    return false;
  }
  *data = static_cast<float*>(p);
  return true;
}

static bool f64(napi_env env, napi_value v, double** data, size_t* len) {
  napi_typedarray_type type;
  void* p;
  if (napi_get_typedarray_info(env, v, &type, len, &p, nullptr, nullptr) != napi_ok || type != napi_float64_array) {
    napi_throw_type_error(env, nullptr, "native: expected a Float64Array");
    return false;
  }
  *data = static_cast<double*>(p);
  return true;
}

static napi_value Gemm(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  float *a, *b, *c;
  double* p;
  size_t la, lb, lc, lp;
  if (argc < 4 || !f32(env, argv[0], &a, &la) || !f32(env, argv[1], &b, &lb) || !f32(env, argv[2], &c, &lc) ||
      !f64(env, argv[3], &p, &lp))
    return nullptr;
  if (lp < 18) {
    napi_throw_range_error(env, nullptr, "native gemm: params too short");
    return nullptr;
  }
  tn::Gemm g;
  g.transA = p[0] != 0;
  g.transB = p[1] != 0;
  g.m = int(p[2]);
  g.n = int(p[3]);
  g.k = int(p[4]);
  g.aOffset = int64_t(p[5]);
  g.bOffset = int64_t(p[6]);
  g.cOffset = int64_t(p[7]);
  g.lda = int64_t(p[8]);
  g.ldb = int64_t(p[9]);
  g.ldc = int64_t(p[10]);
  g.batch = int(p[11]);
  g.strideA = int64_t(p[12]);
  g.strideB = int64_t(p[13]);
  g.strideC = int64_t(p[14]);
  g.alpha = float(p[15]);
  g.beta = float(p[16]);
  g.cApart = lp > 18 && p[18] != 0;
  tn::gemm(g, a, b, c, int(p[17]));
  return nullptr;
}

// ------------------------------------------------------------------------------------------------ element kernels
// Each takes typed arrays and numbers in a fixed order; src/backend/native/kernels.ts checks every length and
// index before calling, so these only read the arguments. `threads` is the last argument of each.

struct Args {
  napi_env env;
  napi_value argv[16];
  size_t argc = 16;
  bool ok = true;
  Args(napi_env e, napi_callback_info info, size_t want) : env(e) {
    if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < want) fail("too few arguments");
  }
  void fail(const char* what) {
    if (ok) napi_throw_type_error(env, nullptr, (std::string("native kernel: ") + what).c_str());
    ok = false;
  }
  template <typename T>
  T* array(size_t i, napi_typedarray_type want) {
    if (!ok) return nullptr;
    napi_valuetype vt;
    if (napi_typeof(env, argv[i], &vt) == napi_ok && (vt == napi_null || vt == napi_undefined)) return nullptr;
    napi_typedarray_type type;
    size_t len;
    void* p;
    if (napi_get_typedarray_info(env, argv[i], &type, &len, &p, nullptr, nullptr) != napi_ok || type != want) {
      fail("unexpected argument type");
      return nullptr;
    }
    return static_cast<T*>(p);
  }
  float* f(size_t i) { return array<float>(i, napi_float32_array); }
  int* i32(size_t i) { return array<int>(i, napi_int32_array); }
  unsigned char* u8(size_t i) { return array<unsigned char>(i, napi_uint8_array); }
  double num(size_t i) {
    double v = 0;
    if (ok && napi_get_value_double(env, argv[i], &v) != napi_ok) fail("expected a number");
    return v;
  }
  int integer(size_t i) { return int(num(i)); }
};

// Rows 0..rows-1 in one contiguous range per thread: fn(r0, r1). Small calls stay on the calling thread.
static void by_rows(int threads, int rows, int64_t work, const std::function<void(int, int)>& fn) {
  int T = work >= (1 << 15) ? std::min(threads, rows) : 1;
  if (T <= 1) {
    fn(0, rows);
    return;
  }
  tn::parallel_for(T, T, [&](int t) { fn(int(int64_t(t) * rows / T), int(int64_t(t + 1) * rows / T)); });
}

// Elements 0..n-1 in one range per thread, each starting at a multiple of 4 (whole vectors but the last).
static void by_elements(int threads, int n, const std::function<void(int, int)>& fn) {
  int T = n >= (1 << 15) ? threads : 1;
  if (T <= 1) {
    fn(0, n);
    return;
  }
  tn::parallel_for(T, T, [&](int t) {
    int lo = std::min(n, int(4 * (int64_t(t) * n / T / 4)));
    int hi = t == T - 1 ? n : std::min(n, int(4 * (int64_t(t + 1) * n / T / 4)));
    if (hi > lo) fn(lo, hi - lo);
  });
}

// softmaxRows(x, out, rows, cols, scale, threads)
static napi_value SoftmaxRows(napi_env env, napi_callback_info info) {
  Args a(env, info, 6);
  float *x = a.f(0), *out = a.f(1);
  int rows = a.integer(2), cols = a.integer(3), threads = a.integer(5);
  float scale = float(a.num(4));
  if (!a.ok) return nullptr;
  by_rows(threads, rows, int64_t(rows) * cols, [&](int r0, int r1) { softmax_rows(x, out, r0, r1, cols, scale); });
  return nullptr;
}

// maskedSoftmaxRows(scores, out, keyPad | null, batch, heads, queries, keys, causal, queryOffset, scale, threads)
static napi_value MaskedSoftmaxRows(napi_env env, napi_callback_info info) {
  Args a(env, info, 11);
  float *x = a.f(0), *out = a.f(1);
  unsigned char* pad = a.u8(2);
  int batch = a.integer(3), heads = a.integer(4), queries = a.integer(5), keys = a.integer(6);
  int causal = a.integer(7), offset = a.integer(8), threads = a.integer(10);
  float scale = float(a.num(9));
  if (!a.ok) return nullptr;
  int rows = batch * heads * queries;
  by_rows(threads, rows, int64_t(rows) * keys, [&](int r0, int r1) {
    masked_softmax_rows(x, out, r0, r1, heads, queries, keys, pad, causal, offset, scale);
  });
  return nullptr;
}

// attendOne(q, k, v, out, weights, keyPad | null, params), params a Float64Array [batch, heads, dK, keys, limit,
// qOffset, qStride, kOffset, kStride, kLd, vOffset, vStride, vLd, scale, threads]: one call a layer and decoding
// step, so its numbers come in one array (15 separate arguments cost a microsecond)
static napi_value AttendOne(napi_env env, napi_callback_info info) {
  Args a(env, info, 7);
  float *q = a.f(0), *k = a.f(1), *v = a.f(2), *out = a.f(3), *w = a.f(4);
  unsigned char* pad = a.u8(5);
  double* p = a.array<double>(6, napi_float64_array);
  if (!a.ok) return nullptr;
  if (!p) {
    napi_throw_type_error(env, nullptr, "native attendOne: params must be a Float64Array");
    return nullptr;
  }
  int batch = int(p[0]), heads = int(p[1]), dK = int(p[2]), keys = int(p[3]), limit = int(p[4]);
  int64_t qOffset = int64_t(p[5]), kOffset = int64_t(p[7]), vOffset = int64_t(p[10]);
  int qStride = int(p[6]), kStride = int(p[8]), kLd = int(p[9]), vStride = int(p[11]), vLd = int(p[12]);
  float scale = float(p[13]);
  int threads = int(p[14]), rows = batch * heads;
  by_rows(threads, rows, int64_t(rows) * limit * dK, [&](int r0, int r1) {
    attend_one_rows(q + qOffset, k + kOffset, v + vOffset, out, w, r0, r1, heads, dK, keys, limit, qStride, kStride, kLd,
                    vStride, vLd, pad, scale);
  });
  return nullptr;
}

// softmaxBackwardRows(y, dy, dx, rows, cols, scale, threads)
static napi_value SoftmaxBackwardRows(napi_env env, napi_callback_info info) {
  Args a(env, info, 7);
  float *y = a.f(0), *dy = a.f(1), *dx = a.f(2);
  int rows = a.integer(3), cols = a.integer(4), threads = a.integer(6);
  float scale = float(a.num(5));
  if (!a.ok) return nullptr;
  by_rows(threads, rows, int64_t(rows) * cols,
          [&](int r0, int r1) { softmax_backward_rows(y, dy, dx, r0, r1, cols, scale); });
  return nullptr;
}

// layerNormRows(x, gamma, beta, out, mean, rstd, rows, cols, eps, threads)
static napi_value LayerNormRows(napi_env env, napi_callback_info info) {
  Args a(env, info, 10);
  float *x = a.f(0), *gamma = a.f(1), *beta = a.f(2), *out = a.f(3), *mean = a.f(4), *rstd = a.f(5);
  int rows = a.integer(6), cols = a.integer(7), threads = a.integer(9);
  float eps = float(a.num(8));
  if (!a.ok) return nullptr;
  by_rows(threads, rows, int64_t(rows) * cols,
          [&](int r0, int r1) { layer_norm_rows(x, gamma, beta, out, mean, rstd, r0, r1, cols, eps); });
  return nullptr;
}

// layerNormBackwardRows(dy, x, gamma, mean, rstd, dx, dGamma, dBeta, rows, cols, threads): dGamma and dBeta are
// added to. Thread t > 0 sums into its own zeroed partials, added to thread 0's in thread order afterwards, so a
// fixed thread count gives the same bits every run.
static napi_value LayerNormBackwardRows(napi_env env, napi_callback_info info) {
  Args a(env, info, 11);
  float *dy = a.f(0), *x = a.f(1), *gamma = a.f(2), *mean = a.f(3), *rstd = a.f(4), *dx = a.f(5);
  float *dGamma = a.f(6), *dBeta = a.f(7);
  int rows = a.integer(8), cols = a.integer(9), threads = a.integer(10);
  if (!a.ok) return nullptr;
  int T = int64_t(rows) * cols >= (1 << 15) ? std::min(threads, rows) : 1;
  if (T <= 1) {
    layer_norm_backward_rows(dy, x, gamma, mean, rstd, dx, dGamma, dBeta, 0, rows, cols);
    return nullptr;
  }
  std::vector<float> partial(size_t(2) * (T - 1) * cols, 0.f);  // (T - 1) × [dGamma | dBeta]
  tn::parallel_for(T, T, [&](int t) {
    float* dg = t == 0 ? dGamma : partial.data() + size_t(2) * (t - 1) * cols;
    float* db = t == 0 ? dBeta : dg + cols;
    layer_norm_backward_rows(dy, x, gamma, mean, rstd, dx, dg, db, int(int64_t(t) * rows / T),
                             int(int64_t(t + 1) * rows / T), cols);
  });
  for (int t = 1; t < T; t++) {
    const float* dg = partial.data() + size_t(2) * (t - 1) * cols;
    for (int j = 0; j < cols; j++) {
      dGamma[j] += dg[j];
      dBeta[j] += dg[cols + j];
    }
  }
  return nullptr;
}

// unary(kind, x, out, n, threads): kind 0 relu, 1 gelu; backward(kind, x, dy, dx, n, threads)
static napi_value Activation(napi_env env, napi_callback_info info) {
  Args a(env, info, 5);
  int kind = a.integer(0), n = a.integer(3), threads = a.integer(4);
  float *x = a.f(1), *out = a.f(2);
  if (!a.ok) return nullptr;
  by_elements(threads, n, [&](int o, int len) { (kind == 0 ? relu : gelu)(x + o, out + o, len); });
  return nullptr;
}

static napi_value ActivationBackward(napi_env env, napi_callback_info info) {
  Args a(env, info, 6);
  int kind = a.integer(0), n = a.integer(4), threads = a.integer(5);
  float *x = a.f(1), *dy = a.f(2), *dx = a.f(3);
  if (!a.ok) return nullptr;
  by_elements(threads, n, [&](int o, int len) {
    (kind == 0 ? relu_backward : gelu_backward)(x + o, dy + o, dx + o, len);
  });
  return nullptr;
}

// crossEntropyRows(logits, rows, cols, rowMax, rowSumExp, rowSum, threads)
static napi_value CrossEntropyRows(napi_env env, napi_callback_info info) {
  Args a(env, info, 7);
  float* logits = a.f(0);
  int rows = a.integer(1), cols = a.integer(2), threads = a.integer(6);
  float *rowMax = a.f(3), *rowSumExp = a.f(4), *rowSum = a.f(5);
  if (!a.ok) return nullptr;
  by_rows(threads, rows, int64_t(rows) * cols,
          [&](int r0, int r1) { cross_entropy_rows(logits, r0, r1, cols, rowMax, rowSumExp, rowSum); });
  return nullptr;
}

// crossEntropyBackwardRows(logits, targets, lse, rows, cols, ignoreIndex, smoothing, scale, dLogits, threads)
static napi_value CrossEntropyBackwardRows(napi_env env, napi_callback_info info) {
  Args a(env, info, 10);
  float *logits = a.f(0), *lse = a.f(2), *dLogits = a.f(8);
  int* targets = a.i32(1);
  int rows = a.integer(3), cols = a.integer(4), ignoreIndex = a.integer(5), threads = a.integer(9);
  float smoothing = float(a.num(6)), scale = float(a.num(7));
  if (!a.ok) return nullptr;
  by_rows(threads, rows, int64_t(rows) * cols, [&](int r0, int r1) {
    cross_entropy_backward_rows(logits, targets, lse, r0, r1, cols, ignoreIndex, smoothing, scale, dLogits);
  });
  return nullptr;
}

// adam(param, grad, m, v, n, beta1, beta2, stepSize, invBc2Sqrt, eps, decay, l2, threads)
static napi_value Adam(napi_env env, napi_callback_info info) {
  Args a(env, info, 13);
  float *param = a.f(0), *grad = a.f(1), *m = a.f(2), *v = a.f(3);
  int n = a.integer(4), threads = a.integer(12);
  float h[7];
  for (int i = 0; i < 7; i++) h[i] = float(a.num(5 + i));
  if (!a.ok) return nullptr;
  by_elements(threads, n, [&](int o, int len) {
    adam(param + o, grad + o, m + o, v + o, len, h[0], h[1], h[2], h[3], h[4], h[5], h[6]);
  });
  return nullptr;
}

// dropout(x, out, keep, n, p, key, threads): key is two 32-bit words (Uint32Array)
static napi_value Dropout(napi_env env, napi_callback_info info) {
  Args a(env, info, 7);
  float *x = a.f(0), *out = a.f(1);
  uint8_t* keep = a.u8(2);
  double n = a.num(3), p = a.num(4);
  uint32_t* key = a.array<uint32_t>(5, napi_uint32_array);
  int threads = a.integer(6);
  if (!a.ok) return nullptr;
  if (!x || !out || !keep || !key) {
    a.fail("dropout: missing array");
    return nullptr;
  }
  tn::dropout(x, out, keep, int64_t(n), p, key, threads);
  return nullptr;
}

// maskScale(x, keep, scale, out, n)
static napi_value MaskScale(napi_env env, napi_callback_info info) {
  Args a(env, info, 5);
  float *x = a.f(0), *out = a.f(3);
  uint8_t* keep = a.u8(1);
  double scale = a.num(2), n = a.num(4);
  if (!a.ok) return nullptr;
  if (!x || !out || !keep) {
    a.fail("maskScale: missing array");
    return nullptr;
  }
  tn::mask_scale(x, keep, scale, out, int64_t(n));
  return nullptr;
}

// addColumnSums(x, rows, cols, out, threads)
static napi_value AddColumnSums(napi_env env, napi_callback_info info) {
  Args a(env, info, 5);
  float *x = a.f(0), *out = a.f(3);
  double rows = a.num(1), cols = a.num(2);
  int threads = a.integer(4);
  if (!a.ok) return nullptr;
  if (!x || !out) {
    a.fail("addColumnSums: missing array");
    return nullptr;
  }
  tn::add_column_sums(x, int64_t(rows), int64_t(cols), out, threads);
  return nullptr;
}

// crossEntropyWithGrad(logits, targets, rows, cols, ignoreIndex, smoothing, rowLoss, lse, scale, dLogits, threads)
static napi_value CrossEntropyWithGrad(napi_env env, napi_callback_info info) {
  Args a(env, info, 11);
  float *logits = a.f(0), *rowLoss = a.f(6), *lse = a.f(7), *dLogits = a.f(9);
  int* targets = a.i32(1);
  double rows = a.num(2), cols = a.num(3);
  int ignoreIndex = a.integer(4), threads = a.integer(10);
  float smoothing = float(a.num(5)), scale = float(a.num(8));
  if (!a.ok) return nullptr;
  if (!logits || !targets || !rowLoss || !lse || !dLogits) {
    a.fail("crossEntropyWithGrad: missing array");
    return nullptr;
  }
  tn::cross_entropy_with_grad(logits, targets, int64_t(rows), int64_t(cols), ignoreIndex, smoothing, scale, rowLoss,
                              lse, dLogits, threads);
  return nullptr;
}

// tuneMalloc(): has glibc keep freed memory for reuse. A training step allocates and frees hundreds of MB of
// tensors; by default glibc hands every block over 128 KiB (a threshold that adapts up to 32 MiB) straight back to
// the kernel, so each new tensor starts on fresh pages that fault in and are zeroed one by one. Blocks up to
// 256 MiB now come from the heap, and up to 1 GiB of freed heap is kept before trimming: the process keeps its
// peak footprint, as PyTorch's caching allocator does. Returns whether it applied (glibc only).
static napi_value TuneMalloc(napi_env env, napi_callback_info) {
  bool applied = false;
#if defined(__GLIBC__)
  applied = mallopt(M_MMAP_THRESHOLD, 256 << 20) == 1 && mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1 &&
            mallopt(M_TOP_PAD, 64 << 20) == 1;
#endif
  napi_value result;
  napi_get_boolean(env, applied, &result);
  return result;
}

NAPI_MODULE_INIT() {
  if (!tn::cpu_supported()) {
    napi_throw_error(env, nullptr, "native backend: this CPU lacks AVX2/FMA (or is not x86-64)");
    return nullptr;
  }
  napi_property_descriptor props[] = {
      {"gemm", nullptr, Gemm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"softmaxRows", nullptr, SoftmaxRows, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maskedSoftmaxRows", nullptr, MaskedSoftmaxRows, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"attendOne", nullptr, AttendOne, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"softmaxBackwardRows", nullptr, SoftmaxBackwardRows, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"layerNormRows", nullptr, LayerNormRows, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"layerNormBackwardRows", nullptr, LayerNormBackwardRows, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"activation", nullptr, Activation, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"activationBackward", nullptr, ActivationBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"crossEntropyRows", nullptr, CrossEntropyRows, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"crossEntropyBackwardRows", nullptr, CrossEntropyBackwardRows, nullptr, nullptr, nullptr, napi_default,
       nullptr},
      {"adam", nullptr, Adam, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"dropout", nullptr, Dropout, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maskScale", nullptr, MaskScale, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"addColumnSums", nullptr, AddColumnSums, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"tuneMalloc", nullptr, TuneMalloc, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"crossEntropyWithGrad", nullptr, CrossEntropyWithGrad, nullptr, nullptr, nullptr, napi_default, nullptr}};
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return nullptr;
  return exports;
}
