/* Host C test of the ferrokern C API (gcc, linked with libferrokern_capi.a).
 *
 * Prints two blocks in ferrokern-demos' HexOut format, which tests/c_host.rs compares line for
 * line with the same computations through the Rust API (both forced to the scalar path):
 *   1. the Lasso demo (lasso_demo.c, shared with the C firmware);
 *   2. every other exported kernel on PCG32 inputs (seed 2026) and the two model files.
 * It also checks closed forms and error codes itself; any failure prints `FAIL ...` and the
 * exit status is 1.
 *
 * Usage: host_test GBNN_MODEL.fkm MLP_MODEL.fkm */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferrokern.h"
#include "hexout.h"
#include "lasso_demo.h"

static int failures = 0;

static void check(int ok, const char *what) {
    if (!ok) {
        printf("FAIL %s\n", what);
        failures++;
    }
}

static void check_status(fk_status got, fk_status want, const char *what) {
    if (got != want) {
        printf("FAIL %s: got %d (%s), want %d\n", what, (int)got, fk_status_str(got), (int)want);
        failures++;
    }
}

static void fill(pcg32 *rng, float scale, float *xs, size_t n) {
    for (size_t i = 0; i < n; i++) {
        xs[i] = (2.0f * pcg32_next_f32(rng) - 1.0f) * scale;
    }
}

/* The whole file, 16-byte aligned (tensor data offsets are multiples of 16). */
static unsigned char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = aligned_alloc(16, ((size_t)size + 15) / 16 * 16);
    if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)size;
    return buf;
}

enum { M = 5, N = 7, K = 3, Z = 11, P = 6, STEPS = 5, SN = 5, SM = 7, GB_ROWS = 4, MLP_ROWS = 3 };

static void blas(pcg32 *rng, hexout *h) {
    float a[M * N], x[N], y[N], u[M], b[K * N], c[M * K], v[M], w[N], s = 0.0f;
    fill(rng, 1.0f, a, M * N);
    fill(rng, 1.0f, x, N);
    fill(rng, 2.0f, y, N);
    fill(rng, 1.0f, u, M);
    fill(rng, 1.0f, b, K * N);
    fill(rng, 1.0f, c, M * K);
    check_status(fk_dot_f32(x, y, N, &s), FK_OK, "dot");
    hexout_scalar(h, "dot", s);
    check_status(fk_axpy_f32(0.75f, x, y, N), FK_OK, "axpy");
    hexout_slice(h, "axpy", y, N);
    memcpy(v, u, sizeof v);
    check_status(fk_gemv_f32(FK_NO_TRANS, M, N, 1.5f, a, x, 0.5f, v), FK_OK, "gemv");
    hexout_slice(h, "gemv", v, M);
    check_status(fk_gemv_f32(FK_TRANS, M, N, -0.5f, a, u, 0.0f, w), FK_OK, "gemv_t");
    hexout_slice(h, "gemv_t", w, N);
    /* C (M×K) = 0.5·A·Bᵀ − 1.25·C with B stored K×N. */
    check_status(fk_gemm_f32(FK_NO_TRANS, FK_TRANS, M, K, N, 0.5f, a, b, -1.25f, c), FK_OK, "gemm");
    hexout_slice(h, "gemm_nt", c, M * K);
}

static void reductions(pcg32 *rng, hexout *h) {
    float z[Z], e[Z], lse = 0.0f;
    fill(rng, 8.0f, z, Z);
    fill(rng, 10.0f, e, Z);
    check_status(fk_log_sum_exp_f32(z, Z, &lse), FK_OK, "log_sum_exp");
    hexout_scalar(h, "log_sum_exp", lse);
    check_status(fk_softmax_f32(z, Z), FK_OK, "softmax");
    hexout_slice(h, "softmax", z, Z);
    check_status(fk_exp_f32(e, Z), FK_OK, "exp");
    hexout_slice(h, "exp", e, Z);
}

