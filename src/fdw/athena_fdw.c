/*
 * athena_fdw.c
 *		The foreign data wrapper's callbacks: planning, scanning, EXPLAIN and
 *		IMPORT FOREIGN SCHEMA for the athena_sessions table.
 *
 * A scan needs a session_id condition: each distinct id becomes one
 * GetSessionStatus call.  Conditions that compare session_id with another
 * table's column become parameterized paths, so joins run as nested loops
 * that ask Athena only for the ids the outer side produces.
 */
#include "postgres.h"

#include <math.h>

#include "access/table.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"

#include "athena_fdw.h"

PG_MODULE_MAGIC;

/*
 * Costs, in the planner's units.  A call is a network round trip, far
 * dearer than a page read; calls run max_concurrency at a time.
 */
#define ATHENA_STARTUP_COST		10.0
#define ATHENA_CALL_COST		100.0
/*
 * A scan without a session_id condition would have to list every session,
 * which this version cannot do; the cost keeps the planner away from it
 * whenever a parameterized path exists.
 */
#define ATHENA_UNBOUNDED_COST	1.0e10
#define ATHENA_UNBOUNDED_ROWS	1000.0

/* Planner state of one foreign table, in baserel->fdw_private. */
typedef struct AthenaRelInfo
{
	AttrNumber	session_id_attno;
	int			max_concurrency;
	bool		has_id_qual;
	AthenaIdQual id_qual;		/* the best restriction on session_id */
} AthenaRelInfo;

/* Items of ForeignScan.fdw_private */
enum AthenaPlanPrivate
{
	PLAN_IS_ARRAY				/* Integer: ids come from = ANY(array) */
};

/* Execution state of one foreign scan. */
typedef struct AthenaScanState
{
	MemoryContext scan_cxt;		/* everything of this scan */
	MemoryContext batch_cxt;	/* ids of the current (re)scan */
	FdwColumnMap *columns;
	AthenaClientConfig config;
	const char *endpoint_text;	/* the option, for messages */
	Endpoint	endpoint;		/* parsed; its strings are malloc'd */
	HttpClient *client;			/* from the connection cache */
	ExprState  *ids_expr;
	bool		ids_is_array;
	AthenaStatusScan *status_scan;	/* requests of the current (re)scan */
	bool		started;
	HttpStats	totals;			/* over all (re)scans, for EXPLAIN ANALYZE */
} AthenaScanState;

PG_FUNCTION_INFO_V1(athena_fdw_handler);

/* ---------- planning ---------- */

static double
lookup_cost(AthenaRelInfo *info, double ids)
{
	return ATHENA_STARTUP_COST +
		ceil(ids / info->max_concurrency) * ATHENA_CALL_COST +
		ids * cpu_tuple_cost;
}

static void
athenaGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
						Oid foreigntableid)
{
	AthenaRelInfo *info = palloc0(sizeof(AthenaRelInfo));
	ForeignTable *table = GetForeignTable(foreigntableid);
	FdwOptions	options;
	Relation	rel;
	ListCell   *lc;

	fdw_get_options(GetForeignServer(table->serverid), table, NULL, &options);
	info->max_concurrency = options.max_concurrency;

	rel = table_open(foreigntableid, NoLock);
	info->session_id_attno = fdw_session_id_attno(rel);
	table_close(rel, NoLock);

	/* Of several session_id restrictions, send the one with fewest ids. */
	foreach(lc, baserel->baserestrictinfo)
	{
		AthenaIdQual qual;

		if (athena_match_id_clause(root, baserel, info->session_id_attno,
								   lfirst_node(RestrictInfo, lc), &qual) &&
			(!info->has_id_qual ||
			 qual.estimated_ids < info->id_qual.estimated_ids))
		{
			info->id_qual = qual;
			info->has_id_qual = true;
		}
	}

	baserel->tuples = ATHENA_UNBOUNDED_ROWS;
	baserel->rows = info->has_id_qual
		? clamp_row_est(info->id_qual.estimated_ids)
		: ATHENA_UNBOUNDED_ROWS;
	baserel->fdw_private = info;
}

