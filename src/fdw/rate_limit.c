/*
 * rate_limit.c
 *		The client-side rate limits: the token buckets of
 *		max_requests_per_second and the adaptive sending rates of endpoints
 *		and credentials (rate_limiter.h), behind the core's rate gate.
 *
 * AWS meters API calls per account, not per connection: two pg_cron jobs
 * and an ad-hoc query spend one quota.  With athena_fdw in
 * shared_preload_libraries, one table in shared memory (a part of
 * shmem.c's), under one LWLock, serves all backends, so a configured limit
 * bounds them together and a throttling answer slows all of them down.
 * Without it, every backend keeps the same table in its own memory: a limit
 * then holds per backend.
 *
 * The table has athena_fdw.rate_limits_max entries (read at preload).  A
 * scan of a server with max_requests_per_second holds that server's bucket
 * from its start to its end, and rate_limiter.h's table gives a bucket up
 * only when that forgets nothing: a scan that finds no entry waits until
 * one may be given up, and fails when scans hold them all.  Each backend
 * remembers what it holds, so that a backend that exits gives it back.
 */
#include "postgres.h"

#include <time.h>

#include "common/hashfn.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/wait_event.h"

#include "athena_fdw.h"
#include "rate_limiter.h"

/* athena_fdw.rate_limits_max */
static int	rate_limits_max = 256;

typedef struct FdwRateTable
{
	int			n;
	RateEntry	rates[FLEXIBLE_ARRAY_MEMBER];
} FdwRateTable;

/* The shared table, or this backend's own; NULL until first used. */
static FdwRateTable *state = NULL;
static LWLock *state_lock = NULL;	/* NULL for a backend's own table */

/* The configured buckets this backend's scans hold, and how many times. */
typedef struct FdwRateHold
{
	RateKey		key;			/* hash key */
	int			count;
} FdwRateHold;

static HTAB *holds = NULL;

/* pg_stat_activity's wait_event while waiting for a bucket here (17+) */
static uint32 bucket_wait_event = 0;

static Size
table_size(void)
{
	return add_size(offsetof(FdwRateTable, rates),
					mul_size(rate_limits_max, sizeof(RateEntry)));
}

Size
fdw_rate_shmem_size(void)
{
	return MAXALIGN(table_size());
}

/* shmem.c's startup of this part, under AddinShmemInitLock. */
void
fdw_rate_shmem_startup(LWLockPadded *locks)
{
	bool		found;

	state = ShmemInitStruct("athena_fdw rate limits", table_size(), &found);
	if (!found)
	{
		memset(state, 0, table_size());
		state->n = rate_limits_max;
	}
	state_lock = &locks[0].lock;
}

/* From _PG_init: the setting, which sizes shared memory. */
void
fdw_rate_limit_define(void)
{
	if (process_shared_preload_libraries_in_progress)
		DefineCustomIntVariable("athena_fdw.rate_limits_max",
								"Sets the most rate limits kept at once.",
								"One per server with max_requests_per_second "
								"in use or used in the last seconds, and one "
								"per endpoint and credentials throttled.",
								&rate_limits_max, 256, 1, 100000,
								PGC_POSTMASTER, 0, NULL, NULL, NULL);
}

/* state is set by then: fdw_rate_limit_init made this backend's own. */
static void
lock_state(void)
{
	if (state_lock != NULL)
		LWLockAcquire(state_lock, LW_EXCLUSIVE);
}

static void
unlock_state(void)
{
	if (state_lock != NULL)
		LWLockRelease(state_lock);
}

/* The core's clock (http_client.c), which the gate's times come from. */
static uint64
now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
configured_key(const FdwRateLimit *limit, RateKey *key)
{
	memset(key, 0, sizeof(*key));
	key->kind = RATE_CONFIGURED;
	key->dbid = limit->dbid;
	key->serverid = limit->serverid;
}

/* Gives back one hold of key.  Must not throw. */
static void
release_hold(const RateKey *key)
{
	RateEntry  *e;

	lock_state();
	e = rate_table_find(state->rates, state->n, key, now_usec());
	if (e != NULL && e->refs > 0)
		e->refs--;
	unlock_state();
}

/* At backend exit: whatever scans did not give back. */
static void
release_all_holds(int code, Datum arg)
{
	HASH_SEQ_STATUS seq;
	FdwRateHold *hold;

	hash_seq_init(&seq, holds);
	while ((hold = hash_seq_search(&seq)) != NULL)
	{
		for (; hold->count > 0; hold->count--)
			release_hold(&hold->key);
	}
}

/*
 * Takes a hold of the server's bucket for a scan, making the bucket when
 * missing: waits while none may be given up yet, fails when scans hold
 * every entry.
 */
static void
hold_bucket(FdwRateLimit *limit)
{
	RateKey		key;
	FdwRateHold *hold;
	bool		found;

	configured_key(limit, &key);
	/* first, so that a failure below leaves nothing to give back */
	hold = hash_search(holds, &key, HASH_ENTER, &found);
	if (!found)
		hold->count = 0;

	for (;;)
	{
		uint64		now = now_usec();
		RateEntry  *e;
		uint64		wait = 0;

		lock_state();
		e = rate_table_find(state->rates, state->n, &key, now);
		if (e == NULL)
			e = rate_table_enter(state->rates, state->n, &key,
								 limit->configured_rate, now);
		if (e != NULL)
			e->refs++;
		else
			wait = rate_table_wait_usec(state->rates, state->n, now);
		unlock_state();

		if (e != NULL)
			break;
		if (wait == UINT64_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
					 errmsg("too many servers with max_requests_per_second in use at once"),
					 errdetail("Scans hold all %d rate limits.", state->n),
					 errhint("Raise \"athena_fdw.rate_limits_max\".")));
		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 (long) Max((wait + 999) / 1000, 1),
						 fdw_wait_event(&bucket_wait_event,
										"AthenaRateLimit"));
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	hold->count++;
	limit->holds_bucket = true;
}

