"""Tests of the Python module against the library and the CLI of the same build.

Run by ctest (python/tests/run.sh sets SIGPROP_LIB and PYTHONPATH); by hand:
    SIGPROP_LIB=build/libsigprop.so.0 PYTHONPATH=python python3 -m pytest python/tests
"""
import csv
import io
import math
import os
import subprocess

import numpy as np
import pytest

import sigprop


def cli():
    """The sigprop CLI built beside the library (None when absent)."""
    path = os.path.join(os.path.dirname(os.path.realpath(sigprop.LIBRARY_PATH)), "sigprop")
    return path if os.access(path, os.X_OK) else None


def run_cli(*args):
    exe = cli()
    if exe is None:
        pytest.skip("no sigprop CLI next to %s" % sigprop.LIBRARY_PATH)
    out = subprocess.run([exe] + list(args) + ["-q"], check=True, capture_output=True, text=True)
    return list(csv.DictReader(io.StringIO(out.stdout)))


def close(a, b, rel=1e-8):
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


HAS_BLAS = "openblas" in sigprop.build_features()


def test_library_found_and_versioned():
    assert sigprop.__version__.count(".") == 2
    assert "gsl" in sigprop.build_features()
    assert sigprop.simd() in ("scalar", "avx2", "avx512")
    assert "blog2" in sigprop.presets()


def test_theory_summary_equals_cli():
    df = sigprop.theory(preset="blog2", norm="derf", alpha=0.5, summary=True)
    ref = run_cli("theory", "--preset", "blog2", "--norm", "derf", "--alpha", "0.5", "--summary")
    assert len(df) == len(ref) == 1
    assert list(df.columns) == list(ref[0].keys())
    for col, want in ref[0].items():
        got = df[col].iloc[0]
        if isinstance(got, str):
            assert got == want, col
        else:
            assert close(got, want, 1e-8), (col, got, want)
    assert df.phase.iloc[0] == "subcritical"


def test_theory_rows_equal_cli_and_alpha_list():
    df = sigprop.theory(preset="vit-b", norm="dyt", alpha=[0.3, 0.9], depth=6)
    ref = run_cli("theory", "--preset", "vit-b", "--norm", "dyt", "--alpha", "0.3,0.9",
                  "--depth", "6")
    assert len(df) == len(ref) == 14  # two curves of L + 1 = 7 rows
    for i, r in enumerate(ref):
        for col in ("alpha", "l", "q", "p", "rho", "logJ_fwd", "logJ_bwd"):
            assert close(df[col].iloc[i], r[col], 1e-8), (i, col)
    assert df.J_fwd.iloc[0] == 1.0
    one = sigprop.theory(preset="vit-b", norm="dyt", alpha=0.9, depth=6)
    assert np.allclose(one.logJ_fwd.to_numpy(), df.logJ_fwd.to_numpy()[7:], rtol=0, atol=0)


def test_toy_theory_rows_equal_cli():
    df = sigprop.theory(preset="blog1-toy", alpha=0.5, depth=4)
    ref = run_cli("theory", "--preset", "blog1-toy", "--alpha", "0.5", "--depth", "4")
    assert list(df.columns) == list(ref[0].keys())
    for i, r in enumerate(ref):
        for col, want in r.items():
            got = df[col].iloc[i]
            assert (got == want) if isinstance(got, str) else close(got, want), (i, col)


def test_record_array():
    rec = sigprop.theory(preset="blog1-toy", depth=8, alpha=0.5, as_frame=False)
    assert isinstance(rec, np.recarray)
    assert rec.l.tolist() == list(range(9))
    assert rec.model[0] == "toy" and rec.norm[0] == "derf"


def test_unknown_keyword_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match=r"'alpah'.*did you mean 'alpha'"):
        sigprop.theory(preset="blog2", alpah=0.5)
    with pytest.raises(TypeError, match="'probes'"):
        sigprop.theory(probes=3)  # a measure() keyword
    with pytest.raises(TypeError, match="depth must be an int"):
        sigprop.theory(depth=1.5)
    # the values are the library's to refuse (sp_archspec_set), with its reasons
    with pytest.raises(ValueError, match="norm: 'foo' is not one of ln, rms, dyt, derf, none"):
        sigprop.theory(norm="foo")
    with pytest.raises(ValueError, match="preset: 'gpt' is not one of blog1-toy, blog2"):
        sigprop.theory(preset="gpt")
    with pytest.raises(ValueError, match="alpha/alpha_attn/alpha_mlp/shift need norm='derf' or dyt"):
        sigprop.theory(alpha=0.5)  # the default norm is LayerNorm


