/* Minimal Cortex-M4F start-up: vector table, .data copy, .bss clear, FPU on, newlib's
 * semihosting I/O (rdimon), then main() and exit() with its status. */
#include <stdint.h>
#include <stdlib.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _stack_top;
extern int main(void);
extern void initialise_monitor_handles(void);

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
    exit(main());
}

/* Any fault ends the run with status 3 (semihosting exit) instead of hanging QEMU. */
void Fault_Handler(void) { _Exit(3); }
