"""sigprop: signal propagation at initialisation in deep transformers.

A thin Python layer over libsigprop (cffi, ABI mode: no compiler needed):

    theory(...)   mean-field recursions (sp_theory_run, sp_theory_asymptotics)
    measure(...)  finite-width networks (sp_net_measure), with a progress callback
    fit(...)      power law / stretched exponential / exponential fits of log J

Every function returns a pandas DataFrame (or a numpy record array with
as_frame=False) with the columns of the matching `sigprop` CLI command. A library
failure raises SigpropError carrying the status and the library's reason.
See docs/python.md.
"""
import difflib
import math
import numbers

import numpy as np

from ._ffi import LIBRARY_PATH, ffi, lib

__all__ = ["theory", "measure", "fit", "SigpropError", "version", "build_features", "simd",
           "presets", "LIBRARY_PATH"]


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


# ---- keyword validation ----

_ARCH_KEYS = {
    "preset": "str", "model": "str", "norm": "str", "alpha": "alpha",
    "alpha_attn": "float", "alpha_mlp": "float", "shift": "float",
    "depth": "int", "tokens": "int", "width": "int", "heads": "int", "mlp_ratio": "int",
    "activation": "str", "final_norm": "bool", "init_std": "float",
    "sigma_q": "float", "sigma_k": "float", "sigma_v": "float", "sigma_o": "float",
    "sigma_1": "float", "sigma_2": "float", "q0": "float", "p0": "float",
    "phi": "str", "sigma_w": "float", "mu": "float", "sigma_b": "float",
    "attention": "str", "apjn": "str", "cn": "str",
}
_CHOICES = {
    "model": ("transformer", "toy"),
    "norm": ("ln", "dyt", "derf", "none"),
    "activation": ("relu", "gelu"),
    "phi": ("erf", "tanh", "identity", "relu"),
    "attention": ("softmax", "uniform", "uniform-exact"),
    "apjn": ("single", "two-channel"),
    "cn": ("one", "exact"),
    "input": ("equiangular", "gaussian"),
    "criterion": ("aic", "bic"),
}


def _validate(func, kw, allowed):
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
        if kind == "int":
            if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                raise TypeError("%s(): %s must be an int (got %r)" % (func, k, v))
        elif kind == "float":
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise TypeError("%s(): %s must be a number (got %r)" % (func, k, v))
        elif kind == "bool":
            if not isinstance(v, (bool, np.bool_)):
                raise TypeError("%s(): %s must be True or False (got %r)" % (func, k, v))
        elif kind == "str":
            if not isinstance(v, str):
                raise TypeError("%s(): %s must be a string (got %r)" % (func, k, v))
            choices = presets() if k == "preset" else _CHOICES.get(k)
            if choices and v not in choices:
                raise ValueError("%s(): %s=%r is not one of %s" % (func, k, v, ", ".join(choices)))
        elif kind == "alpha":
            vals = [v] if isinstance(v, numbers.Real) and not isinstance(v, bool) else v
            try:
                vals = [float(x) for x in vals]
            except (TypeError, ValueError):
                raise TypeError("%s(): alpha must be a number or a sequence of numbers (got %r)"
                                % (func, v)) from None
            if not vals:
                raise ValueError("%s(): alpha is an empty sequence" % func)


def _fn(name):
    out = ffi.new("enum sp_fn *")
    if lib.sp_fn_parse(name.encode(), out) != 0:
        raise ValueError("unknown function %r" % name)
    return out[0]


_PHI = {"erf": "derf", "tanh": "dyt", "identity": "none", "relu": "relu"}


