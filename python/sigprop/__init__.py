"""sigprop: signal propagation at initialisation in deep transformers.

A thin Python layer over libsigprop (cffi, ABI mode: no compiler needed):

    theory(...)   mean-field recursions (sp_theory_run, sp_theory_asymptotics)
    measure(...)  finite-width networks (sp_net_measure), with a progress callback
    fit(...)      power law / stretched exponential / exponential fits of log J
    compare(...)  measurement against theory, GMFE (sp_compare_rows, sp_compare_summary)
    alpha(...)    the alpha meeting an amplification target (sp_alpha_point)
    sweep(...)    grids of configurations (sp_sweep_theory_rows, sp_sweep_task_rows)

Every function returns a pandas DataFrame (or a numpy record array with
as_frame=False) with the columns of the matching `sigprop` CLI command. A library
failure raises SigpropError carrying the status and the library's reason.
See docs/python.md.
"""
import difflib
import io
import math
import numbers
import os

import numpy as np

from ._ffi import LIBRARY_PATH, ffi, lib

__all__ = ["theory", "measure", "fit", "compare", "alpha", "sweep", "SigpropError",
           "SigpropValueError", "version", "build_features", "simd", "presets", "arch_keys",
           "LIBRARY_PATH"]
__all__ += ["measure_keys", "train_keys", "train"]


def _s(p):
    return ffi.string(p).decode() if p != ffi.NULL else ""


__version__ = _s(lib.sp_version())


class SigpropError(RuntimeError):
    """A libsigprop call failed. .status is the enum sp_status value, .status_str
    its sp_status_str() text and .reason the library's sp_last_error() line."""

    def __init__(self, status, reason, what=""):
        self.status = int(status)
        self.status_str = _s(lib.sp_status_str(status))
        self.reason = reason
        msg = self.status_str + (": " + reason if reason else "")
        super().__init__((what + ": " if what else "") + msg)


def _check(status, what):
    if status != lib.SP_OK:
        raise SigpropError(status, _s(lib.sp_last_error()), what)


def version():
    """'0.1.0 (git abc1234)'."""
    return "%s (git %s)" % (__version__, _s(lib.sp_git_hash()))


def build_features():
    """What this libsigprop has compiled in, e.g. ['openmp', ..., 'openblas']."""
    return _s(lib.sp_build_features()).split()


def simd():
    """The instruction set the kernels use now (SP_SIMD caps it)."""
    return _s(lib.sp_isa_name(lib.sp_cpu_isa()))


def presets():
    out, i = [], 0
    while lib.sp_preset_names[i] != ffi.NULL:
        out.append(_s(lib.sp_preset_names[i]))
        i += 1
    return out


class SigpropValueError(SigpropError, ValueError):
    """A value the library refused (status 'invalid argument'): a bad keyword value
    or a combination that does not apply. Both a SigpropError and a ValueError."""


def _check_value(status, what):
    if status == lib.SP_EINVAL:
        raise SigpropValueError(status, _s(lib.sp_last_error()), what)
    _check(status, what)


# ---- the architecture keywords: the library's key table (sigprop/archspec.h) ----

_KINDS = {lib.SP_ARCHKEY_INT: "int", lib.SP_ARCHKEY_REAL: "float", lib.SP_ARCHKEY_LIST: "alpha",
          lib.SP_ARCHKEY_CHOICE: "str", lib.SP_ARCHKEY_FLAG: "bool", lib.SP_ARCHKEY_PRESET: "str",
          lib.SP_ARCHKEY_FILE: "path"}
_SCOPES = {lib.SP_ARCHKEY_ANY: "any", lib.SP_ARCHKEY_TRANSFORMER: "transformer",
           lib.SP_ARCHKEY_TOY: "toy", lib.SP_ARCHKEY_THEORY: "theory"}


def _words(p):
    out, i = [], 0
    while p != ffi.NULL and p[i] != ffi.NULL:
        out.append(_s(p[i]))
        i += 1
    return out


def _arch_table():
    """keyword -> (key, kind) and the table as records, from the library."""
    kinds, rows = {}, []
    ks = lib.sp_archspec_keys()
    for i in range(ks.count):
        k = lib.sp_keyset_at(ks, i)
        name = _s(k.name)
        kind = _KINDS[k.kind]
        if k.kind == lib.SP_ARCHKEY_REAL and k.word != ffi.NULL:
            kind = "float_or_word"
        kw = name.replace("-", "_")
        kinds[kw] = (name, kind)
        buf = ffi.new("char[32]")
        lib.sp_keyset_default(ks, k, buf, 32)
        rows.append(dict(keyword=kw, flag="--" + name, syntax=_s(k.syntax), kind=kind,
                         scope=_SCOPES[k.group], lo=k.lo, hi=k.hi,
                         choices=(presets() if k.kind == lib.SP_ARCHKEY_PRESET
                                  else _words(k.choices)),
                         word=_s(k.word), default=_s(buf),
                         alias_of=_s(k.alias_of).replace("-", "_"),
                         help=_s(k.help).replace("%v", _s(buf))))
    return kinds, rows


_ARCH, _ARCH_ROWS = _arch_table()
# keyword -> the kind _validate checks (every CLI architecture flag, '_' for '-')
_ARCH_KEYS = {kw: kind for kw, (_, kind) in _ARCH.items()}
_CHOICES = {"input": ("equiangular", "gaussian"), "criterion": ("aic", "bic")}


def arch_keys():
    """The architecture keywords every function takes, as the library's table has
    them (the CLI's flags, '_' for '-'): keyword, flag, syntax, kind, scope
    (any, transformer, toy, theory), lo, hi, choices, word (a word accepted
    besides a number), default, alias_of and help. A list of dicts."""
    return [dict(r) for r in _ARCH_ROWS]