/* 5 steps on f(p) = ‖p‖² (gradient 2p) with diffGrad, then AdamW, from the same start. */
static void optimizers(pcg32 *rng, hexout *h) {
    float p0[P], p[P], g[P], state[3 * P];
    fill(rng, 2.0f, p0, P);
    fk_diffgrad_config dg = fk_diffgrad_config_default();
    dg.lr = 0.05;
    memcpy(p, p0, sizeof p);
    memset(state, 0, sizeof state);
    uint64_t step = 0;
    check(fk_diffgrad_state_len(P) == 3 * P, "diffgrad state_len");
    for (int t = 0; t < STEPS; t++) {
        for (int i = 0; i < P; i++) g[i] = 2.0f * p[i];
        check_status(fk_diffgrad_step_f32(dg, p, g, P, state, 3 * P, &step), FK_OK, "diffgrad step");
    }
    check(step == STEPS, "diffgrad step count");
    hexout_slice(h, "diffgrad_params", p, P);
    hexout_slice(h, "diffgrad_state", state, 3 * P);

    fk_adam_config ad = fk_adam_config_default();
    ad.lr = 0.05;
    ad.weight_decay = 0.01;
    ad.decoupled = 1;
    memcpy(p, p0, sizeof p);
    memset(state, 0, sizeof state);
    step = 0;
    for (int t = 0; t < STEPS; t++) {
        for (int i = 0; i < P; i++) g[i] = 2.0f * p[i];
        check_status(fk_adam_step_f32(ad, p, g, P, state, fk_adam_state_len(P), &step), FK_OK, "adam step");
    }
    hexout_slice(h, "adamw_params", p, P);
}

/* Guidance (w = 3.5) of two predictions, then one DDIM step 0.3 -> 0.6 with the result. */
static void denoise(pcg32 *rng, hexout *h) {
    float cond[P], uncond[P], eps[P], x[P];
    fill(rng, 1.0f, cond, P);
    fill(rng, 1.0f, uncond, P);
    fill(rng, 1.5f, x, P);
    check_status(fk_guidance_cfg_f32(cond, uncond, P, 3.5, eps), FK_OK, "cfg");
    hexout_slice(h, "cfg", eps, P);
    check_status(fk_ddim_step_f32(x, eps, P, 0.3, 0.6), FK_OK, "ddim");
    hexout_slice(h, "ddim", x, P);
}

static void sinkhorn(pcg32 *rng, hexout *h) {
    float cost[SN * SM], a[SN], b[SM], f[SN], g[SM], work[4 * SN + 7 * SM];
    for (int i = 0; i < SN * SM; i++) cost[i] = pcg32_next_f32(rng);
    for (int i = 0; i < SN; i++) a[i] = 1.0f / SN;
    for (int j = 0; j < SM; j++) b[j] = 1.0f / SM;
    check(fk_sinkhorn_work_len(SN, SM) == sizeof work / sizeof work[0], "sinkhorn work_len");
    fk_sinkhorn_report rep;
    check_status(fk_sinkhorn_log_f32(cost, SN, SM, a, b, 0.1f, 1000, 1e-6f, f, g, work, 4 * SN + 7 * SM, &rep),
                 FK_OK, "sinkhorn");
    printf("# sinkhorn: %u iterations\n", (unsigned)rep.iterations);
    hexout_slice(h, "sinkhorn_f", f, SN);
    hexout_slice(h, "sinkhorn_g", g, SM);
    hexout_scalar(h, "sinkhorn_cost", rep.transport_cost);
    hexout_scalar(h, "sinkhorn_objective", rep.entropic_objective);
    hexout_scalar(h, "sinkhorn_error", rep.marginal_error);
}

/* Predicts `rows` rows of uniform features in [0, scale) with the model file at `path`. */
static void predict(pcg32 *rng, hexout *h, const char *label, const char *path, size_t rows, float scale,
                    uint32_t want_kind) {
    size_t len = 0;
    unsigned char *model = read_file(path, &len);
    check(model != NULL, "read model file");
    if (!model) return;
    fk_model_info info;
    check_status(fk_model_info_f32(model, len, rows, &info), FK_OK, "model info");
    check(info.kind == want_kind, "model kind");
    float *x = malloc(rows * info.inputs * sizeof *x);
    float *out = malloc(rows * info.outputs * sizeof *out);
    float *work = malloc(info.work_len * sizeof *work);
    for (size_t i = 0; i < rows * info.inputs; i++) x[i] = pcg32_next_f32(rng) * scale;
    check_status(fk_model_predict_f32(model, len, x, rows, out, work, info.work_len), FK_OK, "predict");
    printf("# %s: %u inputs, %u outputs, work %u floats\n", label, (unsigned)info.inputs, (unsigned)info.outputs,
           (unsigned)info.work_len);
    hexout_slice(h, label, out, rows * info.outputs);
    /* Too little scratch is reported, not overrun. */
    check_status(fk_model_predict_f32(model, len, x, rows, out, work, 3), FK_ERR_WORKSPACE_TOO_SMALL,
                 "predict small work");
    model[0] ^= 0xff;
    check_status(fk_model_info_f32(model, len, rows, &info), FK_ERR_MODEL, "corrupted model");
    free(x);
    free(out);
    free(work);
    free(model);
}

