/* The Lasso demo of ferrokern-demos (firmware-examples/demos/src/lasso.rs) in C, through the
 * ferrokern C API: same simulated sensor (PCG32, seed 7), same solver settings, same output. */
#ifndef FK_LASSO_DEMO_H
#define FK_LASSO_DEMO_H

#include <stdint.h>

/* PCG32 (O'Neill 2014, XSH-RR), seeded as ferrokern::rng::Pcg32::seed. */
typedef struct {
    uint64_t state;
    uint64_t inc;
} pcg32;

void pcg32_seed(pcg32 *rng, uint64_t seed);
uint32_t pcg32_next_u32(pcg32 *rng);
/* Uniform in [0, 1) with 24 random bits (exact in f32). */
float pcg32_next_f32(pcg32 *rng);

/* Prints the demo's lines; returns the fk_status of the first failing call (0 = all ok). */
int lasso_demo(void);

#endif
