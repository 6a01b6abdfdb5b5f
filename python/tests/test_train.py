"""sigprop.train() against `sigprop train` of the same build: the same settings
and seed give the same per-step log (the CLI's CSV carries 10 significant
digits); refusals carry the library's reason. Skipped where the Debian data
(dataset-fashion-mnist, fortunes) are absent, as the C tests are.

    SIGPROP_LIB=build/libsigprop.so.0 PYTHONPATH=python python3 -m pytest python/tests
"""
import io
import os
import subprocess

import numpy as np
import pytest

import sigprop

pd = pytest.importorskip("pandas")
FMNIST = "/usr/share/datasets/fashion-mnist"
FORTUNES = "/usr/share/games/fortunes"
# a tiny run: 2 blocks of width 16, 6 steps, an evaluation at step 3 and at the end
TINY = dict(width=16, depth=2, heads=2, batch=16, steps=6, warmup=2, eval_every=3, seed=7)


def need(path):
    if not os.path.isdir(path):
        pytest.skip("%s is absent (scripts/install-deps)" % path)


def cli_log(*args):
    exe = os.path.join(os.path.dirname(os.path.realpath(sigprop.LIBRARY_PATH)), "sigprop")
    if not os.access(exe, os.X_OK):
        pytest.skip("no sigprop CLI next to %s" % sigprop.LIBRARY_PATH)
    out = subprocess.run([exe, "train", "-q"] + list(args), check=True, capture_output=True,
                         text=True)
    return pd.read_csv(io.StringIO(out.stdout))


def flags(kw):
    out = []
    for k, v in kw.items():
        out += ["--" + k.replace("_", "-"), str(v)]
    return out


def same_log(df, csv):
    assert list(df.columns) == list(csv.columns)
    assert len(df) == len(csv)
    assert (df["step"].to_numpy() == csv["step"].to_numpy()).all()
    a, b = df.to_numpy(dtype=float), csv.to_numpy(dtype=float)
    assert (np.isnan(a) == np.isnan(b)).all()
    ok = ~np.isnan(a)
    np.testing.assert_allclose(a[ok], b[ok], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kw", [dict(norm="ln"), dict(norm="dyt", alpha=0.7, alpha_final=1.5)])
def test_train_fmnist_equals_the_cli(kw):
    need(FMNIST)
    kw = dict(TINY, **kw)
    seen = []
    df = sigprop.train("fmnist", train_max=256, eval_max=64,
                       progress=lambda s, n, loss: seen.append((s, n)), **kw)
    same_log(df, cli_log("--train-max", "256", "--eval-max", "64", *flags(kw)))
    assert seen == [(s, 6) for s in range(1, 7)]
    assert df.attrs["steps_done"] == 6 and not df.attrs["diverged"]
    assert df.attrs["diverged_step"] == -1
    # the summary is the last row's evaluation
    assert df.attrs["eval_loss"] == df["eval_loss"].iloc[-1]
    assert np.isnan(df["eval_loss"].iloc[0]) and not np.isnan(df["eval_loss"].iloc[2])
    assert df.attrs["init_loss"] == df["train_loss"].iloc[0]


def test_train_fortunes_equals_the_cli():
    need(FORTUNES)
    kw = dict(TINY, context=8, batch=4)
    df = sigprop.train("fortunes", train_max=20000, eval_max=16, **kw)
    same_log(df, cli_log("--task", "fortunes", "--train-max", "20000", "--eval-max", "16",
                         *flags(kw)))
    assert df.attrs["describe"].startswith("causal LM d=16 L=2 H=2")


def test_train_refusals_carry_the_reason():
    with pytest.raises(sigprop.SigpropValueError) as e:
        sigprop.train(width=0, steps=1)
    assert e.value.reason.startswith("width: ")
    with pytest.raises(sigprop.SigpropValueError) as e:
        sigprop.train(norm="none", steps=1)
    assert "norm: 'none' is not one of ln, rms, dyt, derf" in e.value.reason
    with pytest.raises(sigprop.SigpropValueError) as e:
        sigprop.train(heads=3, steps=1)  # does not divide the width: the trainer's check
    assert "heads" in e.value.reason
    with pytest.raises(TypeError):
        sigprop.train(widht=16)
    with pytest.raises(sigprop.SigpropError) as e:
        sigprop.train(steps=1, data="/nonexistent/fmnist")
    assert "/nonexistent/fmnist" in e.value.reason


def test_train_batch_above_the_training_images_is_refused_as_the_cli_does():
    need(FMNIST)
    with pytest.raises(sigprop.SigpropValueError) as e:
        sigprop.train(train_max=8, batch=16, steps=1)
    assert e.value.reason == "train: batch 16 is larger than the 8 training images"


def test_train_epochs_equals_the_cli():
    need(FMNIST)
    kw = dict(TINY)
    del kw["steps"]
    # 256 images of batch 16: 16 steps a pass, 0.5 passes: 8 steps
    df = sigprop.train(train_max=256, eval_max=32, epochs=0.5, **kw)
    assert len(df) == 8 and df.attrs["steps_done"] == 8
    same_log(df, cli_log("--train-max", "256", "--eval-max", "32", "--epochs", "0.5",
                         *flags(kw)))


@pytest.mark.parametrize("task, kw", [("fmnist", dict(train_max=256, eval_max=32)),
                                      ("fortunes", dict(train_max=20000, eval_max=16,
                                                        context=8, batch=4))])
def test_train_resume_after_a_checkpoint_equals_the_uninterrupted_run(task, kw, tmp_path):
    need(FMNIST if task == "fmnist" else FORTUNES)
    data = dict(train_max=kw.pop("train_max"), eval_max=kw.pop("eval_max"))
    kw = dict(TINY, **kw)
    whole = sigprop.train(task, **data, **kw)
    ck = str(tmp_path / "run.ckpt")
    first = sigprop.train(task, checkpoint=ck, stop_at=4, **data, **kw)
    assert first.attrs["steps_done"] == 4 and len(first) == 4
    seen = []
    rest = sigprop.train(resume=ck, progress=lambda s, n, loss: seen.append(s), **data)
    assert seen == [5, 6]
    assert rest.attrs["steps_done"] == 6
    # bit for bit: the log of the resumed run is the uninterrupted run's
    assert list(rest.columns) == list(whole.columns)
    a, b = rest.to_numpy(dtype=float), whole.to_numpy(dtype=float)
    assert a.shape == b.shape and ((a == b) | (np.isnan(a) & np.isnan(b))).all()
    assert rest.attrs["eval_loss"] == whole.attrs["eval_loss"]
    # the model and optimiser are the checkpoint's; the task must agree with it
    with pytest.raises(sigprop.SigpropValueError) as e:
        sigprop.train(resume=ck, width=32)
    assert "drop the 1 model/optimiser keyword(s)" in e.value.reason
    other = "fortunes" if task == "fmnist" else "fmnist"
    with pytest.raises(sigprop.SigpropValueError) as e:
        sigprop.train(other, resume=ck)
    assert e.value.reason.endswith("is a %s run" % task)


def test_train_progress_exception_propagates():
    need(FMNIST)

    def boom(step, steps, loss):
        raise KeyError("stop")

    with pytest.raises(KeyError):
        sigprop.train(train_max=64, eval_max=16, progress=boom, **dict(TINY, steps=2))
