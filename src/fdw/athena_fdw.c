/*
 * athena_fdw.c
 *		The foreign data wrapper's callbacks: planning, scanning, EXPLAIN and
 *		IMPORT FOREIGN SCHEMA for the athena_sessions table.
 *
 * A scan needs a session_id condition: each distinct id becomes one
 * GetSessionStatus call.  Conditions that compare session_id with another
 * table's column become parameterized paths, so joins run as nested loops
 * that ask Athena only for the ids the outer side produces, or as batched
 * joins (join_scan.c) that ask for a whole batch of outer ids at once.
 */
#include "postgres.h"

#include <math.h>

#include "access/table.h"
#include "catalog/pg_type.h"
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

/* Items of ForeignScan.fdw_private */
enum AthenaPlanPrivate
{
	PLAN_IS_ARRAY				/* Integer: ids come from = ANY(array) */
};

/* Execution state of one foreign scan. */
typedef struct FdwScanState
{
	FdwLookup  *lookup;			/* client, columns, the fan-out under way */
	MemoryContext ids_cxt;		/* ids of the current (re)scan */
	ExprState  *ids_expr;
	bool		ids_is_array;
	bool		started;		/* ids of this (re)scan evaluated and sent */
} FdwScanState;

PG_FUNCTION_INFO_V1(athena_fdw_handler);

static void athenaGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
									Oid foreigntableid);

/* ---------- planning ---------- */

/* The cost of looking up ids, max_concurrency at a time. */
double
fdw_lookup_cost(int max_concurrency, double ids)
{
	return ATHENA_STARTUP_COST +
		ceil(ids / max_concurrency) * ATHENA_CALL_COST +
		ids * cpu_tuple_cost;
}

/* The planner state of rel if it is a foreign table of athena_fdw. */
FdwRelInfo *
fdw_rel_info(RelOptInfo *rel)
{
	if (rel->reloptkind != RELOPT_BASEREL || rel->fdwroutine == NULL ||
		rel->fdwroutine->GetForeignRelSize != athenaGetForeignRelSize)
		return NULL;
	return (FdwRelInfo *) rel->fdw_private;
}

/*
 * Whether the scan's own check of a pushed id list (every row carries the
 * id it was asked for, athena_client.c) is the executor's check: only when
 * the column holds the id unchanged.  A varchar(n) column trims trailing
 * spaces, a domain or another type may transform it; those get the
 * executor's recheck.
 */
static bool
scan_can_check_ids(Form_pg_attribute session_id)
{
	return session_id->atttypid == TEXTOID ||
		(session_id->atttypid == VARCHAROID && session_id->atttypmod < 0);
}

