/*
 * athena_fdw.h
 *		Declarations shared by the PostgreSQL side of athena_fdw.
 *
 * The shell's names start with fdw_ (functions) and Fdw (types); the
 * PostgreSQL-free core below it (src/athena, src/aws, src/http: see
 * src/Makefile) has its own headers and prefixes.  This header knows
 * PostgreSQL and never includes json-c.
 */
#ifndef ATHENA_FDW_H
#define ATHENA_FDW_H

#include "postgres.h"

#include "access/tupdesc.h"
#include "fmgr.h"
#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "nodes/pathnodes.h"
#include "storage/lwlock.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/relcache.h"

#include "pg_compat.h"
#include "calculations.h"
#include "starts.h"

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
	double		max_requests_per_second;	/* 0: no configured limit */
	/* server, overridden by the table's */
	char	   *workgroup;		/* listed when a scan names none */
	/* table */
	char	   *table_name;		/* the Athena table shown (columns.c) */
	char	   *ca_file;		/* superuser only */
	char	   *sts_endpoint;	/* superuser only */
	int			use_fips_endpoint;	/* FDW_UNSET, FDW_FALSE, FDW_TRUE */
	int			use_dualstack_endpoint;
	/* user mapping: secrets, never formatted into any message */
	char	   *aws_access_key_id;
	char	   *aws_secret_access_key;
	char	   *aws_session_token;
	/* user mapping: where else credentials come from */
	char	   *aws_profile;	/* superuser only */
	bool		ambient_credentials;	/* superuser only */
	char	   *role_arn;
	char	   *external_id;
	char	   *role_session_name;
	int			role_duration_seconds;	/* 0: STS's default */
} FdwOptions;

/* A boolean option that may be absent (then the environment decides). */
#define FDW_UNSET	0
#define FDW_FALSE	1
#define FDW_TRUE	2

extern void fdw_get_options(ForeignServer *server, ForeignTable *table,
							UserMapping *user, FdwOptions *options);
extern void fdw_resolve_endpoint(ForeignServer *server, FdwOptions *options);
extern char *fdw_sts_endpoint(ForeignServer *server, const FdwOptions *options);

/*
 * credentials.c: the keys a scan signs with, copied into the current memory
 * context (wiped when it goes); STS and metadata calls use client.
 */
extern void fdw_get_credentials(ForeignServer *server, UserMapping *user,
								const FdwOptions *options, HttpClient *client,
								AthenaCredentials *credentials);

/* The same without the cache: false when there is nothing to renew. */
extern bool fdw_renew_credentials(ForeignServer *server, UserMapping *user,
								  const FdwOptions *options, HttpClient *client,
								  AthenaCredentials *credentials);

/* Whether credentials are inside their advisory renewal window. */
extern bool fdw_credentials_expiring(const AthenaCredentials *credentials);

/*
 * rate_limit.c: the client-side rate limits of one plan node's requests,
 * kept in shared memory when the library is preloaded, else in the backend
 */
typedef struct FdwRateLimit
{
	double		configured_rate;	/* max_requests_per_second, 0 = none */
	Oid			dbid;			/* the server's database and OID */
	Oid			serverid;
	uint64		identity;		/* hash of endpoint, region, access key id */
	bool		holds_bucket;	/* of the configured rate, until released */
} FdwRateLimit;

extern void fdw_rate_limit_define(void);
extern Size fdw_rate_shmem_size(void);
extern void fdw_rate_shmem_startup(LWLockPadded *locks);
extern void fdw_rate_limit_init(FdwRateLimit *limit, ForeignServer *server,
								const FdwOptions *options,
								const AthenaCredentials *credentials);
extern void fdw_rate_limit_release(FdwRateLimit *limit);
extern uint64_t fdw_rate_limit_acquire(void *arg, uint64_t now_usec);
extern void fdw_rate_limit_on_answer(void *arg, uint64_t now_usec,
									 uint64_t sent_usec, bool throttled);

