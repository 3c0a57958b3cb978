#ifndef CFLINT_CPU_CHECK_H
#define CFLINT_CPU_CHECK_H

/// The `flint` binary's start-up CPU check (see cpu_check.c). This C target is compiled for baseline
/// x86-64 — without the package's `-march=x86-64-v3` — so the check itself runs on any x86-64 CPU.

/// Returns 1 when the check passed (it ran as a constructor before `main`; a failing check has already
/// printed one line to standard error and exited with status 1).
int flint_cpu_check_passed(void);

/// Writes into `buffer` (of `size` bytes, NUL-terminated) the comma-separated x86-64-v3 features the
/// build needs that this CPU lacks ("" when none); honours FLINT_ASSUME_CPU_WITHOUT_AVX2=1, which
/// reports "avx2, fma" as missing. Returns the number of missing features.
int flint_cpu_missing_features(char *buffer, int size);

#endif
