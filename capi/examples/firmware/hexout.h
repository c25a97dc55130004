/* Exact text output of f32 results, the format of ferrokern-demos' HexOut:
 * `label: xxxxxxxx` (one value) or `label[k]: xxxxxxxx ...` (8 values a line), `# note`
 * lines, and a closing `values N checksum XXXXXXXX` (FNV-1a over the little-endian bytes). */
#ifndef FK_HEXOUT_H
#define FK_HEXOUT_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t values;
    uint32_t checksum;
} hexout;

void hexout_init(hexout *h);
void hexout_slice(hexout *h, const char *label, const float *xs, size_t n);
void hexout_scalar(hexout *h, const char *label, float x);
void hexout_finish(const hexout *h);

#endif