def test_library_failure_raises_sigprop_error_with_reason():
    with pytest.raises(sigprop.SigpropError) as e:
        sigprop.theory(width=100, heads=3, depth=4)
    assert e.value.status_str == "invalid argument"
    assert "heads" in e.value.reason and "100" in e.value.reason
    with pytest.raises(sigprop.SigpropError, match=r"depth: 0 is out of range \[1, 1000000\]"):
        sigprop.theory(depth=0)


def test_fit_recovers_a_power_law():
    x = np.arange(1, 101, dtype=float)
    y = 0.75 * np.log(x) + 0.2
    df = sigprop.fit(x, y)
    assert list(df.model) == ["power", "stretched", "stretched-log", "stretched-free",
                              "exponential"]
    best = df[df.selected]
    assert len(best) == 1 and best.model.iloc[0] == "power"
    assert best.phase.iloc[0] == "critical"
    assert abs(best.zeta.iloc[0] - 0.75) < 1e-6
    with pytest.raises(ValueError, match="same length"):
        sigprop.fit(x, y[:-1])
    with pytest.raises(sigprop.SigpropError, match="invalid argument"):
        sigprop.fit(x - 1.0, y, models=["power"])  # x = 0 is refused by the library


def test_fit_of_theory_curve_says_subcritical():
    df = sigprop.theory(preset="blog2", norm="derf", alpha=0.5)
    cur = df[df.l > 0]
    fits = sigprop.fit(cur.l, cur.logJ_fwd, models="power,stretched,exponential")
    assert fits[fits.selected].phase.iloc[0] == "subcritical"


@pytest.mark.skipif(not HAS_BLAS, reason="this build has no OpenBLAS")
def test_measure_equals_cli_and_reports_progress():
    seen = []
    kw = dict(preset="blog2", norm="derf", alpha=0.5, width=64, tokens=8, depth=3, probes=2,
              seeds=2, seed=7)
    df = sigprop.measure(progress=lambda done, total: seen.append((done, total)), **kw)
    ref = run_cli("measure", "--preset", "blog2", "--norm", "derf", "--alpha", "0.5",
                  "--width", "64", "--tokens", "8", "--depth", "3", "--probes", "2",
                  "--seeds", "2", "--seed", "7")
    assert len(df) == len(ref) == 4
    assert list(df.columns) == list(ref[0].keys())
    for i, r in enumerate(ref):
        for col in ("q", "p", "J_fwd", "J_bwd", "grad_amp"):
            assert close(df[col].iloc[i], r[col], 1e-6), (i, col)
    assert seen and seen[-1][0] == seen[-1][1]
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:]))


@pytest.mark.skipif(not HAS_BLAS, reason="this build has no OpenBLAS")
def test_measure_progress_exception_is_reraised():
    def boom(done, total):
        raise KeyboardInterrupt("stop")
    with pytest.raises(KeyboardInterrupt):
        sigprop.measure(preset="blog2", width=64, tokens=8, depth=2, probes=1, progress=boom)


@pytest.mark.skipif(not HAS_BLAS, reason="this build has no OpenBLAS")
def test_measure_refusal_carries_the_library_reason():
    # sp_net_check: the configured input against the architecture, as the CLI says it
    with pytest.raises(sigprop.SigpropError) as e:
        sigprop.measure(width=64, tokens=100, depth=1)
    assert "equiangular input needs tokens <= width (tokens 100, width 64)" in e.value.reason


MODEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models",
                     "stories260K.bin")