def _validate(func, kw, allowed):
    """The Python types of the keywords; the values themselves are the library's
    to check (sp_archspec_set) where they are architecture keys."""
    for k in kw:
        if k not in allowed:
            near = difflib.get_close_matches(k, allowed, n=1)
            hint = " (did you mean %r?)" % near[0] if near else ""
            raise TypeError("%s() got an unexpected keyword argument %r%s; allowed: %s"
                            % (func, k, hint, ", ".join(sorted(allowed))))
    for k, v in kw.items():
        if v is None:
            continue
        kind = allowed[k]
        real = isinstance(v, numbers.Real) and not isinstance(v, bool)
        if kind == "int":
            if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                raise TypeError("%s(): %s must be an int (got %r)" % (func, k, v))
        elif kind == "float":
            if not real:
                raise TypeError("%s(): %s must be a number (got %r)" % (func, k, v))
        elif kind == "float_or_word":
            if not real and not isinstance(v, str):
                raise TypeError("%s(): %s must be a number or %r (got %r)"
                                % (func, k, _ARCH_ROWS_BY_KW[k]["word"], v))
        elif kind == "bool":
            if not isinstance(v, (bool, np.bool_)):
                raise TypeError("%s(): %s must be True or False (got %r)" % (func, k, v))
        elif kind == "size":
            if not real and not isinstance(v, str):
                raise TypeError("%s(): %s must be a number of bytes or a size such as '800M' "
                                "(got %r)" % (func, k, v))
        elif kind == "ids":
            if not isinstance(v, (str, os.PathLike)) and (
                    not isinstance(v, (list, tuple, range, np.ndarray)) or
                    not all(isinstance(x, numbers.Integral) and not isinstance(x, bool)
                            for x in v)):
                raise TypeError("%s(): %s must be a sequence of ints, a list string or a "
                                "file (got %r)" % (func, k, v))
        elif kind == "path":
            if not isinstance(v, (str, os.PathLike)):
                raise TypeError("%s(): %s must be a path (got %r)" % (func, k, v))
        elif kind == "str":
            if not isinstance(v, str):
                raise TypeError("%s(): %s must be a string (got %r)" % (func, k, v))
            choices = _CHOICES.get(k)
            if choices and v not in choices:
                raise ValueError("%s(): %s=%r is not one of %s" % (func, k, v, ", ".join(choices)))
        elif kind == "alpha":
            vals = [v] if real else v
            try:
                vals = [float(x) for x in vals]
            except (TypeError, ValueError):
                raise TypeError("%s(): alpha must be a number or a sequence of numbers (got %r)"
                                % (func, v)) from None
            if not vals:
                raise ValueError("%s(): alpha is an empty sequence" % func)


_ARCH_ROWS_BY_KW = {r["keyword"]: r for r in _ARCH_ROWS}


def _text(v):
    """A keyword's value as the library's value syntax reads it."""
    if isinstance(v, os.PathLike):
        return os.fspath(v)
    if isinstance(v, str):
        return v
    if isinstance(v, numbers.Integral):
        return str(int(v))
    return repr(float(v))


def _build(func, kw, alpha):
    """One resolved struct sp_arch and theory options, as the CLI's flags give
    them: every architecture keyword goes to the library's sp_archspec_set (which
    parses and validates it), then sp_archspec_build (preset or config first, then
    the keywords, derived sigmas, refusals), alpha being one value of the list."""
    return _build_spec(func, _spec(func, kw), alpha)


def _spec(func, kw):
    """The struct sp_archspec of the architecture keywords (alpha aside)."""
    spec = lib.sp_archspec_new(lib.SP_ARCHKEY_STYLE_KEYWORD)
    if spec == ffi.NULL:
        raise MemoryError("%s(): out of memory" % func)
    spec = ffi.gc(spec, lib.sp_archspec_delete)
    for k, v in kw.items():
        if k not in _ARCH or k == "alpha" or v is None:
            continue
        key, kind = _ARCH[k]
        if kind == "bool" and not v:
            continue
        lib.sp_last_error_clear()
        _check_value(lib.sp_archspec_set(spec, key.encode(),
                                         ffi.NULL if kind == "bool" else _text(v).encode()), func)
    return spec


def _build_spec(func, spec, alpha):
    """_build from a spec (one per call, many alphas)."""
    a = ffi.new("struct sp_arch *")
    o = ffi.new("struct sp_theory_opts *")
    lib.sp_last_error_clear()
    _check_value(lib.sp_archspec_build(spec, math.nan if alpha is None else float(alpha), a, o,
                                       ffi.NULL), func)
    return a, o


def _alphas(kw):
    v = kw.get("alpha")
    if v is None:
        return [None]
    if isinstance(v, numbers.Real):
        return [float(v)]
    return [float(x) for x in v]


def _id_cols(a, alpha):
    """model, norm, alpha, alpha_attn, alpha_mlp: the CLI's identifying columns
    (sp_record_of: alpha is the one asked for, else the MLP norm's)."""
    r = ffi.new("struct sp_record *")
    lib.sp_record_of(a, ffi.NULL, math.nan if alpha is None else alpha, math.nan, r)
    return {"model": _s(r.model), "norm": _s(r.norm), "alpha": r.alpha,
            "alpha_attn": r.alpha_attn, "alpha_mlp": r.alpha_mlp}


_REC_THEORY = ["depth", "width", "tokens", "heads", "kv_heads", "mlp", "mask"]
_REC_MEASURE = _REC_THEORY + ["seed"]


def _record(a, o, alpha, seed=math.nan):
    """The identifying columns a writer appends (sigprop/records.h, sp_record_of):
    depth, width, tokens, heads, kv_heads, mlp, mask and seed."""
    r = ffi.new("struct sp_record *")
    lib.sp_record_of(a, o if o is not None else ffi.NULL,
                     math.nan if alpha is None else alpha, seed, r)
    return dict(depth=r.depth, width=r.width, tokens=r.tokens, heads=r.heads,
                kv_heads=r.kv_heads, mlp=_s(r.mlp), mask=_s(r.mask), seed=r.seed)


def _table(records, columns, as_frame):
    if as_frame:
        import pandas as pd
        return pd.DataFrame.from_records(records, columns=columns)
    if not records:
        return np.rec.fromrecords([], names=columns)
    return np.rec.fromrecords([tuple(r[c] for c in columns) for r in records], names=columns)


# ---- the library's tables (sigprop/tables.h): theory, compare and alpha ----

def _new_table():
    t = lib.sp_table_new()
    if t == ffi.NULL:
        raise MemoryError("sigprop: out of memory")
    return ffi.gc(t, lib.sp_table_free)


def _columns(t):
    """A struct sp_table as {name: numpy array (numbers, float64) or list (strings)}."""
    n, cols = lib.sp_table_nrows(t), {}
    for c in range(lib.sp_table_ncols(t)):
        name = _s(lib.sp_table_col_name(t, c))
        if lib.sp_table_col_type(t, c) == lib.SP_COL_NUM:
            p = lib.sp_table_col_data(t, c)
            cols[name] = (np.frombuffer(ffi.buffer(p, n * 8), dtype=np.float64).copy()
                          if n else np.empty(0))
        else:
            get, string = lib.sp_table_str, ffi.string  # never NULL
            cols[name] = [string(get(t, r, c)).decode() for r in range(n)]
    return cols


def _frame(t, as_frame, notes=None):
    """The table as a DataFrame (notes in .attrs['notes']) or a numpy record array."""
    cols = _columns(t)
    if not as_frame:
        if lib.sp_table_nrows(t) == 0:
            return np.rec.fromrecords([], names=list(cols))
        return np.rec.fromarrays([np.asarray(v) for v in cols.values()], names=list(cols))
    import pandas as pd
    df = pd.DataFrame(cols)
    df.attrs["notes"] = list(notes or [])
    return df


