"""theory(), compare() and alpha() fill the library's tables (sigprop/tables.h):
the DataFrame written as the CLI writes CSV (numbers %.10g) must be the CLI's
stdout byte for byte, and .attrs['notes'] the CLI's stderr lines about the run."""
import math
import os
import subprocess

import pytest

import sigprop


def cli(*args, quiet=True):
    exe = os.path.join(os.path.dirname(os.path.realpath(sigprop.LIBRARY_PATH)), "sigprop")
    if not os.access(exe, os.X_OK):
        pytest.skip("no sigprop CLI next to %s" % sigprop.LIBRARY_PATH)
    out = subprocess.run([exe] + list(args) + (["-q"] if quiet else []), check=True,
                         capture_output=True, text=True)
    return out.stdout, [line[len("sigprop: "):] for line in out.stderr.splitlines()]


def num(v):
    if isinstance(v, str):
        return v
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return "%.10g" % v


def csv_text(df):
    lines = [",".join(df.columns)]
    for row in df.itertuples(index=False):
        lines.append(",".join(num(v) for v in row))
    return "\n".join(lines) + "\n"


HAS_BLAS = "openblas" in sigprop.build_features()


def test_theory_summary_many_alphas_is_the_cli_csv():
    al = [round(0.05 * k, 2) for k in range(1, 41)]
    df = sigprop.theory(preset="blog2", norm="derf", alpha=al, depth=200, summary=True)
    out, _ = cli("theory", "--preset", "blog2", "--norm", "derf", "--alpha", "0.05:2:0.05",
                 "--depth", "200", "--summary")
    assert csv_text(df) == out


def test_theory_rows_and_toy_are_the_cli_csv():
    df = sigprop.theory(preset="vit-b", norm="dyt", alpha=[0.3, 0.9], depth=6, sublayers=True)
    out, _ = cli("theory", "--preset", "vit-b", "--norm", "dyt", "--alpha", "0.3,0.9",
                 "--depth", "6", "--sublayers")
    assert csv_text(df) == out
    df = sigprop.theory(preset="blog1-toy", alpha=[0.5, 1.0], depth=5, summary=True)
    out, _ = cli("theory", "--preset", "blog1-toy", "--alpha", "0.5,1", "--depth", "5",
                 "--summary")
    assert csv_text(df) == out


def test_record_arrays_of_the_tables():
    rec = sigprop.theory(preset="blog2", norm="derf", alpha=[0.5, 1.0], depth=8, summary=True,
                         as_frame=False)
    assert rec.dtype.names[:3] == ("version", "model", "norm") and len(rec) == 2
    assert rec.phase[0] == "subcritical" and rec.depth.tolist() == [8.0, 8.0]
    rec = sigprop.alpha(norm="derf", match="preln", depth=[8, 16], as_frame=False)
    assert len(rec) == 2 and rec.norm[1] == "derf"


def test_theory_caveat_notes_are_the_cli_warnings():
    with pytest.warns(RuntimeWarning, match="softmax-logit-gradient"):
        df = sigprop.theory(preset="blog2", norm="none", depth=4, summary=True)
    _, err = cli("theory", "--preset", "blog2", "--norm", "none", "--depth", "4", "--summary",
                 quiet=False)
    notes = df.attrs["notes"]
    assert notes and all(n.startswith("warning: ") for n in notes)
    assert [e for e in err if e.startswith("warning: ")] == notes
    assert df.caveats.iloc[0] == "softmax-logit-gradient"
    assert sigprop.theory(preset="blog2", depth=4, summary=True).attrs["notes"] == []


def test_alpha_is_the_cli_csv_with_its_notes():
    df = sigprop.alpha(norm="derf", match="preln", depth=[12, 24, 48], width=[768, 1024])
    out, err = cli("alpha", "--norm", "derf", "--match", "preln", "--depth", "12,24,48",
                   "--width", "768,1024", quiet=False)
    assert csv_text(df) == out
    notes = df.attrs["notes"]
    assert len(notes) == 5 + 1  # the laws, then the asymptotic expectation
    assert all(n in err for n in notes)
    df = sigprop.alpha(norm="dyt", match="preln-per-side", depth=[8, 16], width=512,
                       mlp_ratio=3, tokens=128)
    out, err = cli("alpha", "--norm", "dyt", "--match", "preln-per-side", "--depth", "8,16",
                   "--width", "512", "--mlp-ratio", "3", "--tokens", "128", quiet=False)
    assert csv_text(df) == out
    assert sum("log J shares" in n for n in df.attrs["notes"]) == 2
    assert all(n in err for n in df.attrs["notes"])
    # the transfer rule over the widths asked for, not the proxy's
    df = sigprop.alpha(norm="derf", match="preln", depth=[8, 16], width=[256, 512],
                       proxy_width=128, tokens=16)
    out, err = cli("alpha", "--norm", "derf", "--match", "preln", "--depth", "8,16",
                   "--width", "256,512", "--proxy-width", "128", "--tokens", "16", quiet=False)
    assert csv_text(df) == out
    assert [l["fixed"] for l in df.attrs["laws"]] == [256, 512, 8, 16]
    assert all(n in err for n in df.attrs["notes"])


@pytest.mark.skipif(not HAS_BLAS, reason="this build has no OpenBLAS")
def test_compare_is_the_cli_csv_with_gmfe_notes():
    kw = dict(preset="blog2", norm="derf", alpha=[0.5, 1.0], width=64, tokens=8, depth=6,
              probes=2, seeds=2, seed=3)
    flags = ["--preset", "blog2", "--norm", "derf", "--alpha", "0.5,1", "--width", "64",
             "--tokens", "8", "--depth", "6", "--probes", "2", "--seeds", "2", "--seed", "3"]
    df = sigprop.compare(**kw)
    out, err = cli("compare", *flags, quiet=False)
    assert csv_text(df) == out
    gm = [n for n in df.attrs["notes"] if n.startswith("GMFE")]
    assert len(gm) == 2 * 4 and gm == [e for e in err if e.startswith("GMFE")]
    sm = sigprop.compare(summary=True, **kw)
    out, _ = cli("compare", "--summary", *flags)
    assert csv_text(sm) == out
    assert [r["gmfe"] for r in df.attrs["gmfe"]] == sm.gmfe.tolist()


@pytest.mark.skipif(not HAS_BLAS, reason="this build has no OpenBLAS")
def test_alpha_verify_is_the_cli_csv():
    df = sigprop.alpha(norm="derf", match="preln", depth=8, width=64, tokens=16, verify=True,
                       verify_width=32, seeds=2)
    out, err = cli("alpha", "--norm", "derf", "--match", "preln", "--depth", "8", "--width",
                   "64", "--tokens", "16", "--verify", "--verify-width", "32", "--seeds", "2",
                   quiet=False)
    assert csv_text(df) == out
    assert any("reduced network: width 64 -> 32" in n for n in df.attrs["notes"])
    assert all(n in err for n in df.attrs["notes"])