@pytest.mark.skipif(not HAS_BLAS, reason="this build has no OpenBLAS")
def test_measure_weights_equals_cli():
    # a trained llama2.c model (models/README.md) and the HF init beside it, as the
    # CLI's --weights --against-init measures them: the same rows, the same numbers
    kw = dict(seeds=2, probes=2, seed=3, token_ids=[1, 5, 7, 9, 11])
    df = sigprop.measure(weights=MODEL, against_init=True, **kw)
    ref = run_cli("measure", "--weights", MODEL, "--against-init", "--seeds", "2", "--probes",
                  "2", "--seed", "3", "--token-ids", "1,5,7,9,11")
    assert len(df) == len(ref) == 2 * 6  # 5 blocks + l = 0, trained then init
    assert list(df.columns) == list(ref[0].keys())
    assert list(df["weights"]) == [r["weights"] for r in ref]
    for i, r in enumerate(ref):
        for col in ("q", "p", "J_fwd", "J_bwd", "grad_amp", "width", "tokens", "heads"):
            assert close(df[col].iloc[i], r[col], 1e-8), (i, col)
    # the library's refusals, keywords named as keywords
    with pytest.raises(sigprop.SigpropValueError) as e:
        sigprop.measure(weights=MODEL, width=32)
    assert "weights sets the architecture" in e.value.reason
    with pytest.raises(sigprop.SigpropValueError) as e:
        sigprop.measure(weights=MODEL, inputs="fashion-mnist")
    assert "is read as llama2.c" in e.value.reason
    with pytest.raises(sigprop.SigpropValueError) as e:
        sigprop.measure(weights=MODEL, token_ids=list(range(600)))
    assert "600' exceeds the model's seq_len 512" in e.value.reason
    with pytest.raises(sigprop.SigpropError):
        sigprop.measure(weights=MODEL + ".none")
    with pytest.raises(sigprop.SigpropValueError):
        sigprop.measure(against_init=True, width=64, tokens=8, depth=2)


@pytest.mark.skipif(HAS_BLAS, reason="this build has OpenBLAS")
def test_measure_without_blas_says_so():
    with pytest.raises(sigprop.SigpropError) as e:
        sigprop.measure(preset="blog2", width=64, tokens=8, depth=2)
    assert e.value.status_str == "not supported" and "OpenBLAS" in e.value.reason


def same_table(df, ref, rel=1e-8):
    """A DataFrame against the CLI's CSV rows: the columns in order, strings equal,
    numbers to rel."""
    assert list(df.columns) == list(ref[0].keys())
    assert len(df) == len(ref)
    for i, r in enumerate(ref):
        for col, want in r.items():
            got = df[col].iloc[i]
            if isinstance(got, str):
                assert got == want, (i, col, got, want)
            else:
                assert close(got, want, rel), (i, col, got, want)


def test_sweep_equals_cli_and_reports_progress():
    seen = []
    df = sigprop.sweep(norm=["ln", "derf"], alpha=[0.1, 0.5, 1.5], depth=[16, 64],
                       width=[768, 1024], progress=lambda d, t: seen.append((d, t)))
    ref = run_cli("sweep", "--norm", "ln,derf", "--alpha", "0.1,0.5,1.5", "--depth", "16,64",
                  "--width", "768,1024")
    assert len(ref) == (2 + 2 * 3) * 2  # ln: one row per width and depth (alpha = nan)
    same_table(df, ref, 1e-9)
    assert df.attrs["failed"] == 0
    assert seen and seen[-1] == (len(ref), len(ref))


def test_sweep_blog2_alphas_one_depth_as_theory_summary():
    al = [0.05 * k for k in range(1, 21)]
    df = sigprop.sweep(preset="blog2", norm="derf", alpha=al, depth=100)
    th = sigprop.theory(preset="blog2", norm="derf", alpha=al, depth=100, summary=True)
    for col in ("q_L", "p_L", "J_L0", "lambda"):
        assert np.allclose(df[col], th[col], rtol=1e-9, equal_nan=True), col  # 10 digits
    assert list(df.phase) == list(th.phase)


@pytest.mark.skipif(not HAS_BLAS, reason="this build has no OpenBLAS")
def test_sweep_measure_equals_cli():
    args = dict(preset="blog2", norm="derf", alpha=[0.5, 1.0], width=64, tokens=8,
                depth=[2, 4], mode="both", probes=2, seed=3)
    df = sigprop.sweep(**args)
    ref = run_cli("sweep", "--preset", "blog2", "--norm", "derf", "--alpha", "0.5,1",
                  "--width", "64", "--tokens", "8", "--depth", "2,4", "--mode", "both",
                  "--probes", "2", "--seed", "3")
    same_table(df, ref, 1e-6)


