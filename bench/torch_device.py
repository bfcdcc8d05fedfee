"""The device a PyTorch peer runs on (--device cpu|cuda), set up alike in every peer script.

TF32 off for matmul and cuDNN, so that a GPU multiplies in f32 as our kernels do; on CUDA, sync() is
torch.cuda.synchronize (timings must wait for the queued kernels), on the CPU nothing. A missing GPU is one line
on stderr and exit status 1, not a stack trace.
"""
import sys

import torch


def add_device_arg(parser):
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="where the model runs (default cpu)")


def pick_device(name, script):
    """(torch.device, sync, name for the report): the device `name`, or exit with one line when it is not here."""
    if name == "cuda" and not torch.cuda.is_available():
        sys.exit(f"{script}: --device cuda, but this torch {torch.__version__} sees no CUDA GPU "
                 f"(built with CUDA {torch.version.cuda or 'none'})")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    device = torch.device(name)
    if device.type == "cuda":
        return device, torch.cuda.synchronize, torch.cuda.get_device_name(device)
    return device, (lambda: None), "cpu"
