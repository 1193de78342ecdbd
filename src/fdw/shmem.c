/*
 * shmem.c
 *		athena_fdw's shared memory.  When the library is in
 *		shared_preload_libraries, every part that shares state between
 *		backends (the counters; more may come) gets its memory and LWLocks
 *		here, one line each in the table below.  Without preloading there is
 *		no shared memory, and each part keeps backend-local state instead.
 *
 * PostgreSQL 15 wants space and LWLock tranches asked for in
 * shmem_request_hook and set up in shmem_startup_hook (in the postmaster,
 * and again in each backend under EXEC_BACKEND, where ShmemInitStruct and
 * ShmemInitHash find what is already there).
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"

#include "athena_fdw.h"

typedef struct FdwShmemPart
{
	const char *name;			/* its LWLock tranche and shmem names */
	Size		(*size) (void);
	int			nlocks;
	/* runs under AddinShmemInitLock; locks is NULL when nlocks is 0 */
	void		(*startup) (LWLockPadded *locks);
} FdwShmemPart;

static const FdwShmemPart parts[] = {
	{"athena_fdw stats", fdw_stats_shmem_size, 1, fdw_stats_shmem_startup},
	{"athena_fdw rate limits", fdw_rate_shmem_size, 1, fdw_rate_shmem_startup},
};

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static void
fdw_shmem_request(void)
{
	Size		i;

	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	for (i = 0; i < lengthof(parts); i++)
	{
		RequestAddinShmemSpace(parts[i].size());
		if (parts[i].nlocks > 0)
			RequestNamedLWLockTranche(parts[i].name, parts[i].nlocks);
	}
}

static void
fdw_shmem_startup(void)
{
	Size		i;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	for (i = 0; i < lengthof(parts); i++)
		parts[i].startup(parts[i].nlocks > 0 ?
						 GetNamedLWLockTranche(parts[i].name) : NULL);
	LWLockRelease(AddinShmemInitLock);
}

/*
 * From _PG_init: sets up shared memory when the library is being preloaded
 * by the postmaster; otherwise there is none.
 */
void
fdw_shmem_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = fdw_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = fdw_shmem_startup;
}