def test_sweep_bad_keyword_values():
    with pytest.raises(ValueError, match="mode"):
        sigprop.sweep(norm="derf", alpha=0.5, mode="bogus")
    with pytest.raises(ValueError, match="twice"):
        sigprop.sweep(norm="derf", alpha=0.5, depth=[4, 4])
    with pytest.raises(TypeError, match="width"):
        sigprop.sweep(width=[64, "x"])
    # the library's grid refuses identical rows as the CLI does, naming the keyword
    with pytest.raises(sigprop.SigpropValueError, match="alpha: a value is given twice"):
        sigprop.sweep(norm="derf", alpha=[0.5, 0.5], depth=4)
    with pytest.raises(sigprop.SigpropValueError, match="^.*width does not change the rows"):
        sigprop.sweep(model="toy", width=[16, 32], depth=4)
    with pytest.raises(sigprop.SigpropValueError, match=r"alpha: -1 is out of range"):
        sigprop.sweep(norm="derf", alpha=[0.5, -1])


def test_alpha_equals_cli_with_laws():
    df = sigprop.alpha(norm="derf", match="preln", depth=[12, 24, 48], width=[768, 1024])
    ref = run_cli("alpha", "--norm", "derf", "--match", "preln", "--depth", "12,24,48",
                  "--width", "768,1024")
    same_table(df, ref, 1e-9)
    laws = df.attrs["laws"]
    assert len(laws) == 5 and laws[0]["law"] == "alpha = A * depth^-b"
    assert 0.2 < laws[0]["b"] < 0.6


def test_alpha_per_side_equals_cli():
    df = sigprop.alpha(norm="dyt", match="preln-per-side", depth=[8, 16], width=512,
                       mlp_ratio=3, tokens=128)
    ref = run_cli("alpha", "--norm", "dyt", "--match", "preln-per-side", "--depth", "8,16",
                  "--width", "512", "--mlp-ratio", "3", "--tokens", "128")
    same_table(df, ref, 1e-9)
    assert np.allclose(df.logJ_attn, df.logJ_attn_preln, rtol=1e-7)
    assert np.allclose(df.ratio, df.alpha_attn / df.alpha_mlp, rtol=1e-12)
    with pytest.raises(ValueError, match="solves for"):
        sigprop.alpha(norm="dyt", match="preln-per-side", ratio=2.0, depth=8)

def test_alpha_unreachable_raises_with_the_range():
    with pytest.raises(sigprop.SigpropError) as e:
        sigprop.alpha(preset="blog2", norm="derf", target_J=0.5, depth=10)
    assert e.value.status_str == "not supported" and "reachable range" in e.value.reason
    with pytest.raises(ValueError, match="exactly one"):
        sigprop.alpha(norm="derf", target_J=3, match="preln")
    with pytest.raises(ValueError, match="no alpha"):
        sigprop.alpha(norm="ln", target_J=3)


@pytest.mark.skipif(not HAS_BLAS, reason="this build has no OpenBLAS")
def test_alpha_verify_equals_cli():
    df = sigprop.alpha(norm="derf", match="preln", depth=8, width=64, tokens=16, verify=True,
                       seeds=2)
    ref = run_cli("alpha", "--norm", "derf", "--match", "preln", "--depth", "8", "--width", "64",
                  "--tokens", "16", "--verify", "--seeds", "2")
    same_table(df, ref, 1e-6)


@pytest.mark.skipif(not HAS_BLAS, reason="this build has no OpenBLAS")
def test_compare_equals_cli_and_reports_progress():
    seen = []
    kw = dict(preset="blog2", norm="derf", alpha=[0.5, 1.0], width=64, tokens=8, depth=3,
              probes=2, seeds=2, seed=7)
    flags = ["--preset", "blog2", "--norm", "derf", "--alpha", "0.5,1", "--width", "64",
             "--tokens", "8", "--depth", "3", "--probes", "2", "--seeds", "2", "--seed", "7"]
    df = sigprop.compare(progress=lambda d, t: seen.append((d, t)), **kw)
    same_table(df, run_cli("compare", *flags), 1e-6)
    assert seen and seen[-1][0] == seen[-1][1]
    assert all(a[0] <= b[0] and a[1] == b[1] for a, b in zip(seen, seen[1:]))
    sm = sigprop.compare(summary=True, **kw)
    same_table(sm, run_cli("compare", "--summary", *flags), 1e-6)
    assert len(df.attrs["gmfe"]) == len(sm)
    ms = sigprop.compare(theory_start="measured", **kw)
    assert ms.q_theory.iloc[0] == ms.q.iloc[0]


