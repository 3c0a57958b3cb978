#ifndef CFLINTZLIB_SHIM_H
#define CFLINTZLIB_SHIM_H
#include <zlib.h>
#endif