def _build(func, kw, alpha):
    """One resolved struct sp_arch and theory options, like the CLI's flags:
    preset first, then every keyword given (explicit keywords win)."""
    g = lambda k: kw.get(k)  # noqa: E731
    a = ffi.new("struct sp_arch *")
    o = ffi.new("struct sp_theory_opts *")
    lib.sp_arch_default(a)
    va = ffi.new("int *", 0)
    if g("preset") is not None:
        _check(lib.sp_preset_apply(g("preset").encode(), a, va), func)
    if g("model") is not None:
        a.model = lib.SP_MODEL_TOY if g("model") == "toy" else lib.SP_MODEL_TRANSFORMER
    for k in ("depth", "q0", "p0"):
        if g(k) is not None:
            setattr(a, k, g(k))
    toy = a.model == lib.SP_MODEL_TOY
    if toy:
        for k in ("alpha_attn", "alpha_mlp", "tokens", "width", "heads", "mlp_ratio",
                  "sigma_q", "sigma_k", "sigma_v", "sigma_o", "sigma_1", "sigma_2"):
            if g(k) is not None:
                raise ValueError("%s(): %s applies to the transformer, not the toy model"
                                 % (func, k))
        norm = g("norm")
        if norm == "ln":
            a.toy_ln = 1
        elif norm == "none":
            a.toy_ln = 0
        elif norm in ("derf", "dyt"):
            if g("phi") is not None:
                raise ValueError("%s(): norm=%r on the toy means phi=%r; do not also give phi"
                                 % (func, norm, "erf" if norm == "derf" else "tanh"))
            a.toy_ln = 0
            a.phi.kind = _fn(norm)
        if g("phi") is not None:
            a.phi.kind = _fn(_PHI[g("phi")])
        if alpha is not None:
            if a.phi.kind not in (lib.SP_FN_DERF, lib.SP_FN_DYT):
                raise ValueError("%s(): alpha needs phi erf or tanh" % func)
            a.phi.alpha = alpha
        if g("shift") is not None:
            a.phi.shift = g("shift")
        for k in ("sigma_w", "mu", "sigma_b"):
            if g(k) is not None:
                setattr(a, k, g(k))
    else:
        for k in ("phi", "sigma_w", "mu", "sigma_b"):
            if g(k) is not None:
                raise ValueError("%s(): %s applies to the toy model (model='toy')" % (func, k))
        if g("norm") is not None:
            a.norm_attn.kind = a.norm_mlp.kind = _fn(g("norm"))
        elementwise = any(f.kind in (lib.SP_FN_DERF, lib.SP_FN_DYT)
                          for f in (a.norm_attn, a.norm_mlp))
        given = [k for k in ("alpha_attn", "alpha_mlp", "shift") if g(k) is not None]
        if alpha is not None:
            given.insert(0, "alpha")
        if given and not elementwise:
            raise ValueError("%s(): %s needs norm='derf' or 'dyt' (norm is %r)"
                             % (func, given[0], _s(lib.sp_fn_name(a.norm_mlp.kind))))
        if alpha is not None:
            a.norm_attn.alpha = a.norm_mlp.alpha = alpha
        if g("alpha_attn") is not None:
            a.norm_attn.alpha = g("alpha_attn")
        if g("alpha_mlp") is not None:
            a.norm_mlp.alpha = g("alpha_mlp")
        if g("shift") is not None:
            a.norm_attn.shift = a.norm_mlp.shift = g("shift")
        if g("tokens") is not None:
            a.tokens = g("tokens")
        if g("width") is not None:
            a.width = g("width")
            a.heads = 0  # re-derived as width / 64 unless heads is given
        for k in ("heads", "mlp_ratio"):
            if g(k) is not None:
                setattr(a, k, g(k))
        if g("activation") is not None:
            a.mlp_act = lib.SP_ACT_GELU if g("activation") == "gelu" else lib.SP_ACT_RELU
        if g("final_norm"):
            a.final_norm = 1
        if g("init_std") is not None:
            a.init_std = g("init_std")
            for k in ("sigma_q", "sigma_k", "sigma_v", "sigma_o", "sigma_1", "sigma_2"):
                setattr(a, k, math.nan)
        for k in ("sigma_q", "sigma_k", "sigma_v", "sigma_o", "sigma_1", "sigma_2"):
            if g(k) is not None:
                setattr(a, k, g(k))
    err = ffi.new("char[256]")
    lib.sp_last_error_clear()
    s = lib.sp_arch_resolve(a, err, 256)
    if s != lib.SP_OK:
        raise SigpropError(s, _s(err) or _s(lib.sp_last_error()), func)
    if va[0]:
        lib.sp_theory_opts_version_a(o)
    else:
        lib.sp_theory_opts_version_c(o)
    if g("attention") is not None:
        o.attention = {"softmax": lib.SP_ATTN_SOFTMAX, "uniform": lib.SP_ATTN_UNIFORM,
                       "uniform-exact": lib.SP_ATTN_UNIFORM_EXACT}[g("attention")]
    if g("apjn") is not None:
        o.apjn = lib.SP_APJN_TWO_CHANNEL if g("apjn") == "two-channel" else lib.SP_APJN_SINGLE
    if g("cn") is not None:
        o.cn_exact = 1 if g("cn") == "exact" else 0
    if o.cn_exact and o.apjn != lib.SP_APJN_TWO_CHANNEL:
        raise ValueError("%s(): cn applies to apjn='two-channel'" % func)
    return a, o


