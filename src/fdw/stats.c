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
 * throw: it allocates nothing with palloc and reads no catalog.
 *
 * The table holds athena_fdw.stats_max rows.  What finds no room (the
 * table is full, or the server's owner has used up its share) is counted
 * in one overflow row, never dropped.  Rows go when their server or
 * database is dropped (at the commit of the DROP, through the object
 * access hook), and a read of the view drops any a drop left behind.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_database.h"
#include "catalog/pg_foreign_server.h"
#include "commands/dbcommands.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "athena_fdw.h"

#define STATS_OPERATION_LEN 64

/*
 * athena_fdw.stats_max: most (database, server, operation) rows.  The rows
 * of the servers of one role that is not a superuser take at most
 * 1/STATS_OWNER_SHARE of them, and those of all such roles together at
 * most (STATS_OWNER_SHARE - 1)/STATS_OWNER_SHARE, so that nobody without
 * superuser rights can keep the servers of others from being counted.
 */
static int	stats_max = 1000;

#define STATS_OWNER_SHARE 4

/*
 * The error classes counted, in the order of athena_fdw_stats()'s
 * errors_* columns.  Throttled answers have their own column.
 */
typedef enum StatsError
{
	STATS_ERROR_NOT_FOUND,		/* the AWS classes (aws_error.h) ... */
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
	Oid			owner;			/* the server's owner, when not a superuser */
	slock_t		mutex;			/* shared memory: guards what follows */
	NameData	server;			/* the server's name when last counted */
	TimestampTz since;			/* when the entry began counting */
	StatsCounters counters;
} StatsEntry;

/*
 * Shared memory, when preloaded; else a hash of this backend's own.  The
 * overflow row is apart from the table (its key is all zeros, no name).
 */
static HTAB *shared_stats = NULL;	/* set up only when preloaded (shmem.c) */
static LWLock *shared_stats_lock = NULL;
static StatsEntry *shared_overflow = NULL;
static HTAB *local_stats = NULL;
static StatsEntry local_overflow;

/*
 * The servers and databases this transaction dropped, whose rows go when
 * it commits: (dbid, InvalidOid) for a whole database.  In
 * TopTransactionContext; each with the subtransaction level that dropped
 * it.
 */
typedef struct StatsDrop
{
	Oid			dbid;
	Oid			serverid;
	int			level;
} StatsDrop;

static List *pending_drops = NIL;
static object_access_hook_type prev_object_access_hook = NULL;

static void init_entry(StatsEntry *entry);

/* ---- shared memory (shmem.c's table) ---- */

Size
fdw_stats_shmem_size(void)
{
	return add_size(hash_estimate_size(stats_max, sizeof(StatsEntry)),
					MAXALIGN(sizeof(StatsEntry)));
}

void
fdw_stats_shmem_startup(LWLockPadded *locks)
{
	HASHCTL		info;
	bool		found;

	shared_stats_lock = &locks[0].lock;
	info.keysize = sizeof(StatsKey);
	info.entrysize = sizeof(StatsEntry);
	shared_stats = ShmemInitHash("athena_fdw stats", stats_max, stats_max,
								 &info,
								 HASH_ELEM | HASH_BLOBS | HASH_FIXED_SIZE);
	shared_overflow = ShmemInitStruct("athena_fdw stats overflow",
									  sizeof(StatsEntry), &found);
	if (!found)
	{
		memset(shared_overflow, 0, sizeof(StatsEntry));
		init_entry(shared_overflow);
	}
}

/*
 * The allocator of a backend's own table: NULL when out of memory, so that
 * HASH_ENTER_NULL fails softly (dynahash's own allocator may not be used
 * with it).
 */
static void *
local_alloc(Size size)
{
	return MemoryContextAllocExtended(TopMemoryContext, size,
									  MCXT_ALLOC_NO_OOM);
}

/* Makes a backend's own table; from _PG_init, where it may throw. */
static void
make_local_table(void)
{
	HASHCTL		info;

	info.keysize = sizeof(StatsKey);
	info.entrysize = sizeof(StatsEntry);
	info.alloc = local_alloc;
	local_stats = hash_create("athena_fdw stats", Min(stats_max, 16),
							  &info, HASH_ELEM | HASH_BLOBS | HASH_ALLOC);
	memset(&local_overflow, 0, sizeof(local_overflow));
	init_entry(&local_overflow);
}

/* The table this backend counts into: the shared one, else its own. */
static HTAB *
stats_table(void)
{
	return shared_stats != NULL ? shared_stats : local_stats;
}

static StatsEntry *
overflow_entry(HTAB *table)
{
	return table == local_stats ? &local_overflow : shared_overflow;
}

/* ---- counting ---- */

/*
 * The column an AWS error class is counted in; -1 for throttled answers,
 * which have their own.  A class added to aws_error.h must be placed here.
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
	aws_error_decode((int) r->http_status, r->error_type, r->request_id,
					 r->body, r->body_len, &err);
	column = error_column(err.error_class);
	aws_error_free(&err);
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
 * Whether a row for target fits: the table has room, and a server whose
 * owner is not a superuser stays within the owners' shares.
 */
static bool
has_room(HTAB *table, const FdwStatsTarget *target)
{
	HASH_SEQ_STATUS seq;
	StatsEntry *entry;
	long		owner_rows = 0;
	long		others_rows = 0;

	if (hash_get_num_entries(table) >= stats_max)
		return false;
	if (target->owner_is_superuser)
		return true;
	hash_seq_init(&seq, table);
	while ((entry = hash_seq_search(&seq)) != NULL)
	{
		if (entry->owner == target->owner)
			owner_rows++;
		if (OidIsValid(entry->owner))
			others_rows++;
	}
	return owner_rows < Max(stats_max / STATS_OWNER_SHARE, 1) &&
		others_rows < Max(stats_max - stats_max / STATS_OWNER_SHARE, 1);
}

/*
 * The new row of key, or the overflow row when it finds no room.  Under
 * the exclusive lock, or on the backend's own table.
 */
static StatsEntry *
enter_entry(HTAB *table, const StatsKey *key, const FdwStatsTarget *target)
{
	StatsEntry *entry = NULL;

	if (has_room(table, target))
		entry = hash_search(table, key, HASH_ENTER_NULL, NULL);
	if (entry == NULL)
		return overflow_entry(table);
	init_entry(entry);
	entry->owner = target->owner_is_superuser ? InvalidOid : target->owner;
	return entry;
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
		entry = hash_search(table, &key, HASH_FIND, NULL);
		if (entry == NULL)
			entry = enter_entry(table, &key, target);
		if (entry != &local_overflow)
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
		entry = hash_search(table, &key, HASH_FIND, NULL);
		if (entry == NULL)
			entry = enter_entry(table, &key, target);
	}
	SpinLockAcquire(&entry->mutex);
	if (entry != shared_overflow)
		entry->server = target->server;
	add_counters(&entry->counters, &delta);
	SpinLockRelease(&entry->mutex);
	LWLockRelease(shared_stats_lock);
}

