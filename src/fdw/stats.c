/*
 * stats.c
 *		Counters per server and API operation: requests sent, retries,
 *		throttled answers, errors by class, response bytes and time, read by
 *		athena_fdw_stats() and reset by athena_fdw_stats_reset().
 *
 * Every attempt of every operation reaches fdw_stats_observe, which the
 * HTTP engine calls as each attempt finishes (connection.c attaches it to
 * each client): counting happens there and nowhere else, so a new
 * operation is counted under its own name without code of its own.
 *
 * With the library in shared_preload_libraries the counters are one hash
 * table in shared memory (shmem.c) for the whole cluster, guarded like
 * pg_stat_statements': the LWLock for the set of entries, a spinlock per
 * entry for its counters.  Otherwise each backend counts its own in a
 * local table.  fdw_stats_observe runs inside the HTTP engine and must not
 * throw: it allocates nothing with palloc, and an attempt that finds no
 * room for a new entry goes uncounted.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "commands/dbcommands.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/timestamp.h"

#include "athena_fdw.h"

/* Most (database, server, operation) entries in shared memory. */
#define STATS_MAX_ENTRIES 1000
#define STATS_OPERATION_LEN 64

/*
 * The error classes counted, in the order of athena_fdw_stats()'s
 * errors_* columns.  Throttled answers have their own column.
 */
typedef enum StatsError
{
	STATS_ERROR_NOT_FOUND,		/* the AWS classes (aws_json) ... */
	STATS_ERROR_TRANSIENT,
	STATS_ERROR_AUTH,
	STATS_ERROR_ACCESS_DENIED,
	STATS_ERROR_VALIDATION,
	STATS_ERROR_OTHER,
	STATS_ERROR_NETWORK,		/* ... no answer: refused, reset, empty ... */
	STATS_ERROR_TIMEOUT,		/* ... connect or request timeout ... */
	STATS_ERROR_BAD_RESPONSE,	/* ... a redirect, an odd status, too large */
	STATS_NUM_ERRORS
} StatsError;

typedef struct StatsKey
{
	Oid			dbid;
	Oid			serverid;
	char		operation[STATS_OPERATION_LEN];
} StatsKey;

typedef struct StatsCounters
{
	int64		calls;			/* requests sent, retries included */
	int64		retries;
	int64		throttled;
	int64		errors[STATS_NUM_ERRORS];
	int64		bytes_received; /* response bodies */
	int64		usec;			/* request times, added up */
} StatsCounters;

typedef struct StatsEntry
{
	StatsKey	key;			/* hash key: first */
	slock_t		mutex;			/* shared memory: guards what follows */
	NameData	server;			/* the server's name when last counted */
	TimestampTz since;			/* when the entry began counting */
	StatsCounters counters;
} StatsEntry;

/* Shared memory, when preloaded; else a hash of this backend's own. */
static HTAB *shared_stats = NULL;
static LWLock *shared_stats_lock = NULL;
static HTAB *local_stats = NULL;

/* ---- shared memory (shmem.c's table) ---- */

Size
fdw_stats_shmem_size(void)
{
	return hash_estimate_size(STATS_MAX_ENTRIES, sizeof(StatsEntry));
}

void
fdw_stats_shmem_startup(LWLockPadded *locks)
{
	HASHCTL		info;

	shared_stats_lock = &locks[0].lock;
	info.keysize = sizeof(StatsKey);
	info.entrysize = sizeof(StatsEntry);
	shared_stats = ShmemInitHash("athena_fdw stats", STATS_MAX_ENTRIES,
								 STATS_MAX_ENTRIES, &info,
								 HASH_ELEM | HASH_BLOBS | HASH_FIXED_SIZE);
}

/* The table this backend counts into: the shared one, else its own. */
static HTAB *
stats_table(void)
{
	if (fdw_shmem_enabled())
		return shared_stats;
	if (local_stats == NULL)
	{
		HASHCTL		info;

		info.keysize = sizeof(StatsKey);
		info.entrysize = sizeof(StatsEntry);
		/* in TopMemoryContext; HASH_ENTER_NULL then fails softly */
		local_stats = hash_create("athena_fdw stats", 16, &info,
								  HASH_ELEM | HASH_BLOBS);
	}
	return local_stats;
}