/* connection.c: the per-backend cache of HTTP clients */
extern HttpClient *fdw_client_acquire(UserMapping *user);
extern void fdw_client_release(HttpClient *client);

/*
 * stats.c: counters per server and API operation.  A client's attempts are
 * counted under the target connection.c keeps with it.
 */
typedef struct FdwStatsTarget
{
	Oid			dbid;
	Oid			serverid;
	NameData	server;
	Oid			owner;			/* the server's owner ... */
	bool		owner_is_superuser; /* ... and whether a superuser */
} FdwStatsTarget;

extern void fdw_stats_observe(void *arg, const char *operation,
							  const HttpResult *attempt, uint64_t usec);
extern void fdw_stats_init(void);
extern Size fdw_stats_shmem_size(void);
extern void fdw_stats_shmem_startup(LWLockPadded *locks);

/* shmem.c: shared memory, when the library is preloaded */
extern void fdw_shmem_init(void);

/*
 * columns.c: the Athena tables and the columns the FDW knows, one line each
 * in columns.c's field tables, and the calls each needs per row: a bit
 * mask, the same bits as calculations.h's ATHENA_CALC_*.  For sessions,
 * FDW_CALL_DETAILS is GetSession.
 */
#define FDW_CALL_STATUS		ATHENA_CALC_STATUS
#define FDW_CALL_DETAILS	ATHENA_CALC_DETAILS
#define FDW_CALL_CODE		ATHENA_CALC_CODE

typedef enum FdwTableKind
{
	FDW_TABLE_SESSIONS,
	FDW_TABLE_CALCULATIONS
} FdwTableKind;

typedef struct FdwFieldDef FdwFieldDef;

/* One Athena table: what its rows are, and what a scan of it pushes. */
typedef struct FdwTable
{
	FdwTableKind kind;
	const char *name;			/* "athena_sessions": IMPORT's, table_name's */
	const char *noun;			/* "session", for messages */
	const char *id_column;		/* looked up by id: "session_id" */
	const char *key_column;		/* what a listing is of: "workgroup" */
	bool		(*id_possible) (const char *value);
	bool		(*key_possible) (const char *value);
	bool		(*state_possible) (const char *value);
	const char *state_shape;	/* the model's enum of states */
	const FdwFieldDef *fields;
	int			nfields;
} FdwTable;


typedef struct FdwColumn
{
	const FdwFieldDef *field;	/* NULL for a dropped column */
	char	   *name;
	Oid			type;
	int32		typmod;
	FmgrInfo	in_function;	/* when a value needs its text form */
	Oid			typioparam;
	bool		unread;			/* the query never reads it: left NULL */
} FdwColumn;

typedef struct FdwColumnMap
{
	const FdwTable *table;
	char	   *relname;		/* for error messages */
	int			natts;
	FdwColumn  *columns;		/* per attribute */
} FdwColumnMap;

extern const FdwTable *fdw_find_table(const char *name);
extern const char *fdw_table_names(void);
extern const FdwTable *fdw_table_of(Oid relid);
extern AttrNumber fdw_column_attno(Relation rel, const char *column);
extern AttrNumber fdw_id_attno(Relation rel);
extern int	fdw_calls_needed(Relation rel, Bitmapset *attrs_used, bool lookup);
extern FdwColumnMap *fdw_map_columns(Relation rel);
extern void fdw_columns_read_only(FdwColumnMap *map, List *attnos);
extern void fdw_fill_row(FdwColumnMap *map, const void *record,
						 Datum *values, bool *nulls);
extern void fdw_set_field_value(FdwColumnMap *map, const char *column,
								const char *text, Datum *values, bool *nulls);
extern void fdw_set_state_values(FdwColumnMap *map, const char *state,
								 Datum *values, bool *nulls);
extern void fdw_append_column_definitions(const FdwTable *table,
										  StringInfo ddl);

/*
 * quals.c: a condition a scan sends to Athena, on session_id (the ids to
 * look up), workgroup or state (what a listing asks for)
 */