/* ---- rows of dropped servers and databases ---- */

/*
 * Removes the rows of dbid's server serverid, or of every server of dbid
 * when serverid is InvalidOid.  Runs at commit: must not throw.
 */
static void
remove_rows(Oid dbid, Oid serverid)
{
	HTAB	   *table = stats_table();
	HASH_SEQ_STATUS seq;
	StatsEntry *entry;

	if (table == NULL)
		return;
	if (table == shared_stats)
		LWLockAcquire(shared_stats_lock, LW_EXCLUSIVE);
	hash_seq_init(&seq, table);
	while ((entry = hash_seq_search(&seq)) != NULL)
	{
		if (entry->key.dbid == dbid &&
			(!OidIsValid(serverid) || entry->key.serverid == serverid))
			hash_search(table, &entry->key, HASH_REMOVE, NULL);
	}
	if (table == shared_stats)
		LWLockRelease(shared_stats_lock);
}

/* Notes the drop of a server (of this database) or of a database. */
static void
stats_object_access(ObjectAccessType access, Oid classId, Oid objectId,
					int subId, void *arg)
{
	if (prev_object_access_hook)
		prev_object_access_hook(access, classId, objectId, subId, arg);
	if (access == OAT_DROP && subId == 0 &&
		(classId == ForeignServerRelationId || classId == DatabaseRelationId))
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(TopTransactionContext);
		StatsDrop  *drop = palloc(sizeof(StatsDrop));

		drop->dbid = classId == DatabaseRelationId ? objectId : MyDatabaseId;
		drop->serverid = classId == DatabaseRelationId ? InvalidOid : objectId;
		drop->level = GetCurrentTransactionNestLevel();
		pending_drops = lappend(pending_drops, drop);
		MemoryContextSwitchTo(oldcxt);
	}
}