/* ---- counting ---- */

/*
 * The column an AWS error class is counted in; -1 for throttled answers,
 * which have their own.  A class added to aws_json must be placed here.
 */
static int
error_column(AwsErrorClass error_class)
{
	switch (error_class)
	{
		case AWS_ERROR_THROTTLED:
			return -1;
		case AWS_ERROR_NOT_FOUND:
			return STATS_ERROR_NOT_FOUND;
		case AWS_ERROR_TRANSIENT:
			return STATS_ERROR_TRANSIENT;
		case AWS_ERROR_AUTH:
			return STATS_ERROR_AUTH;
		case AWS_ERROR_ACCESS_DENIED:
			return STATS_ERROR_ACCESS_DENIED;
		case AWS_ERROR_VALIDATION:
		case AWS_ERROR_NOT_SPARK:	/* a request the workgroup cannot take */
			return STATS_ERROR_VALIDATION;
		case AWS_ERROR_OTHER:
			break;
	}
	return STATS_ERROR_OTHER;
}

/*
 * What one attempt adds: an error class, a throttled answer, or nothing
 * (an answer; one whose body then fails to parse is not told apart here).
 */
static void
classify_attempt(const HttpResult *r, StatsCounters *delta)
{
	AwsError	err;
	int			column;

	switch (r->outcome)
	{
		case HTTP_NETWORK_ERROR:
		case HTTP_TLS_ERROR:
		case HTTP_UNSAFE_REQUEST:
			delta->errors[STATS_ERROR_NETWORK]++;
			return;
		case HTTP_TIMEOUT:
			delta->errors[STATS_ERROR_TIMEOUT]++;
			return;
		case HTTP_BODY_TOO_LARGE:
			delta->errors[STATS_ERROR_BAD_RESPONSE]++;
			return;
		case HTTP_RESPONSE:
			break;
	}
	if (r->http_status >= 200 && r->http_status < 300)
		return;
	if (r->http_status < 400)
	{
		delta->errors[STATS_ERROR_BAD_RESPONSE]++;
		return;
	}
	/* the one classification of AWS errors, the retry policy's too */
	aws_json_decode_error((int) r->http_status, r->error_type, r->request_id,
						  r->body, r->body_len, &err);
	column = error_column(err.error_class);
	aws_json_error_free(&err);
	if (column < 0)
		delta->throttled++;
	else
		delta->errors[column]++;
}

static void
add_counters(StatsCounters *to, const StatsCounters *delta)
{
	int			i;

	to->calls += delta->calls;
	to->retries += delta->retries;
	to->throttled += delta->throttled;
	for (i = 0; i < STATS_NUM_ERRORS; i++)
		to->errors[i] += delta->errors[i];
	to->bytes_received += delta->bytes_received;
	to->usec += delta->usec;
}

static void
init_entry(StatsEntry *entry)
{
	SpinLockInit(&entry->mutex);
	entry->since = GetCurrentTimestamp();
	memset(&entry->counters, 0, sizeof(entry->counters));
}

/*
 * The HTTP engine's observer (HttpObserveFn) for the clients of one server:
 * arg is the FdwStatsTarget connection.c keeps with the client.
 */
