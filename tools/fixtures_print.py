#!/usr/bin/env python3
"""Fixtures for tensor printing, numpy array printing and indexing.

Run with the reference venv from the repository root:

    .venv-ref/bin/python tools/fixtures_print.py

Writes:
  Tests/TensorTests/Fixtures/print_torch.json   [{name, shape, dtype, values, options, repr}]
  Tests/TensorTests/Fixtures/print_numpy.json   [{name, shape, dtype, values, repr}]
  Tests/TensorTests/Fixtures/print_sizes.json   [{shape, repr}]  (str(torch.Size))
  Tests/TensorTests/Fixtures/index_get.json     [{name, source, index, result | error}]
  Tests/TensorTests/Fixtures/index_set.json     [{name, source, index, value, result | error}]
  Tests/TensorTests/Fixtures/index_inplace.json [{name, source, view, op, other | scalar, result | error}]

A tensor is written as {shape, dtype, values} with the values flattened in row-major order.
An index is a list of items: {"int": i}, {"slice": [start, stop, step]} (null for omitted),
{"ellipsis": true}, {"none": true}, {"tensor": <tensor>}.
"""
import json
import math
import os

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "TensorTests", "Fixtures")

DTYPES = {
    torch.float32: "float32", torch.float64: "float64", torch.float16: "float16",
    torch.bfloat16: "bfloat16", torch.int64: "int64", torch.int32: "int32",
    torch.uint8: "uint8", torch.bool: "bool",
}


def tensor_json(t):
    flat = t.detach().reshape(-1)
    if t.dtype in (torch.float16, torch.bfloat16):
        flat = flat.float()
    values = [float(v) for v in flat.tolist()]
    return {"shape": list(t.shape), "dtype": DTYPES[t.dtype], "values": values}


# ----------------------------------------------------------------------------------------------
# torch printing

