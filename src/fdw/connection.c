/*
 * connection.c
 *		Per-backend cache of HTTP clients, one per user mapping, so that
 *		kept-alive connections, DNS and TLS session caches outlive a scan and
 *		a query.
 *
 * Modelled on postgres_fdw's connection cache: entries are keyed by user
 * mapping OID and invalidated when the server or the user mapping changes
 * or is dropped (syscache callbacks), so new options never run over old
 * connections.  A client in use by a running scan is not destroyed under
 * it; at the end of each transaction, invalidated clients that no scan
 * holds are destroyed with their sockets, epoll set and socketpair.  At
 * most MAX_IDLE_CLIENTS clients stay open while unused: a backend that
 * queries many servers does not keep a descriptor set for each.
 */
#include "postgres.h"

#include "access/xact.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/wait_event.h"

#include "athena_fdw.h"

/* Idle clients kept per backend; the least recently used goes first. */
#define MAX_IDLE_CLIENTS 8

typedef struct ConnectionEntry
{
	Oid			umid;			/* hash key: user mapping OID */
	HttpClient *client;
	FdwStatsTarget stats_target;	/* what the client's calls count under */
	int			active_scans;	/* scans holding the client right now */
	bool		invalidated;	/* options changed: rebuild when unused */
	uint64		last_used;		/* use_count when last acquired */
	FdwCatalogDeps deps;		/* its server and user mapping */
	WaitEventSet *wait_set;		/* latch, postmaster, the client's epoll fd */
	int			wait_fd;		/* that fd; -1 while the set is incomplete */
} ConnectionEntry;

static HTAB *connection_hash = NULL;
static uint64 use_count = 0;

/*
 * pg_stat_activity's wait_event (17+) while a request is in flight, while
 * the rate limiter holds the next one back (the name rate_limit.c's wait
 * for a bucket uses too), and during a retry's backoff.
 */
static uint32 request_wait_event = 0;
static uint32 rate_wait_event = 0;
static uint32 backoff_wait_event = 0;

static void
invalidate_entries(Datum arg, int cacheid, uint32 hashvalue)
{
	HASH_SEQ_STATUS scan;
	ConnectionEntry *entry;

	hash_seq_init(&scan, connection_hash);
	while ((entry = (ConnectionEntry *) hash_seq_search(&scan)) != NULL)
	{
		if (fdw_catalog_deps_hit(&entry->deps, cacheid, hashvalue))
			entry->invalidated = true;
	}
}

static void
destroy_client(ConnectionEntry *entry)
{
	http_client_destroy(entry->client);
	entry->client = NULL;
	if (entry->wait_set != NULL)
	{
		FreeWaitEventSet(entry->wait_set);
		entry->wait_set = NULL;
	}
}

/*
 * At transaction end, when the invalidations of a DROP or ALTER have been
 * seen: destroys the invalidated clients no scan holds, and forgets
 * entries without a client.  Must not throw.
 */
static void
release_invalidated_clients(XactEvent event, void *arg)
{
	HASH_SEQ_STATUS scan;
	ConnectionEntry *entry;

	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT &&
		event != XACT_EVENT_PARALLEL_COMMIT &&
		event != XACT_EVENT_PARALLEL_ABORT && event != XACT_EVENT_PREPARE)
		return;

	hash_seq_init(&scan, connection_hash);
	while ((entry = (ConnectionEntry *) hash_seq_search(&scan)) != NULL)
	{
		if (entry->active_scans > 0)
			continue;
		if (entry->client != NULL && entry->invalidated)
			destroy_client(entry);
		/* dynahash allows removing the entry just returned */
		if (entry->client == NULL)
			hash_search(connection_hash, &entry->umid, HASH_REMOVE, NULL);
	}
}

/* Before a new client opens: the idle ones beyond the cap close. */
static void
cap_idle_clients(void)
{
	for (;;)
	{
		HASH_SEQ_STATUS scan;
		ConnectionEntry *entry;
		ConnectionEntry *oldest = NULL;
		int			idle = 0;

		hash_seq_init(&scan, connection_hash);
		while ((entry = (ConnectionEntry *) hash_seq_search(&scan)) != NULL)
		{
			if (entry->client == NULL || entry->active_scans > 0)
				continue;
			idle++;
			if (oldest == NULL || entry->last_used < oldest->last_used)
				oldest = entry;
		}
		if (idle < MAX_IDLE_CLIENTS)
			return;
		destroy_client(oldest);
	}
}

static void
init_connection_hash(void)
{
	connection_hash = fdw_catalog_cache_create("athena_fdw connections",
											   sizeof(Oid),
											   sizeof(ConnectionEntry),
											   invalidate_entries);
	RegisterXactCallback(release_invalidated_clients, NULL);
}

