// Start-up check that the CPU can run this build of flint.
//
// Flint's Swift targets are compiled with -march=x86-64-v3 (AVX2, FMA, F16C, BMI1/2, …): on an older
// CPU the first such instruction — possibly in main itself — kills the process with SIGILL. This file
// is compiled WITHOUT those flags and runs as an ELF constructor, before main and before any Swift code
// of the flint target, so it can still say what is wrong: one line on standard error, exit status 1.
//
// FLINT_ASSUME_CPU_WITHOUT_AVX2=1 makes the check report avx2 and fma as missing on any CPU, so the
// message path can be tested on the real binary.

#include "CFlintCPUCheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void append(char *buffer, int size, int *count, const char *name) {
    if (size <= 0) return;
    size_t used = strlen(buffer);
    snprintf(buffer + used, (size_t)size - used, "%s%s", *count > 0 ? ", " : "", name);
    *count += 1;
}

int flint_cpu_missing_features(char *buffer, int size) {
    int count = 0;
    if (size > 0) buffer[0] = '\0';
    const char *assume = getenv("FLINT_ASSUME_CPU_WITHOUT_AVX2");
    if (assume != NULL && strcmp(assume, "1") == 0) {
        append(buffer, size, &count, "avx2");
        append(buffer, size, &count, "fma");
        return count;
    }
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    // __builtin_cpu_supports also checks that the OS saves the YMM registers (XGETBV).
    if (!__builtin_cpu_supports("avx2")) append(buffer, size, &count, "avx2");
    if (!__builtin_cpu_supports("fma")) append(buffer, size, &count, "fma");
    if (!__builtin_cpu_supports("f16c")) append(buffer, size, &count, "f16c");
    if (!__builtin_cpu_supports("bmi2")) append(buffer, size, &count, "bmi2");
#endif
    return count;
}

static int passed = 0;

__attribute__((constructor(101)))
static void flint_cpu_check(void) {
    char missing[128];
    if (flint_cpu_missing_features(missing, (int)sizeof missing) > 0) {
        // One line, unbuffered; _exit so no AVX2-compiled code (atexit handlers, Swift) runs.
        char line[512];
        int length = snprintf(line, sizeof line,
                              "flint: this CPU lacks AVX2/FMA (missing: %s), which this build of flint needs "
                              "(compiled for x86-64-v3); run it on an x86-64 CPU with AVX2 and FMA "
                              "(Intel Haswell, AMD Excavator/Zen or newer)\n", missing);
        if (length > 0) {
            ssize_t ignored = write(STDERR_FILENO, line, (size_t)(length < (int)sizeof line ? length : (int)sizeof line - 1));
            (void)ignored;
        }
        _exit(1);
    }
    passed = 1;
}

int flint_cpu_check_passed(void) { return passed; }