def print_cases():
    g = torch.Generator().manual_seed(0)
    cases = []

    def add(name, t, **options):
        if options:
            old = torch._tensor_str.get_printoptions()
            torch.set_printoptions(**options)
            try:
                r = repr(t)
                assert r == str(t)
            finally:
                torch.set_printoptions(**old)
        else:
            r = repr(t)
            assert r == str(t)
        entry = {"name": name, **tensor_json(t), "options": options, "repr": r}
        cases.append(entry)

    # 0-d
    add("scalar float", torch.tensor(1.5))
    add("scalar int", torch.tensor(7))
    add("scalar negative", torch.tensor(-0.25))
    add("scalar whole float", torch.tensor(3.0))
    add("scalar tiny", torch.tensor(1e-7))
    add("scalar huge", torch.tensor(1e10))
    add("scalar bool", torch.tensor(True))
    add("scalar nan", torch.tensor(float("nan")))
    add("scalar zero", torch.tensor(0.0))
    add("scalar negzero", torch.tensor(-0.0))
    add("scalar int32", torch.tensor(5, dtype=torch.int32))
    add("scalar float16", torch.tensor(0.1, dtype=torch.float16))
    # 1-d floats
    add("floats", torch.tensor([1.0, 2.5, -3.25]))
    add("whole floats", torch.tensor([1.0, 2.0, 3.0]))
    add("whole floats neg", torch.tensor([-1.0, 20.0, 300.0]))
    add("zeros", torch.zeros(4))
    add("ones 2d", torch.ones(2, 3))
    add("thirds", torch.tensor([1 / 3, 2 / 3, 1.0]))
    add("rounding", torch.tensor([0.00005, 0.12345, 0.99995, 1.00005]))
    add("sci small", torch.tensor([1e-5, 1.0, 2.0]))
    add("sci ratio", torch.tensor([0.01, 100.0]))
    add("sci ratio just", torch.tensor([0.1, 100.0]))
    add("sci large", torch.tensor([1e9, 1.0]))
    add("sci large whole", torch.tensor([1e9, 2e9]))
    add("sci ratio whole", torch.tensor([1.0, 10000.0]))
    add("not sci 1e8", torch.tensor([1e8, 2e7]))
    add("sci mixed signs", torch.tensor([-1.5e-6, 2.25e3, 0.0]))
    add("nan inf", torch.tensor([float("nan"), float("inf"), -float("inf"), 1.5]))
    add("nan inf whole", torch.tensor([float("nan"), float("inf"), 2.0]))
    add("only nan", torch.tensor([float("nan"), float("nan")]))
    add("inf sci", torch.tensor([float("inf"), 1e-6]))
    add("neg zero", torch.tensor([-0.0, 1.5]))
    add("neg zero whole", torch.tensor([-0.0, 1.0]))
    add("neg zero only", torch.tensor([-0.0, 0.0]))
    add("randn 5", torch.randn(5, generator=g))
    add("randn 2x3", torch.randn(2, 3, generator=g))
    add("randn 2x3x4", torch.randn(2, 3, 4, generator=g))
    add("randn 2x2x2x3", torch.randn(2, 2, 2, 3, generator=g))
    add("randn 1x3x4x4", torch.randn(1, 3, 4, 4, generator=g))
    add("randn wrap 20", torch.randn(20, generator=g))
    add("randn wrap 3x12", torch.randn(3, 12, generator=g))
    add("randn big", torch.randn(40, 50, generator=g))
    add("randn big 1d", torch.randn(2000, generator=g))
    add("randn big 4d", torch.randn(1, 4, 16, 16, generator=g))
    add("randn big 3d small last", torch.randn(500, 2, 2, generator=g))
    add("randn sci", torch.randn(3, 4, generator=g) * 1e5)
    add("randn sci 2", torch.randn(6, generator=g) * 1e-5)
    add("linspace", torch.linspace(0, 1, 11))
    add("linspace big", torch.linspace(-1, 1, 1001))
    add("small values", torch.tensor([0.0001, 0.0002]))
    add("small values 2", torch.tensor([0.00012345, 0.1]))
    add("scale 1000", torch.tensor([1000.5, 1.0]))
    add("precision 2", torch.tensor([1.23456, 2.5]), precision=2)
    add("sci forced", torch.tensor([1.5, 2.0]), sci_mode=True)
    add("sci off", torch.tensor([1e-6, 1.0]), sci_mode=False)
    add("linewidth 40", torch.arange(30.0), linewidth=40)
    add("edgeitems 2", torch.arange(2000.0).reshape(40, 50), edgeitems=2)
    # ints
    add("arange", torch.arange(10))
    add("arange neg", torch.arange(-5, 5))
    add("int 2d", torch.arange(12).reshape(3, 4))
    add("int 3d", torch.arange(24).reshape(2, 3, 4))
    add("int 4d", torch.arange(36).reshape(1, 2, 3, 6))
    add("int wide", torch.tensor([1, 1000000, -5]))
    add("int many", torch.arange(100))
    add("int big", torch.arange(1200))
    add("int big 2d", torch.arange(1500).reshape(30, 50))
    add("int32", torch.arange(6, dtype=torch.int32).reshape(2, 3))
    add("uint8", torch.tensor([[0, 255], [128, 7]], dtype=torch.uint8))
    add("uint8 image", torch.arange(48, dtype=torch.uint8).reshape(1, 4, 4, 3))
    # bool
    add("bool", torch.tensor([True, False, True]))
    add("bool true", torch.tensor([True, True]))
    add("bool 2d", torch.tensor([[True, False], [False, False]]))
    add("bool big", torch.arange(1100) % 3 == 0)
    # other float dtypes
    add("float16", torch.tensor([0.1, 0.2, 1.5], dtype=torch.float16))
    add("float16 whole", torch.tensor([1.0, 2.0], dtype=torch.float16))
    add("bfloat16", torch.tensor([0.1, 3.0], dtype=torch.bfloat16))
    add("float64", torch.tensor([0.1, 3.0], dtype=torch.float64))
    add("float64 long suffix", torch.randn(7, generator=g, dtype=torch.float64))
    add("float16 suffix wrap", torch.randn(8, generator=g).half())
    add("float16 suffix wrap 2", torch.randn(2, 8, generator=g).half())
    # empty
    add("empty", torch.tensor([]))
    add("empty 0x3", torch.zeros(0, 3))
    add("empty int", torch.zeros(0, dtype=torch.int64))
    add("empty bool 2d", torch.zeros(2, 0, dtype=torch.bool))
    add("empty float16", torch.zeros(0, dtype=torch.float16))
    # one-element and odd shapes
    add("shape 1", torch.tensor([2.5]))
    add("shape 1x1", torch.tensor([[2.5]]))
    add("shape 3x1", torch.tensor([[1.0], [2.0], [3.0]]))
    add("shape 1x1x3", torch.tensor([[[1, 2, 3]]]))
    add("timesteps", torch.tensor([999, 979, 959]))
    add("betas", torch.linspace(0.0001, 0.02, 10))
    add("float16 max", torch.tensor([65504.0, 1.0], dtype=torch.float16))
    add("int mode huge", torch.tensor([123456789.0, 1.0]))
    add("int mode 1e7", torch.tensor([12345678.0, -3.0]))
    add("sci with nan", torch.tensor([float("nan"), 1e-9, 5.0]))
    add("sci neg exp 3 digits", torch.tensor([1e-30, 1e30]))
    add("tiny denormal", torch.tensor([1e-40, 1.0]))
    add("precision 6", torch.randn(4, generator=g), precision=6)
    add("precision 0", torch.tensor([1.5, 2.25, -0.5]), precision=0)
    add("threshold 5", torch.arange(10), threshold=5)
    add("threshold 5 2d", torch.arange(30.0).reshape(5, 6), threshold=5)
    add("edgeitems 0", torch.arange(30.0).reshape(5, 6), threshold=5, edgeitems=0)
    add("edgeitems 0 1d", torch.arange(10), threshold=5, edgeitems=0)
    add("linewidth 10", torch.tensor([1.5, 2.5, 3.5]), linewidth=10)
    add("summary wrap 1d", torch.randn(1001, generator=g) * 1000)
    add("summary 3d", torch.arange(2000).reshape(10, 10, 20))
    add("dtype suffix newline", torch.arange(15, dtype=torch.int32).reshape(3, 5) * 100000)
    add("int32 wide", torch.arange(20, dtype=torch.int32) * 1000)
    add("uint8 big", torch.arange(1200, dtype=torch.uint8))
    add("half rounding", torch.tensor([0.00015, 2.0, 0.125], dtype=torch.float16))
    add("mixed magnitude", torch.tensor([[1e-3, 1.0], [10.0, 0.5]]))
    return cases


