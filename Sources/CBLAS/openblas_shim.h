#ifndef CAUSEWAY_OPENBLAS_SHIM_H
#define CAUSEWAY_OPENBLAS_SHIM_H
#include <cblas.h>
#endif