class _Notes:
    """A struct sp_notes for one table call: .lines once read; each 'warning:' note
    (a caveat, a solver warning) is also a RuntimeWarning."""

    def __init__(self):
        self.c = ffi.new("struct sp_notes *")
        self.lines = []

    def read(self, warn=True):
        self.lines = [_s(self.c.text[i]) for i in range(self.c.n)]
        lib.sp_notes_free(self.c)
        if warn:
            import warnings
            for line in self.lines:
                if line.startswith("warning: ") or ": warning: " in line:
                    warnings.warn("sigprop: " + line, RuntimeWarning, stacklevel=3)
        return self.lines


def _arch_array(built):
    """struct sp_arch[] and the alphas asked for (NAN: none) of [(alpha, arch, opts)]."""
    arr = ffi.new("struct sp_arch[]", len(built))
    for i, (_, a, _) in enumerate(built):
        arr[i] = a[0]
    alphas = ffi.new("double[]", [math.nan if al is None else al for al, _, _ in built])
    return arr, alphas


# ---- theory ----

_THEORY_KEYS = dict(_ARCH_KEYS, sublayers="bool", summary="bool", as_frame="bool")


_ID = ["model", "norm", "alpha", "alpha_attn", "alpha_mlp"]


def theory(**kw):
    """Mean-field theory of the configuration (like `sigprop theory`).

    Architecture keywords: every architecture flag of the CLI with '_' for '-'
    (arch_keys() lists them: preset, config, model, norm, alpha, ..., mlp,
    mlp_hidden, kv_heads, attention_mask, rope, proxy_width, ...; toy: phi,
    sigma_w, mu, sigma_b; version: attention, apjn, cn), set and checked by the
    library as the CLI's flags are. alpha may be a sequence: one curve (or summary row) per value.
    summary=True: one row per alpha with q_L, J_L0, the phase and the asymptotic
    laws; else one row per block boundary (sublayers=True: per sublayer).
    Returns a DataFrame (as_frame=False: a numpy record array)."""
    _validate("theory", kw, _THEORY_KEYS)
    summary, sublayers = bool(kw.get("summary")), bool(kw.get("sublayers"))
    as_frame = kw.get("as_frame", True)
    if summary and sublayers:
        raise ValueError("theory(): sublayers and summary cannot be combined")
    built, spec = [], _spec("theory", kw)
    for al in _alphas(kw):  # validate every configuration before computing anything
        a, o = _build_spec("theory", spec, al)
        o.sublayers = int(sublayers)
        built.append((al, a, o))
    arr, alphas = _arch_array(built)
    t, notes = _new_table(), _Notes()
    lib.sp_last_error_clear()
    s = lib.sp_theory_table(arr, alphas, len(built), built[0][2], int(summary), t, notes.c,
                            ffi.NULL, ffi.NULL)
    notes.read()
    _check(s, "theory")
    return _frame(t, as_frame, notes.lines)


# ---- measure ----

# The measurement keywords: the library's key table (sigprop/measurespec.h), '_'
# for '-'.
_MKINDS = {lib.SP_MEASUREKEY_INT: "int", lib.SP_MEASUREKEY_U64: "int",
           lib.SP_MEASUREKEY_REAL: "float", lib.SP_MEASUREKEY_SIZE: "size",
           lib.SP_MEASUREKEY_CHOICE: "str", lib.SP_MEASUREKEY_FLAG: "bool",
           lib.SP_MEASUREKEY_PASSES: "str", lib.SP_MEASUREKEY_INPUTS: "str",
           lib.SP_MEASUREKEY_IDS: "ids", lib.SP_MEASUREKEY_STRING: "str"}
_M_CLI_ONLY = ()


def _measure_table():
    kinds, rows = {}, []
    ks = lib.sp_measurespec_keys()
    for i in range(ks.count):
        k = lib.sp_keyset_at(ks, i)
        name = _s(k.name)
        if name in _M_CLI_ONLY:
            continue
        kw = name.replace("-", "_")
        kinds[kw] = (name, _MKINDS[k.kind])
        buf = ffi.new("char[64]")
        lib.sp_keyset_default(ks, k, buf, 64)
        rows.append(dict(keyword=kw, flag="--" + name, syntax=_s(k.syntax),
                         kind=_MKINDS[k.kind], lo=k.lo, hi=k.hi, choices=_words(k.choices),
                         default=_s(buf), help=_s(k.help).replace("%v", _s(buf))))
    return kinds, rows


_MEASURE, _MEASURE_ROWS = _measure_table()
# what compare and sweep take of them (the network's settings); measure takes all
_NET_KEYWORDS = ("seeds", "probes", "seed", "threads", "input", "measure", "sublayers",
                 "exclude_cls", "checkpoint")
_MEASURE_KEYS = dict(_ARCH_KEYS, **{k: _MEASURE[k][1] for k in _NET_KEYWORDS},
                     progress="callable", as_frame="bool")
_MEASURE_ONLY_KEYS = dict(_MEASURE_KEYS, **{k: kind for k, (_, kind) in _MEASURE.items()})
_NET_COLS = ["l", "q", "q_se", "p", "p_se", "rho", "J_fwd", "J_fwd_se", "J_bwd", "J_bwd_se",
             "grad_amp", "grad_amp_se", "logJ_fwd", "logJ_bwd"]


def measure_keys():
    """The measurement keywords measure() takes besides the architecture's, as the
    library's table has them (the CLI's flags, '_' for '-'): keyword, flag, syntax,
    kind, lo, hi, choices, default and help. A list of dicts."""
    return [dict(r) for r in _MEASURE_ROWS]


_TKINDS = {lib.SP_TRAINKEY_INT: "int", lib.SP_TRAINKEY_LONG: "int", lib.SP_TRAINKEY_U64: "int",
           lib.SP_TRAINKEY_REAL: "float", lib.SP_TRAINKEY_CHOICE: "str",
           lib.SP_TRAINKEY_ROPE: "float|'none'", lib.SP_TRAINKEY_NORM: "str"}
_TGROUPS = {lib.SP_TRAINKEY_MODEL: "model", lib.SP_TRAINKEY_OPTIM: "optim",
            lib.SP_TRAINKEY_OWN_MODEL: "train-model", lib.SP_TRAINKEY_OWN_OPTIM: "train-optim",
            lib.SP_TRAINKEY_OWN_NORM: "train-norm", lib.SP_TRAINKEY_OWN_RUN: "train-run"}


def train_keys():
    """The trainer's model and optimiser settings as the library's table has them
    (sigprop/trainspec.h; what `sigprop train` and `sigprop sweep --mode train` take,
    '_' for '-'): keyword, flag, syntax, kind, group ("model" and "optim": both
    commands; "train-model", "train-optim", "train-norm", "train-run": train's own),
    lo, hi, choices, default
    and help. A list of dicts: the keywords train() takes."""
    rows = []
    ks = lib.sp_trainspec_keys()
    for i in range(ks.count):
        k = lib.sp_keyset_at(ks, i)
        name = _s(k.name)
        buf = ffi.new("char[64]")
        lib.sp_keyset_default(ks, k, buf, 64)
        rows.append(dict(keyword=name.replace("-", "_"), flag="--" + name, syntax=_s(k.syntax),
                         kind=_TKINDS[k.kind], group=_TGROUPS[k.group], lo=k.lo, hi=k.hi,
                         choices=_words(k.choices), default=_s(buf),
                         help=_s(k.help).replace("%v", _s(buf))))
    return rows