# ----------------------------------------------------------------------------------------------
# numpy printing

def numpy_cases():
    rng = np.random.default_rng(0)
    cases = []

    def add(name, a):
        flat = a.reshape(-1)
        values = [float(v) for v in flat.tolist()]
        cases.append({"name": name, "shape": list(a.shape), "dtype": str(a.dtype), "values": values, "repr": repr(a), "str": str(a)})

    f32 = lambda x: np.array(x, dtype=np.float32)
    add("f32 whole", f32([[1, 2]]))
    add("f32 mixed", f32([1.0, 2.5, -3.25]))
    add("f32 tenth", f32([0.1, 0.2, 0.3]))
    add("f32 thirds", f32([1 / 3, 2 / 3]))
    add("f32 scalar", f32(1.5))
    add("f32 scalar whole", f32(2.0))
    add("f32 sci", f32([1e-5, 1.0]))
    add("f32 sci large", f32([1e9, 1.0]))
    add("f32 sci ratio", f32([0.001, 10.0]))
    add("f32 nan inf", f32([np.nan, np.inf, -np.inf, 1.5]))
    add("f32 neg zero", f32([-0.0, 1.0]))
    add("f32 zeros", np.zeros((2, 3), dtype=np.float32))
    add("f32 randn", rng.standard_normal((3, 4)).astype(np.float32))
    add("f32 randn 3d", rng.standard_normal((2, 2, 3)).astype(np.float32))
    add("f32 randn 4d", rng.standard_normal((1, 2, 2, 2)).astype(np.float32))
    add("f32 image", rng.random((1, 4, 4, 3)).astype(np.float32))
    add("f32 wrap", rng.standard_normal(20).astype(np.float32))
    add("f32 empty", np.zeros(0, dtype=np.float32))
    add("f32 empty 2d", np.zeros((0, 3), dtype=np.float32))
    add("f64 from f32", rng.standard_normal((2, 3)).astype(np.float32).astype(np.float64))
    add("f64 whole", np.array([1.0, 2.0, 3.0]))
    add("f64 halves", np.array([0.5, 0.25]))
    add("f64 scalar", np.array(0.5))
    add("u8", np.array([[0, 255]], dtype=np.uint8))
    add("u8 image", (rng.random((2, 2, 3)) * 255).astype(np.uint8))
    add("u8 small", np.array([1, 2, 3], dtype=np.uint8))
    add("i64", np.arange(6).reshape(2, 3))
    add("i64 neg", np.array([-5, 10, 300]))
    add("i64 scalar", np.array(7))
    add("i64 wrap", np.arange(40) * 1000)
    add("bool", np.array([True, False]))
    add("bool 2d", np.array([[True], [False]]))
    add("i64 big", np.arange(2000))
    add("f32 big", rng.standard_normal((50, 40)).astype(np.float32))
    add("u8 big", (rng.random((1, 32, 32, 3)) * 255).astype(np.uint8))
    add("f32 min digits", f32([0.1, 1.2345e-5]))
    add("f32 exp cutoff", f32([1e6, 2.5]))
    add("f32 below cutoff", f32([999999.0, 2.5]))
    add("f32 sci nan", f32([np.nan, 1e-7, -3.0]))
    add("f32 only nan", f32([np.nan, np.inf]))
    add("f32 neg inf pad", f32([-np.inf, 0.5]))
    add("f32 scalar sci", f32(1e-8))
    add("f32 scalar 1e-4", f32(1e-4))
    add("f32 scalar below 1e6", f32(999999.94))
    add("f32 scalar 1e6", f32(1e6))
    add("f32 scalar many digits", f32(123456789.0))
    add("f32 scalar negative", f32(-0.00015))
    add("f32 scalar nan", f32(np.nan))
    add("f64 scalar", np.array(1234567.0))
    add("i64 scalar", np.array(-42))
    add("bool scalar", np.array(False))
    add("f32 long", f32([1234.5677, 0.001]))
    add("f32 big 3d", rng.standard_normal((12, 10, 10)).astype(np.float32))
    add("f32 big 1d sci", (rng.standard_normal(1500) * 1e-6).astype(np.float32))
    add("f64 thirds", np.array([1 / 3, 2 / 3], dtype=np.float32).astype(np.float64))
    add("f64 tenth", np.array([0.1, 0.7], dtype=np.float32).astype(np.float64))
    add("f64 exp", np.array([1e-30, 1.5e20], dtype=np.float32).astype(np.float64))
    add("f64 exp long", np.array([0.1, 1e-6], dtype=np.float32).astype(np.float64))
    add("f64 big", (np.arange(1200, dtype=np.float32) / 7).astype(np.float64))
    add("f16", np.array([0.1, 2.5, 1000.0], dtype=np.float16))
    add("bool scalar", np.array(False))
    add("u8 scalar", np.array(200, dtype=np.uint8))
    add("bool big", np.arange(1100) % 2 == 0)
    add("i64 neg wide", np.array([[-100000, 5], [3, 2]]))
    add("i32", np.arange(4, dtype=np.int32))
    return cases


