#include "lasso_demo.h"

#include <stdio.h>

#include "ferrokern.h"
#include "hexout.h"

#define SAMPLES 64
#define CHANNELS 16
#define SWEEPS 60
#define LAMBDA_FRACTION 0.05f

static const uint64_t MULT = 6364136223846793005ull;

void pcg32_seed(pcg32 *rng, uint64_t seed) {
    const uint64_t stream = 0xda3e39cb94b95bdbull;
    rng->inc = (stream << 1) | 1u;
    rng->state = rng->inc;
    rng->state += seed;
    rng->state = rng->state * MULT + rng->inc;
}

uint32_t pcg32_next_u32(pcg32 *rng) {
    uint64_t old = rng->state;
    rng->state = old * MULT + rng->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18) ^ old) >> 27);
    uint32_t rot = (uint32_t)(old >> 59);
    return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
}

float pcg32_next_f32(pcg32 *rng) { return (float)(pcg32_next_u32(rng) >> 8) * (1.0f / 16777216.0f); }

static float uniform(pcg32 *rng) { return 2.0f * pcg32_next_f32(rng) - 1.0f; }

static const float TRUTH[CHANNELS] = {0.0f, 1.5f, 0.0f, 0.0f, -2.0f, 0.0f, 0.0f,  0.0f,
                                      0.75f, 0.0f, 0.0f, 0.0f, 0.0f, -1.0f, 0.0f, 0.0f};

/* One sample: correlated channels (shared drift + noise), reference = TRUTH·channels + noise. */
static float sample(pcg32 *rng, float *channels) {
    float drift = uniform(rng);
    float y = 0.0f;
    for (int c = 0; c < CHANNELS; c++) {
        float noise = uniform(rng);
        channels[c] = 0.5f * drift + noise;
        y += TRUTH[c] * channels[c];
    }
    float noise = uniform(rng);
    return y + 0.05f * noise;
}

/* Static buffers: the firmware's RAM use is visible in .bss, not hidden on the stack. */
static float x[SAMPLES * CHANNELS];
static float y[SAMPLES];
static float work[SAMPLES + 3 * CHANNELS];
static size_t index_buf[CHANNELS];

int lasso_demo(void) {
    pcg32 rng;
    pcg32_seed(&rng, 7);
    for (int i = 0; i < SAMPLES; i++) {
        y[i] = sample(&rng, &x[i * CHANNELS]);
    }
    printf("# %d samples x %d channels gathered\n", SAMPLES, CHANNELS);
    if (fk_lasso_work_len(SAMPLES, CHANNELS) > sizeof work / sizeof work[0]) {
        return FK_ERR_WORKSPACE_TOO_SMALL;
    }
    float lambda_max = 0.0f;
    fk_status s = fk_lasso_lambda_max_f32(x, y, SAMPLES, CHANNELS, &lambda_max);
    if (s != FK_OK) {
        return s;
    }
    float lambda = LAMBDA_FRACTION * lambda_max;
    float w[CHANNELS] = {0};
    fk_lasso_report rep;
    s = fk_lasso_cd_f32(x, y, SAMPLES, CHANNELS, lambda, SWEEPS, 0.0f, w, work, sizeof work / sizeof work[0],
                        index_buf, CHANNELS, &rep);
    if (s != FK_OK) {
        return s;
    }
    hexout h;
    hexout_init(&h);
    hexout_scalar(&h, "lambda", lambda);
    hexout_scalar(&h, "objective", rep.objective);
    hexout_scalar(&h, "gap", rep.gap);
    hexout_slice(&h, "w", w, CHANNELS);
    int support = 0;
    for (int j = 0; j < CHANNELS; j++) {
        support += w[j] != 0.0f;
    }
    printf("# %u updates, %d non-zero coefficients\n", (unsigned)rep.iterations, support);
    hexout_finish(&h);
    return FK_OK;
}