_TRAIN_KEYS = {r["keyword"]: r["flag"][2:] for r in train_keys()}
_TASKS = {lib.SP_TASK_IMAGE: "fmnist", lib.SP_TASK_TEXT: "fortunes"}


def train(task=None, data=None, train_max=0, eval_max=0, progress=None, epochs=None,
          checkpoint=None, resume=None, **keys):
    """Trains the library's small ViT (like `sigprop train`): task 'fmnist'
    (Fashion-MNIST, the default) or 'fortunes' (causal character-level LM); keys: the
    trainer's settings of train_keys() ('_' for '-': steps, width, lr, norm,
    alpha, eval_every, seed, checkpoint_every, stop_at, ...), each parsed and checked
    by the library's table as the CLI's flag is. data: the data directory (default the
    task's Debian one); train_max, eval_max: the first N training / held-out examples
    (0: all), as the CLI's --train-max, --eval-max. epochs: instead of steps, E passes
    over the training data (--epochs). checkpoint: a file the state is written to
    atomically every checkpoint_every steps and at the end (--checkpoint); resume: a
    checkpoint to continue to its steps, bit for bit the uninterrupted run, the model
    and optimiser keys refused (--resume). progress(step, steps, loss)
    is called after each step. Returns the per-step log as a DataFrame (the
    columns of the CLI's CSV log; after resume, from step 1) with the summary in .attrs
    (steps_done, diverged, diverged_step, init_loss, final_train_loss, eval_loss,
    eval_acc, describe). Raises SigpropValueError (a bad key or value, data files that
    are not the task's) or SigpropError with the library's reason."""
    if progress is not None and not callable(progress):
        raise TypeError("train(): progress must be callable as progress(step, steps, loss)")
    spec = lib.sp_trainspec_new(lib.SP_ARCHKEY_STYLE_KEYWORD)
    if spec == ffi.NULL:
        raise MemoryError("train(): out of memory")
    spec = ffi.gc(spec, lib.sp_trainspec_delete)
    for k, v in dict(keys, task=task).items():
        if k not in _TRAIN_KEYS:
            raise TypeError("train(): unknown keyword '%s' (see sigprop.train_keys())" % k)
        if v is None:
            continue
        lib.sp_last_error_clear()
        _check_value(lib.sp_trainspec_set(spec, _TRAIN_KEYS[k].encode(), _text(v).encode()),
                     "train")
    if resume is not None and (spec.nset > 0 or epochs is not None):
        raise SigpropValueError(lib.SP_EINVAL, "train(): resume takes the model and optimiser "
                                "settings from the checkpoint; drop the %d model/optimiser "
                                "keyword(s)" % (spec.nset + (epochs is not None)), "train")
    c = ffi.new("struct sp_vit_config *")
    o = ffi.new("struct sp_train_opts *")
    _check_value(lib.sp_trainspec_build(spec, resume is None, c, o), "train")
    o.eval_max = int(eval_max)
    ckpt = ffi.new("char[]", os.fsencode(checkpoint)) if checkpoint is not None else ffi.NULL
    o.checkpoint_path = ckpt
    failure = []

    @ffi.callback("void(void *, long, long, double)")
    def _cb(ctx, step, steps, loss):
        if failure:
            return
        try:
            progress(int(step), int(steps), float(loss))
        except BaseException as e:  # noqa: B902 - re-raised after the C call returns
            failure.append(e)

    if progress is not None:
        o.progress = _cb
    d = ffi.new("struct sp_train_data *")
    tp = ffi.new("struct sp_trainer **")
    try:
        task = c.task
        if resume is not None:  # the task, model and optimiser are the checkpoint's
            _check_value(lib.sp_trainer_new(c, o, os.fsencode(resume), tp), "train")
            task = lib.sp_trainer_config(tp[0]).task
            if spec.task_set and task != c.task:
                raise SigpropValueError(lib.SP_EINVAL, "train(): task %s: the checkpoint %s is "
                                        "a %s run" % (_TASKS[c.task], resume, _TASKS[task]),
                                        "train")
        batch = lib.sp_trainer_opts(tp[0]).batch if resume is not None else o.batch
        _check_value(lib.sp_train_data_load(task, ffi.NULL if data is None else
                                            os.fsencode(data), int(train_max), batch, d),
                     "train")
        if epochs is not None:
            if not 1e-6 <= float(epochs) <= 1e4:
                raise SigpropValueError(lib.SP_EINVAL, "train(): epochs %r is not in "
                                        "[1e-06, 10000]" % (epochs,), "train")
            lib.sp_train_opts_epochs(o, c, d, float(epochs), spec.warmup_set)
        if resume is None:
            _check_value(lib.sp_trainer_new(c, o, ffi.NULL, tp), "train")
        t = tp[0]
        buf = ffi.new("char[512]")
        lib.sp_trainer_describe(t, buf, 512)
        r = ffi.new("struct sp_train_result *")
        st = lib.sp_trainer_run_data(t, d, r)
        if failure:
            raise failure[0]
        _check(st, "train")
        df = _table_of(lib.sp_trainer_log(t), True, owned=False)
        df.attrs.update(steps_done=int(r.steps_done), diverged=bool(r.diverged),
                        diverged_step=int(r.diverged_step), init_loss=float(r.init_loss),
                        final_train_loss=float(r.final_train_loss),
                        eval_loss=float(r.eval_loss), eval_acc=float(r.eval_acc),
                        describe=_s(buf))
        return df
    finally:
        lib.sp_trainer_free(tp[0])
        lib.sp_train_data_free(d)


def _mspec(func, kw):
    """struct sp_measurespec from the measurement keywords: each goes to the
    library's sp_measurespec_set, which parses and validates it."""
    spec = lib.sp_measurespec_new(lib.SP_ARCHKEY_STYLE_KEYWORD)
    if spec == ffi.NULL:
        raise MemoryError("%s(): out of memory" % func)
    spec = ffi.gc(spec, lib.sp_measurespec_delete)
    for k, v in kw.items():
        if k not in _MEASURE or v is None:
            continue
        key, kind = _MEASURE[k]
        if kind == "bool" and not v:
            continue
        if kind == "ids" and not isinstance(v, (str, os.PathLike)):
            v = ",".join(str(int(x)) for x in v)
        lib.sp_last_error_clear()
        _check_value(lib.sp_measurespec_set(spec, key.encode(),
                                            ffi.NULL if kind == "bool" else _text(v).encode()),
                     func)
    return spec


