#ifndef OUTPOST_COPENBLAS_SHIM_H
#define OUTPOST_COPENBLAS_SHIM_H

/* OpenBLAS's CBLAS interface (Debian's libopenblas-dev puts cblas.h under openblas-pthread/,
   which pkg-config's --cflags names). */
#include <cblas.h>

#endif