static void
add_lookup_path(PlannerInfo *root, RelOptInfo *baserel, AthenaRelInfo *info,
				AthenaIdQual *qual, Relids required_outer)
{
	double		rows = clamp_row_est(qual->estimated_ids);

	add_path(baserel, (Path *)
			 create_foreignscan_path(root, baserel, NULL, rows,
									 ATHENA_STARTUP_COST,
									 lookup_cost(info, qual->estimated_ids),
									 NIL, required_outer, NULL,
									 list_make1(qual->rinfo)));
}

/* Equivalence-class members that are our session_id column. */
static bool
ec_member_is_session_id(PlannerInfo *root, RelOptInfo *rel,
						EquivalenceClass *ec, EquivalenceMember *em, void *arg)
{
	return athena_is_session_id_var((Node *) em->em_expr, rel,
									*(AttrNumber *) arg);
}

/*
 * Adds a parameterized path for each join condition on session_id: the
 * nested loop then passes each outer row's id into a rescan.
 */
static void
add_parameterized_paths(PlannerInfo *root, RelOptInfo *baserel,
						AthenaRelInfo *info)
{
	List	   *candidates = NIL;
	ListCell   *lc;

	if (info->session_id_attno == InvalidAttrNumber)
		return;

	/* plain join clauses (outer joins, non-mergejoinable expressions) */
	foreach(lc, baserel->joininfo)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);

		if (join_clause_is_movable_to(rinfo, baserel))
			candidates = lappend(candidates, rinfo);
	}

	/* equalities absorbed into equivalence classes: s.session_id = j.id */
	candidates = list_concat(candidates,
							 generate_implied_equalities_for_column(root, baserel,
																	ec_member_is_session_id,
																	&info->session_id_attno,
																	baserel->lateral_referencers));

	foreach(lc, candidates)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);
		AthenaIdQual qual;
		Relids		required_outer;

		if (!athena_match_id_clause(root, baserel, info->session_id_attno,
									rinfo, &qual))
			continue;
		required_outer = bms_union(bms_difference(rinfo->clause_relids,
												  baserel->relids),
								   baserel->lateral_relids);
		if (bms_is_empty(required_outer))
			continue;
		add_lookup_path(root, baserel, info, &qual, required_outer);
	}
}

static void
athenaGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel,
					  Oid foreigntableid)
{
	AthenaRelInfo *info = (AthenaRelInfo *) baserel->fdw_private;

	if (info->has_id_qual)
		add_lookup_path(root, baserel, info, &info->id_qual,
						baserel->lateral_relids);
	else
		add_path(baserel, (Path *)
				 create_foreignscan_path(root, baserel, NULL,
										 ATHENA_UNBOUNDED_ROWS,
										 ATHENA_UNBOUNDED_COST,
										 ATHENA_UNBOUNDED_COST,
										 NIL, baserel->lateral_relids,
										 NULL, NIL));

	add_parameterized_paths(root, baserel, info);
}