def _net_opts(func, kw):
    """struct sp_net_opts from the network's measurement keywords (seeds, probes,
    seed, threads, checkpoint, measure, sublayers, exclude_cls, input), through
    the library's key table (sp_measurespec_set)."""
    spec = _mspec(func, {k: v for k, v in kw.items() if k in _NET_KEYWORDS})
    no = ffi.new("struct sp_net_opts *")
    no[0] = spec.o
    return no


class _Progress:
    """A user's progress(done, total) behind the library's C callback. An
    exception it raises stops further calls and is re-raised by check() once
    the C call has returned. offset/scale: done and total of several runs in
    one count (run i of n: offset i, scale n)."""

    def __init__(self, func, progress):
        if progress is not None and not callable(progress):
            raise TypeError("%s(): progress must be callable as progress(done, total)" % func)
        self.progress, self.failure, self.offset, self.scale = progress, [], 0, 1

        @ffi.callback("void(void *, size_t, size_t)")
        def _cb(ctx, done, total):
            self.call(int(self.offset) * int(total) + int(done), int(total) * self.scale)

        self.cb = _cb if progress is not None else ffi.NULL

    def call(self, done, total):
        if self.progress is None or self.failure:
            return
        try:
            self.progress(done, total)
        except BaseException as e:  # noqa: B902 - re-raised after the C call returns
            self.failure.append(e)

    def check(self):
        if self.failure:
            raise self.failure[0]


def _table_of(t, as_frame, owned=True):
    """An sp_table (owned: freed here) as a DataFrame or a record array, in its
    column order; the record columns that count things as ints."""
    if owned:
        t = ffi.gc(t, lib.sp_table_free)
    n = lib.sp_table_nrows(t)
    cols = {}
    for c in range(lib.sp_table_ncols(t)):
        name = _s(lib.sp_table_col_name(t, c))
        if lib.sp_table_col_type(t, c) == lib.SP_COL_STR:
            cols[name] = np.array([_s(lib.sp_table_str(t, r, c)) for r in range(n)], dtype=object)
        else:
            v = np.frombuffer(ffi.buffer(lib.sp_table_col_data(t, c), 8 * n), dtype=np.float64)
            v = v.copy()
            if name in ("depth", "width", "tokens", "heads", "kv_heads", "step") and np.all(v == np.floor(v)):
                v = v.astype(np.int64)
            cols[name] = v
    if as_frame:
        import pandas as pd
        return pd.DataFrame(cols)
    return np.rec.fromarrays(list(cols.values()), names=list(cols.keys()))


def measure(**kw):
    """Measures finite networks at initialisation (like `sigprop measure`).

    Architecture keywords as theory(); measurement keywords as the CLI's flags
    (measure_keys(): seeds, probes, seed, threads, input ('equiangular' |
    'gaussian'), measure ('fwd,bwd,grad' or 'all'), exclude_cls, checkpoint,
    max_memory, max_time, sublayers, per_seed, token_ids (a sequence of ids, a
    list string or a file), position_std, inputs ('fashion-mnist[:N]': one test
    image per draw through the trainer's patch embedding at init), cls, data),
    each parsed and validated by the
    library (sp_measurespec_set), every configuration planned (sp_measure_plan:
    memory, time) before anything runs, then measured by sp_measure_table. progress:
    a callable progress(done, total) called from the calling thread as work units
    complete (an exception it raises is re-raised once the measurement returns).
    One curve per alpha value (per draw with per_seed). weights: a trained
    network, as the CLI's --weights (a sigprop train checkpoint or a llama2.c
    one, loaded by the library's sp_measure_weights_load; the architecture is the
    checkpoint's, so architecture keywords but q0 and p0 are refused), with
    against_init=True beside it the same architecture at initialisation (a last
    column weights: trained | init). Raises SigpropError with status 'not
    supported' in a build without OpenBLAS."""
    pg = _Progress("measure", kw.pop("progress", None))
    _validate("measure", kw, _MEASURE_WEIGHTS_KEYS)
    if kw.get("weights") is not None:
        return _measure_weights(pg, kw)
    if kw.get("against_init"):
        raise SigpropValueError(lib.SP_EINVAL, "against_init goes with weights", "measure")
    kw = {k: v for k, v in kw.items() if k not in ("weights", "against_init")}
    as_frame = kw.get("as_frame", True)
    spec = _mspec("measure", kw)
    tokens = ffi.new("int *", int(kw.get("tokens") or 0))
    lib.sp_last_error_clear()  # inputs: one image per draw, 16 patches (+ CLS) as tokens
    _check_value(lib.sp_measure_inputs_prepare(spec, tokens, -1), "measure")
    lib.sp_last_error_clear()  # token ids: the input, and their count the tokens
    _check_value(lib.sp_measure_ids_prepare(spec, tokens), "measure")
    if spec.inputs or spec.ids != ffi.NULL:
        kw = dict(kw, tokens=int(tokens[0]))
    spec.o.progress = pg.cb
    built = [(al,) + _build("measure", kw, al) for al in _alphas(kw)]
    plan = ffi.new("struct sp_measure_plan *")
    for _, a, _ in built:
        lib.sp_last_error_clear()
        _check_value(lib.sp_measure_plan(a, spec, plan), "measure")
    w = ffi.new("struct sp_net_weights *")
    if spec.ids != ffi.NULL:
        tok = ffi.new("float **")
        _check(lib.sp_measure_token_rows(built[0][1], spec, tok), "measure")
        tok = ffi.gc(tok[0], lib.free)
        w.tokens = tok
    if spec.inputs:
        tok = ffi.new("float **")
        lib.sp_last_error_clear()
        _check_value(lib.sp_measure_image_tokens(spec, built[0][1], ffi.NULL, tok), "measure")
        tok = ffi.gc(tok[0], lib.free)
        w.tokens, w.token_sets = tok, spec.o.seeds
    nets = ffi.new("struct sp_measure_net[]", len(built))
    for i, (al, a, _) in enumerate(built):
        nets[i].a, nets[i].alpha = a, math.nan if al is None else al
        nets[i].w = w if spec.ids != ffi.NULL or spec.inputs else ffi.NULL
    out = ffi.new("struct sp_table **")
    lib.sp_last_error_clear()
    s = lib.sp_measure_table(nets, len(built), spec, ffi.NULL, out)
    pg.check()
    _check(s, "measure")
    return _table_of(out[0], as_frame)


_MEASURE_WEIGHTS_KEYS = dict(_MEASURE_ONLY_KEYS, weights="path", against_init="bool")


