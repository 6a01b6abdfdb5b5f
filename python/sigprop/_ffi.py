"""cffi ABI-mode declarations of libsigprop and the loader (no compiler needed).

The declarations below copy include/sigprop/*.h. At load time each struct's
size is checked against the library's own sizeof (sp_abi_sizeof), so a header
that changed without this file fails loudly at import instead of corrupting
memory.
"""
import os

from cffi import FFI

CDEF = r"""
enum sp_status { SP_OK = 0, SP_EINVAL, SP_ENOMEM, SP_ENUMERIC, SP_EIO, SP_EFORMAT,
                 SP_EUNSUPPORTED };
const char *sp_status_str(enum sp_status s);
const char *sp_last_error(void);
void sp_last_error_clear(void);
const char *sp_version(void);
const char *sp_git_hash(void);
const char *sp_build_features(void);
size_t sp_abi_sizeof(const char *name);

enum sp_isa { SP_ISA_SCALAR = 0, SP_ISA_AVX2, SP_ISA_AVX512 };
enum sp_isa sp_cpu_isa(void);
enum sp_isa sp_cpu_best_isa(void);
const char *sp_isa_name(enum sp_isa isa);
enum sp_status sp_cpu_isa_check(void);

enum sp_fn { SP_FN_LN, SP_FN_DERF, SP_FN_DYT, SP_FN_IDENTITY, SP_FN_RELU, SP_FN_RMS };
const char *sp_fn_name(enum sp_fn f);
int sp_fn_parse(const char *s, enum sp_fn *out);
struct sp_fnspec { enum sp_fn kind; double alpha; double shift; };
enum sp_model { SP_MODEL_TRANSFORMER, SP_MODEL_TOY };
enum sp_mlp_act { SP_ACT_RELU, SP_ACT_GELU, SP_ACT_SWIGLU };
const char *sp_act_name(enum sp_mlp_act a);
int sp_act_parse(const char *s, enum sp_mlp_act *out);
enum sp_mask { SP_MASK_NONE, SP_MASK_CAUSAL };
enum sp_rope { SP_ROPE_NONE, SP_ROPE_INTERLEAVED, SP_ROPE_HALF };
struct sp_arch {
    enum sp_model model;
    int depth;
    double q0, p0;
    int tokens;
    int width;
    int heads;
    int mlp_ratio;
    enum sp_mlp_act mlp_act;
    int final_norm;
    struct sp_fnspec norm_attn, norm_mlp;
    double init_std;
    double sigma_q, sigma_k, sigma_v, sigma_o, sigma_1, sigma_2;
    int mlp_hidden;
    double sigma_3;
    int kv_heads;
    enum sp_mask mask;
    enum sp_rope rope;
    double rope_theta;
    double norm_eps;
    double embed_scale;
    double residual_scale;
    int toy_ln;
    struct sp_fnspec phi;
    double mu, sigma_w, sigma_b;
};
void sp_arch_default(struct sp_arch *a);
enum sp_status sp_arch_resolve(struct sp_arch *a, char *err, size_t errlen);
enum sp_status sp_preset_apply(const char *name, struct sp_arch *a, int *version_a);
extern const char *const sp_preset_names[];

enum sp_attention { SP_ATTN_SOFTMAX, SP_ATTN_UNIFORM, SP_ATTN_UNIFORM_EXACT,
                    SP_ATTN_GAUSSIAN };
enum sp_apjn { SP_APJN_SINGLE, SP_APJN_TWO_CHANNEL };
struct sp_theory_opts {
    enum sp_attention attention;
    enum sp_apjn apjn;
    int cn_exact;
    int sublayers;
};
void sp_theory_opts_version_a(struct sp_theory_opts *o);
void sp_theory_opts_version_c(struct sp_theory_opts *o);
const char *sp_theory_version(const struct sp_theory_opts *o);
struct sp_theory_row { double l; double q, p, rho; double log_jfwd; double log_jbwd;
                        double log_grad_amp; };
size_t sp_theory_nrows(const struct sp_arch *a, const struct sp_theory_opts *o);
enum sp_status sp_theory_run(const struct sp_arch *a, const struct sp_theory_opts *o,
                             struct sp_theory_row *rows, size_t nrows);
struct sp_caveat { const char *code; const char *text; };
size_t sp_theory_caveats(const struct sp_arch *a, const struct sp_theory_opts *o,
                         struct sp_caveat *out, size_t max);
enum sp_phase { SP_PHASE_CRITICAL, SP_PHASE_SUBCRITICAL, SP_PHASE_CHAOTIC, SP_PHASE_ORDERED };
const char *sp_phase_name(enum sp_phase p);
struct sp_asymptotics {
    enum sp_phase phase;
    double zeta; double lambda; double xi; double c_star, p_star; double l_star;
    double l_star_estimate;
};
enum sp_status sp_theory_asymptotics(const struct sp_arch *a, const struct sp_theory_opts *o,
                                     const struct sp_theory_row *rows, size_t nrows,
                                     struct sp_asymptotics *out);

enum sp_net_input { SP_INPUT_EQUIANGULAR, SP_INPUT_GAUSSIAN };
struct sp_net_opts {
    int seeds;
    int probes;
    uint64_t seed;
    int threads;
    enum sp_net_input input;
    unsigned measure;
    int sublayers;
    int exclude_cls;
    int checkpoint;
    void (*progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
};
void sp_net_opts_default(struct sp_net_opts *o);
struct sp_net_row {
    double l;
    double q, q_se, p, p_se, rho;
    double j_fwd, j_fwd_se;
    double j_bwd, j_bwd_se;
    double grad_amp, grad_amp_se;
};
size_t sp_net_nrows(const struct sp_arch *a, const struct sp_net_opts *o);
enum sp_status sp_net_measure(const struct sp_arch *a, const struct sp_net_opts *o,
                              struct sp_net_row *rows, size_t nrows);

enum sp_fit_model { SP_FIT_POWER, SP_FIT_STRETCHED, SP_FIT_STRETCHED_LOG, SP_FIT_STRETCHED_FREE,
                    SP_FIT_EXPONENTIAL };
const char *sp_fit_model_name(enum sp_fit_model m);
int sp_fit_model_parse(const char *s, enum sp_fit_model *out);
enum sp_fit_criterion { SP_FIT_AIC, SP_FIT_BIC };
struct sp_fit_result {
    enum sp_fit_model model;
    size_t n;
    int weighted;
    int converged;
    double zeta, zeta_err, zeta_lo, zeta_hi;
    double lambda, lambda_err, lambda_lo, lambda_hi;
    double xi, xi_err, xi_lo, xi_hi;
    double c, c_err;
    double beta, beta_err;
    double chi2, dof, chi2_red, r2, p_value;
    double aic, bic;
    enum sp_phase phase;
    double theta;
    size_t ndraw;
};
enum sp_status sp_fit_curve(enum sp_fit_model model, const double *x, const double *y,
                            const double *sigma, size_t n, double level,
                            struct sp_fit_result *out);
int sp_fit_select(const struct sp_fit_result *res, size_t n, enum sp_fit_criterion crit);

struct sp_compare_row { double l; double measured[4], theory[4], ratio[4]; };
struct sp_compare_gmfe { double l_from, l_to; size_t n; double gmfe; };
const char *sp_compare_quantity_name(int q);
const char *sp_compare_range_name(int r);
enum sp_status sp_compare_rows(const struct sp_net_row *m, const struct sp_theory_row *t,
                               size_t n, struct sp_compare_row *out);
enum sp_status sp_compare_summary(const struct sp_compare_row *rows, size_t n, double L,
                                  struct sp_compare_gmfe out[4][4]);

struct sp_alpha_solution {
    double alpha; double alpha_attn; double log_j; int iterations; int evaluations;
    int monotone; double log_j_min, log_j_max;
};
struct sp_alpha_sides { double log_j_attn, log_j_mlp; };
enum sp_alpha_target { SP_ALPHA_TARGET_J, SP_ALPHA_MATCH_PRELN, SP_ALPHA_BUDGET,
                       SP_ALPHA_MATCH_PRELN_SIDES };
struct sp_alpha_point {
    double log_target; double log_j_preln; struct sp_alpha_solution sol;
    struct sp_alpha_sides sides, sides_preln; int sweeps; double s_ov, s_21;
    double lambda; enum sp_phase phase;
};
enum sp_status sp_alpha_point(const struct sp_arch *a, const struct sp_theory_opts *o,
                              enum sp_alpha_target kind, double target, double ratio,
                              double guess, double amin, double amax, double tol,
                              struct sp_alpha_point *out);
struct sp_alpha_law { int over_width; double fixed; double A, b, b_err; };
enum sp_status sp_alpha_transfer_fit(const double *depths, size_t ndepth, const double *widths,
                                     size_t nwidth, const double *alphas,
                                     struct sp_alpha_law *laws, size_t *nlaws);
enum sp_status sp_alpha_verify_arch(const struct sp_arch *a, const struct sp_alpha_solution *sol,
                                    int width, struct sp_arch *out, enum sp_net_input *input,
                                    char *differs, size_t differs_len);
struct sp_alpha_verification {
    double j_theory; double j_measured; double j_se; double ratio; double lo, hi; int pass;
};
enum sp_status sp_alpha_verify(const struct sp_arch *v, const struct sp_theory_opts *o,
                               const struct sp_net_opts *no, double tol,
                               struct sp_alpha_verification *out);

struct sp_record {
    const char *model; char norm[32]; double alpha, alpha_attn, alpha_mlp;
    double depth, width, tokens, heads, kv_heads; const char *mlp, *mask; double seed;
    const char *version;
};
void sp_record_of(const struct sp_arch *a, const struct sp_theory_opts *o, double alpha,
                  double seed, struct sp_record *r);

enum sp_archkey_kind { SP_ARCHKEY_INT, SP_ARCHKEY_REAL, SP_ARCHKEY_LIST, SP_ARCHKEY_CHOICE,
                       SP_ARCHKEY_FLAG, SP_ARCHKEY_PRESET, SP_ARCHKEY_FILE };
enum sp_archkey_scope { SP_ARCHKEY_ANY, SP_ARCHKEY_TRANSFORMER, SP_ARCHKEY_TOY,
                        SP_ARCHKEY_THEORY };
/* sigprop/keys.h: the key tables (architecture, measurement, training) */
struct sp_key {
    const char *name; const char *syntax; const char *help; int kind; int group;
    double lo, hi; const char *const *choices; const char *word; const char *alias_of;
};
struct sp_keyset {
    const char *name; size_t count; const struct sp_key *(*at)(size_t i);
    int (*default_text)(const struct sp_key *k, char *buf, size_t n);
    enum sp_status (*set)(void *spec, const char *key, const char *value);
};
const struct sp_key *sp_keyset_at(const struct sp_keyset *ks, size_t i);
int sp_keyset_default(const struct sp_keyset *ks, const struct sp_key *k, char *buf, size_t n);
const struct sp_keyset *sp_archspec_keys(void);
enum sp_archkey_style { SP_ARCHKEY_STYLE_PLAIN, SP_ARCHKEY_STYLE_FLAG, SP_ARCHKEY_STYLE_KEYWORD };
struct sp_archspec;
struct sp_archspec_notes;
struct sp_archspec *sp_archspec_new(enum sp_archkey_style style);
void sp_archspec_delete(struct sp_archspec *s);
enum sp_status sp_archspec_set(struct sp_archspec *s, const char *key, const char *value);
enum sp_status sp_archspec_build(const struct sp_archspec *s, double alpha, struct sp_arch *a,
                                 struct sp_theory_opts *o,
                                 struct sp_archspec_notes *notes);

void free(void *p);
struct sp_sweep_rows { char *s; size_t len, cap; };
struct sp_sweep_task { struct sp_arch a; struct sp_theory_opts o; size_t first, combo; };
struct sp_sweep_plan {
    const struct sp_sweep_task *tasks;
    size_t ntasks;
    const int *depths;
    size_t ndepths;
    int theory;
    const struct sp_net_opts *measure;
    const char *const *keys;
};
enum sp_status sp_sweep_check_size(size_t nconfigs, size_t ndepths, size_t *npoints);
char *sp_sweep_header(int theory, int measure, int key_only);
enum sp_status sp_sweep_keys(const struct sp_sweep_plan *p, char ***keys);
void sp_sweep_keys_free(char **keys, size_t n);
enum sp_status sp_sweep_task_rows(const struct sp_arch *a, const struct sp_theory_opts *topts,
                                  size_t first, const int *depths, size_t ndepths, int theory,
                                  const struct sp_net_opts *measure, const char *const *keys,
                                  const unsigned char *done, struct sp_sweep_rows *out);
enum sp_status sp_sweep_theory_rows(const struct sp_sweep_plan *p, const size_t *list,
                                    size_t n, size_t stride, const unsigned char *done,
                                    struct sp_sweep_rows *out);

/* sigprop/measurespec.h: the measurement keys, the plan and the run */
enum sp_measurekey_kind { SP_MEASUREKEY_INT, SP_MEASUREKEY_U64, SP_MEASUREKEY_REAL,
                          SP_MEASUREKEY_SIZE, SP_MEASUREKEY_CHOICE, SP_MEASUREKEY_FLAG,
                          SP_MEASUREKEY_PASSES, SP_MEASUREKEY_INPUTS, SP_MEASUREKEY_IDS,
                          SP_MEASUREKEY_STRING };
enum sp_measurekey_group { SP_MEASUREKEY_RUN, SP_MEASUREKEY_OUTPUT };
const struct sp_keyset *sp_measurespec_keys(void);
struct sp_measurespec {
    struct sp_net_opts o;
    double max_memory; double max_time;
    int seeds_given; int input_given; int inputs; int inputs_n; int cls;
    const char *data;
    int per_seed;
    int *ids; size_t nids;
    double position_std;
    enum sp_archkey_style style;
};
struct sp_measurespec *sp_measurespec_new(enum sp_archkey_style style);
void sp_measurespec_delete(struct sp_measurespec *s);
enum sp_status sp_measurespec_set(struct sp_measurespec *s, const char *key, const char *value);
struct sp_measure_plan {
    size_t nets; size_t rows; size_t work;
    double workspace_bytes; double need_bytes; double have_bytes; double flops; double est_s;
    double probe_s;
};
enum sp_status sp_measure_plan(const struct sp_arch *a, const struct sp_measurespec *s,
                               struct sp_measure_plan *p);
struct sp_net_weights {
    const void *blocks; const float *gain_final; const float *tokens; size_t token_sets;
    const float *beta_final; const float *alpha_final, *shift_final;
};
struct sp_measure_net {
    const struct sp_arch *a; double alpha; const struct sp_net_weights *w; const char *label;
};
enum sp_status sp_measure_token_rows(const struct sp_arch *a, const struct sp_measurespec *s,
                                     float **tok);
enum sp_status sp_measure_inputs_prepare(struct sp_measurespec *m, int *tokens, int weights_cls);
enum sp_status sp_measure_ids_prepare(struct sp_measurespec *m, int *tokens);
struct sp_vit_net;
enum sp_status sp_measure_image_tokens(const struct sp_measurespec *m, const struct sp_arch *a,
                                       const struct sp_vit_net *v, float **tok);
/* trained checkpoints for a measurement (opaque here) */
struct sp_measure_weights;
struct sp_measure_weights *sp_measure_weights_new(const char *path, int against_init,
                                                  struct sp_measurespec *s,
                                                  enum sp_status *status);
void sp_measure_weights_delete(struct sp_measure_weights *w);
int sp_measure_weights_cls(const struct sp_measure_weights *w);
enum sp_status sp_measure_weights_arch(const struct sp_measure_weights *w,
                                       const struct sp_measurespec *s,
                                       const struct sp_archspec *spec, struct sp_arch *a);
enum sp_status sp_measure_weights_inputs(struct sp_measure_weights *w,
                                         const struct sp_measurespec *s, const struct sp_arch *a);
const struct sp_net_weights *sp_measure_weights_of(const struct sp_measure_weights *w, int init);
struct sp_table;
enum sp_coltype { SP_COL_NUM, SP_COL_STR };
struct sp_table *sp_table_new(void);
void sp_table_free(struct sp_table *t);
size_t sp_table_nrows(const struct sp_table *t);
int sp_table_ncols(const struct sp_table *t);
const char *sp_table_col_name(const struct sp_table *t, int col);
enum sp_coltype sp_table_col_type(const struct sp_table *t, int col);
const char *sp_table_str(const struct sp_table *t, size_t row, int col);
const double *sp_table_col_data(const struct sp_table *t, int col);
enum sp_status sp_measure_table(const struct sp_measure_net *nets, size_t n,
                                const struct sp_measurespec *s, const char *label,
                                struct sp_table **out);
struct sp_notes { char **text; size_t n, cap; };
void sp_notes_free(struct sp_notes *n);
enum sp_status sp_theory_table(const struct sp_arch *arch, const double *alpha, size_t nalpha,
                               const struct sp_theory_opts *o, int summary, struct sp_table *out,
                               struct sp_notes *notes,
                               void (*progress)(void *ctx, size_t done, size_t total), void *ctx);
struct sp_compare_table_opts {
    struct sp_net_opts net; const struct sp_net_weights *weights; int theory_measured;
    int from_block; int summary;
};
void sp_compare_table_opts_default(struct sp_compare_table_opts *c);
enum sp_status sp_compare_table(const struct sp_arch *arch, const double *alpha, size_t nalpha,
                                const struct sp_theory_opts *o,
                                const struct sp_compare_table_opts *c, struct sp_table *out,
                                struct sp_table *gmfe, struct sp_notes *notes);
struct sp_alpha_table_opts {
    enum sp_alpha_target target; double target_value; double ratio;
    double guess, amin, amax, tol; int verify; int verify_width; double verify_tol;
    struct sp_net_opts net; const double *depths; const double *widths;
};
void sp_alpha_table_opts_default(struct sp_alpha_table_opts *o);
struct sp_alpha_table_info {
    size_t nonmonotone; size_t nfailed; char first_fail[400]; double verify_gmfe;
    size_t verify_n; struct sp_alpha_law *laws; size_t nlaws;
};
void sp_alpha_table_info_free(struct sp_alpha_table_info *info);
enum sp_status sp_alpha_table(const struct sp_arch *arch, const struct sp_theory_opts *opts,
                              size_t ndepth, size_t nwidth, const struct sp_alpha_table_opts *o,
                              struct sp_table *out, struct sp_alpha_table_info *info,
                              struct sp_notes *notes);

/* sigprop/trainspec.h: the training keys (the table only) */
enum sp_trainkey_kind { SP_TRAINKEY_INT, SP_TRAINKEY_LONG, SP_TRAINKEY_U64, SP_TRAINKEY_REAL,
                        SP_TRAINKEY_CHOICE, SP_TRAINKEY_ROPE, SP_TRAINKEY_NORM };
enum sp_trainkey_group { SP_TRAINKEY_MODEL, SP_TRAINKEY_OPTIM, SP_TRAINKEY_OWN_MODEL,
                         SP_TRAINKEY_OWN_OPTIM, SP_TRAINKEY_OWN_NORM,
                         SP_TRAINKEY_OWN_RUN };
const struct sp_keyset *sp_trainspec_keys(void);

/* sigprop/train.h and trainspec.h: the trainer, driven by sigprop.train() */
struct sp_dataset { size_t n; int rows, cols, classes; float *images; uint8_t *labels; };
enum sp_status sp_fmnist_load(const char *dir, long train_max, struct sp_dataset *train,
                              struct sp_dataset *test);
void sp_dataset_free(struct sp_dataset *d);
struct sp_corpus { size_t n; size_t records; unsigned char *text; };
enum sp_status sp_corpus_load(const char *path, struct sp_corpus *train,
                              struct sp_corpus *heldout);
void sp_corpus_free(struct sp_corpus *c);
enum sp_pool { SP_POOL_CLS, SP_POOL_MEAN };
enum sp_train_task { SP_TASK_IMAGE = 0, SP_TASK_TEXT = 1 };
struct sp_vit_config {
    int image, patch, classes, width, depth, heads, mlp_ratio;
    enum sp_mlp_act act;
    enum sp_pool pool;
    struct sp_fnspec norm_attn, norm_mlp, norm_final;
    double norm_eps, init_std;
    enum sp_train_task task;
    int context;
    int kv_heads;
    enum sp_rope rope;
    double rope_theta;
};
enum sp_lr_schedule { SP_LR_CONSTANT, SP_LR_COSINE };
struct sp_train_opts {
    long steps;
    int batch;
    double lr, min_lr;
    long warmup;
    enum sp_lr_schedule schedule;
    double beta1, beta2, adam_eps, weight_decay, clip;
    long eval_every;
    size_t eval_max;
    double diverge_factor;
    uint64_t seed;
    long checkpoint_every;
    const char *checkpoint_path;
    long stop_at;
    void (*progress)(void *ctx, long step, long steps, double loss);
    void *progress_ctx;
};
struct sp_train_result {
    long steps_done;
    int diverged;
    long diverged_step;
    double init_loss, final_train_loss, eval_loss, eval_acc;
};
struct sp_trainspec {
    struct sp_vit_config c;
    struct sp_train_opts o;
    int nset, image_set, task_set, warmup_set, pairing_set, pairing_half, context;
    enum sp_archkey_style style;
};
struct sp_trainspec *sp_trainspec_new(enum sp_archkey_style style);
void sp_trainspec_delete(struct sp_trainspec *s);
enum sp_status sp_trainspec_set(struct sp_trainspec *s, const char *key, const char *value);
enum sp_status sp_trainspec_build(const struct sp_trainspec *s, int check,
                                  struct sp_vit_config *c, struct sp_train_opts *o);
struct sp_trainer;
enum sp_status sp_trainer_new(const struct sp_vit_config *c, const struct sp_train_opts *o,
                              const char *resume_path, struct sp_trainer **out);
void sp_trainer_free(struct sp_trainer *t);
const struct sp_vit_config *sp_trainer_config(const struct sp_trainer *t);
const struct sp_train_opts *sp_trainer_opts(const struct sp_trainer *t);
enum sp_status sp_trainer_run(struct sp_trainer *t, const struct sp_dataset *train,
                              const struct sp_dataset *test, struct sp_train_result *res);
enum sp_status sp_trainer_run_text(struct sp_trainer *t, const struct sp_corpus *train,
                                   const struct sp_corpus *test, struct sp_train_result *res);
struct sp_train_data {
    enum sp_train_task task;
    struct sp_dataset train, test;
    struct sp_corpus ctrain, ctest;
};
enum sp_status sp_train_data_load(enum sp_train_task task, const char *path, long train_max,
                                  int batch, struct sp_train_data *out);
void sp_train_data_free(struct sp_train_data *d);
void sp_train_opts_epochs(struct sp_train_opts *o, const struct sp_vit_config *c,
                          const struct sp_train_data *d, double epochs, int warmup_set);
enum sp_status sp_trainer_run_data(struct sp_trainer *t, const struct sp_train_data *d,
                                   struct sp_train_result *res);
const struct sp_table *sp_trainer_log(const struct sp_trainer *t);
size_t sp_trainer_describe(const struct sp_trainer *t, char *buf, size_t n);
"""