@pytest.mark.skipif(not HAS_BLAS, reason="this build has no OpenBLAS")
def test_compare_errors():
    with pytest.raises(ValueError, match="final_norm"):
        sigprop.compare(preset="blog2", width=64, tokens=8, depth=2, final_norm=True)
    with pytest.raises(sigprop.SigpropError) as e:
        sigprop.compare(preset="blog2", width=64, tokens=8, depth=2, heads=3)
    assert e.value.reason
    def boom(done, total):
        raise KeyboardInterrupt("stop")
    with pytest.raises(KeyboardInterrupt):
        sigprop.compare(preset="blog2", width=64, tokens=8, depth=2, probes=1, progress=boom)


# ---- the architecture keywords come from the library's table (sigprop/archspec.h) ----

def test_every_cli_architecture_flag_is_a_keyword():
    exe = cli()
    if exe is None:
        pytest.skip("no sigprop CLI")
    helptext = subprocess.run([exe, "theory", "--help"], check=True, capture_output=True,
                              text=True).stdout
    keys = sigprop.arch_keys()
    for k in keys:
        assert k["flag"] in helptext, k["flag"]
        assert k["keyword"] == k["flag"][2:].replace("-", "_")
    names = {k["keyword"] for k in keys}
    for kw in ("norm", "mlp", "activation", "attention_mask", "kv_heads", "rope", "rope_pairing",
               "mlp_hidden", "sigma_3", "norm_eps", "embed_scale", "residual_scale",
               "proxy_width", "config", "attention"):
        assert kw in names, kw
    byname = {k["keyword"]: k for k in keys}
    assert byname["mlp_ratio"]["default"] == "4" and byname["depth"]["default"] == "128"
    assert "gaussian" in byname["attention"]["choices"]
    assert byname["activation"]["alias_of"] == "mlp"


def test_llm_keywords_theory_equals_cli():
    kw = dict(preset="llama2-7b", norm="rms", tokens=64, depth=8)
    df = sigprop.theory(summary=True, **kw)
    ref = run_cli("theory", "--preset", "llama2-7b", "--norm", "rms", "--tokens", "64",
                  "--depth", "8", "--summary")
    same_table(df, ref, 1e-9)
    assert df.mlp.iloc[0] == "swiglu" and df["mask"].iloc[0] == "causal"
    # the keywords the hand-written _build did not know
    args = dict(width=256, depth=4, tokens=16, mlp="swiglu", mlp_hidden=688, sigma_3=0.5,
                attention_mask="causal", kv_heads=2, heads=4, rope=10000, rope_pairing="half",
                norm_eps=1e-6, embed_scale="sqrt-d", residual_scale="gpt2")
    df = sigprop.theory(summary=True, **args)
    flags = []
    for k, v in args.items():
        flags += ["--" + k.replace("_", "-"), str(v)]
    same_table(df, run_cli("theory", "--summary", *flags), 1e-9)
    g = sigprop.theory(attention="gaussian", width=256, depth=4, tokens=16, summary=True)
    assert g.version.iloc[0] == "G"


def test_config_keyword_equals_cli():
    path = os.path.join(os.path.dirname(__file__), "..", "..", "configs", "gpt2.json")
    df = sigprop.theory(config=path, depth=4, tokens=32, summary=True)
    same_table(df, run_cli("theory", "--config", path, "--depth", "4", "--tokens", "32",
                           "--summary"), 1e-9)
    assert df.mlp.iloc[0] == "gelu"
    with pytest.raises(ValueError, match="preset and config both set the architecture"):
        sigprop.theory(config=path, preset="gpt2")
    with pytest.raises(sigprop.SigpropError, match="config .*no-such.json"):
        sigprop.theory(config="no-such.json")


def test_bad_values_raise_with_the_library_reason():
    cases = [
        (dict(mlp_ratio=0), r"mlp_ratio: 0 is out of range \[1, 64\]"),
        (dict(rope="x"), "rope: 'x' is not a decimal number"),
        (dict(mlp="tanh"), "mlp: 'tanh' is not one of relu, gelu, swiglu"),
        (dict(attention_mask="future"), "attention_mask: 'future' is not one of none, causal"),
        (dict(model="toy", tokens=8, heads=2),
         "tokens, heads apply to the transformer, not to model='toy'"),
        (dict(phi="erf"), "phi applies to the toy model"),
        (dict(sigma_3=0.5), "sigma_3 applies to mlp='swiglu'"),
        (dict(rope_pairing="half"), "rope_pairing needs rope"),
        (dict(cn="exact", apjn="single"), "cn applies to apjn='two-channel'"),
        (dict(width=4096, proxy_width=100, depth=2), "proxy_width 100 is not a multiple"),
    ]
    for kw, reason in cases:
        with pytest.raises(sigprop.SigpropValueError, match=reason) as e:
            sigprop.theory(**kw)
        assert isinstance(e.value, ValueError) and e.value.status_str == "invalid argument"
    with pytest.raises(TypeError, match="rope must be a number or 'none'"):
        sigprop.theory(rope=[1])


