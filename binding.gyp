{
  "targets": [
    {
      "target_name": "transformer_native",
      "sources": ["native/addon.cc", "native/gemm.cc", "native/kernels.c", "native/elementwise.cc"],
      "include_dirs": ["native/shim"],
      "cflags_c": ["-O3", "-std=gnu11"],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-exceptions"],
      "cflags_cc!": ["-fno-rtti"],
      "defines": ["NAPI_VERSION=8"],
      "conditions": [
        ["OS=='win'", {"msvs_settings": {"VCCLCompilerTool": {"Optimization": 2}}}],
        ["OS=='mac'", {"xcode_settings": {"OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17"]}}]
      ]
    }
  ]
}
