#include "hexout.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

enum { PER_LINE = 8 };

void hexout_init(hexout *h) {
    h->values = 0;
    h->checksum = 0x811c9dc5u;
}

static uint32_t bits_of(float x) {
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}

static void absorb(hexout *h, uint32_t bits) {
    for (int i = 0; i < 4; i++) {
        h->checksum = (h->checksum ^ ((bits >> (8 * i)) & 0xffu)) * 0x01000193u;
    }
    h->values++;
}

void hexout_slice(hexout *h, const char *label, const float *xs, size_t n) {
    for (size_t k = 0; k < n; k += PER_LINE) {
        if (n > 1) {
            printf("%s[%u]:", label, (unsigned)k);
        } else {
            printf("%s:", label);
        }
        for (size_t i = k; i < n && i < k + PER_LINE; i++) {
            uint32_t b = bits_of(xs[i]);
            printf(" %08" PRIx32, b);
            absorb(h, b);
        }
        printf("\n");
    }
}

void hexout_scalar(hexout *h, const char *label, float x) { hexout_slice(h, label, &x, 1); }

void hexout_finish(const hexout *h) {
    printf("values %" PRIu32 " checksum %08" PRIx32 "\n", h->values, h->checksum);
}