typedef struct FdwValuesQual
{
	RestrictInfo *rinfo;		/* the clause, rechecked locally as well */
	Expr	   *ids;			/* expression giving the value(s) */
	bool		is_array;		/* = ANY(ids) rather than = ids */
	double		estimated_ids;	/* how many values */
} FdwValuesQual;

extern bool fdw_is_session_id_var(Node *node, RelOptInfo *baserel,
								  AttrNumber attno);
extern bool fdw_match_id_clause(PlannerInfo *root, RelOptInfo *baserel,
								AttrNumber id_attno,
								RestrictInfo *rinfo, FdwValuesQual *qual);
extern int	fdw_collect_ids(Datum value, bool isnull, bool is_array,
							const char ***ids);
extern const char *fdw_id_to_utf8(Datum text_datum);
extern int	fdw_distinct_ids(const char **ids, int n);
extern int	fdw_compare_ids(const void *a, const void *b);
extern int	fdw_count_constant_ids(Expr *expr, bool is_array);
extern int	fdw_count_constant_values(Expr *expr, bool is_array,
									  bool (*possible) (const char *value));

/* plan.c: planner state of one foreign table, in its fdw_private */
typedef struct FdwRelInfo
{
	Oid			relid;
	const FdwTable *table;
	AttrNumber	id_attno;		/* the table's id column */
	bool		scan_checks_ids;	/* the column keeps ids unchanged, so the
									 * scan may check a pushed id list */
	int			max_concurrency;
	bool		has_id_qual;
	FdwValuesQual id_qual;		/* the best restriction on the id */
	/* listings */
	AttrNumber	key_attno;		/* the table's key column */
	bool		has_key_qual;
	FdwValuesQual key_qual;		/* the table's key column (workgroup,
								 * session_id) = / IN / = ANY */
	bool		has_state_qual;
	FdwValuesQual state_qual;	/* state = / IN / = ANY */
	bool		has_workgroup_option;	/* the table's or server's */
	Bitmapset  *attrs_used;		/* columns the query reads */
	/* a condition no row can meet (state = 'idle'): no call at all */
	RestrictInfo *never_matches;
	int			never_matches_why;	/* for EXPLAIN: 1 key, 2 state */
} FdwRelInfo;

extern bool fdw_is_athena_routine(const FdwRoutine *routine);
extern FdwRelInfo *fdw_rel_info(RelOptInfo *rel);
extern int	fdw_rel_calls(FdwRelInfo *info, bool lookup);
extern double fdw_lookup_cost(int max_concurrency, double ids);
extern void fdw_plan_routines(FdwRoutine *routine);

/* athena_fdw.c: the library's load-time initialization */
extern PGDLLEXPORT void _PG_init(void);

/*
 * session_source.c: one plan node's lookups, listings and terminations (of
 * sessions or calculations, as its table says)
 */
typedef struct FdwSessionSource FdwSessionSource;
struct ExplainState;

extern FdwSessionSource *fdw_source_create(Relation rel, Oid userid, int calls);
extern int	fdw_source_natts(const FdwSessionSource *source);
extern void fdw_source_read_only(FdwSessionSource *source, List *attnos);
extern void fdw_source_start(FdwSessionSource *source, const char *const *ids,
							 int nids);
extern void fdw_source_start_list(FdwSessionSource *source,
								  const char *const *workgroups, int nworkgroups,
								  const char *const *states, int nstates);
extern bool fdw_source_next(FdwSessionSource *source, Datum *values, bool *nulls,
							char **session_id);
extern void fdw_source_finish(FdwSessionSource *source);
extern void fdw_source_explain(const FdwSessionSource *source, bool list,
							   struct ExplainState *es);
extern void fdw_source_destroy(FdwSessionSource *source);
extern int64 fdw_source_terminate(FdwSessionSource *source, const char *const *ids,
								  int nids, char **states, bool *terminated,
								  int64 terminated_before);
extern void fdw_source_explain_terminations(const FdwSessionSource *source,
											struct ExplainState *es);