static ForeignScan *
athenaGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel,
					 Oid foreigntableid, ForeignPath *best_path,
					 List *tlist, List *scan_clauses, Plan *outer_plan)
{
	AthenaRelInfo *info = (AthenaRelInfo *) baserel->fdw_private;
	AthenaIdQual qual;
	RestrictInfo *id_rinfo;
	List	   *recheck_clauses;

	if (best_path->fdw_private == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("a query on foreign table \"%s\" needs a condition on \"session_id\"",
						get_rel_name(foreigntableid)),
				 errhint("Add WHERE session_id = ..., session_id IN (...) or session_id = ANY(...), or join on session_id.")));

	id_rinfo = linitial_node(RestrictInfo, best_path->fdw_private);
	if (!athena_match_id_clause(root, baserel, info->session_id_attno,
								id_rinfo, &qual))
		elog(ERROR, "athena_fdw: session_id condition no longer matches");

	/*
	 * Every condition, the pushed one included, is checked again, so the
	 * rows are exactly what the SQL says whatever Athena returns.  A pushed
	 * session_id = ANY(ids) is checked by the scan instead of the executor:
	 * every row carries the very id it was asked for (athena_client.c), a
	 * constant-time check, where the executor would compare each row with
	 * every id of the array, O(n^2) for ARRAY(SELECT ...) of thousands of
	 * ids.  It stays in fdw_recheck_quals for EvalPlanQual.  The id
	 * expression goes into fdw_exprs so that the planner turns outer
	 * references into executor parameters.
	 */
	recheck_clauses = qual.is_array ? list_make1(id_rinfo->clause) : NIL;
	scan_clauses = extract_actual_clauses(qual.is_array
										  ? list_delete_ptr(list_copy(scan_clauses), id_rinfo)
										  : scan_clauses,
										  false);

	return make_foreignscan(tlist, scan_clauses, baserel->relid,
							list_make1(qual.ids),
							list_make1(makeInteger(qual.is_array)),
							NIL, recheck_clauses, outer_plan);
}

/* ---------- execution ---------- */

static void
check_interrupts(void *arg)
{
	CHECK_FOR_INTERRUPTS();
}

static void
accumulate_stats(AthenaScanState *state)
{
	const HttpStats *stats = athena_client_status_scan_stats(state->status_scan);

	state->totals.attempts += stats->attempts;
	state->totals.retries += stats->retries;
	state->totals.api_usec += stats->api_usec;
	state->totals.peak_in_flight = Max(state->totals.peak_in_flight,
									   stats->peak_in_flight);
}

static void
end_status_scan(AthenaScanState *state)
{
	if (state->status_scan != NULL)
	{
		accumulate_stats(state);
		athena_client_status_scan_end(state->status_scan);
		state->status_scan = NULL;
	}
}

/*
 * Runs when the scan's memory goes away, normally or while an ERROR
 * unwinds: curl handles, sockets in flight and malloc'd buffers are not
 * palloc'd, so they are released here.
 */
static void
release_scan_resources(void *arg)
{
	AthenaScanState *state = (AthenaScanState *) arg;

	if (state->status_scan != NULL)
	{
		athena_client_status_scan_end(state->status_scan);
		state->status_scan = NULL;
	}
	if (state->client != NULL)
	{
		athena_connection_release(state->client);
		state->client = NULL;
	}
	endpoint_free(&state->endpoint);
}

/*
 * The option validator refuses what the client cannot use, but a value
 * stored before it did, or a default built from the region, still gets the
 * same parser's reason rather than failing later.
 */
static void
parse_endpoint(AthenaScanState *state)
{
	char		reason[256];

	if (!endpoint_parse(state->endpoint_text, &state->endpoint,
						reason, sizeof(reason)))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"endpoint\": %s", reason),
				 errdetail("The endpoint is \"%s\".", state->endpoint_text)));
}