@pytest.mark.skipif(not HAS_BLAS, reason="this build has no OpenBLAS")
def test_llm_keywords_measure_equals_cli():
    kw = dict(norm="rms", mlp="swiglu", attention_mask="causal", kv_heads=2, heads=4, width=32,
              tokens=8, depth=2, rope=10000, probes=1, seeds=2, seed=5)
    df = sigprop.measure(**kw)
    flags = []
    for k, v in kw.items():
        flags += ["--" + k.replace("_", "-"), str(v)]
    ref = run_cli("measure", *flags)
    same_table(df, ref, 1e-6)
    assert df.kv_heads.iloc[0] == 2 and df.mlp.iloc[0] == "swiglu"
    px = sigprop.measure(preset="llama2-7b", proxy_width=64, tokens=8, depth=2, probes=1,
                         measure="fwd")
    assert px.width.iloc[0] == 64
    # a preset's final norm is left out of compare, as the CLI does
    flags = ["--preset", "llama2-7b", "--proxy-width", "64", "--tokens", "8", "--depth", "2",
             "--probes", "1", "--measure", "fwd", "--summary"]
    with pytest.warns(RuntimeWarning, match="final norm of the preset is left out"):
        cm = sigprop.compare(preset="llama2-7b", proxy_width=64, tokens=8, depth=2, probes=1,
                             measure="fwd", summary=True)
    same_table(cm, run_cli("compare", *flags), 1e-6)


# ---- the measurement keywords: the library's key table (sigprop/measurespec.h) ----

def test_measure_keys_come_from_the_library_table():
    keys = {r["keyword"]: r for r in sigprop.measure_keys()}
    assert {"seeds", "probes", "seed", "threads", "input", "measure", "exclude_cls",
            "checkpoint", "max_memory", "max_time", "sublayers", "per_seed", "token_ids",
            "position_std", "inputs", "cls", "data"} == set(keys)
    assert keys["probes"]["default"] == "4" and keys["probes"]["flag"] == "--probes"
    assert keys["input"]["choices"] == ["equiangular", "gaussian"]
    assert "%v" not in keys["seeds"]["help"]


def test_train_keys_come_from_the_library_table():
    keys = {r["keyword"]: r for r in sigprop.train_keys()}
    assert {"width", "heads", "kv_heads", "mlp_ratio", "activation", "pool", "patch",
            "init_std", "rope", "rope_pairing", "steps", "batch", "schedule", "weight_decay",
            "clip", "diverge_factor", "seed", "task", "depth", "context", "norm_eps", "lr",
            "warmup", "min_lr", "beta1", "beta2", "adam_eps", "norm", "norm_attn", "norm_mlp",
            "norm_final", "alpha", "alpha_attn", "alpha_mlp", "alpha_final", "eval_every",
            "checkpoint_every", "stop_at"} == set(keys)
    assert keys["norm"]["choices"] == ["ln", "rms", "dyt", "derf"]
    assert keys["norm_mlp"]["default"] == "ln" and keys["alpha"]["group"] == "train-norm"
    assert keys["eval_every"]["group"] == "train-run" and keys["stop_at"]["kind"] == "int"
    assert keys["width"]["default"] == "64" and keys["kv_heads"]["flag"] == "--kv-heads"
    assert keys["rope"]["default"] == "none" and keys["rope"]["group"] == "model"
    assert keys["activation"]["choices"] == ["relu", "gelu", "swiglu"]
    assert keys["lr"]["group"] == "train-optim" and keys["steps"]["kind"] == "int"
    assert "%v" not in keys["batch"]["help"] and "128" in keys["batch"]["help"]


