#ifndef CAUSEWAY_CMPICH_SHIM_H
#define CAUSEWAY_CMPICH_SHIM_H
#include <mpi.h>

// Macros Swift cannot import (see shared NOTES): exposed as functions.
static inline MPI_Op causeway_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op causeway_mpi_max(void) { return MPI_MAX; }
static inline MPI_Op causeway_mpi_min(void) { return MPI_MIN; }
static inline void *causeway_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Status *causeway_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Status *causeway_mpi_statuses_ignore(void) { return MPI_STATUSES_IGNORE; }
#endif