/* At commit the dropped objects' rows go; at abort, nothing does. */
static void
stats_xact_callback(XactEvent event, void *arg)
{
	ListCell   *lc;

	if (event == XACT_EVENT_COMMIT)
	{
		foreach(lc, pending_drops)
		{
			StatsDrop  *drop = lfirst(lc);

			remove_rows(drop->dbid, drop->serverid);
		}
	}
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PREPARE)
		pending_drops = NIL;	/* its memory goes with the transaction */
}

/* A subtransaction's drops pass to its parent, or are forgotten. */
static void
stats_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	int			level = GetCurrentTransactionNestLevel();
	ListCell   *lc;

	foreach(lc, pending_drops)
	{
		StatsDrop  *drop = lfirst(lc);

		if (drop->level < level)
			continue;
		if (event == SUBXACT_EVENT_COMMIT_SUB)
			drop->level = level - 1;
		else if (event == SUBXACT_EVENT_ABORT_SUB)
			pending_drops = foreach_delete_current(pending_drops, lc);
	}
}

/*
 * Whether the row's server (or database) is gone, which a drop that
 * committed in a backend without this library, or while the row was being
 * made, leaves behind.  Another database's servers can only be looked up
 * there; its existence can be checked from anywhere.
 */
static bool
row_is_stale(const StatsKey *key)
{
	if (!SearchSysCacheExists1(DATABASEOID, ObjectIdGetDatum(key->dbid)))
		return true;
	return key->dbid == MyDatabaseId &&
		!SearchSysCacheExists1(FOREIGNSERVEROID,
							   ObjectIdGetDatum(key->serverid));
}

/*
 * From _PG_init: the setting (which sizes shared memory, so it exists only
 * when preloading; a backend's own table is as large as the default) or
 * the backend's own table, and the hooks that free dropped rows.
 */
void
fdw_stats_init(void)
{
	if (process_shared_preload_libraries_in_progress)
		DefineCustomIntVariable("athena_fdw.stats_max",
								"Sets the most rows athena_fdw_stats keeps.",
								"One row per database, server and API "
								"operation; calls that find no room are "
								"counted in one overflow row.",
								&stats_max, 1000, 1, 1000000,
								PGC_POSTMASTER, 0, NULL, NULL, NULL);
	else
		make_local_table();
	prev_object_access_hook = object_access_hook;
	object_access_hook = stats_object_access;
	RegisterXactCallback(stats_xact_callback, NULL);
	RegisterSubXactCallback(stats_subxact_callback, NULL);
}

/* ---- SQL functions ---- */

PG_FUNCTION_INFO_V1(athena_fdw_stats);
PG_FUNCTION_INFO_V1(athena_fdw_stats_reset);

