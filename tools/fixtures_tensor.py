"""Fixtures for Tests/TensorTests: safetensors interop, PyTorch's CPU random numbers, core ops.

Run with the reference environment (torch 2.15.0, safetensors):
    .venv-ref/bin/python tools/fixtures_tensor.py              # writes the fixtures
    .venv-ref/bin/python tools/fixtures_tensor.py --check F    # loads F (e.g. written by dsh) in Python
Writes Tests/TensorTests/Fixtures/{st_*,random_*,tensor_*}.safetensors and tensor_json.json. Each
fixture holds named tensors; the Swift tests recompute them and compare. The output is deterministic.
"""
import os
import sys
import torch
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "TensorTests", "Fixtures")


def out(name):
    return os.path.join(OUT, name)


# --------------------------------------------------------------------------------------------
# safetensors


def safetensors_fixtures():
    g = torch.Generator().manual_seed(7)
    base = torch.randn(2, 3, generator=g) * 100
    t = {
        "f32": base.clone(),
        "f16": base.to(torch.float16),
        "bf16": base.to(torch.bfloat16),
        "f64": base.to(torch.float64) / 3,
        "i64": torch.tensor([[-(2 ** 24), -1, 0], [1, 123456, 2 ** 24]], dtype=torch.int64),
        "i32": torch.tensor([-7, 0, 2 ** 20], dtype=torch.int32),
        "i16": torch.tensor([-32768, 5, 32767], dtype=torch.int16),
        "i8": torch.tensor([-128, -1, 127], dtype=torch.int8),
        "u8": torch.tensor([0, 1, 200, 255], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "scalar": torch.tensor(3.5),
        "empty": torch.zeros(0, 3),
        "f8e4m3": torch.tensor([0.0, -1.5, 448.0, 0.001953125, 3.25]).to(torch.float8_e4m3fn),
        "f8e5m2": torch.tensor([0.0, -1.5, 57344.0, 1.52587890625e-05, 3.0]).to(torch.float8_e5m2),
        "odd": torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0]).to(torch.float16),  # 10 bytes: later data unaligned
        "f16_special": torch.tensor([float("inf"), float("-inf"), 65504.0, 6e-8, -0.0], dtype=torch.float16),
    }
    # One metadata key: with more, the Rust writer's hash order makes the file differ run to run.
    save_file(t, out("st_dtypes.safetensors"), metadata={"note": "dsh fixture ✓"})
    # The same values as float32 (f64 rounded to float32 as dsh stores it).
    save_file({k: v.to(torch.float32) for k, v in t.items()}, out("st_dtypes_expected.safetensors"))

    # A file dsh must write byte-for-byte the same (one metadata key: key order is then fixed).
    w = {
        "weight": base.clone(),
        "half": base.to(torch.float16),
        "steps": torch.arange(5, dtype=torch.int64),
        "pixels": torch.tensor([[0, 127], [128, 255]], dtype=torch.uint8),
        "mask": torch.tensor([True, False, False]),
        "a.b.c": torch.tensor([[1.0]]),
    }
    save_file(w, out("st_written.safetensors"), metadata={"format": "pt"})
    save_file({"x": torch.ones(2)}, out("st_nometa.safetensors"))


def check_file(path):
    """Loads a file (e.g. one dsh wrote) with Python's safetensors and prints what it holds."""
    from safetensors import safe_open
    with safe_open(path, "pt") as f:
        print("metadata:", f.metadata())
        for k in f.keys():
            v = f.get_tensor(k)
            print(f"  {k}: {v.dtype} {tuple(v.shape)} {v.flatten()[:6].tolist()}")


# --------------------------------------------------------------------------------------------
# Random numbers (PyTorch's CPU generator). Names: <kind>_s<seed index>_...


SEEDS = [0, 42, 2 ** 40 + 7]
SIZES = [1, 5, 15, 16, 17, 31, 100]