# ----------------------------------------------------------------------------------------------
# indexing

def idx_json(index):
    out = []
    for item in index:
        if item is Ellipsis:
            out.append({"ellipsis": True})
        elif item is None:
            out.append({"none": True})
        elif isinstance(item, int):
            out.append({"int": item})
        elif isinstance(item, slice):
            out.append({"slice": [item.start, item.stop, item.step]})
        elif isinstance(item, torch.Tensor):
            out.append({"tensor": tensor_json(item)})
        else:
            raise TypeError(item)
    return out


def error_json(e):
    return {"type": type(e).__name__, "message": str(e).split("\n")[0]}


def index_get_cases():
    cases = []
    a3 = torch.arange(24).reshape(2, 3, 4)
    a2 = torch.arange(12.0).reshape(3, 4)
    a1 = torch.arange(6)
    mask2 = a2 % 3 == 0
    E = Ellipsis
    specs = [
        ("int", a2, (1,)),
        ("neg int", a2, (-1,)),
        ("two ints", a2, (1, 2)),
        ("scalar from 1d", a1, (4,)),
        ("slice", a2, (slice(1, None),)),
        ("slice step", a1, (slice(None, None, 2),)),
        ("slice step 3", a1, (slice(1, None, 3),)),
        ("slice neg", a1, (slice(-3, -1),)),
        ("slice clamp", a1, (slice(-100, 100),)),
        ("slice empty", a1, (slice(4, 2),)),
        ("slice past", a1, (slice(10, 20),)),
        ("slice cols", a2, (slice(None), 1)),
        ("slice cols range", a2, (slice(None), slice(1, 3))),
        ("ellipsis", a3, (E, 0)),
        ("ellipsis middle", a3, (0, E, 1)),
        ("ellipsis alone", a3, (E,)),
        ("ellipsis start", a3, (E, slice(1, 3))),
        ("none", a2, (None,)),
        ("none middle", a2, (slice(None), None)),
        ("none end", a2, (E, None)),
        ("none and int", a3, (None, 1, None, slice(None, 2))),
        ("3d int slice", a3, (1, slice(0, 2), slice(None, None, 2))),
        ("3d full", a3, (1, 2, 3)),
        ("tensor index", a2, (torch.tensor([2, 0]),)),
        ("tensor index neg", a2, (torch.tensor([-1, 0, 1]),)),
        ("tensor index dim1", a2, (slice(None), torch.tensor([3, 0]))),
        ("tensor index 2d", a1, (torch.tensor([[0, 1], [5, 4]]),)),
        ("tensor index with int", a3, (1, torch.tensor([0, 2]))),
        ("tensor index ellipsis", a3, (E, torch.tensor([1, 1, 0]))),
        ("tensor index scalar", a2, (torch.tensor(1),)),
        ("two tensor indices", a2, (torch.tensor([0, 2]), torch.tensor([1, 3]))),
        ("two tensor broadcast", a2, (torch.tensor([[0], [2]]), torch.tensor([1, 3]))),
        ("bool mask", a2, (mask2,)),
        ("bool mask rows", a2, (torch.tensor([True, False, True]),)),
        ("bool mask cols", a2, (slice(None), torch.tensor([True, False, False, True]))),
        ("bool mask 1d", a1, (a1 > 2,)),
        ("int32 index tensor", a2, (torch.tensor([2, 1], dtype=torch.int32),)),
        ("non-adjacent tensor indices", a3, (torch.tensor([0, 1]), slice(None), torch.tensor([1, 2]))),
        ("adjacent tensor indices after slice", a3, (slice(None), torch.tensor([0, 2]), torch.tensor([1, 3]))),
        ("tensor index and none", a2, (None, torch.tensor([1, 0]))),
        ("mask with int", a3, (0, a3[0] > 5)),
        ("mask 3d", a3, (a3 % 5 == 0,)),
        ("bool scalar true", a1, (torch.tensor(True),)),
        ("bool scalar false", a1, (torch.tensor(False),)),
        ("slice then tensor", a2, (slice(1, None), torch.tensor([0, 0, 3]))),
        ("empty index tensor", a2, (torch.tensor([], dtype=torch.int64),)),
        ("err float index", a2, (torch.tensor([0.0, 1.0]),)),
        ("err out of range", a2, (5,)),
        ("err out of range neg", a2, (-4,)),
        ("err dim1 out of range", a2, (0, 4)),
        ("err too many", a2, (0, 0, 0)),
        ("err step", a1, (slice(None, None, -1),)),
        ("two ellipses", a2, (E, E)),
        ("err tensor out of range", a2, (torch.tensor([0, 3]),)),
        ("err mask shape", a2, (torch.tensor([True, False]),)),
    ]
    for name, src, index in specs:
        entry = {"name": name, "source": tensor_json(src), "index": idx_json(index)}
        try:
            r = src[index]
            entry["result"] = tensor_json(r)
            entry["view"] = r.untyped_storage().data_ptr() == src.untyped_storage().data_ptr()
        except Exception as e:  # noqa: BLE001
            entry["error"] = error_json(e)
        cases.append(entry)
    return cases


