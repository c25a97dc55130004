/* ferrokern's QEMU TCG plugin (plugin API v1, QEMU 7.2): counts executed guest instructions.
 *
 * Args (any number, comma separated by QEMU):
 *   range=0xLO:0xHI   also count instructions whose address lies in [LO, HI); repeatable (up to
 *                     64 ranges: a function and everything it calls); the count is the union.
 *   lo=0xLO,hi=0xHI   one range, the form of the shared tools/qemu-insncount plugin.
 * Prints "insns: TOTAL" and, with ranges, "insns in ranges: N" at exit (with `-d plugin`).
 *
 * Debian's QEMU accepts -plugin but ships no qemu-plugin.h, so the few v1 ABI functions used
 * are declared here by hand. Built by `cargo xtask insncount` with
 *   gcc -O2 -shared -fPIC -fvisibility=hidden -o libinsncount.so insncount.c */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t, struct qemu_plugin_tb *);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t, void *);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t, qemu_plugin_vcpu_tb_trans_cb_t);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *, enum qemu_plugin_op, void *,
                                              uint64_t);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *, enum qemu_plugin_op,
                                                void *, uint64_t);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t, qemu_plugin_udata_cb_t, void *);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *, size_t);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *);
void qemu_plugin_outs(const char *);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

#define MAX_RANGES 64
static uint64_t total, in_ranges;
static uint64_t lo[MAX_RANGES], hi[MAX_RANGES];
static int n_ranges;
static uint64_t pending_lo; /* lo= waiting for its hi= */

static int in_any(uint64_t a) {
    for (int r = 0; r < n_ranges; r++)
        if (a >= lo[r] && a < hi[r]) return 1;
    return 0;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    size_t n = qemu_plugin_tb_n_insns(tb);
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &total, n);
    for (size_t i = 0; n_ranges > 0 && i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        if (in_any(qemu_plugin_insn_vaddr(insn)))
            qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &in_ranges, 1);
    }
}

static void at_exit(qemu_plugin_id_t id, void *p) {
    char buf[96];
    snprintf(buf, sizeof buf, "insns: %llu\n", (unsigned long long)total);
    qemu_plugin_outs(buf);
    if (n_ranges > 0) {
        snprintf(buf, sizeof buf, "insns in ranges: %llu\n", (unsigned long long)in_ranges);
        qemu_plugin_outs(buf);
    }
}

static int add_range(uint64_t l, uint64_t h) {
    if (n_ranges == MAX_RANGES || h <= l) return -1;
    lo[n_ranges] = l;
    hi[n_ranges] = h;
    n_ranges++;
    return 0;
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id,
                                                               const qemu_info_t *info, int argc,
                                                               char **argv) {
    for (int i = 0; i < argc; i++) {
        char *end;
        if (!strncmp(argv[i], "range=", 6)) {
            uint64_t l = strtoull(argv[i] + 6, &end, 0);
            if (*end != ':' || add_range(l, strtoull(end + 1, NULL, 0))) return -1;
        } else if (!strncmp(argv[i], "lo=", 3)) {
            pending_lo = strtoull(argv[i] + 3, NULL, 0);
        } else if (!strncmp(argv[i], "hi=", 3)) {
            if (add_range(pending_lo, strtoull(argv[i] + 3, NULL, 0))) return -1;
        } else {
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
}