def test_measure_refusals_name_the_keyword():
    with pytest.raises(sigprop.SigpropValueError) as e:
        sigprop.measure(width=16, heads=1, depth=1, tokens=4, probes=0)
    assert e.value.reason.startswith("probes: ")
    with pytest.raises(sigprop.SigpropValueError) as e:
        sigprop.measure(width=16, heads=1, depth=1, tokens=4, measure="fwd,sideways")
    assert "measure: 'sideways' in 'fwd,sideways'" in e.value.reason
    with pytest.raises(sigprop.SigpropValueError) as e:
        sigprop.measure(width=16, heads=1, depth=1, tokens=4, max_memory="12Q")
    assert "max_memory: '12Q' is not a positive size" in e.value.reason
    with pytest.raises(sigprop.SigpropValueError) as e:  # the plan's memory check
        sigprop.measure(width=16, heads=1, depth=1, tokens=4, max_memory="1M")
    assert "needs about" in e.value.reason and "allowed by max_memory" in e.value.reason
    assert "reduce width, tokens, probes, seeds or depth" in e.value.reason
    with pytest.raises(sigprop.SigpropValueError) as e:
        sigprop.measure(width=16, heads=1, depth=1, token_ids=[1, 2], tokens=3)
    assert "tokens 3 and the 2 token_ids disagree" in e.value.reason
    with pytest.raises(sigprop.SigpropValueError) as e:
        sigprop.measure(width=16, heads=1, depth=1, tokens=4, position_std=0.5)
    assert "position_std goes with token_ids" in e.value.reason
    with pytest.raises(TypeError, match="token_ids must be a sequence of ints"):
        sigprop.measure(width=16, heads=1, depth=1, token_ids=[1.5])
    with pytest.raises(sigprop.SigpropValueError) as e:
        sigprop.measure(width=16, heads=1, depth=1, cls="on")
    assert "cls goes with inputs='fashion-mnist'" in e.value.reason
    with pytest.raises(sigprop.SigpropValueError) as e:
        sigprop.measure(width=16, heads=1, depth=1, inputs="fashion-mnist:3", seeds=2)
    assert "seeds 2 and inputs='fashion-mnist':3 disagree" in e.value.reason


def test_measure_token_ids_file_refusal_names_the_entry(tmp_path):
    f = tmp_path / "ids.txt"
    f.write_text("1 2\nx 4\n")
    with pytest.raises(sigprop.SigpropValueError) as e:
        sigprop.measure(width=16, heads=1, depth=1, token_ids=f)
    assert "token_ids: id 3 of %s: 'x' is not an integer" % f in e.value.reason


@pytest.mark.skipif(not HAS_BLAS, reason="this build has no OpenBLAS")
def test_measure_token_ids_and_per_seed_equal_cli(tmp_path):
    kw = dict(width=32, heads=2, depth=2, probes=1, seeds=2, seed=3, position_std=0.5)
    df = sigprop.measure(token_ids=[1, 2, 3, 1], per_seed=True, **kw)
    flags = []
    for k, v in kw.items():
        flags += ["--" + k.replace("_", "-"), str(v)]
    ref = run_cli("measure", "--token-ids", "1,2,3,1", "--per-seed", *flags)
    same_table(df, ref, 1e-6)
    assert list(df.seed.unique()) == [3, 4] and df.tokens.iloc[0] == 4
    f = tmp_path / "ids.txt"
    f.write_text("1, 2\n3 1\n")
    again = sigprop.measure(token_ids=f, per_seed=True, **kw)
    assert again.equals(df)
    rec = sigprop.measure(token_ids="1,2,3,1", as_frame=False, **kw)
    assert rec.dtype.names == tuple(df.columns) and len(rec) == 3


@pytest.mark.skipif(not HAS_BLAS, reason="this build has no OpenBLAS")
def test_sweep_measure_is_planned_before_running():
    with pytest.raises(sigprop.SigpropValueError) as e:  # equiangular needs tokens <= width
        sigprop.sweep(mode="measure", width=[16, 64], tokens=32, depth=2, heads=1)
    assert "tokens <= width" in e.value.reason


@pytest.mark.skipif(not HAS_BLAS or not os.path.exists(
    "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"),
    reason="no OpenBLAS or no Fashion-MNIST")
def test_measure_fashion_mnist_inputs_equal_cli():
    df = sigprop.measure(inputs="fashion-mnist:2", cls="off", width=32, heads=2, depth=2,
                         probes=1, seed=4)
    ref = run_cli("measure", "--inputs", "fashion-mnist:2", "--cls", "off", "--width", "32",
                  "--heads", "2", "--depth", "2", "--probes", "1", "--seed", "4")
    same_table(df, ref, 1e-6)
    assert df.tokens.iloc[0] == 16