def random_fixtures():
    r = {}
    for si, seed in enumerate(SEEDS):
        for n in SIZES:
            g = torch.Generator().manual_seed(seed)
            r[f"randn_s{si}_n{n}"] = torch.randn(n, generator=g)
            g = torch.Generator().manual_seed(seed)
            r[f"rand_s{si}_n{n}"] = torch.rand(n, generator=g)
        # Several consecutive calls on one generator (the cached double normal crosses calls).
        g = torch.Generator().manual_seed(seed)
        seq = [
            torch.randn(3, generator=g),
            torch.randn(20, generator=g),
            torch.rand(5, generator=g),
            torch.randint(0, 10, (7,), generator=g),
            torch.randn(1, generator=g),
            torch.randint(-5, 2 ** 30, (4,), generator=g),
            torch.randn(2, 17, generator=g),
            torch.randn(1, generator=g),
            torch.randint(3, 4, (2,), generator=g),
            torch.rand(2, 3, generator=g),
        ]
        for i, t in enumerate(seq):
            r[f"seq_s{si}_{i}"] = t
        # The default generator: torch.manual_seed, then mixed calls.
        torch.manual_seed(seed)
        big = torch.randn(1, 3, 256, 256)
        r[f"big_s{si}_sub"] = big.flatten()[::997].clone()
        r[f"big_s{si}_sum"] = big.double().sum().reshape(1)
        r[f"big_s{si}_after"] = torch.randn(4)
        r[f"default_s{si}_rand"] = torch.rand(6)
        r[f"default_s{si}_randint"] = torch.randint(0, 1000, (3, 3))
        r[f"default_s{si}_randn"] = torch.randn(5)
    g = torch.Generator().manual_seed(1234)
    r["half_n5"] = torch.randn(5, generator=g, dtype=torch.float16)
    r["half_n40"] = torch.randn(40, generator=g, dtype=torch.float16)
    r["bf16_n40"] = torch.randn(40, generator=g, dtype=torch.bfloat16)
    r["half_rand_n7"] = torch.rand(7, generator=g, dtype=torch.float16)
    r["f64_n5"] = torch.randn(5, generator=g, dtype=torch.float64)
    r["f64_n40"] = torch.randn(40, generator=g, dtype=torch.float64)
    r["f64_rand_n5"] = torch.rand(5, generator=g, dtype=torch.float64)
    g = torch.Generator().manual_seed(99)
    r["uniform_m2_3"] = torch.empty(20).uniform_(-2, 3, generator=g)
    r["normal_05_2_n33"] = torch.empty(33).normal_(mean=0.5, std=2.0, generator=g)
    r["normal_05_2_n7"] = torch.empty(7).normal_(mean=0.5, std=2.0, generator=g)
    base = torch.zeros(5, 4)
    base.t().normal_(generator=g)  # non-contiguous view: element-wise double path, memory order
    r["normal_transposed"] = base
    r["randint_big_range"] = torch.randint(-(2 ** 40), 2 ** 40, (6,), generator=g).double()
    # PyTorch's byte layout of a generator state, with and without a cached double normal.
    g = torch.Generator().manual_seed(3)
    torch.randn(3, generator=g)
    r["state_cached"] = g.get_state()
    r["state_cached_next"] = torch.randn(4, generator=g)
    g = torch.Generator().manual_seed(2 ** 40 + 7)
    torch.rand(1000, generator=g)
    r["state_plain"] = g.get_state()
    save_file(r, out("random_torch.safetensors"))

# --------------------------------------------------------------------------------------------
# Core tensor operations. Inputs are stored as in_*, results under the case's name; the Swift
# tests (ElementwiseTests, ReductionTests, ShapeTests, CreationTests) apply the same operation.


def op_inputs():
    g = torch.Generator().manual_seed(0)
    x = (torch.randn(2, 3, 4, generator=g) * 3).round(decimals=2)
    x[0, 0, 0] = 2.5  # rounding ties
    x[0, 0, 1] = -0.5
    x[0, 0, 2] = 1.5
    x[0, 0, 3] = 0.0
    return {
        "in_x": x,
        "in_y": (torch.randn(3, 1, generator=g) * 2).round(decimals=2),
        "in_z": torch.tensor([1.5, -2.0, 0.25, -3.75]),
        "in_i": torch.randint(-7, 8, (2, 3, 4), generator=g),
        "in_j": torch.tensor([3, -2, 1, -3]),
        "in_b": torch.rand(3, 4, generator=g) > 0.5,
        "in_u8": torch.tensor([0, 1, 200, 255], dtype=torch.uint8),
        "in_h": torch.tensor([0.1, -1.5, 3.3, 100.7], dtype=torch.float16),
        "in_pos": torch.rand(2, 3, 4, generator=g) * 4 + 0.05,
        "in_ties": torch.tensor([[1.0, 3.0, 3.0, 2.0], [5.0, 5.0, -1.0, 5.0], [0.0, 0.0, 0.0, 0.0]]),
    }