def _alphas(kw):
    v = kw.get("alpha")
    if v is None:
        return [None]
    if isinstance(v, numbers.Real):
        return [float(v)]
    return [float(x) for x in v]


def _fn_alpha(f):
    return f.alpha if f.kind in (lib.SP_FN_DERF, lib.SP_FN_DYT) else math.nan


def _id_cols(a, alpha):
    """model, norm, alpha, alpha_attn, alpha_mlp: the CLI's identifying columns."""
    if a.model == lib.SP_MODEL_TOY:
        norm = "ln" if a.toy_ln else _s(lib.sp_fn_name(a.phi.kind))
        aa = am = _fn_alpha(a.phi)
    else:
        na, nm = _s(lib.sp_fn_name(a.norm_attn.kind)), _s(lib.sp_fn_name(a.norm_mlp.kind))
        norm = nm if na == nm else na + "/" + nm
        aa, am = _fn_alpha(a.norm_attn), _fn_alpha(a.norm_mlp)
    model = "toy" if a.model == lib.SP_MODEL_TOY else "transformer"
    return {"model": model, "norm": norm, "alpha": math.nan if alpha is None else alpha,
            "alpha_attn": aa, "alpha_mlp": am}


def _table(records, columns, as_frame):
    if as_frame:
        import pandas as pd
        return pd.DataFrame.from_records(records, columns=columns)
    if not records:
        return np.rec.fromrecords([], names=columns)
    return np.rec.fromrecords([tuple(r[c] for c in columns) for r in records], names=columns)


# ---- theory ----

_THEORY_KEYS = dict(_ARCH_KEYS, sublayers="bool", summary="bool", as_frame="bool")
_ROW_COLS = ["l", "q", "p", "rho", "J_fwd", "J_bwd", "logJ_fwd", "logJ_bwd", "grad_amp",
             "caveats"]
_SUM_COLS = ["depth", "q_L", "p_L", "J_L0", "logJ_L0", "phase", "zeta", "lambda", "xi",
             "c_star", "p_star", "l_star", "l_star_estimate", "caveats"]


def caveats(a, o, warn=True):
    """What the theory does not model for this configuration: the codes joined by ';'
    (or 'none', as in the CLI's caveats column); each one is also a RuntimeWarning."""
    cv = ffi.new("struct sp_caveat[8]")
    k = min(lib.sp_theory_caveats(a, o, cv, 8), 8)
    codes = []
    for i in range(k):
        code, text = _s(cv[i].code), _s(cv[i].text)
        codes.append(code)
        if warn:
            import warnings
            warnings.warn("sigprop: %s: %s" % (code, text), RuntimeWarning, stacklevel=3)
    return ";".join(codes) if codes else "none"
