/* Minimal Cortex-M4F start-up: vector table, .data copy, .bss clear, FPU on, newlib's
 * semihosting I/O (rdimon), then main() and exit() with its status. Before main the stack
 * below the start-up frame is painted; after it, `# stack-used N` and `# heap-used N`
 * (newlib's printf buffers) are printed as informational lines. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _stack_top, end;

/* Bytes of stack painted (and so measurable) below the start-up frame. */
#define STACK_PAINT 32768u
#define PAINT 0xC0FFEE11u
extern int main(void);
extern void initialise_monitor_handles(void);
extern void *sbrk(ptrdiff_t increment); /* newlib; unistd.h hides it under -std=c11 */

void Reset_Handler(void);
void Fault_Handler(void);

/* Newlib's exit() runs __libc_fini_array, which calls _fini; there are no C++ constructors. */
void _init(void) {}
void _fini(void) {}

/* Initial stack pointer, reset, then NMI, HardFault, MemManage, BusFault, UsageFault. */
__attribute__((section(".vectors"), used)) static const void *const vectors[] = {
    &_stack_top, (void *)Reset_Handler, (void *)Fault_Handler, (void *)Fault_Handler,
    (void *)Fault_Handler, (void *)Fault_Handler, (void *)Fault_Handler,
};

void Reset_Handler(void) {
    for (uint32_t *src = &_sidata, *dst = &_sdata; dst < &_edata;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = &_sbss; dst < &_ebss;) {
        *dst++ = 0;
    }
    /* CPACR: full access to coprocessors 10 and 11 (the FPU), before any float instruction. */
    volatile uint32_t *cpacr = (volatile uint32_t *)0xE000ED88u;
    *cpacr |= 0xFu << 20;
    __asm volatile("dsb\n isb" ::: "memory");
    initialise_monitor_handles();
    uint32_t sp;
    __asm volatile("mov %0, sp" : "=r"(sp));
    /* Paint from STACK_PAINT below the top up to 64 bytes under this frame. */
    uint32_t *bottom = (uint32_t *)((uintptr_t)&_stack_top - STACK_PAINT);
    for (volatile uint32_t *p = bottom; (uintptr_t)p < sp - 64u; p++) {
        *p = PAINT;
    }
    int status = main();
    const volatile uint32_t *p = bottom;
    while ((uintptr_t)p < sp && *p == PAINT) {
        p++;
    }
    printf("# stack-used %u\n", (unsigned)((uintptr_t)&_stack_top - (uintptr_t)p));
    printf("# heap-used %u\n", (unsigned)((uintptr_t)sbrk(0) - (uintptr_t)&end));
    exit(status);
}

/* Any fault ends the run with status 3 (semihosting exit) instead of hanging QEMU. */
void Fault_Handler(void) { _Exit(3); }