def _measure_weights(pg, kw):
    """measure(weights=...): the library loads the checkpoint and refuses what
    does not go with it, says its architecture and its inputs' token rows."""
    given = [k for k, v in kw.items() if k in _ARCH and k not in ("q0", "p0") and v is not None]
    if given:
        raise SigpropValueError(lib.SP_EINVAL, "weights sets the architecture (the "
                                "checkpoint's); drop the architecture keywords (q0 and p0 "
                                "may stay): %s" % ", ".join(sorted(given)), "measure")
    as_frame = kw.get("as_frame", True)
    spec = _mspec("measure", kw)
    path = os.fsencode(kw["weights"])
    status = ffi.new("enum sp_status *")
    lib.sp_last_error_clear()
    w = lib.sp_measure_weights_new(path, bool(kw.get("against_init")), spec, status)
    _check_value(status[0], "measure")
    w = ffi.gc(w, lib.sp_measure_weights_delete)
    tokens = ffi.new("int *", 0)
    lib.sp_last_error_clear()
    _check_value(lib.sp_measure_inputs_prepare(spec, tokens, lib.sp_measure_weights_cls(w)),
                 "measure")
    aspec = _spec("measure", kw)
    a = ffi.new("struct sp_arch *")
    lib.sp_last_error_clear()
    _check_value(lib.sp_measure_weights_arch(w, spec, aspec, a), "measure")
    plan = ffi.new("struct sp_measure_plan *")
    lib.sp_last_error_clear()
    _check_value(lib.sp_measure_plan(a, spec, plan), "measure")
    lib.sp_last_error_clear()
    _check_value(lib.sp_measure_weights_inputs(w, spec, a), "measure")
    n = 2 if kw.get("against_init") else 1
    nets = ffi.new("struct sp_measure_net[]", n)
    for i in range(n):
        nets[i].a, nets[i].alpha = a, math.nan
        nets[i].w = lib.sp_measure_weights_of(w, i)
        nets[i].label = _LABELS[i]
    spec.o.progress = pg.cb
    out = ffi.new("struct sp_table **")
    lib.sp_last_error_clear()
    s = lib.sp_measure_table(nets, n, spec, _LABEL_WEIGHTS, out)
    pg.check()
    _check(s, "measure")
    return _table_of(out[0], as_frame)


_LABELS = [ffi.new("char[]", b"trained"), ffi.new("char[]", b"init")]
_LABEL_WEIGHTS = ffi.new("char[]", b"weights")


# ---- compare ----

_COMPARE_KEYS = dict(_MEASURE_KEYS, summary="bool", theory_start="str")


def compare(**kw):
    """Measurement against theory on the same configuration (like `sigprop compare`):
    per block the measured q, p, J_fwd, J_bwd, the theory and their ratio
    (sp_compare_rows); summary=True: one row per alpha, quantity and depth third
    with the GMFE = exp(mean |log(measured / theory)|) (sp_compare_summary).

    Keywords as measure(), and theory_start: 'config' (the theory starts from q0,
    p0; default) or 'measured' (from the measured q, p at block 0). The GMFE
    records are also in .attrs['gmfe'] of a DataFrame. progress(done, total) as in
    measure(), counted over every alpha."""
    pg = _Progress("compare", kw.pop("progress", None))
    _validate("compare", kw, _COMPARE_KEYS)
    as_frame = kw.get("as_frame", True)
    summary = bool(kw.get("summary"))
    start = kw.get("theory_start", "config")
    if start not in ("config", "measured"):
        raise ValueError("compare(): theory_start=%r is not one of config, measured" % start)
    no = _net_opts("compare", kw)
    if summary and no.sublayers:
        raise ValueError("compare(): sublayers and summary cannot be combined")
    no.progress = pg.cb
    built = []
    for al in _alphas(kw):
        a, o = _build("compare", kw, al)
        if a.final_norm and a.model == lib.SP_MODEL_TRANSFORMER:
            if kw.get("final_norm"):  # asked for: refuse (as `sigprop compare`)
                raise ValueError("compare(): final_norm cannot be compared: the measured J_bwd "
                                 "would include the final norm's Jacobian, which the theory "
                                 "does not; drop it, or use measure(final_norm=True)")
            a.final_norm = 0  # a preset's or config's: the blocks without it, as the CLI
            if al is _alphas(kw)[0]:
                import warnings
                warnings.warn("sigprop: compare: the final norm of the %s is left out (the "
                              "theory has none; measure() keeps it)"
                              % ("preset" if kw.get("preset") else "config"), RuntimeWarning,
                              stacklevel=2)
        o.sublayers = no.sublayers
        built.append((al, a, o))
    arr, alphas = _arch_array(built)
    co = ffi.new("struct sp_compare_table_opts *")
    lib.sp_compare_table_opts_default(co)
    co.net = no[0]
    co.theory_measured = int(start == "measured")
    co.summary = int(summary)
    t, gt, notes = _new_table(), _new_table(), _Notes()
    lib.sp_last_error_clear()
    s = lib.sp_compare_table(arr, alphas, len(built), built[0][2], co, t, gt, notes.c)
    notes.read()
    pg.check()
    _check(s, "compare")
    out = _frame(t, as_frame, notes.lines)
    if as_frame:
        g = _frame(gt, True)
        out.attrs["gmfe"] = g.to_dict("records")
    return out


# ---- fit ----

_FIT_KEYS = {"sigma": "any", "models": "any", "criterion": "str", "level": "float",
             "as_frame": "bool"}
_FIT_COLS = ["model", "selected", "phase", "n", "weighted", "converged", "zeta", "zeta_err",
             "zeta_lo", "zeta_hi", "lambda", "lambda_err", "lambda_lo", "lambda_hi", "xi",
             "xi_err", "xi_lo", "xi_hi", "c", "c_err", "beta", "beta_err", "chi2", "dof",
             "chi2_red", "r2", "p_value", "aic", "bic"]
_MODELS = ("power", "stretched", "stretched-log", "stretched-free", "exponential")