_ID = ["model", "norm", "alpha", "alpha_attn", "alpha_mlp"]


def theory(**kw):
    """Mean-field theory of the configuration (like `sigprop theory`).

    Architecture keywords as the CLI's flags (preset, model, norm, alpha, alpha_attn,
    alpha_mlp, shift, depth, tokens, width, heads, mlp_ratio, init_std, sigma_q ..
    sigma_2, q0, p0; toy: phi, sigma_w, mu, sigma_b; version: attention, apjn, cn).
    alpha may be a sequence: one curve (or summary row) per value.
    summary=True: one row per alpha with q_L, J_L0, the phase and the asymptotic
    laws; else one row per block boundary (sublayers=True: per sublayer).
    Returns a DataFrame (as_frame=False: a numpy record array)."""
    _validate("theory", kw, _THEORY_KEYS)
    summary, sublayers = bool(kw.get("summary")), bool(kw.get("sublayers"))
    as_frame = kw.get("as_frame", True)
    if summary and sublayers:
        raise ValueError("theory(): sublayers and summary cannot be combined")
    built = []
    for al in _alphas(kw):  # validate every configuration before computing anything
        a, o = _build("theory", kw, al)
        o.sublayers = int(sublayers)
        built.append((al, a, o))
    records = []
    for al, a, o in built:
        n = lib.sp_theory_nrows(a, o)
        rows = ffi.new("struct sp_theory_row[]", n)
        lib.sp_last_error_clear()
        _check(lib.sp_theory_run(a, o, rows, n), "theory")
        ident = dict(version=_s(lib.sp_theory_version(o)), **_id_cols(a, al))
        cav = caveats(a, o, warn=al is built[0][0])
        if summary:
            asy = ffi.new("struct sp_asymptotics *")
            _check(lib.sp_theory_asymptotics(a, o, rows, n, asy), "theory")
            last = rows[n - 1]
            rec = dict(ident, depth=a.depth, q_L=last.q, p_L=last.p,
                       J_L0=math.exp(last.log_jfwd), logJ_L0=last.log_jfwd,
                       phase=_s(lib.sp_phase_name(asy.phase)), zeta=asy.zeta,
                       l_star=asy.l_star, l_star_estimate=asy.l_star_estimate, xi=asy.xi,
                       c_star=asy.c_star, p_star=asy.p_star, caveats=cav)
            rec["lambda"] = getattr(asy, "lambda")
            records.append(rec)
        else:
            for k in range(n):
                w = rows[k]
                records.append(dict(ident, l=w.l, q=w.q, p=w.p, rho=w.rho,
                                    J_fwd=math.exp(w.log_jfwd), J_bwd=math.exp(w.log_jbwd),
                                    logJ_fwd=w.log_jfwd, logJ_bwd=w.log_jbwd,
                                    grad_amp=math.exp(w.log_grad_amp), caveats=cav))
    cols = ["version"] + _ID + (_SUM_COLS if summary else _ROW_COLS)
    return _table(records, cols, as_frame)


# ---- measure ----

_MEASURE_KEYS = dict(_ARCH_KEYS, seeds="int", probes="int", seed="int", threads="int",
                     input="str", measure="str", sublayers="bool", exclude_cls="bool",
                     checkpoint="int", progress="callable", as_frame="bool")
_NET_COLS = ["l", "q", "q_se", "p", "p_se", "rho", "J_fwd", "J_fwd_se", "J_bwd", "J_bwd_se",
             "grad_amp", "grad_amp_se", "logJ_fwd", "logJ_bwd"]


def _measure_mask(spec):
    if spec is None or spec == "all":
        return 7
    bits = {"fwd": 1, "bwd": 2, "grad": 4}
    mask = 0
    for part in spec.split(","):
        if part not in bits:
            raise ValueError("measure(): measure=%r: %r is not one of fwd, bwd, grad, all"
                             % (spec, part))
        mask |= bits[part]
    return mask


