// The N-API face of the native kernels. gemm(a, b, c, params) works on the Float32Arrays JS passes (no copies);
// params is a Float64Array [transA, transB, m, n, k, aOffset, bOffset, cOffset, lda, ldb, ldc, batch, strideA,
// strideB, strideC, alpha, beta, threads, cApart], resolved and bounds-checked by src/backend/native/index.ts.
#include <node_api.h>

#include <cstdint>

#include "gemm.h"

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


NAPI_MODULE_INIT() {
  if (!tn::cpu_supported()) {
    napi_throw_error(env, nullptr, "native backend: this CPU lacks AVX2/FMA (or is not x86-64)");
    return nullptr;
  }
  napi_property_descriptor props[] = {
      {"gemm", nullptr, Gemm, nullptr, nullptr, nullptr, napi_default, nullptr}};
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return nullptr;
  return exports;
}