# sigprop/analysis.h: the sweep grid (sp_sweep_grid_*), built by the library from a request
CDEF += r"""
enum sp_sweep_axis {
    SP_SWEEP_NORM, SP_SWEEP_WIDTH, SP_SWEEP_INIT_STD, SP_SWEEP_TOKENS, SP_SWEEP_Q0,
    SP_SWEEP_P0, SP_SWEEP_SIGMA_W, SP_SWEEP_ALPHA, SP_SWEEP_DEPTH, SP_SWEEP_NAXES
};
struct sp_sweep_grid {
    double *values[9];
    size_t nvalues[9];
    int *depths;
    size_t ndepths;
    struct sp_sweep_task *tasks;
    size_t ntasks, npoints;
    char **keys;
    uint64_t settings;
    struct sp_sweep_plan plan;
    char *header;
    size_t batch;
};
void sp_sweep_grid_init(struct sp_sweep_grid *g);
void sp_sweep_grid_free(struct sp_sweep_grid *g);
enum sp_status sp_sweep_grid_axis(struct sp_sweep_grid *g, enum sp_sweep_axis k, const double *v,
                                  size_t n);
enum sp_status sp_sweep_grid_parse(struct sp_sweep_grid *g, enum sp_sweep_axis k,
                                   const char *const *text, size_t n, enum sp_archkey_style style);
enum sp_status sp_sweep_grid_build(struct sp_sweep_grid *g, const struct sp_archspec *s,
                                   int theory, const struct sp_net_opts *measure,
                                   void (*note)(void *ctx, const struct sp_archspec *point,
                                                const struct sp_arch *a,
                                                const struct sp_archspec_notes *n),
                                   void *ctx);
enum sp_status sp_sweep_grid_check_measure(const struct sp_sweep_grid *g,
                                           const struct sp_measurespec *m, size_t *bad);
"""

