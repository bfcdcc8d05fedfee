"""ONNX's own checks of `transformer export --format onnx` folders.

For every .onnx file in the folders given: onnx.checker.check_model with full_check (the IR and operator rules
of the declared opset, then shape inference) and strict shape inference; prints each file's opset, node count and
inferred output shapes. External data files beside a model are read by onnx.load. ONNX Runtime runs the exports
in `npm test` (test/export/); this adds the reference implementation's validator, which is stricter in places.

Usage (Debian's onnx 1.12, which knows opset 17: apt-get install -y python3-onnx), from the repository root:
    /usr/bin/python3 scripts/onnx/check.py DIR [DIR ...]
Exits non-zero at the first file the checker refuses.
"""
import glob
import os
import sys

import onnx


def main(dirs):
    files = [f for d in dirs for f in sorted(glob.glob(os.path.join(d, "**", "*.onnx"), recursive=True))]
    if not files:
        sys.exit("check.py: no .onnx files in " + ", ".join(dirs))
    for f in files:
        model = onnx.load(f)
        onnx.checker.check_model(model, full_check=True)
        inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
        shapes = {o.name: [d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim] for o in inferred.graph.output}
        opsets = ", ".join(f"{o.domain or 'ai.onnx'} {o.version}" for o in model.opset_import)
        print(f"ok {f}: IR {model.ir_version}, opset {opsets}, {len(model.graph.node)} nodes, outputs {shapes}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["."])