extern int64 fdw_source_start_new(FdwSessionSource *source,
								  const AthenaStartArgs *args, int n,
								  char **ids, char **states,
								  int64 started_before);
extern void fdw_source_explain_starts(const FdwSessionSource *source,
									  struct ExplainState *es);

/* scan.c: the scan, also for modify.c's DELETE */
typedef struct FdwScanState FdwScanState;

extern FdwScanState *fdw_scan_begin(ForeignScanState *node);
extern TupleTableSlot *fdw_scan_next(ForeignScanState *node,
									 FdwScanState *state);
extern void fdw_scan_end(FdwScanState *state);
extern void fdw_scan_routines(FdwRoutine *routine);

/* explain.c: what a scan sends, also for join_scan.c and modify.c */
extern void fdw_scan_explain(ForeignScanState *node, FdwScanState *state,
							 struct ExplainState *es);
extern void fdw_explain_lookup_api(int calls, struct ExplainState *es);
extern void fdw_explain_ids(Expr *ids, bool is_array, List *context,
							bool prefix, struct ExplainState *es);
extern void fdw_explain_routines(FdwRoutine *routine);

/* modify.c: DELETE terminates sessions; other modifications are refused */
extern void fdw_modify_routines(FdwRoutine *routine);

/*
 * insert.c: INSERT starts sessions (StartSession) and calculations
 * (StartCalculationExecution); modify.c hands it the INSERTs.  Its state,
 * like DELETE's, starts with an FdwModifyKind.
 */
typedef enum FdwModifyKind
{
	FDW_MODIFY_DELETE = 1,
	FDW_MODIFY_INSERT
} FdwModifyKind;

extern List *fdw_insert_plan(PlannerInfo *root, ModifyTable *plan,
							 Index resultRelation);
extern void fdw_insert_begin(ModifyTableState *mtstate, ResultRelInfo *rinfo,
							 int eflags);
extern TupleTableSlot **fdw_insert_rows(EState *estate, ResultRelInfo *rinfo,
										TupleTableSlot **slots, int *nslots);
extern int	fdw_insert_batch_size(ResultRelInfo *rinfo);
extern void fdw_insert_end(ResultRelInfo *rinfo);
extern void fdw_insert_explain(ResultRelInfo *rinfo, struct ExplainState *es);

/* delete_where.c */
extern void fdw_delete_where_init(void);
extern void fdw_check_delete_has_where(List *quals, Relation rel);

/* delete_progress.c */
extern void fdw_delete_progress_init(void);
extern void fdw_delete_progress_begin(void);
extern void fdw_delete_progress_add(const char *id, bool calculation);
extern void fdw_delete_progress_end(void);
extern void fdw_delete_progress_report(void);

/* join_scan.c: joins on session_id that look up a batch of outer rows at once */
extern void fdw_join_scan_init(void);

/* catalog_deps.c: the server and user mapping a cache entry came from */
typedef struct FdwCatalogDeps
{
	uint32		server_hash;	/* syscache hash values */
	uint32		mapping_hash;
} FdwCatalogDeps;

extern void fdw_catalog_deps_set(FdwCatalogDeps *deps, Oid serverid, Oid umid);

/* Whether a syscache invalidation (cacheid, hashvalue) reaches deps. */
extern bool fdw_catalog_deps_hit(const FdwCatalogDeps *deps, int cacheid,
								 uint32 hashvalue);

/*
 * A backend-local hash table (keys compared as bytes) whose entries hold
 * FdwCatalogDeps: invalidate is called on every invalidation of a server
 * or a user mapping, to forget the entries it reaches.
 */
extern HTAB *fdw_catalog_cache_create(const char *name, Size keysize,
									  Size entrysize,
									  SyscacheCallbackFunction invalidate);

/* remote_text.c: network text made fit for a message */
extern char *fdw_remote_text(const char *utf8);

/* import.c */
extern List *fdw_import_foreign_schema(ImportForeignSchemaStmt *stmt,
									   Oid serverOid);

#endif							/* ATHENA_FDW_H */
