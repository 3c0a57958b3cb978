#ifndef CFLINTBLAS_SHIM_H
#define CFLINTBLAS_SHIM_H
#include <cblas.h>
#endif