/*
 * Sets up the limits one plan node's requests obey: the server's
 * max_requests_per_second, if any, and the learnt rate of this endpoint,
 * region and access key.  The caller gives them back with
 * fdw_rate_limit_release when the plan node ends.
 */
void
fdw_rate_limit_init(FdwRateLimit *limit, ForeignServer *server,
					const FdwOptions *options,
					const AthenaCredentials *credentials)
{
	StringInfoData identity;

	if (state == NULL)
	{
		state = MemoryContextAllocZero(TopMemoryContext, table_size());
		state->n = rate_limits_max;
	}
	if (holds == NULL)
	{
		HASHCTL		info;

		info.keysize = sizeof(RateKey);
		info.entrysize = sizeof(FdwRateHold);
		holds = hash_create("athena_fdw rate limit holds", 16, &info,
							HASH_ELEM | HASH_BLOBS);
		before_shmem_exit(release_all_holds, 0);
	}
	memset(limit, 0, sizeof(*limit));
	limit->configured_rate = options->max_requests_per_second;
	limit->dbid = MyDatabaseId;
	limit->serverid = server->serverid;

	initStringInfo(&identity);
	appendStringInfo(&identity, "%s", options->endpoint);
	appendStringInfoChar(&identity, '\0');
	appendStringInfo(&identity, "%s", options->region);
	appendStringInfoChar(&identity, '\0');
	if (credentials->access_key_id != NULL)
		appendStringInfo(&identity, "%s", credentials->access_key_id);
	limit->identity = hash_bytes_extended((const unsigned char *) identity.data,
										  identity.len, 0);
	pfree(identity.data);

	if (limit->configured_rate > 0)
		hold_bucket(limit);
}

/*
 * Gives back what fdw_rate_limit_init took; from a memory context reset
 * callback, so it must not throw.  Twice is harmless.
 */
void
fdw_rate_limit_release(FdwRateLimit *limit)
{
	RateKey		key;
	FdwRateHold *hold;

	if (!limit->holds_bucket)
		return;
	limit->holds_bucket = false;
	configured_key(limit, &key);
	hold = hash_search(holds, &key, HASH_FIND, NULL);
	if (hold == NULL || hold->count == 0)
		return;
	hold->count--;
	release_hold(&key);
}

/* The learnt rate of the limit's identity, made when missing; may be NULL. */
static AdaptiveRate *
adaptive_rate(const FdwRateLimit *limit, uint64_t now)
{
	RateKey		key;
	RateEntry  *e;

	memset(&key, 0, sizeof(key));
	key.kind = RATE_ADAPTIVE;
	key.identity = limit->identity;
	e = rate_table_find(state->rates, state->n, &key, now);
	if (e == NULL)
		e = rate_table_enter(state->rates, state->n, &key, 0, now);
	return e != NULL ? &e->u.adaptive : NULL;
}

/*
 * The rate gate of the core (HttpRateGate.acquire): 0 when one more request
 * may go now, else the microseconds to wait.  Runs inside the core's loop,
 * so it must not throw.  Without an entry for its learnt rate (all held) a
 * request obeys the configured limit alone.
 */
uint64_t
fdw_rate_limit_acquire(void *arg, uint64_t now_usec)
{
	FdwRateLimit *limit = arg;
	RateBucket *configured = NULL;
	uint64_t	wait;

	lock_state();
	if (limit->configured_rate > 0)
	{
		RateKey		key;
		RateEntry  *e;

		configured_key(limit, &key);
		/* the scan holds it, so it is there ... */
		e = rate_table_find(state->rates, state->n, &key, now_usec);
		if (e == NULL)
		{
			/* ... else it starts empty: never send unlimited */
			e = rate_table_enter(state->rates, state->n, &key,
								 limit->configured_rate, now_usec);
			if (e == NULL)
			{
				unlock_state();
				return 100000;
			}
			e->u.bucket.tokens = 0;
		}
		configured = &e->u.bucket;
		if (configured->rate != limit->configured_rate)
			rate_bucket_set_rate(configured, limit->configured_rate,
								 limit->configured_rate, now_usec);
	}
	wait = rate_limit_acquire(configured, adaptive_rate(limit, now_usec),
							  now_usec);
	unlock_state();
	return wait;
}

/* HttpRateGate.on_answer: the adaptive rate learns from every answer. */
void
fdw_rate_limit_on_answer(void *arg, uint64_t now_usec, uint64_t sent_usec,
						 bool throttled)
{
	FdwRateLimit *limit = arg;
	AdaptiveRate *adaptive;

	lock_state();
	adaptive = adaptive_rate(limit, now_usec);
	if (adaptive != NULL)
		adaptive_rate_on_answer(adaptive, now_usec, sent_usec, throttled);
	unlock_state();
}