void
fdw_stats_observe(void *arg, const char *operation, const HttpResult *attempt,
				  uint64_t usec)
{
	const FdwStatsTarget *target = arg;
	HTAB	   *table = stats_table();
	StatsCounters delta;
	StatsKey	key;
	StatsEntry *entry;
	bool		found;

	if (table == NULL)
		return;					/* preloaded, but shared memory not set up */

	memset(&delta, 0, sizeof(delta));
	delta.calls = 1;
	delta.retries = attempt->attempts > 1 ? 1 : 0;
	delta.bytes_received = attempt->outcome == HTTP_RESPONSE ? attempt->body_len : 0;
	delta.usec = usec;
	classify_attempt(attempt, &delta);

	memset(&key, 0, sizeof(key));	/* the key is hashed as bytes */
	key.dbid = target->dbid;
	key.serverid = target->serverid;
	strlcpy(key.operation, operation ? operation : "unknown", sizeof(key.operation));

	if (table == local_stats)
	{
		entry = hash_search(table, &key, HASH_ENTER_NULL, &found);
		if (entry == NULL)
			return;
		if (!found)
			init_entry(entry);
		entry->server = target->server;
		add_counters(&entry->counters, &delta);
		return;
	}

	LWLockAcquire(shared_stats_lock, LW_SHARED);
	entry = hash_search(table, &key, HASH_FIND, NULL);
	if (entry == NULL)
	{
		LWLockRelease(shared_stats_lock);
		LWLockAcquire(shared_stats_lock, LW_EXCLUSIVE);
		entry = hash_search(table, &key, HASH_ENTER_NULL, &found);
		if (entry != NULL && !found)
			init_entry(entry);
	}
	if (entry != NULL)
	{
		SpinLockAcquire(&entry->mutex);
		entry->server = target->server;
		add_counters(&entry->counters, &delta);
		SpinLockRelease(&entry->mutex);
	}
	LWLockRelease(shared_stats_lock);
}

/* ---- SQL functions ---- */

PG_FUNCTION_INFO_V1(athena_fdw_stats);
PG_FUNCTION_INFO_V1(athena_fdw_stats_reset);

/*
 * athena_fdw_stats(): one row per database, server and operation counted
 * since the last reset.
 */
Datum
athena_fdw_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		shared = fdw_shmem_enabled();
	HTAB	   *table = stats_table();
	HASH_SEQ_STATUS seq;
	StatsEntry *entry;

	InitMaterializedSRF(fcinfo, 0);
	if (table == NULL)
		PG_RETURN_VOID();

	if (shared)
		LWLockAcquire(shared_stats_lock, LW_SHARED);
	hash_seq_init(&seq, table);
	while ((entry = hash_seq_search(&seq)) != NULL)
	{
		Datum		values[10 + STATS_NUM_ERRORS];
		bool		nulls[10 + STATS_NUM_ERRORS];
		StatsCounters c;
		NameData	server;
		TimestampTz since;
		char	   *dbname;
		int			col = 0;
		int			i;

		if (shared)
			SpinLockAcquire(&entry->mutex);
		c = entry->counters;
		server = entry->server;
		since = entry->since;
		if (shared)
			SpinLockRelease(&entry->mutex);

		memset(nulls, 0, sizeof(nulls));
		/* a dropped database has no name: NULL */
		dbname = get_database_name(entry->key.dbid);
		if (dbname != NULL)
			values[col++] = CStringGetDatum(dbname);
		else
			nulls[col++] = true;
		values[col++] = NameGetDatum(&server);
		values[col++] = CStringGetTextDatum(entry->key.operation);
		values[col++] = Int64GetDatum(c.calls);
		values[col++] = Int64GetDatum(c.retries);
		values[col++] = Int64GetDatum(c.throttled);
		for (i = 0; i < STATS_NUM_ERRORS; i++)
			values[col++] = Int64GetDatum(c.errors[i]);
		values[col++] = Int64GetDatum(c.bytes_received);
		values[col++] = Float8GetDatum(c.usec / 1000.0);
		values[col++] = TimestampTzGetDatum(since);
		values[col++] = CStringGetTextDatum(shared ? "cluster" : "backend");
		Assert(col == lengthof(values));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	if (shared)
		LWLockRelease(shared_stats_lock);
	PG_RETURN_VOID();
}

/* athena_fdw_stats_reset(): forgets every counter (of the cluster, or of this backend). */
Datum
athena_fdw_stats_reset(PG_FUNCTION_ARGS)
{
	HTAB	   *table = stats_table();
	HASH_SEQ_STATUS seq;
	StatsEntry *entry;

	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be superuser to reset athena_fdw statistics")));
	if (table == NULL)
		PG_RETURN_VOID();

	if (table == shared_stats)
		LWLockAcquire(shared_stats_lock, LW_EXCLUSIVE);
	hash_seq_init(&seq, table);
	while ((entry = hash_seq_search(&seq)) != NULL)
		hash_search(table, &entry->key, HASH_REMOVE, NULL);
	if (table == shared_stats)
		LWLockRelease(shared_stats_lock);
	PG_RETURN_VOID();
}