def fit(x, log_j, **kw):
    """Fits log J against depth x with each model (GSL nonlinear least squares) and
    marks the one the criterion selects (like `sigprop fit`). x > 0.

    sigma: standard errors of log J (weighted fit); models: a list of 'power',
    'stretched', 'stretched-log', 'stretched-free', 'exponential' (default all);
    criterion: 'aic' | 'bic'; level: confidence level of the intervals (0.95).
    One row per model; 'selected' is True on the chosen one."""
    _validate("fit", kw, _FIT_KEYS)
    as_frame = kw.get("as_frame", True)
    xs = np.ascontiguousarray(x, dtype=np.float64)
    ys = np.ascontiguousarray(log_j, dtype=np.float64)
    if xs.ndim != 1 or xs.shape != ys.shape:
        raise ValueError("fit(): x and log_j must be 1-d and of the same length (got %s, %s)"
                         % (xs.shape, ys.shape))
    sig = kw.get("sigma")
    if sig is not None:
        sig = np.ascontiguousarray(sig, dtype=np.float64)
        if sig.shape != xs.shape:
            raise ValueError("fit(): sigma must have the length of x (got %s, %s)"
                             % (sig.shape, xs.shape))
    models = kw.get("models") or list(_MODELS)
    if isinstance(models, str):
        models = models.split(",")
    for m in models:
        if m not in _MODELS:
            raise ValueError("fit(): model %r is not one of %s" % (m, ", ".join(_MODELS)))
    level = kw.get("level", 0.95)
    crit = lib.SP_FIT_BIC if kw.get("criterion") == "bic" else lib.SP_FIT_AIC
    res = ffi.new("struct sp_fit_result[]", len(models))
    px = ffi.cast("const double *", ffi.from_buffer(xs))
    py = ffi.cast("const double *", ffi.from_buffer(ys))
    ps = ffi.NULL if sig is None else ffi.cast("const double *", ffi.from_buffer(sig))
    for i, m in enumerate(models):
        code = ffi.new("enum sp_fit_model *")
        lib.sp_fit_model_parse(m.encode(), code)
        lib.sp_last_error_clear()
        _check(lib.sp_fit_curve(code[0], px, py, ps, xs.size, level, ffi.addressof(res, i)),
               "fit (%s)" % m)
    best = lib.sp_fit_select(res, len(models), crit)
    records = []
    for i in range(len(models)):
        r = res[i]
        rec = {c: getattr(r, c) for c in _FIT_COLS[6:]}
        rec.update(model=_s(lib.sp_fit_model_name(r.model)), selected=(i == best),
                   phase=_s(lib.sp_phase_name(r.phase)), n=int(r.n),
                   weighted=bool(r.weighted), converged=bool(r.converged))
        records.append(rec)
    return _table(records, _FIT_COLS, as_frame)


# ---- alpha ----

_ALPHA_KEYS = dict(_ARCH_KEYS, target_J="float", match="str", budget_ratio="float",
                   ratio="float", alpha_min="float", alpha_max="float", tol="float",
                   verify="bool", verify_width="int", verify_tol="float", seeds="int",
                   probes="int", seed="int", as_frame="bool")


def alpha(**kw):
    """The initial alpha of Derf/DyT whose mean-field J^{L,0} meets a target (like
    `sigprop alpha`), for every depth x width given (sp_alpha_point).

    Target, exactly one: target_J=X, match='preln' (the pre-LN network's J^{L,0}),
    budget_ratio=K (K times it) or match='preln-per-side' (both alphas: each
    sublayer kind's share of log J^{L,0} equal to pre-LN's; ratio is then solved
    and the columns logJ_attn, logJ_mlp, logJ_attn_preln, logJ_mlp_preln, sweeps
    are added; docs/alpha.md). Solver: ratio (alpha_attn / alpha_mlp, 1),
    alpha (the initial guess, 0.5), alpha_min (1e-4), alpha_max (100), tol (1e-10).
    depth, width: a value or a sequence; other architecture keywords as theory()
    (norm defaults to 'derf' without a preset). verify=True measures each
    recommended network (verify_width, verify_tol 0.2, seeds, probes, seed) and
    adds the CLI's verify_* columns. The fitted transfer rule alpha = A L^-b (per
    width), A d^-b (per depth) is in .attrs['laws'] of a DataFrame."""
    _validate("alpha", {k: v for k, v in kw.items() if k not in ("depth", "width")},
              _ALPHA_KEYS)
    depths = _axis("alpha", "depth", kw.pop("depth")) if kw.get("depth") is not None else None
    widths = _axis("alpha", "width", kw.pop("width")) if kw.get("width") is not None else None
    as_frame = kw.get("as_frame", True)
    given = [k for k in ("target_J", "match", "budget_ratio") if kw.get(k) is not None]
    if len(given) != 1:
        raise ValueError("alpha(): give exactly one of target_J, match='preln', budget_ratio")
    if kw.get("match") not in (None, "preln", "preln-per-side"):
        raise ValueError("alpha(): match=%r is not 'preln' or 'preln-per-side'" % kw["match"])
    sides = kw.get("match") == "preln-per-side"
    if sides and kw.get("ratio") is not None:
        raise ValueError("alpha(): ratio: match='preln-per-side' solves for alpha_attn / "
                         "alpha_mlp")
    for k in ("alpha_attn", "alpha_mlp"):
        if kw.get(k) is not None:
            raise ValueError("alpha(): alpha_attn/alpha_mlp are what this solves for; use ratio "
                             "for alpha_attn / alpha_mlp")
    guess = kw.get("alpha", 0.5)
    if not isinstance(guess, numbers.Real):
        raise ValueError("alpha(): alpha is the initial guess here: give one value")
    ratio, amin, amax = kw.get("ratio", 1.0), kw.get("alpha_min", 1e-4), kw.get("alpha_max", 100.0)
    tol = kw.get("tol", 1e-10)
    if not amin < amax:
        raise ValueError("alpha(): alpha_min %g must be below alpha_max %g" % (amin, amax))
    kind, target = {"target_J": (lib.SP_ALPHA_TARGET_J, kw.get("target_J")),
                    "match": (lib.SP_ALPHA_MATCH_PRELN_SIDES if sides
                              else lib.SP_ALPHA_MATCH_PRELN, math.nan),
                    "budget_ratio": (lib.SP_ALPHA_BUDGET, kw.get("budget_ratio"))}[given[0]]
    base = {k: v for k, v in kw.items() if k in _ARCH_KEYS and k != "alpha"}
    if base.get("norm") is None and base.get("preset") is None:
        base["norm"] = "derf"  # the default transformer is pre-LN: alpha needs Derf
    if base.get("norm") not in (None, "derf", "dyt"):
        raise ValueError("alpha(): norm=%r has no alpha: use derf or dyt" % base["norm"])
    verify = bool(kw.get("verify"))
    no = _net_opts("alpha", dict((k, kw[k]) for k in ("seeds", "probes", "seed") if k in kw),
                   ) if verify else None
    if verify:
        no.measure = 1  # the forward pass: J^{L,0}
    built = []
    for d in depths or [None]:
        for w in widths or [None]:
            cfg = dict(base)
            if d is not None:
                cfg["depth"] = d
            if w is not None:
                cfg["width"] = w
            a, o = _build("alpha", cfg, None)
            if kind != lib.SP_ALPHA_TARGET_J and a.model != lib.SP_MODEL_TRANSFORMER:
                raise ValueError("alpha(): match/budget_ratio compare with pre-LN: transformer "
                                 "only")
            if verify and a.model != lib.SP_MODEL_TRANSFORMER:
                raise ValueError("alpha(): verify measures a transformer, not model='toy'")
            built.append((a, o))
    arr = ffi.new("struct sp_arch[]", len(built))
    opts = ffi.new("struct sp_theory_opts[]", len(built))
    for i, (a, o) in enumerate(built):
        arr[i], opts[i] = a[0], o[0]
    ao = ffi.new("struct sp_alpha_table_opts *")
    lib.sp_alpha_table_opts_default(ao)
    ao.target, ao.target_value, ao.ratio = kind, target, ratio
    ao.guess, ao.amin, ao.amax, ao.tol = guess, amin, amax, tol
    ao.verify, ao.verify_width = int(verify), kw.get("verify_width") or 0
    ao.verify_tol = kw.get("verify_tol", 0.2)
    if verify:
        ao.net = no[0]
    # the transfer rule's axes as asked (a proxy_width network's width is not the width)
    axes = [ffi.new("double[]", [float(x) for x in v]) if v else ffi.NULL
            for v in (depths, widths)]
    ao.depths, ao.widths = axes
    t, notes = _new_table(), _Notes()
    info = ffi.new("struct sp_alpha_table_info *")
    lib.sp_last_error_clear()
    s = lib.sp_alpha_table(arr, opts, len(depths or [None]), len(widths or [None]), ao, t, info,
                           notes.c)
    try:
        notes.read()
        _check(s, "alpha")
        out = _frame(t, as_frame, notes.lines)
        if as_frame:
            out.attrs["laws"] = [dict(law="alpha = A * width^-b" if info.laws[k].over_width
                                      else "alpha = A * depth^-b", fixed=info.laws[k].fixed,
                                      A=info.laws[k].A, b=info.laws[k].b,
                                      b_err=info.laws[k].b_err) for k in range(info.nlaws)]
    finally:
        lib.sp_alpha_table_info_free(info)
    return out