def elementwise_fixtures(inp):
    x, y, z, i, j, b = inp["in_x"], inp["in_y"], inp["in_z"], inp["in_i"], inp["in_j"], inp["in_b"]
    u8, h, pos = inp["in_u8"], inp["in_h"], inp["in_pos"]
    F = torch.nn.functional
    r = dict(inp)
    r.update({
        "add_bcast": x + y, "sub": x - z, "mul": x * z, "div": x / y,
        "add_int_float": i + z, "add_int_int": i + j, "div_int": i / j, "mul_int_scalar_float": i * 2.5,
        "floordiv_float": torch.floor_divide(x, y), "floordiv_int": torch.floor_divide(i, j),
        "remainder_float": torch.remainder(x, y), "remainder_int": torch.remainder(i, j),
        "remainder_scalar": torch.remainder(x, -1.5),
        "pow_scalar": pos ** 2.5, "pow_int_2": i ** 2, "pow_tensor": pos ** y, "pow_half": pos ** 0.5,
        "gt": x > y, "eq_int": i == j, "le_scalar": x <= 0.5, "ne": x != z, "lt_int_float": i < z, "ge": x >= y,
        "logical_and": torch.logical_and(x, b), "logical_or": torch.logical_or(i, b), "logical_xor": torch.logical_xor(x, y),
        "where": torch.where(b, x[0], z), "where_int_float": torch.where(b, i[1], z),
        "clamp": torch.clamp(x, -1, 1), "clamp_min": torch.clamp(x, min=0.3), "clamp_max": torch.clamp(x, max=-0.3),
        "minimum": torch.minimum(x, z), "maximum": torch.maximum(x, y), "atan2": torch.atan2(x, y),
        "bool_add": b + b, "bool_mul_int": b * 2, "bool_add_float": b + 1.5,
        "u8_sub_wrap": u8 - 5, "u8_add_int64": u8 + j,
        "half_mul_scalar": h * 2.0, "half_add_float": h + z, "half_add_int0d": h + torch.tensor(3),
        "int_add_float0d": i + torch.tensor(1.5), "int_div_scalar": i / 4,
    })
    unary = {
        "gelu": F.gelu(x), "gelu_tanh": F.gelu(x, approximate="tanh"), "silu": F.silu(x), "sigmoid": torch.sigmoid(x),
        "tanh": torch.tanh(x), "exp": torch.exp(x), "log": torch.log(pos), "sqrt": torch.sqrt(pos),
        "rsqrt": torch.rsqrt(pos), "abs": torch.abs(x), "neg": -x, "floor": torch.floor(x), "ceil": torch.ceil(x),
        "round": torch.round(x), "trunc": torch.trunc(x), "sign": torch.sign(x), "erf": torch.erf(x),
        "softplus": F.softplus(x), "mish": F.mish(x), "relu": F.relu(x), "sin": torch.sin(x), "cos": torch.cos(x),
        "reciprocal": torch.reciprocal(pos), "square": torch.square(x), "log2": torch.log2(pos), "log10": torch.log10(pos),
        "tan": torch.tan(x / 4), "sqrt_int": torch.sqrt(i.abs()), "exp_int": torch.exp(j), "neg_int": -i, "abs_int": i.abs(),
        "square_int": torch.square(i), "relu_int": F.relu(i), "isnan": torch.isnan(torch.log(x)), "logical_not": torch.logical_not(x),
    }
    r.update({"u_" + k: v for k, v in unary.items()})
    save_file({k: v.contiguous().clone() for k, v in r.items()}, out("tensor_elementwise.safetensors"))