/* One row as athena_fdw_stats() shows it; the overflow row has no key. */
static void
put_row(ReturnSetInfo *rsinfo, const StatsEntry *entry, bool overflow,
		bool shared)
{
	Datum		values[10 + STATS_NUM_ERRORS];
	bool		nulls[10 + STATS_NUM_ERRORS];
	const StatsCounters *c = &entry->counters;
	char	   *dbname = NULL;
	int			col = 0;
	int			i;

	memset(nulls, 0, sizeof(nulls));
	if (!overflow)
		dbname = get_database_name(entry->key.dbid);
	if (dbname != NULL)
		values[col++] = CStringGetDatum(dbname);
	else
		nulls[col++] = true;
	if (overflow)
	{
		nulls[col++] = true;
		nulls[col++] = true;
	}
	else
	{
		values[col++] = NameGetDatum(&entry->server);
		values[col++] = CStringGetTextDatum(entry->key.operation);
	}
	values[col++] = Int64GetDatum(c->calls);
	values[col++] = Int64GetDatum(c->retries);
	values[col++] = Int64GetDatum(c->throttled);
	for (i = 0; i < STATS_NUM_ERRORS; i++)
		values[col++] = Int64GetDatum(c->errors[i]);
	values[col++] = Int64GetDatum(c->bytes_received);
	values[col++] = Float8GetDatum(c->usec / 1000.0);
	values[col++] = TimestampTzGetDatum(entry->since);
	values[col++] = CStringGetTextDatum(shared ? "cluster" : "backend");
	Assert(col == lengthof(values));
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* A consistent copy of an entry (its mutex guards it in shared memory). */
static void
copy_entry(StatsEntry *to, StatsEntry *from, bool shared)
{
	if (shared)
		SpinLockAcquire(&from->mutex);
	memcpy(to, from, sizeof(StatsEntry));
	if (shared)
		SpinLockRelease(&from->mutex);
}

/*
 * athena_fdw_stats(): one row per database, server and operation counted
 * since the last reset, and the overflow row (NULL database, server and
 * operation) once anything was counted there.  Rows of servers or
 * databases that are gone are not shown, and removed.
 */
Datum
athena_fdw_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		shared = shared_stats != NULL;
	HTAB	   *table = stats_table();
	HASH_SEQ_STATUS seq;
	StatsEntry *entry;
	StatsEntry *rows;
	StatsEntry	overflow;
	long		nrows = 0;
	long		i;
	List	   *stale = NIL;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	if (table == NULL)
		PG_RETURN_VOID();

	/* copied out first: the catalog is not read under the lock */
	if (shared)
		LWLockAcquire(shared_stats_lock, LW_SHARED);
	rows = palloc(Max(hash_get_num_entries(table), 1) * sizeof(StatsEntry));
	hash_seq_init(&seq, table);
	while ((entry = hash_seq_search(&seq)) != NULL)
		copy_entry(&rows[nrows++], entry, shared);
	copy_entry(&overflow, overflow_entry(table), shared);
	if (shared)
		LWLockRelease(shared_stats_lock);

	for (i = 0; i < nrows; i++)
	{
		if (row_is_stale(&rows[i].key))
			stale = lappend(stale, &rows[i].key);
		else
			put_row(rsinfo, &rows[i], false, shared);
	}
	if (overflow.counters.calls > 0)
		put_row(rsinfo, &overflow, true, shared);

	/*
	 * Not while this transaction drops servers: what it dropped looks gone
	 * here, and comes back if it rolls back.
	 */
	if (stale != NIL && pending_drops == NIL)
	{
		if (shared)
			LWLockAcquire(shared_stats_lock, LW_EXCLUSIVE);
		foreach(lc, stale)
			hash_search(table, lfirst(lc), HASH_REMOVE, NULL);
		if (shared)
			LWLockRelease(shared_stats_lock);
	}
	PG_RETURN_VOID();
}

/* athena_fdw_stats_reset(): forgets every counter (of the cluster, or of this backend). */
Datum
athena_fdw_stats_reset(PG_FUNCTION_ARGS)
{
	HTAB	   *table = stats_table();
	HASH_SEQ_STATUS seq;
	StatsEntry *entry;
	StatsEntry *overflow;

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
	overflow = overflow_entry(table);
	if (table == shared_stats)
		SpinLockAcquire(&overflow->mutex);
	overflow->since = GetCurrentTimestamp();
	memset(&overflow->counters, 0, sizeof(overflow->counters));
	if (table == shared_stats)
	{
		SpinLockRelease(&overflow->mutex);
		LWLockRelease(shared_stats_lock);
	}
	PG_RETURN_VOID();
}