static void
athenaBeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	Relation	rel = node->ss.ss_currentRelation;
	ForeignTable *table;
	ForeignServer *server;
	UserMapping *user;
	FdwOptions	options;
	AthenaScanState *state;
	MemoryContext oldcxt;
	MemoryContextCallback *callback;
	RangeTblEntry *rte;
	Oid			userid;

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	state = palloc0(sizeof(AthenaScanState));
	state->scan_cxt = AllocSetContextCreate(estate->es_query_cxt,
											"athena_fdw scan",
											ALLOCSET_DEFAULT_SIZES);
	state->batch_cxt = AllocSetContextCreate(state->scan_cxt,
											 "athena_fdw ids",
											 ALLOCSET_DEFAULT_SIZES);
	node->fdw_state = state;
	oldcxt = MemoryContextSwitchTo(state->scan_cxt);

	/* whom to sign as: the same user whose permissions the executor checks */
	rte = exec_rt_fetch(plan->scan.scanrelid, estate);
	userid = OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
	table = GetForeignTable(RelationGetRelid(rel));
	server = GetForeignServer(table->serverid);
	user = GetUserMapping(userid, server->serverid);

	fdw_get_options(server, table, user, &options);
	fdw_resolve_endpoint(server, &options);
	fdw_get_credentials(server, &options, &state->config.credentials);
	state->endpoint_text = options.endpoint;
	state->config.endpoint = &state->endpoint;
	state->config.region = options.region;
	state->config.http.max_concurrency = options.max_concurrency;
	state->config.http.connect_timeout_ms = options.connect_timeout_ms;
	state->config.http.request_timeout_ms = options.request_timeout_ms;
	state->config.http.max_retries = options.max_retries;
	state->config.http.max_body_bytes = ATHENA_MAX_BODY_BYTES;
	state->config.http.user_agent = ATHENA_USER_AGENT;

	state->columns = fdw_map_columns(rel);
	state->ids_expr = ExecInitExpr(linitial(plan->fdw_exprs),
								   (PlanState *) node);
	state->ids_is_array = intVal(list_nth(plan->fdw_private, PLAN_IS_ARRAY));

	callback = palloc0(sizeof(MemoryContextCallback));
	callback->func = release_scan_resources;
	callback->arg = state;
	MemoryContextRegisterResetCallback(state->scan_cxt, callback);
	parse_endpoint(state);
	state->client = athena_connection_acquire(user);

	MemoryContextSwitchTo(oldcxt);
}

/* Evaluates the ids for this (re)scan and sends the requests. */
static void
start_status_scan(ForeignScanState *node, AthenaScanState *state)
{
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	MemoryContext oldcxt;
	const char **ids;
	int			nids;
	Datum		value;
	bool		isnull;

	MemoryContextReset(state->batch_cxt);
	value = ExecEvalExpr(state->ids_expr, econtext, &isnull);

	oldcxt = MemoryContextSwitchTo(state->batch_cxt);
	nids = athena_collect_ids(value, isnull, state->ids_is_array, &ids);
	MemoryContextSwitchTo(oldcxt);

	state->started = true;
	if (nids == 0)
		return;

	state->status_scan = athena_client_status_scan_begin(state->client, &state->config,
												  ids, nids, check_interrupts,
												  NULL);
	if (state->status_scan == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OUT_OF_MEMORY),
				 errmsg("out of memory")));
}

static int
failure_sqlstate(const AthenaFailure *failure)
{
	const char *type = failure->error.type;

	if (failure->kind == ATHENA_FAIL_NETWORK)
		return ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION;
	if (failure->kind == ATHENA_FAIL_AWS)
	{
		if (strcmp(type, "AccessDeniedException") == 0)
			return ERRCODE_INSUFFICIENT_PRIVILEGE;
		if (strcmp(type, "UnrecognizedClientException") == 0 ||
			strcmp(type, "InvalidSignatureException") == 0 ||
			strcmp(type, "MissingAuthenticationTokenException") == 0 ||
			strcmp(type, "IncompleteSignatureException") == 0 ||
			strcmp(type, "ExpiredTokenException") == 0)
			return ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION;
	}
	return ERRCODE_FDW_ERROR;
}

/*
 * Raises the ERROR for a failed call.  The core's strings are malloc'd, so
 * they are copied and freed before ereport jumps away.
 */
static void
report_failure(AthenaScanState *state, AthenaFailure *failure)
{
	int			sqlstate = failure_sqlstate(failure);
	AthenaFailureKind kind = failure->kind;
	int			attempts = failure->attempts;
	int			http_status = failure->error.http_status;
	char	   *type = pstrdup(failure->error.type);
	char	   *message = pstrdup(failure->error.message);
	char	   *request_id = failure->error.request_id
		? pstrdup(failure->error.request_id) : NULL;

	aws_json_error_free(&failure->error);

	if (kind == ATHENA_FAIL_NETWORK)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("could not reach Athena at \"%s\": %s",
						state->endpoint_text, message),
				 errdetail_plural("Gave up after %d attempt.",
								  "Gave up after %d attempts.",
								  attempts, attempts)));

	ereport(ERROR,
			(errcode(sqlstate),
			 kind == ATHENA_FAIL_AWS
			 ? errmsg("Athena GetSessionStatus failed: %s: %s", type, message)
			 : errmsg("invalid response from Athena GetSessionStatus: %s",
					  message),
			 errdetail_plural("HTTP status %d, x-amzn-RequestId %s, %d attempt.",
							  "HTTP status %d, x-amzn-RequestId %s, %d attempts.",
							  attempts, http_status,
							  request_id ? request_id : "(none)", attempts)));
}