def reduction_fixtures(inp):
    x, i, b, t = inp["in_x"], inp["in_i"], inp["in_b"], inp["in_ties"]
    long = torch.randn(1000, generator=torch.Generator().manual_seed(5))
    r = {"in_x": x, "in_i": i, "in_b": b, "in_ties": t, "in_long": long, "cumsum_long": long.cumsum(0)}
    r.update({
        "sum_all": x.sum(), "sum_d1": x.sum(1), "sum_d02_keep": x.sum((0, 2), keepdim=True), "sum_int": i.sum(-1),
        "sum_bool": b.sum(), "mean_all": x.mean(), "mean_d2": x.mean(2), "mean_d01_keep": x.mean((0, 1), keepdim=True),
        "var_all": x.var(), "var_d1_biased": x.var(1, unbiased=False), "var_d2_keep": x.var(2, keepdim=True),
        "std_all": x.std(), "std_d0": x.std(0), "std_d1_biased": x.std(1, correction=0),
        "min_all": x.min(), "max_all": x.max(), "amax_d1": x.amax(1), "amin_d2_keep": x.amin(2, keepdim=True),
        "max_d2_values": x.max(2).values, "max_d2_indices": x.max(2).indices,
        "argmax_all": x.argmax(), "argmax_dm1": x.argmax(-1), "argmin_d1_keep": x.argmin(1, keepdim=True),
        "argmax_ties": t.argmax(1), "argmin_ties": t.argmin(1), "argmax_int": i.argmax(0),
        "prod_d2": x.prod(2), "prod_int": i.prod(1), "all_d1": b.all(1), "any_d0": b.any(0), "all": b.all(),
        "cumsum_d1": x.cumsum(1), "cumsum_dm1": x.cumsum(-1), "cumprod_d2": x.cumprod(2), "cumsum_int": i.cumsum(2),
        "cumsum_bool": b.cumsum(0), "max_int": i.max(),
    })
    save_file({k: v.contiguous().clone() for k, v in r.items()}, out("tensor_reduction.safetensors"))


def shape_fixtures(inp):
    x, i = inp["in_x"], inp["in_i"]
    r = {"in_x": x, "in_i": i}
    r.update({
        "reshape_noncontig": x.transpose(0, 2).reshape(4, 6), "view_permuted_ok": x.permute(1, 0, 2).reshape(3, 8),
        "view_split": x.view(2, 3, 2, 2), "permute": x.permute(2, 0, 1), "transpose": x.transpose(-1, 0),
        "unsqueeze": x.unsqueeze(1), "unsqueeze_last": x.unsqueeze(-1), "squeeze": x[:, :1].squeeze(), "squeeze_d1": x[:, :1].squeeze(1),
        "flatten": x.flatten(), "flatten_1": x.flatten(1), "flatten_02": x.flatten(0, 1),
        "expand": x[:, :1].expand(2, 3, 4), "expand_new": inp["in_z"].expand(2, 3, 4),
        "cat0": torch.cat([x, x * 2]), "cat1": torch.cat([x, x[:, :2]], 1), "catm1": torch.cat([x, i.float()], -1),
        "cat_promote": torch.cat([i, x], 0), "stack0": torch.stack([x, -x]), "stack2": torch.stack([x, -x], 2),
        "stackm1": torch.stack([x, -x, x], -1),
        "repeat": x.repeat(2, 1, 3), "repeat_more": inp["in_z"].repeat(2, 3), "flip": x.flip(0, 2), "flip_t": x.transpose(0, 2).flip(1),
        "narrow": x.narrow(2, 1, 2), "narrow_neg": x.narrow(-2, -2, 2), "contig_of_t": x.transpose(1, 2).contiguous(),
    })
    for k, c in enumerate(torch.arange(5.0).chunk(3)):
        r[f"chunk5_3_{k}"] = c
    for k, c in enumerate(torch.arange(6.0).chunk(4)):
        r[f"chunk6_4_{k}"] = c
    for k, c in enumerate(x.chunk(3, dim=2)):
        r[f"chunk_x_{k}"] = c
    for k, c in enumerate(x.split(3, dim=-1)):
        r[f"split3_{k}"] = c
    for k, c in enumerate(x.split([1, 2], dim=1)):
        r[f"split_sizes_{k}"] = c
    save_file({k: v.contiguous().clone() for k, v in r.items()}, out("tensor_shape.safetensors"))