def index_set_cases():
    cases = []
    E = Ellipsis
    a2 = lambda: torch.arange(12.0).reshape(3, 4)
    i2 = lambda: torch.arange(12).reshape(3, 4)
    a3 = lambda: torch.arange(24.0).reshape(2, 3, 4)
    specs = [
        ("row scalar", a2, (1,), 7.5),
        ("element", a2, (0, 2), -1.0),
        ("col tensor", a2, (slice(None), 1), torch.tensor([10.0, 20.0, 30.0])),
        ("broadcast row", a2, (slice(0, 2),), torch.tensor([1.0, 2.0, 3.0, 4.0])),
        ("broadcast col", a2, (E,), torch.tensor([[1.0], [2.0], [3.0]])),
        ("step slice", a2, (slice(None), slice(None, None, 2)), 0.0),
        ("ellipsis last", a3, (E, -1), torch.tensor([5.0, 6.0, 7.0])),
        ("none", a2, (None, 0), torch.tensor([[9.0, 9.0, 9.0, 9.0]])),
        ("int dst float value", i2, (0,), torch.tensor([1.7, -2.7, 3.2, 4.9])),
        ("int dst float scalar", i2, (1, 1), 2.9),
        ("mask scalar", a2, ("mask",), 0.0),
        ("mask tensor", a2, ("mask",), torch.tensor([100.0, 200.0, 300.0, 400.0])),
        ("mask rows", a2, (torch.tensor([True, False, True]),), -1.0),
        ("tensor index rows", a2, (torch.tensor([0, 2]),), torch.tensor([[1.0], [2.0]])),
        ("tensor index cols", a2, (slice(None), torch.tensor([3, 1])), 5.0),
        ("3d block", a3, (1, slice(1, None), slice(None, 2)), torch.tensor([[1.0, 2.0], [3.0, 4.0]])),
        ("err shape", a2, (0,), torch.tensor([1.0, 2.0])),
        ("err index", a2, (3,), 1.0),
    ]
    for name, make, index, value in specs:
        x = make()
        if index == ("mask",):
            index = (x > 4,) if not isinstance(value, torch.Tensor) else (x % 3 == 1,)
        entry = {"name": name, "source": tensor_json(x), "index": idx_json(index)}
        if isinstance(value, torch.Tensor):
            entry["value"] = tensor_json(value)
        else:
            entry["scalar"] = value
        view = x[:]  # an alias: assignment must be visible through it
        try:
            x[index] = value
            entry["result"] = tensor_json(x)
            assert torch.equal(view, x)
        except Exception as e:  # noqa: BLE001
            entry["error"] = error_json(e)
        cases.append(entry)
    return cases


