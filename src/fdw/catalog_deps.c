/*
 * catalog_deps.c
 *		What a backend-local cache entry was built from: a foreign server
 *		and a user mapping, remembered by their syscache hash values, so that
 *		an ALTER or DROP of either (here or in another backend) reaches it.
 *
 * The client cache (connection.c) and the credential cache (credentials.c)
 * both forget entries this way.
 */
#include "postgres.h"

#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/syscache.h"

#include "athena_fdw.h"

void
fdw_catalog_deps_set(FdwCatalogDeps *deps, Oid serverid, Oid umid)
{
	deps->server_hash = GetSysCacheHashValue1(FOREIGNSERVEROID,
											  ObjectIdGetDatum(serverid));
	deps->mapping_hash = GetSysCacheHashValue1(USERMAPPINGOID,
											   ObjectIdGetDatum(umid));
}

bool
fdw_catalog_deps_hit(const FdwCatalogDeps *deps, int cacheid, uint32 hashvalue)
{
	/* hashvalue 0 means "everything" (a cache reset) */
	if (hashvalue == 0)
		return true;
	return hashvalue == (cacheid == FOREIGNSERVEROID ?
						 deps->server_hash : deps->mapping_hash);
}

HTAB *
fdw_catalog_cache_create(const char *name, Size keysize, Size entrysize,
						 SyscacheCallbackFunction invalidate)
{
	HASHCTL		ctl;
	HTAB	   *cache;

	ctl.keysize = keysize;
	ctl.entrysize = entrysize;
	cache = hash_create(name, 8, &ctl, HASH_ELEM | HASH_BLOBS);
	CacheRegisterSyscacheCallback(FOREIGNSERVEROID, invalidate, (Datum) 0);
	CacheRegisterSyscacheCallback(USERMAPPINGOID, invalidate, (Datum) 0);
	return cache;
}