def measure(**kw):
    """Measures finite networks at initialisation (like `sigprop measure`).

    Architecture keywords as theory(); measurement: seeds, probes, seed, threads,
    input ('equiangular' | 'gaussian'), measure ('fwd,bwd,grad' or 'all'),
    sublayers, exclude_cls, checkpoint. progress: a callable progress(done, total)
    called from the calling thread as work units complete (an exception it raises
    is re-raised once the measurement returns). One curve per alpha value.
    Raises SigpropError with status 'not supported' in a build without OpenBLAS."""
    progress = kw.pop("progress", None)
    if progress is not None and not callable(progress):
        raise TypeError("measure(): progress must be callable as progress(done, total)")
    _validate("measure", kw, _MEASURE_KEYS)
    as_frame = kw.get("as_frame", True)
    mask = _measure_mask(kw.get("measure"))
    no = ffi.new("struct sp_net_opts *")
    lib.sp_net_opts_default(no)
    for k in ("seeds", "probes", "seed", "threads", "checkpoint"):
        if kw.get(k) is not None:
            setattr(no, k, kw[k])
    no.measure = mask
    no.sublayers = int(bool(kw.get("sublayers")))
    no.exclude_cls = int(bool(kw.get("exclude_cls")))
    if kw.get("input") == "gaussian":
        no.input = lib.SP_INPUT_GAUSSIAN
    failure = []

    @ffi.callback("void(void *, size_t, size_t)")
    def _progress(ctx, done, total):
        if failure:
            return
        try:
            progress(int(done), int(total))
        except BaseException as e:  # noqa: B902 - re-raised after the C call returns
            failure.append(e)

    if progress is not None:
        no.progress = _progress
    built = [(al,) + _build("measure", kw, al) for al in _alphas(kw)]
    records = []
    for al, a, _ in built:
        n = lib.sp_net_nrows(a, no)
        rows = ffi.new("struct sp_net_row[]", n)
        lib.sp_last_error_clear()
        s = lib.sp_net_measure(a, no, rows, n)
        if failure:
            raise failure[0]
        _check(s, "measure")
        ident = _id_cols(a, al)
        for k in range(n):
            w = rows[k]
            rec = dict(ident, l=w.l, q=w.q, q_se=w.q_se, p=w.p, p_se=w.p_se, rho=w.rho,
                       J_fwd=w.j_fwd, J_fwd_se=w.j_fwd_se, J_bwd=w.j_bwd, J_bwd_se=w.j_bwd_se,
                       grad_amp=w.grad_amp, grad_amp_se=w.grad_amp_se)
            rec["logJ_fwd"] = math.log(w.j_fwd) if w.j_fwd > 0 else math.nan
            rec["logJ_bwd"] = math.log(w.j_bwd) if w.j_bwd > 0 else math.nan
            records.append(rec)
    return _table(records, _ID + _NET_COLS, as_frame)


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


# ---- TODO hooks: compare, alpha, sweep ----
# Other engineers are moving the CLI's compare, alpha and sweep logic into the
# library (sigprop/analysis.h). Wrap those library functions here once they exist;
# do not re-implement or wrap CLI code. Until then these raise NotImplementedError.

def compare(**kw):
    """TODO: measurement against theory (wraps the library's compare once it exists)."""
    raise NotImplementedError("sigprop.compare: not wrapped yet (use `sigprop compare`)")


def alpha(**kw):
    """TODO: the alpha meeting an amplification target (sp_alpha_solve, once it takes
    the CLI's options in the library)."""
    raise NotImplementedError("sigprop.alpha: not wrapped yet (use `sigprop alpha`)")


def sweep(**kw):
    """TODO: grid sweeps (wraps the library's sweep driver once it exists)."""
    raise NotImplementedError("sigprop.sweep: not wrapped yet (use `sigprop sweep`)")