STRUCTS = ("sp_arch", "sp_theory_opts", "sp_theory_row", "sp_asymptotics", "sp_net_opts",
           "sp_net_row", "sp_fit_result", "sp_compare_row", "sp_compare_gmfe", "sp_sweep_task",
           "sp_sweep_plan", "sp_sweep_rows", "sp_alpha_point", "sp_alpha_law",
           "sp_alpha_verification", "sp_record", "sp_key", "sp_keyset")
# sigprop/measurespec.h (and struct sp_net_weights, which sp_measure_net points to)
STRUCTS += ("sp_measurespec", "sp_measure_plan", "sp_net_weights",
            "sp_measure_net")
# the tables of theory, compare and alpha (sigprop/tables.h)
STRUCTS += ("sp_notes", "sp_compare_table_opts", "sp_alpha_table_opts", "sp_alpha_table_info")
# the sweep grid (sigprop/analysis.h)
STRUCTS += ("sp_sweep_grid",)
# the trainer (sigprop/train.h, sigprop/trainspec.h)
STRUCTS += ("sp_dataset", "sp_corpus", "sp_vit_config", "sp_train_opts", "sp_train_result",
            "sp_train_data", "sp_trainspec")

ffi = FFI()
ffi.cdef(CDEF)

_HERE = os.path.dirname(os.path.abspath(__file__))
_NAMES = ("libsigprop.so.0", "libsigprop.so")