static void
athenaGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
						Oid foreigntableid)
{
	FdwRelInfo *info = palloc0(sizeof(FdwRelInfo));
	ForeignTable *table = GetForeignTable(foreigntableid);
	FdwOptions	options;
	Relation	rel;
	ListCell   *lc;

	fdw_get_options(GetForeignServer(table->serverid), table, NULL, &options);
	info->max_concurrency = options.max_concurrency;

	rel = table_open(foreigntableid, NoLock);
	info->session_id_attno = fdw_session_id_attno(rel);
	info->scan_checks_ids = info->session_id_attno != InvalidAttrNumber &&
		scan_can_check_ids(TupleDescAttr(RelationGetDescr(rel),
										 info->session_id_attno - 1));
	table_close(rel, NoLock);

	/* Of several session_id restrictions, send the one with fewest ids. */
	foreach(lc, baserel->baserestrictinfo)
	{
		FdwIdQual qual;

		if (fdw_match_id_clause(root, baserel, info->session_id_attno,
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
add_lookup_path(PlannerInfo *root, RelOptInfo *baserel, FdwRelInfo *info,
				FdwIdQual *qual, Relids required_outer)
{
	double		rows = clamp_row_est(qual->estimated_ids);

	add_path(baserel, (Path *)
			 create_foreignscan_path(root, baserel, NULL, rows,
									 ATHENA_STARTUP_COST,
									 fdw_lookup_cost(info->max_concurrency, qual->estimated_ids),
									 NIL, required_outer, NULL,
									 list_make1(qual->rinfo)));
}

/* Equivalence-class members that are our session_id column. */
static bool
ec_member_is_session_id(PlannerInfo *root, RelOptInfo *rel,
						EquivalenceClass *ec, EquivalenceMember *em, void *arg)
{
	return fdw_is_session_id_var((Node *) em->em_expr, rel,
									*(AttrNumber *) arg);
}

/*
 * Adds a parameterized path for each join condition on session_id: the
 * nested loop then passes each outer row's id into a rescan.
 */
static void
add_parameterized_paths(PlannerInfo *root, RelOptInfo *baserel,
						FdwRelInfo *info)
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
		FdwIdQual qual;
		Relids		required_outer;

		if (!fdw_match_id_clause(root, baserel, info->session_id_attno,
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
	FdwRelInfo *info = (FdwRelInfo *) baserel->fdw_private;

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
	FdwRelInfo *info = (FdwRelInfo *) baserel->fdw_private;
	FdwIdQual qual;
	RestrictInfo *id_rinfo;
	List	   *recheck_clauses;
	bool		scan_checks;

	if (best_path->fdw_private == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("a query on foreign table \"%s\" needs a condition on \"session_id\"",
						get_rel_name(foreigntableid)),
				 errhint("Add WHERE session_id = ..., session_id IN (...) or session_id = ANY(...), or join on session_id.")));

	id_rinfo = linitial_node(RestrictInfo, best_path->fdw_private);
	if (!fdw_match_id_clause(root, baserel, info->session_id_attno,
								id_rinfo, &qual))
		elog(ERROR, "athena_fdw: session_id condition no longer matches");

	/*
	 * Every condition, the pushed one included, is checked again, so the
	 * rows are exactly what the SQL says whatever Athena returns.  A pushed
	 * list of ids (= ANY, IN, an OR of equalities) is checked by the scan
	 * instead of the executor when the column keeps ids as they are: every
	 * row carries the very id it was asked for (athena_client.c), a
	 * constant-time check, where the executor would compare each row with
	 * every id of the array, O(n^2) for ARRAY(SELECT ...) of thousands of
	 * ids.  It stays in fdw_recheck_quals for EvalPlanQual.  The id
	 * expression goes into fdw_exprs so that the planner turns outer
	 * references into executor parameters.
	 */
	scan_checks = qual.is_array && info->scan_checks_ids;
	recheck_clauses = scan_checks ? list_make1(id_rinfo->clause) : NIL;
	scan_clauses = extract_actual_clauses(scan_checks
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
athenaBeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	FdwScanState *state;
	RangeTblEntry *rte;
	Oid			userid;

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	state = palloc0(sizeof(FdwScanState));
	node->fdw_state = state;

	/* whom to sign as: the same user whose permissions the executor checks */
	rte = exec_rt_fetch(plan->scan.scanrelid, estate);
	userid = OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
	state->lookup = fdw_lookup_create(node->ss.ss_currentRelation, userid);
	state->ids_cxt = AllocSetContextCreate(CurrentMemoryContext,
										   "athena_fdw ids",
										   ALLOCSET_DEFAULT_SIZES);
	state->ids_expr = ExecInitExpr(linitial(plan->fdw_exprs),
								   (PlanState *) node);
	state->ids_is_array = intVal(list_nth(plan->fdw_private, PLAN_IS_ARRAY));
}

/* Evaluates the ids for this (re)scan and sends the requests. */
static void
start_lookup(ForeignScanState *node, FdwScanState *state)
{
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	MemoryContext oldcxt;
	const char **ids;
	int			nids;
	Datum		value;
	bool		isnull;

	MemoryContextReset(state->ids_cxt);
	value = ExecEvalExpr(state->ids_expr, econtext, &isnull);

	oldcxt = MemoryContextSwitchTo(state->ids_cxt);
	nids = fdw_collect_ids(value, isnull, state->ids_is_array, &ids);
	MemoryContextSwitchTo(oldcxt);

	fdw_lookup_start(state->lookup, ids, nids);
	state->started = true;
}

static TupleTableSlot *
athenaIterateForeignScan(ForeignScanState *node)
{
	FdwScanState *state = (FdwScanState *) node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;

	ExecClearTuple(slot);
	if (!state->started)
		start_lookup(node, state);
	if (!fdw_lookup_next(state->lookup, slot->tts_values, slot->tts_isnull,
						 NULL))
		return slot;
	return ExecStoreVirtualTuple(slot);
}

static void
athenaReScanForeignScan(ForeignScanState *node)
{
	FdwScanState *state = (FdwScanState *) node->fdw_state;

	fdw_lookup_finish(state->lookup);
	state->started = false;
}

static void
athenaEndForeignScan(ForeignScanState *node)
{
	FdwScanState *state = (FdwScanState *) node->fdw_state;

	if (state == NULL)
		return;
	fdw_lookup_destroy(state->lookup);
	MemoryContextDelete(state->ids_cxt);
}

/* ---------- EXPLAIN ---------- */

static void
athenaExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	FdwScanState *state = (FdwScanState *) node->fdw_state;
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
		fdw_lookup_explain(state->lookup, es);
}

/* ---------- handler ---------- */

void
_PG_init(void)
{
	fdw_join_scan_init();
}

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