def inplace_cases():
    """In-place ops applied to a view of a base tensor; the base is recorded afterwards."""
    cases = []
    full = (slice(None),)
    f2 = lambda: torch.arange(12.0).reshape(3, 4)
    i2 = lambda: torch.arange(12).reshape(3, 4)
    specs = [
        ("copy_ broadcast", f2, (slice(None), 1), "copy_", torch.tensor([7.0, 8.0, 9.0]), {}),
        ("copy_ row broadcast", f2, full, "copy_", torch.tensor([1.5, 2.5, 3.5, 4.5]), {}),
        ("copy_ into int", i2, (0,), "copy_", torch.tensor([1.7, -2.7, 3.2, 4.9]), {}),
        ("copy_ overlap", lambda: torch.arange(6.0), (slice(1, None),), "copy_", "self[:5]", {}),
        ("copy_ bad shape", f2, full, "copy_", torch.tensor([1.0, 2.0]), {}),
        ("fill_ column", f2, (slice(None), 2), "fill_", 5.0, {}),
        ("fill_ int", i2, (1,), "fill_", 3.9, {}),
        ("zero_ row", f2, (0,), "zero_", None, {}),
        ("add_ tensor", f2, full, "add_", torch.tensor([10.0, 20.0, 30.0, 40.0]), {}),
        ("add_ alpha", f2, (slice(0, 2),), "add_", torch.tensor([1.0, 1.0, 1.0, 1.0]), {"alpha": 2.5}),
        ("add_ scalar", f2, (slice(None), slice(None, None, 2)), "add_", 0.25, {}),
        ("add_ int scalar into int", i2, full, "add_", 3, {}),
        ("add_ float into int", i2, full, "add_", 0.5, {}),
        ("add_ float tensor into int", i2, full, "add_", torch.tensor([0.5]), {}),
        ("add_ broadcast past shape", lambda: torch.zeros(3), full, "add_", torch.ones(2, 3), {}),
        ("sub_ tensor", f2, (2,), "sub_", torch.tensor([1.0, 2.0, 3.0, 4.0]), {}),
        ("sub_ alpha", f2, full, "sub_", torch.tensor(1.0), {"alpha": 3.0}),
        ("mul_ scalar", f2, (1,), "mul_", 0.5, {}),
        ("mul_ int", i2, full, "mul_", 3, {}),
        ("mul_ tensor", f2, full, "mul_", torch.tensor([[1.0], [-1.0], [2.0]]), {}),
        ("div_ scalar", f2, full, "div_", 4.0, {}),
        ("div_ tensor", f2, (slice(None), 0), "div_", torch.tensor([2.0, 4.0, 8.0]), {}),
        ("div_ int", i2, full, "div_", 2, {}),
        ("clamp_", f2, full, "clamp_", None, {"min": 2.5, "max": 8.5}),
        ("clamp_ min only", f2, (0,), "clamp_", None, {"min": 1.5}),
        ("clamp_ int", i2, full, "clamp_", None, {"min": 3, "max": 6}),
    ]
    for name, make, view_index, op, other, kw in specs:
        x = make()
        entry = {"name": name, "source": tensor_json(x), "view": idx_json(view_index), "op": op}
        v = x[view_index]
        if isinstance(other, torch.Tensor):
            entry["other"] = tensor_json(other)
        elif other == "self[:5]":
            entry["other_view"] = idx_json((slice(None, 5),))
            other = x[:5]
        elif other is not None:
            entry["scalar"] = float(other)
            entry["is_integer"] = isinstance(other, int)
        entry.update(kw)
        try:
            if op == "zero_":
                v.zero_()
            elif op == "clamp_":
                v.clamp_(**kw)
            else:
                getattr(v, op)(other, **kw)
            entry["result"] = tensor_json(x)
        except Exception as e:  # noqa: BLE001
            entry["error"] = error_json(e)
        cases.append(entry)
    return cases


def size_cases():
    return [{"shape": list(s), "repr": str(torch.Size(s))} for s in [(), (3,), (1, 3, 256, 256), (0, 4)]]


def main():
    os.makedirs(OUT, exist_ok=True)
    outputs = {
        "print_torch.json": print_cases(),
        "print_numpy.json": numpy_cases(),
        "print_sizes.json": size_cases(),
        "index_get.json": index_get_cases(),
        "index_set.json": index_set_cases(),
        "index_inplace.json": inplace_cases(),
    }
    for name, data in outputs.items():
        with open(os.path.join(OUT, name), "w") as f:
            # One case per line: readable in a diff, and compact.
            f.write("[\n" + ",\n".join(json.dumps(c) for c in data) + "\n]\n")
        print(f"wrote {name}: {len(data)} cases")


if __name__ == "__main__":
    main()