/* Closed forms and error codes (printed only on failure). */
static void closed_forms(void) {
    const float v[4] = {1.0f, 2.0f, 3.0f, 4.0f};
    float s = 0.0f;
    check_status(fk_dot_f32(v, v, 4, &s), FK_OK, "dot 1234");
    check(s == 30.0f, "dot 1234 == 30");
    float e0 = 0.0f;
    check_status(fk_exp_f32(&e0, 1), FK_OK, "exp 0");
    check(e0 == 1.0f, "exp(0) == 1");
    float sm[2] = {0.0f, logf(3.0f)};
    check_status(fk_softmax_f32(sm, 2), FK_OK, "softmax");
    check(fabsf(sm[0] - 0.25f) < 1e-6f && fabsf(sm[1] - 0.75f) < 1e-6f, "softmax(0, ln 3) == (1/4, 3/4)");

    /* Lasso with orthogonal columns of squared norm n: w_j = S(x_jᵀy/n, λ) = (1.5, 0.5). */
    const float x[8] = {1, 1, 1, -1, 1, 1, 1, -1}, y[4] = {3, 1, 3, 1};
    float w[2] = {0, 0}, work[4 + 3 * 2];
    size_t idx[2];
    fk_lasso_report rep;
    check_status(fk_lasso_cd_f32(x, y, 4, 2, 0.5f, 100, 1e-7f, w, work, 10, idx, 2, &rep), FK_OK, "lasso orth");
    check(fabsf(w[0] - 1.5f) < 1e-6f && fabsf(w[1] - 0.5f) < 1e-6f, "lasso orthogonal closed form");
    check(rep.converged == 1, "lasso converged");

    /* Sinkhorn, C = [[0,1],[1,0]], uniform marginals: ⟨C,P⟩ = 1/(1 + e^{1/ε}). */
    const float c[4] = {0, 1, 1, 0}, half[2] = {0.5f, 0.5f};
    float f[2], g[2], sw[4 * 2 + 7 * 2];
    fk_sinkhorn_report srep;
    check_status(fk_sinkhorn_log_f32(c, 2, 2, half, half, 0.1f, 1000, 1e-7f, f, g, sw, 22, &srep), FK_OK,
                 "sinkhorn 2x2");
    double sk_err = fabs(srep.transport_cost - 1.0 / (1.0 + exp(10.0)));
    check(sk_err < 1e-8, "sinkhorn 2x2 closed form");

    /* First diffGrad step from x = 1, g = 2, torch ε placement:
     * x1 = 1 − lr·σ(2)·g/(|g| + ε/√(1−β2)). */
    float p = 1.0f, grad = 2.0f, st[3] = {0, 0, 0};
    uint64_t step = 0;
    fk_diffgrad_config dg = fk_diffgrad_config_default();
    check_status(fk_diffgrad_step_f32(dg, &p, &grad, 1, st, 3, &step), FK_OK, "diffgrad 1 step");
    double xi = 1.0 / (1.0 + exp(-2.0));
    double want = 1.0 - dg.lr * xi * 2.0 / (2.0 + dg.eps / sqrt(1.0 - dg.beta2));
    check(fabs(p - want) < 1e-7, "diffgrad first step closed form");


    /* DDIM from the exact ε of a single data point μ lands on μ: ε = (x − √ā·μ)/√(1−ā). */
    const double mu = 0.3, ab = 0.2;
    float xt = 1.7f, eps = (float)((1.7 - sqrt(ab) * mu) / sqrt(1.0 - ab));
    check_status(fk_ddim_step_f32(&xt, &eps, 1, ab, 1.0), FK_OK, "ddim exact eps");
    check(fabs(xt - mu) < 1e-6, "ddim lands on the data point");
    printf("# closed forms: softmax |err| %.2g, lasso |err| %.2g, sinkhorn cost |err| %.2g, diffgrad |err| %.2g, "
           "ddim |err| %.2g\n",
           fmax(fabs(sm[0] - 0.25), fabs(sm[1] - 0.75)), fmax(fabs(w[0] - 1.5), fabs(w[1] - 0.5)), sk_err,
           fabs(p - want), fabs(xt - mu));
    float gc = 0.0f;
    check_status(fk_guidance_cfg_f32(&v[1], &v[0], 1, 1.0, &gc), FK_OK, "cfg w=1");
    check(gc == v[1], "cfg with w = 1 is the conditional prediction");
    check_status(fk_guidance_cfg_f32(v, v, 1, NAN, &gc), FK_ERR_INVALID_PARAMETER, "cfg NaN w");
    check_status(fk_ddim_step_f32(&xt, &eps, 1, 0.0, 1.0), FK_ERR_INVALID_PARAMETER, "ddim level 0");

    /* Error codes. */
    check_status(fk_dot_f32(NULL, v, 4, &s), FK_ERR_NULL_POINTER, "NULL input");
    check_status(fk_dot_f32(v, v, 4, NULL), FK_ERR_NULL_POINTER, "NULL result");
    check_status(fk_dot_f32(NULL, NULL, 0, &s), FK_OK, "empty dot with NULL");
    check(s == 0.0f, "empty dot is 0");
    float buf[4] = {1, 2, 3, 4};
    check_status(fk_axpy_f32(1.0f, buf, buf + 1, 3), FK_ERR_OVERLAP, "overlapping axpy");
    check_status(fk_axpy_f32(1.0f, buf, (float *)((char *)buf + 1), 2), FK_ERR_NULL_POINTER, "misaligned");
    check_status(fk_softmax_f32(buf, 0), FK_ERR_INVALID_PARAMETER, "empty softmax");
    float bad[2] = {1.0f, NAN};
    check_status(fk_softmax_f32(bad, 2), FK_ERR_NON_FINITE, "NaN softmax");
    check(bad[0] == 1.0f, "NaN softmax leaves input");
    check_status(fk_gemv_f32(7, 2, 2, 1.0f, buf, buf, 0.0f, w), FK_ERR_INVALID_PARAMETER, "bad trans");
    check_status(fk_gemv_f32(FK_NO_TRANS, SIZE_MAX, 2, 1.0f, buf, buf, 0.0f, w), FK_ERR_SIZE_OVERFLOW,
                 "gemv size overflow");
    check_status(fk_lasso_cd_f32(x, y, 4, 2, -1.0f, 10, 0.0f, w, work, 10, idx, 2, NULL),
                 FK_ERR_INVALID_PARAMETER, "negative lambda");
    check_status(fk_lasso_cd_f32(x, y, 4, 2, 0.5f, 10, 0.0f, w, work, 9, idx, 2, NULL),
                 FK_ERR_WORKSPACE_TOO_SMALL, "lasso work");
    check_status(fk_sinkhorn_log_f32(c, 2, 2, half, half, 0.0f, 10, 0.0f, f, g, sw, 22, NULL),
                 FK_ERR_INVALID_PARAMETER, "eps 0");
    /* One iteration: after its f update the column marginals are off (a ≠ b). */
    const float skew[2] = {0.25f, 0.75f};
    check_status(fk_sinkhorn_log_f32(c, 2, 2, skew, half, 0.01f, 1, 1e-30f, f, g, sw, 22, &srep),
                 FK_ERR_NOT_CONVERGED, "sinkhorn 1 iteration");
    check(srep.converged == 0 && srep.iterations == 1, "unconverged report filled");
    grad = INFINITY;
    check_status(fk_diffgrad_step_f32(dg, &p, &grad, 1, st, 3, &step), FK_ERR_NON_FINITE, "inf gradient");
    check(step == 1, "failed step leaves the count");
    grad = 1.0f;
    check_status(fk_diffgrad_step_f32(dg, &p, &grad, 1, st, 2, &step), FK_ERR_DIMENSION_MISMATCH, "short state");
    dg.eps_mode = 9;
    check_status(fk_diffgrad_step_f32(dg, &p, &grad, 1, st, 3, &step), FK_ERR_INVALID_PARAMETER, "eps_mode");
    const unsigned char junk[8] = {0};
    fk_model_info info;
    check_status(fk_model_info_f32(junk, 8, 1, &info), FK_ERR_MODEL, "junk model");
    check(strcmp(fk_status_str(FK_OK), "ok") == 0, "status string");
    check(strcmp(fk_status_str(1234), "unknown status") == 0, "unknown status string");
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s GBNN_MODEL.fkm MLP_MODEL.fkm\n", argv[0]);
        return 2;
    }
    int status = lasso_demo();
    check_status(status, FK_OK, "lasso demo");

    hexout h;
    hexout_init(&h);
    pcg32 rng;
    pcg32_seed(&rng, 2026);
    blas(&rng, &h);
    reductions(&rng, &h);
    optimizers(&rng, &h);
    denoise(&rng, &h);
    sinkhorn(&rng, &h);
    predict(&rng, &h, "gbnn", argv[1], GB_ROWS, 20.0f, FK_MODEL_GBNN);
    predict(&rng, &h, "mlp", argv[2], MLP_ROWS, 16.0f, FK_MODEL_MLP);
    hexout_finish(&h);

    closed_forms();
    printf("# %d closed-form/error-code failures\n", failures);
    return failures == 0 ? 0 : 1;
}
