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
 * The table is small and fixed: entries are found by key and, when it is
 * full, the least recently used one makes room.
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/memutils.h"

#include "athena_fdw.h"
#include "rate_limiter.h"

#define RATE_ENTRIES 64

typedef enum FdwRateKind
{
	RATE_FREE = 0,
	RATE_CONFIGURED,			/* a server's max_requests_per_second */
	RATE_ADAPTIVE				/* an endpoint and credentials' learnt rate */
} FdwRateKind;

typedef struct FdwRateKey
{
	FdwRateKind kind;
	Oid			dbid;			/* RATE_CONFIGURED: the server's database */
	Oid			serverid;		/* and the server */
	uint64		identity;		/* RATE_ADAPTIVE: hash of endpoint, region,
								 * access key id */
} FdwRateKey;

typedef struct FdwRateEntry
{
	FdwRateKey	key;
	uint64		used_usec;		/* last use, for eviction */
	union
	{
		RateBucket	bucket;		/* RATE_CONFIGURED */
		AdaptiveRate adaptive;	/* RATE_ADAPTIVE */
	}			u;
} FdwRateEntry;

typedef struct FdwRateTable
{
	FdwRateEntry rates[RATE_ENTRIES];
} FdwRateTable;

/* The shared table, or this backend's own; NULL until first used. */
static FdwRateTable *state = NULL;
static LWLock *state_lock = NULL;	/* NULL for a backend's own table */

Size
fdw_rate_shmem_size(void)
{
	return MAXALIGN(sizeof(FdwRateTable));
}

/* shmem.c's startup of this part, under AddinShmemInitLock. */
void
fdw_rate_shmem_startup(LWLockPadded *locks)
{
	bool		found;

	state = ShmemInitStruct("athena_fdw rate limits", sizeof(FdwRateTable),
							&found);
	if (!found)
		memset(state, 0, sizeof(FdwRateTable));
	state_lock = &locks[0].lock;
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

/*
 * The entry of key, made (or taken over from the least recently used one)
 * when missing; *created says so.  Under the lock.
 */
static FdwRateEntry *
find_entry(const FdwRateKey *key, uint64 now_usec, bool *created)
{
	FdwRateEntry *victim = &state->rates[0];
	int			i;

	for (i = 0; i < RATE_ENTRIES; i++)
	{
		FdwRateEntry *e = &state->rates[i];

		if (e->key.kind == key->kind && e->key.dbid == key->dbid &&
			e->key.serverid == key->serverid &&
			e->key.identity == key->identity)
		{
			e->used_usec = now_usec;
			*created = false;
			return e;
		}
		/* a free entry (used_usec 0) is older than any */
		if (e->used_usec < victim->used_usec)
			victim = e;
	}
	memset(victim, 0, sizeof(*victim));
	victim->key = *key;
	victim->used_usec = now_usec;
	*created = true;
	return victim;
}

/*
 * Sets up the limits one plan node's requests obey: the server's
 * max_requests_per_second, if any, and the learnt rate of this endpoint,
 * region and access key.
 */
void
fdw_rate_limit_init(FdwRateLimit *limit, ForeignServer *server,
					const FdwOptions *options,
					const AthenaCredentials *credentials)
{
	StringInfoData identity;

	if (state == NULL)
		state = MemoryContextAllocZero(TopMemoryContext, sizeof(FdwRateTable));
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
}

/*
 * The rate gate of the core (HttpRateGate.acquire): 0 when one more request
 * may go now, else the microseconds to wait.  Runs inside the core's loop,
 * so it must not throw.
 */
uint64_t
fdw_rate_limit_acquire(void *arg, uint64_t now_usec)
{
	FdwRateLimit *limit = arg;
	FdwRateKey	key;
	RateBucket *configured = NULL;
	FdwRateEntry *adaptive;
	bool		created;
	uint64_t	wait;

	lock_state();
	if (limit->configured_rate > 0)
	{
		FdwRateEntry *e;

		memset(&key, 0, sizeof(key));
		key.kind = RATE_CONFIGURED;
		key.dbid = limit->dbid;
		key.serverid = limit->serverid;
		e = find_entry(&key, now_usec, &created);
		configured = &e->u.bucket;

		/* a burst of up to one second's worth, like the adaptive rate */
		if (created)
			rate_bucket_init(configured, limit->configured_rate,
							 limit->configured_rate, now_usec);
		else if (configured->rate != limit->configured_rate)
			rate_bucket_set_rate(configured, limit->configured_rate,
								 limit->configured_rate, now_usec);
	}
	memset(&key, 0, sizeof(key));
	key.kind = RATE_ADAPTIVE;
	key.identity = limit->identity;
	adaptive = find_entry(&key, now_usec, &created);
	if (created)
		adaptive_rate_init(&adaptive->u.adaptive);
	wait = rate_limit_acquire(configured, &adaptive->u.adaptive, now_usec);
	unlock_state();
	return wait;
}

/* HttpRateGate.on_answer: the adaptive rate learns from every answer. */
void
fdw_rate_limit_on_answer(void *arg, uint64_t now_usec, uint64_t sent_usec,
						 bool throttled)
{
	FdwRateLimit *limit = arg;
	FdwRateKey	key;
	FdwRateEntry *adaptive;
	bool		created;

	memset(&key, 0, sizeof(key));
	key.kind = RATE_ADAPTIVE;
	key.identity = limit->identity;
	lock_state();
	adaptive = find_entry(&key, now_usec, &created);
	if (created)
		adaptive_rate_init(&adaptive->u.adaptive);
	adaptive_rate_on_answer(&adaptive->u.adaptive, now_usec, sent_usec,
							throttled);
	unlock_state();
}