def creation_fixtures():
    r = {
        "arange5": torch.arange(5), "arange_1_10_3": torch.arange(1, 10, 3), "arange_f01": torch.arange(0, 1, 0.1),
        "arange_m1_1_03": torch.arange(-1, 1, 0.3), "arange_neg": torch.arange(10, 0, -3), "arange_f32_int": torch.arange(5, dtype=torch.float32),
        "arange_big": torch.arange(0.5, 1000.5, 0.5)[::50].clone(), "arange_big_len": torch.tensor(len(torch.arange(0.5, 1000.5, 0.5))),
        "arange_001": torch.arange(0, 0.1, 0.01),
        "linspace_0_1_5": torch.linspace(0, 1, 5), "linspace_m3_7_11": torch.linspace(-3, 7, 11), "linspace_1_0_7": torch.linspace(1, 0, 7),
        "linspace_odd": torch.linspace(0.1, 0.7, 33), "linspace_1000": torch.linspace(0, 1, 1000), "linspace_1": torch.linspace(2, 5, 1),
        "linspace_timesteps": torch.linspace(0, 999, 50), "linspace_f16": torch.linspace(0, 1, 9, dtype=torch.float16),
        "full": torch.full((2, 3), 7.5), "full_int": torch.full((3,), 7, dtype=torch.int64), "zeros": torch.zeros(2, 2), "ones_int": torch.ones(3, dtype=torch.int64),
        "eye3": torch.eye(3), "eye2_4": torch.eye(2, 4), "eye4_2": torch.eye(4, 2),
    }
    save_file({k: v.contiguous().clone() for k, v in r.items()}, out("tensor_creation.safetensors"))

# --------------------------------------------------------------------------------------------
# JSON: Python's float repr and json.dumps layouts (diffusers writes configs with
# json.dumps(config, indent=2, sort_keys=True)).


def json_fixtures():
    import json
    floats = [0.1, 1e-5, 1e16, 1e15, 123456789.0, 0.0001, 1.5e-7, 2.0 ** -1074, 1.7976931348623157e308, -0.0, 100.0,
              1 / 3, 0.00012, 12345678901234567.0, 0.5, 3.14159, 1e22, 9999999999999998.0, -2.5e-5, 0.00085, 0.012,
              1e-4, 123.456, 2.0 ** 60, 7.0e-10, 1234567890123456.7]
    docs = [
        {"_class_name": "DDPMScheduler", "_diffusers_version": "0.42.1", "beta_end": 0.02, "beta_schedule": "linear",
         "beta_start": 0.0001, "clip_sample": True, "num_train_timesteps": 1000, "trained_betas": None,
         "variance_type": "fixed_small", "steps_offset": 0, "thresholds": [], "extra": {}},
        {"z": [1, [2, [3, {"deep": [True, False, None]}]]], "a": "tab\there \"quoted\" \\ back / slash\n", "é": "naïve ☃ 😀",
         "nan": float("nan"), "inf": float("inf"), "minf": float("-inf"), "big": 2 ** 40, "neg": -17, "f": 1e-7},
        [], {}, [1.0, 2, "3"], "just a string", 3.5, None,
    ]
    out_docs = [{"compact": json.dumps(d), "indented": json.dumps(d, indent=2), "sorted": json.dumps(d, indent=2, sort_keys=True)}
                for d in docs]
    with open(out("tensor_json.json"), "w") as f:
        json.dump({"floats": [[x, repr(x)] for x in floats], "documents": out_docs}, f, indent=1)


def main():
    os.makedirs(OUT, exist_ok=True)
    safetensors_fixtures()
    random_fixtures()
    inp = op_inputs()
    elementwise_fixtures(inp)
    reduction_fixtures(inp)
    shape_fixtures(inp)
    creation_fixtures()
    json_fixtures()
    for f in os.listdir(OUT):
        if f.startswith(("st_", "random_", "tensor_")):
            os.chmod(out(f), 0o644)
    print("wrote fixtures to", OUT)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check_file(sys.argv[2])
    else:
        main()
