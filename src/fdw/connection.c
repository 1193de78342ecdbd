/*
 * connection.c
 *		Per-backend cache of HTTP clients, one per user mapping, so that
 *		kept-alive connections, DNS and TLS session caches outlive a scan and
 *		a query.
 *
 * Modelled on postgres_fdw's connection cache: entries are keyed by user
 * mapping OID and dropped when the server or the user mapping changes
 * (syscache invalidation), so new options never run over old connections.
 * A client in use by a running scan is not destroyed under it: it is
 * replaced once the last scan releases it.
 */
#include "postgres.h"

#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "athena_fdw.h"

typedef struct ConnectionEntry
{
	Oid			umid;			/* hash key: user mapping OID */
	HttpClient *client;
	int			active_scans;	/* scans holding the client right now */
	bool		invalidated;	/* options changed: rebuild when unused */
	uint32		server_hashvalue;	/* syscache hash of the server */
	uint32		mapping_hashvalue;	/* syscache hash of the user mapping */
} ConnectionEntry;

static HTAB *connection_hash = NULL;

static void
invalidate_entries(Datum arg, int cacheid, uint32 hashvalue)
{
	HASH_SEQ_STATUS scan;
	ConnectionEntry *entry;

	hash_seq_init(&scan, connection_hash);
	while ((entry = (ConnectionEntry *) hash_seq_search(&scan)) != NULL)
	{
		uint32		entry_hash = cacheid == FOREIGNSERVEROID
			? entry->server_hashvalue : entry->mapping_hashvalue;

		/* hashvalue 0 means "everything" (cache reset) */
		if (hashvalue == 0 || entry_hash == hashvalue)
			entry->invalidated = true;
	}
}

static void
init_connection_hash(void)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(ConnectionEntry);
	connection_hash = hash_create("athena_fdw connections", 8, &ctl,
								  HASH_ELEM | HASH_BLOBS);
	CacheRegisterSyscacheCallback(FOREIGNSERVEROID, invalidate_entries, 0);
	CacheRegisterSyscacheCallback(USERMAPPINGOID, invalidate_entries, 0);
}

/* Takes the client of this user mapping, creating it when needed. */
HttpClient *
athena_connection_acquire(UserMapping *user)
{
	ConnectionEntry *entry;
	bool		found;

	if (connection_hash == NULL)
		init_connection_hash();

	entry = hash_search(connection_hash, &user->umid, HASH_ENTER, &found);
	if (!found)
	{
		entry->client = NULL;
		entry->active_scans = 0;
		entry->invalidated = false;
	}

	if (entry->client != NULL && entry->invalidated && entry->active_scans == 0)
	{
		http_client_destroy(entry->client);
		entry->client = NULL;
	}

	if (entry->client == NULL)
	{
		char		reason[256];

		entry->client = http_client_create(reason, sizeof(reason));
		if (entry->client == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_ERROR),
					 errmsg("could not create an HTTP client: %s", reason)));
		entry->invalidated = false;
		entry->server_hashvalue =
			GetSysCacheHashValue1(FOREIGNSERVEROID,
								  ObjectIdGetDatum(user->serverid));
		entry->mapping_hashvalue =
			GetSysCacheHashValue1(USERMAPPINGOID,
								  ObjectIdGetDatum(user->umid));
	}

	entry->active_scans++;
	return entry->client;
}

/*
 * Gives a client back.  Called from memory context reset callbacks, also
 * while an ERROR unwinds, so it must not throw.
 */
void
athena_connection_release(HttpClient *client)
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