/*
 * How a client waits for the network: on the backend's latch and the
 * client's epoll descriptor together, under the wait event type Extension
 * (on 17+ named for what the batch waits for: an answer, the rate limiter,
 * a backoff), as postgres_fdw's pgfdw_get_result waits for its connection.
 * A cancel or statement_timeout sets the latch, and the batch's interrupt callback,
 * which the engine calls right after every wait, ends the query at once; a
 * dead postmaster ends the backend.  The wait itself never throws: a
 * credential call (credentials.c) polls for interrupts without throwing, so
 * that the core can end its request and free what it holds first.
 *
 * The wait set is built once per client, not per wait as WaitLatchOrSocket()
 * would: that creates, fills and closes an epoll instance every time, five
 * more system calls per wake-up (strace), and a scan wakes up every few
 * answers.
 */
static void
wait_for_network(void *arg, int fd, long timeout_ms, HttpWaitFor what)
{
	ConnectionEntry *entry = (ConnectionEntry *) arg;
	WaitEvent	event;
	uint32		wait_event = request_wait_event;

	if (what == HTTP_WAIT_RATE_GATE)
		wait_event = rate_wait_event;
	else if (what == HTTP_WAIT_BACKOFF)
		wait_event = backoff_wait_event;

	if (entry->wait_set == NULL || entry->wait_fd != fd)
	{
		if (entry->wait_set != NULL)
			FreeWaitEventSet(entry->wait_set);
		/* kept in the entry at once, so that an ERROR below leaks nothing */
		entry->wait_set = fdw_create_wait_event_set(3);
		entry->wait_fd = -1;
		AddWaitEventToSet(entry->wait_set, WL_LATCH_SET, PGINVALID_SOCKET,
						  MyLatch, NULL);
		AddWaitEventToSet(entry->wait_set, WL_EXIT_ON_PM_DEATH,
						  PGINVALID_SOCKET, NULL, NULL);
		AddWaitEventToSet(entry->wait_set, WL_SOCKET_READABLE, fd, NULL, NULL);
		entry->wait_fd = fd;
	}

	if (WaitEventSetWait(entry->wait_set, timeout_ms < 0 ? -1 : timeout_ms,
						 &event, 1, wait_event) == 1 &&
		(event.events & WL_LATCH_SET))
		ResetLatch(MyLatch);
}

/* Takes the client of this user mapping, creating it when needed. */
HttpClient *
fdw_client_acquire(UserMapping *user)
{
	ConnectionEntry *entry;
	bool		found;

	if (connection_hash == NULL)
		init_connection_hash();
	/* named here, where an ERROR is allowed: the wait must not throw */
	(void) fdw_wait_event(&request_wait_event, "AthenaRequest");
	(void) fdw_wait_event(&rate_wait_event, "AthenaRateLimit");
	(void) fdw_wait_event(&backoff_wait_event, "AthenaRetryBackoff");

	entry = hash_search(connection_hash, &user->umid, HASH_ENTER, &found);
	if (!found)
	{
		entry->client = NULL;
		entry->active_scans = 0;
		entry->invalidated = false;
		entry->wait_set = NULL;
		entry->wait_fd = -1;
	}

	if (entry->client != NULL && entry->invalidated && entry->active_scans == 0)
		destroy_client(entry);

	if (entry->client == NULL)
	{
		ForeignServer *server;
		char		reason[256];

		cap_idle_clients();
		entry->client = http_client_create(reason, sizeof(reason));
		if (entry->client == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_ERROR),
					 errmsg("could not create an HTTP client: %s", reason)));
		http_client_set_wait(entry->client, wait_for_network, entry);
		server = GetForeignServer(user->serverid);
		entry->stats_target.dbid = MyDatabaseId;
		entry->stats_target.serverid = user->serverid;
		namestrcpy(&entry->stats_target.server, server->servername);
		entry->stats_target.owner = server->owner;
		entry->stats_target.owner_is_superuser = superuser_arg(server->owner);
		http_client_observe(entry->client, fdw_stats_observe,
							&entry->stats_target);
		entry->invalidated = false;
		fdw_catalog_deps_set(&entry->deps, user->serverid, user->umid);
	}

	entry->last_used = ++use_count;
	entry->active_scans++;
	return entry->client;
}

/*
 * Gives a client back.  Called from memory context reset callbacks, also
 * while an ERROR unwinds, so it must not throw.
 */
void
fdw_client_release(HttpClient *client)
{
	HASH_SEQ_STATUS scan;
	ConnectionEntry *entry;

	hash_seq_init(&scan, connection_hash);
	while ((entry = (ConnectionEntry *) hash_seq_search(&scan)) != NULL)
	{
		if (entry->client == client)
		{
			entry->active_scans--;
			hash_seq_term(&scan);
			break;
		}
	}
}
