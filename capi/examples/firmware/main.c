/* C firmware for a Cortex-M4F (QEMU mps2-an386): the Lasso demo through the ferrokern C API,
 * printed over semihosting (newlib rdimon). Its output must equal the Rust firmware
 * `fw-lasso` (and `cargo xtask host-demo lasso`) line for line, `#` lines excepted:
 * `cargo xtask test capi` checks that. */
#include <stdio.h>

#include "ferrokern.h"
#include "lasso_demo.h"

int main(void) {
    int status = lasso_demo();
    if (status != FK_OK) {
        printf("error: %s\n", fk_status_str(status));
        return 1;
    }
    return 0;
}