static TupleTableSlot *
athenaIterateForeignScan(ForeignScanState *node)
{
	AthenaScanState *state = (AthenaScanState *) node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	AthenaSession session;
	AthenaFailure failure;
	AthenaFetch fetch;

	ExecClearTuple(slot);
	if (!state->started)
		start_status_scan(node, state);
	if (state->status_scan == NULL)
		return slot;

	fetch = athena_client_status_scan_next(state->status_scan, &session, &failure);
	if (fetch == ATHENA_FETCH_DONE)
	{
		end_status_scan(state);
		return slot;
	}
	if (fetch == ATHENA_FETCH_FAILED)
		report_failure(state, &failure);

	/* a conversion ERROR must not leak the malloc'd session */
	PG_TRY();
	{
		const void *sources[FDW_NUM_SOURCES] = {0};

		sources[FDW_SOURCE_STATUS] = &session;
		fdw_fill_row(state->columns, sources,
					 slot->tts_values, slot->tts_isnull);
	}
	PG_FINALLY();
	{
		aws_json_session_free(&session);
	}
	PG_END_TRY();

	return ExecStoreVirtualTuple(slot);
}

static void
athenaReScanForeignScan(ForeignScanState *node)
{
	AthenaScanState *state = (AthenaScanState *) node->fdw_state;

	end_status_scan(state);
	state->started = false;
}

static void
athenaEndForeignScan(ForeignScanState *node)
{
	AthenaScanState *state = (AthenaScanState *) node->fdw_state;

	if (state == NULL)
		return;
	end_status_scan(state);
	MemoryContextDelete(state->scan_cxt);
}

/* ---------- EXPLAIN ---------- */

static void
athenaExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	AthenaScanState *state = (AthenaScanState *) node->fdw_state;
	List	   *context;
	char	   *ids;

	context = set_deparse_context_plan(deparse_context_for_plan_tree(es->pstmt,
																	 es->rtable_names),
									   (Plan *) plan, NIL);
	ids = deparse_expression(linitial(plan->fdw_exprs), context,
							 list_length(es->rtable) > 1, false);

	ExplainPropertyText("Athena API", "GetSessionStatus", es);
	ExplainPropertyText(intVal(list_nth(plan->fdw_private, PLAN_IS_ARRAY))
						? "Session IDs" : "Session ID", ids, es);

	if (es->analyze && state != NULL)
	{
		ExplainPropertyInteger("API Calls", NULL, (int64) state->totals.attempts, es);
		ExplainPropertyInteger("API Retries", NULL, (int64) state->totals.retries, es);
		if (es->timing)
			ExplainPropertyFloat("API Time", "ms",
								 state->totals.api_usec / 1000.0, 3, es);
	}
}

/* ---------- handler ---------- */

static List *
athenaImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	return fdw_import_foreign_schema(stmt, serverOid);
}

Datum
athena_fdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	routine->GetForeignRelSize = athenaGetForeignRelSize;
	routine->GetForeignPaths = athenaGetForeignPaths;
	routine->GetForeignPlan = athenaGetForeignPlan;
	routine->BeginForeignScan = athenaBeginForeignScan;
	routine->IterateForeignScan = athenaIterateForeignScan;
	routine->ReScanForeignScan = athenaReScanForeignScan;
	routine->EndForeignScan = athenaEndForeignScan;
	routine->ExplainForeignScan = athenaExplainForeignScan;
	routine->ImportForeignSchema = athenaImportForeignSchema;

	PG_RETURN_POINTER(routine);
}