def candidates():
    """Where the library is looked for, in order: $SIGPROP_LIB (a file), next to
    this package, the repository's build/ (a `make` in a source checkout), then
    the system's loader path (`make install`)."""
    env = os.environ.get("SIGPROP_LIB")
    if env:
        return [env]
    out = [os.path.join(_HERE, n) for n in _NAMES]
    repo_build = os.path.join(os.path.dirname(os.path.dirname(_HERE)), "build")
    out += [os.path.join(repo_build, n) for n in _NAMES]
    return out + list(_NAMES)


def load():
    tried = []
    for path in candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append(path + " (absent)")
            continue
        try:
            lib = ffi.dlopen(path)
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
            continue
        for name in STRUCTS:
            want = lib.sp_abi_sizeof(name.encode())
            have = ffi.sizeof("struct " + name)
            if want != have:
                raise ImportError("sigprop: %s: struct %s is %d bytes in the library but %d "
                                  "in python/sigprop/_ffi.py; the declarations are out of date"
                                  % (path, name, want, have))
        return lib, path
    raise ImportError("sigprop: cannot load libsigprop; tried: " + "; ".join(tried) +
                      ". Build it with `make`, or set SIGPROP_LIB to libsigprop.so.0.")


lib, LIBRARY_PATH = load()