# ---- sweep ----

# grid axes in the CLI's order (the last varies fastest, then depth)
_SWEEP_AXES = ("norm", "width", "init_std", "tokens", "q0", "p0", "sigma_w", "alpha")
_SWEEP_KEYS = dict(_ARCH_KEYS, mode="str", seeds="int", probes="int", seed="int",
                   threads="int", input="str", progress="callable", as_frame="bool")


def _axis(func, k, v):
    vals = list(v) if isinstance(v, (list, tuple, np.ndarray, range)) else [v]
    if not vals:
        raise ValueError("%s(): %s is an empty sequence" % (func, k))
    for x in vals:
        _validate(func, {k: x}, _ARCH_KEYS)
    return vals


def sweep(**kw):
    """A grid of configurations (like `sigprop sweep`): one row per grid point with
    the mean-field end-to-end APJN, phase and asymptotic laws (mode='theory', the
    default), the finite network's (mode='measure') or both, with the CLI's columns
    (i, the grid and setting columns, results, status).

    Grid keywords, each a value or a sequence: norm, width, init_std, tokens, q0,
    p0, sigma_w, alpha, depth (every depth of a configuration comes from one run).
    Other architecture keywords as theory(); measure mode: seeds, probes, seed,
    input ('equiangular' | 'gaussian'), threads. The grid is the library's, as the
    CLI's (sp_sweep_grid_build: configurations, keys, refusals); rows computed by
    the library (sp_sweep_theory_rows: vectorised over alpha; sp_sweep_task_rows); a point
    that fails is a row whose status says why (.attrs['failed'] counts them).
    progress(done, total) is called with grid points after each batch."""
    pg = _Progress("sweep", kw.pop("progress", None))
    axes = {k: _axis("sweep", k, kw.pop(k)) for k in _SWEEP_AXES + ("depth",)
            if kw.get(k) is not None}
    _validate("sweep", kw, _SWEEP_KEYS)
    as_frame = kw.get("as_frame", True)
    mode = kw.pop("mode", None) or "theory"
    if mode not in ("theory", "measure", "both"):
        raise ValueError("sweep(): mode=%r is not one of theory, measure, both" % mode)
    theory_on, measure_on = mode != "measure", mode != "theory"
    for k in ("seeds", "probes", "seed", "input", "threads"):
        if kw.get(k) is not None and not measure_on:
            raise ValueError("sweep(): %s applies to mode='measure' or 'both'" % k)
    no = _net_opts("sweep", dict(kw, measure="fwd")) if measure_on else ffi.NULL
    spec = _spec("sweep", {k: v for k, v in kw.items() if k in _ARCH_KEYS})
    grid = ffi.new("struct sp_sweep_grid *")
    chunks = []
    try:
        for k, vals in axes.items():  # each value parsed and validated by the key table
            text = [ffi.new("char[]", _text(v).encode()) for v in vals]
            lib.sp_last_error_clear()
            _check_value(lib.sp_sweep_grid_parse(grid, getattr(lib, "SP_SWEEP_" + k.upper()),
                                                 ffi.new("char *[]", text), len(text),
                                                 lib.SP_ARCHKEY_STYLE_KEYWORD), "sweep")
        lib.sp_last_error_clear()  # every configuration validated before anything runs
        _check_value(lib.sp_sweep_grid_build(grid, spec, int(theory_on), no, ffi.NULL, ffi.NULL),
                     "sweep")
        if measure_on:  # every point measurable, as the CLI's sweep
            mspec = _mspec("sweep", {})
            mspec.o = no[0]
            lib.sp_last_error_clear()
            _check_value(lib.sp_sweep_grid_check_measure(grid, mspec, ffi.NULL), "sweep")
        plan, nt, nd = ffi.addressof(grid[0], "plan"), grid.ntasks, grid.ndepths
        header = lib.sp_sweep_header(int(theory_on), int(measure_on), 0)
        if header == ffi.NULL:
            raise SigpropError(lib.SP_ENOMEM, "out of memory", "sweep")
        chunks.append(_s(header) + "\n")
        lib.free(header)
        per = max(1, 65536 // nd) if not measure_on else 1
        for t0 in range(0, nt, per):
            n = min(per, nt - t0)
            rows = ffi.new("struct sp_sweep_rows[]", n)
            try:
                if measure_on:
                    t = grid.tasks[t0]
                    s = lib.sp_sweep_task_rows(ffi.addressof(t, "a"), ffi.addressof(t, "o"),
                                               t.first, grid.depths, nd, int(theory_on), no,
                                               plan.keys, ffi.NULL, rows)
                else:
                    s = lib.sp_sweep_theory_rows(plan, ffi.new("size_t[]", list(range(t0, t0 + n))),
                                                 n, 1, ffi.NULL, rows)
                _check(s, "sweep")
                chunks.extend(ffi.string(rows[k].s, rows[k].len).decode() for k in range(n)
                              if rows[k].s != ffi.NULL)
            finally:
                for k in range(n):
                    lib.free(rows[k].s)
            pg.call((t0 + n) * nd, nt * nd)
            pg.check()
    finally:
        lib.sp_sweep_grid_free(grid)
    import pandas as pd
    df = pd.read_csv(io.StringIO("".join(chunks)), keep_default_na=False,
                     na_values=["nan", "-nan"])
    failed = int((df["status"] != "ok").sum())
    if not as_frame:
        return df.to_records(index=False)
    df.attrs["failed"] = failed
    return df
