#ifndef CFLINTBLAS_SHIM_H
#define CFLINTBLAS_SHIM_H
#include <cblas.h>

/// Asks the CPU to start loading the cache line at `address` into L1 (PREFETCHT0); no effect on values.
static inline void flint_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }
#endif
