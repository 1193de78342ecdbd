/*
 * athena_fdw.h
 *		Declarations shared by the PostgreSQL side of athena_fdw.
 *
 * The shell's names start with fdw_ (functions) and Fdw (types); the
 * PostgreSQL-free core in src/core (sigv4, aws_json, retry_policy, http,
 * athena_client) has its own headers and prefixes.  This header knows
 * PostgreSQL and never includes json-c.
 */
#ifndef ATHENA_FDW_H
#define ATHENA_FDW_H

#include "postgres.h"

#include "access/tupdesc.h"
#include "fmgr.h"
#include "foreign/foreign.h"
#include "nodes/pathnodes.h"
#include "utils/relcache.h"

#include "athena_client.h"

/*
 * option.c: the options of a server, table and user mapping, folded into
 * one struct; each field is described by one line of option.c's table.
 */
typedef struct FdwOptions
{
	/* server */
	char	   *region;
	char	   *endpoint;
	int			max_concurrency;
	int			connect_timeout_ms;
	int			request_timeout_ms;
	int			max_retries;
	/* user mapping: secrets, never formatted into any message */
	char	   *aws_access_key_id;
	char	   *aws_secret_access_key;
	char	   *aws_session_token;
} FdwOptions;

extern void fdw_get_options(ForeignServer *server, ForeignTable *table,
							UserMapping *user, FdwOptions *options);
extern void fdw_resolve_endpoint(ForeignServer *server, FdwOptions *options);

/* credentials.c: the keys a query signs with */
extern void fdw_get_credentials(ForeignServer *server,
								const FdwOptions *options,
								AthenaCredentials *credentials);

/* connection.c: the per-backend cache of HTTP clients */
extern HttpClient *athena_connection_acquire(UserMapping *user);
extern void athena_connection_release(HttpClient *client);

/* columns.c: which API field each column of the foreign table carries */
typedef enum AthenaField
{
	FIELD_NONE = 0,				/* dropped column */
	FIELD_SESSION_ID,
	FIELD_STATE,
	FIELD_STATE_CHANGE_REASON,
	FIELD_START_DATE_TIME,
	FIELD_LAST_MODIFIED_DATE_TIME,
	FIELD_END_DATE_TIME,
	FIELD_IDLE_SINCE_DATE_TIME,
	FIELD_WORKGROUP,
	FIELD_DESCRIPTION,
	FIELD_ENGINE_VERSION,
	FIELD_NOTEBOOK_VERSION
} AthenaField;

typedef struct AthenaColumnMap
{
	int			natts;
	AthenaField *fields;		/* per attribute */
	Oid		   *types;			/* per attribute */
	FmgrInfo   *in_functions;	/* when a value needs its text form */
	Oid		   *typioparams;
	int32	   *typmods;
} AthenaColumnMap;

extern AttrNumber athena_session_id_attno(Relation rel);
extern AthenaColumnMap *athena_map_columns(Relation rel);
extern void athena_session_to_values(const AthenaColumnMap *map,
									 const AthenaSession *session,
									 Datum *values, bool *nulls);

/* quals.c: the session_id condition a scan sends to Athena */
typedef struct AthenaIdQual
{
	RestrictInfo *rinfo;		/* the clause, rechecked locally as well */
	Expr	   *ids;			/* expression giving the id(s) */
	bool		is_array;		/* = ANY(ids) rather than = ids */
	double		estimated_ids;
} AthenaIdQual;

extern bool athena_is_session_id_var(Node *node, RelOptInfo *baserel,
									 AttrNumber attno);
extern bool athena_match_id_clause(PlannerInfo *root, RelOptInfo *baserel,
								   AttrNumber session_id_attno,
								   RestrictInfo *rinfo, AthenaIdQual *qual);
extern int	athena_collect_ids(Datum value, bool isnull, bool is_array,
							   const char ***ids);

/* import.c */
extern List *athena_import_foreign_schema(ImportForeignSchemaStmt *stmt,
										  Oid serverOid);

#endif							/* ATHENA_FDW_H */
