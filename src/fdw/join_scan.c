/*
 * join_scan.c
 *		Joins of a local relation with an athena_fdw foreign table on
 *		session_id that look up a whole batch of outer rows at once, up to
 *		max_concurrency calls in flight, instead of one parameterized rescan
 *		(one round trip) per outer row.
 *
 * The planner hook offers a CustomPath for an inner, left, semi or anti join
 * whose inner side is the foreign table and whose join conditions include
 * session_id = <expression of the outer side>.  Its cost is that of one
 * fan-out over all outer rows plus a small fixed charge for buffering, so a
 * single outer row keeps the plain parameterized nested loop.
 *
 * The plan's only child is the outer side.  The executor reads up to
 * JOIN_BATCH_ROWS outer rows (fewer if they outgrow work_mem), evaluates
 * their ids, fetches the distinct ones in one fan-out (session_source.c), then emits
 * the outer rows in their order, each joined with the session of its id.
 * An id has at most one session, so an outer row has at most one partner and
 * the rows are exactly the nested loop's: the foreign table's own conditions
 * and the join's conditions (session_id equality included) are evaluated per
 * outer row as the nested loop does, then the left/anti join null-extends.
 *
 * The scan tuple (custom_scan_tlist) is the child's columns followed by every
 * column of the foreign table, and its whole row when UPDATE, DELETE or
 * FOR UPDATE need it to recheck rows; after set_customscan_references the
 * target list and all conditions refer to it through INDEX_VAR.  A recheck
 * (EvalPlanQual) joins the outer side's test row with the foreign row's
 * kept copy, without asking Athena again.
 */
#include "postgres.h"

#include "access/sysattr.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/extensible.h"
#include "nodes/makefuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/restrictinfo.h"
#include "parser/parsetree.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"

#include "athena_fdw.h"

#define JOIN_SCAN_NAME		"AthenaBatchedJoin"

/* Outer rows looked up in one fan-out, at most. */
#define JOIN_BATCH_ROWS		1000

/*
 * Buffering a batch, in the planner's units: a tenth of a call, enough that
 * one outer row stays on the nested loop, which streams.
 */
#define JOIN_BATCH_COST		10.0

/* Items of CustomPath.custom_private */
enum JoinPathPrivate
{
	PATH_ID_CLAUSE,				/* RestrictInfo: session_id = outer expr */
	PATH_RESTRICTLIST,			/* List of RestrictInfo: the join's clauses */
	PATH_INNER_RELID,			/* Integer: the foreign table's relid */
	PATH_JOINTYPE,				/* Integer: JoinType */
	PATH_WHOLE_ROW				/* Boolean: the foreign table's row is needed */
};

/* Items of CustomScan.custom_exprs */
enum JoinScanExprs
{
	EXPR_SESSION_ID,			/* the outer rows' id */
	EXPR_INNER_QUALS,			/* List: the foreign table's own conditions */
	EXPR_JOIN_QUALS,			/* List: the join's (ON) conditions */
	EXPR_OTHER_QUALS			/* List: filters of outer joins' result rows */
};

/* Items of CustomScan.custom_private */
enum JoinScanPrivate
{
	PRIVATE_JOINTYPE,			/* Integer: JoinType */
	PRIVATE_DETAILS				/* Integer: FDW_CALL_* for each row */
};

/* One session of the batch, as the foreign table's columns. */
typedef struct InnerRow
{
	Datum	   *values;
	bool	   *nulls;
} InnerRow;

typedef struct JoinScanState
{
	CustomScanState css;
	JoinType	jointype;
	ExprState  *id_expr;
	ExprState  *inner_qual;
	ExprState  *join_qual;
	ExprState  *other_qual;
	PlanState  *outer_ps;
	TupleTableSlot *outer_slot; /* to read back the batch's outer rows */
	int			outer_natts;
	int			inner_natts;	/* the table's columns, and its whole row if
								 * needed */
	int			table_natts;
	bool		whole_row;
	TupleDesc	table_desc;
	Index		inner_rti;
	TupleTableSlot *epq_slot;	/* the foreign row an EvalPlanQual rechecks */
	FdwSessionSource *source;	/* NULL under EXPLAIN without ANALYZE */
	MemoryContext batch_cxt;	/* everything of the current batch */

	/* the current batch */
	MinimalTuple *outer_rows;
	const char **row_ids;		/* per outer row, UTF-8; NULL for NULL */
	int			nrows;
	int			next_row;		/* next outer row to emit */
	const char **ids;			/* distinct ids, sorted */
	InnerRow  **sessions;		/* per distinct id; NULL if unknown */
	int			nids;
	bool		outer_done;

	int64		batches;		/* for EXPLAIN ANALYZE */
} JoinScanState;

static set_join_pathlist_hook_type prev_join_pathlist_hook = NULL;

static Plan *plan_join_scan(PlannerInfo *root, RelOptInfo *rel,
							CustomPath *best_path, List *tlist,
							List *clauses, List *custom_plans);
static Node *create_join_scan_state(CustomScan *cscan);
static void begin_join_scan(CustomScanState *node, EState *estate, int eflags);
static TupleTableSlot *exec_join_scan(CustomScanState *node);
static void end_join_scan(CustomScanState *node);
static void rescan_join_scan(CustomScanState *node);
static void explain_join_scan(CustomScanState *node, List *ancestors,
							  ExplainState *es);

static const CustomPathMethods join_path_methods = {
	.CustomName = JOIN_SCAN_NAME,
	.PlanCustomPath = plan_join_scan,
};

static const CustomScanMethods join_scan_methods = {
	.CustomName = JOIN_SCAN_NAME,
	.CreateCustomScanState = create_join_scan_state,
};

static const CustomExecMethods join_exec_methods = {
	.CustomName = JOIN_SCAN_NAME,
	.BeginCustomScan = begin_join_scan,
	.ExecCustomScan = exec_join_scan,
	.EndCustomScan = end_join_scan,
	.ReScanCustomScan = rescan_join_scan,
	.ExplainCustomScan = explain_join_scan,
};

/* ---------- planning ---------- */

/*
 * Which of the foreign table's attributes the join needs, offset by
 * FirstLowInvalidHeapAttributeNumber as pull_varattnos() does; false if it
 * needs something the scan tuple cannot carry (a system column, or a
 * placeholder computed at the foreign table).  The whole-row value is what
 * UPDATE, DELETE and FOR UPDATE/SHARE need of a foreign table they do not
 * lock (ROW_MARK_COPY), to recheck a row (EvalPlanQual).
 */
static bool
needed_attributes(RelOptInfo *innerrel, List *restrictlist, Bitmapset **attrs)
{
	ListCell   *lc;

	foreach(lc, innerrel->reltarget->exprs)
	{
		if (!IsA(lfirst(lc), Var))
			return false;
	}
	*attrs = NULL;
	pull_varattnos((Node *) innerrel->reltarget->exprs, innerrel->relid, attrs);
	pull_varattnos((Node *) extract_actual_clauses(restrictlist, false),
				   innerrel->relid, attrs);
	pull_varattnos((Node *) extract_actual_clauses(innerrel->baserestrictinfo, false),
				   innerrel->relid, attrs);
	return bms_is_empty(*attrs) ||
		bms_next_member(*attrs, -1) >= -FirstLowInvalidHeapAttributeNumber;
}

/* Gating conditions (no variables) would need a Result node above us. */
static bool
has_pseudoconstant(List *restrictlist)
{
	ListCell   *lc;

	foreach(lc, restrictlist)
	{
		if (lfirst_node(RestrictInfo, lc)->pseudoconstant)
			return true;
	}
	return false;
}

/* A join condition session_id = <expression of the outer side only>. */
static RestrictInfo *
find_id_clause(PlannerInfo *root, RelOptInfo *joinrel, RelOptInfo *outerrel,
			   RelOptInfo *innerrel, FdwRelInfo *info, JoinType jointype,
			   List *restrictlist)
{
	ListCell   *lc;

	foreach(lc, restrictlist)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);
		FdwValuesQual qual;

		/* under an outer join, only an ON condition decides the partner */
		if (IS_OUTER_JOIN(jointype) &&
			RINFO_IS_PUSHED_DOWN(rinfo, joinrel->relids))
			continue;
		if (fdw_match_id_clause(root, innerrel, info->id_attno,
								rinfo, &qual) &&
			!qual.is_array &&
			bms_is_subset(pull_varnos(root, (Node *) qual.ids),
						  outerrel->relids))
			return rinfo;
	}
	return NULL;
}

static void
add_join_scan_path(PlannerInfo *root, RelOptInfo *joinrel,
				   RelOptInfo *outerrel, RelOptInfo *innerrel,
				   JoinType jointype, JoinPathExtraData *extra)
{
	FdwRelInfo *info;
	RestrictInfo *id_rinfo;
	Bitmapset  *attrs;
	Path	   *outer_path;
	CustomPath *path;
	QualCost	qual_cost;
	double		outer_rows;
	double		first_batch;

	if (prev_join_pathlist_hook)
		prev_join_pathlist_hook(root, joinrel, outerrel, innerrel, jointype,
								extra);

	if (jointype != JOIN_INNER && jointype != JOIN_LEFT &&
		jointype != JOIN_SEMI && jointype != JOIN_ANTI)
		return;
	info = fdw_rel_info(innerrel);
	/* batches of session ids; calculations join as nested loops */
	if (info == NULL || info->id_attno == InvalidAttrNumber ||
		info->table->kind != FDW_TABLE_SESSIONS)
		return;
	/* no session can meet a condition: the scan asks nothing (plan.c) */
	if (info->never_matches != NULL)
		return;

	/*
	 * the rows a DELETE or UPDATE of the foreign table acts on come from its
	 * scan
	 */
	if (bms_is_member(innerrel->relid, root->all_result_relids))
		return;

	/* a join that itself needs outer values would need a parameterized path */
	outer_path = outerrel->cheapest_total_path;
	if (!bms_is_empty(joinrel->lateral_relids) || outer_path == NULL ||
		outer_path->param_info != NULL)
		return;
	if (has_pseudoconstant(extra->restrictlist) ||
		has_pseudoconstant(innerrel->baserestrictinfo) ||
		!needed_attributes(innerrel, extra->restrictlist, &attrs))
		return;
	id_rinfo = find_id_clause(root, joinrel, outerrel, innerrel, info,
							  jointype, extra->restrictlist);
	if (id_rinfo == NULL)
		return;

	outer_rows = outer_path->rows;
	first_batch = Min(outer_rows, JOIN_BATCH_ROWS);
	cost_qual_eval(&qual_cost, extract_actual_clauses(extra->restrictlist, false),
				   root);

	path = makeNode(CustomPath);
	path->path.pathtype = T_CustomScan;
	path->path.parent = joinrel;
	path->path.pathtarget = joinrel->reltarget;
	path->path.param_info = NULL;
	path->path.parallel_aware = false;
	path->path.parallel_safe = false;
	path->path.parallel_workers = 0;
	path->path.rows = joinrel->rows;
	/* the first row waits for the first batch to be read and looked up */
	path->path.startup_cost = outer_path->startup_cost +
		(outer_path->total_cost - outer_path->startup_cost) *
		(outer_rows > 0 ? first_batch / outer_rows : 1.0) +
		JOIN_BATCH_COST + fdw_lookup_cost(info->max_concurrency, first_batch);
	path->path.total_cost = outer_path->total_cost + JOIN_BATCH_COST +
		fdw_lookup_cost(info->max_concurrency, outer_rows) +
		qual_cost.startup + qual_cost.per_tuple * outer_rows +
		joinrel->rows * cpu_tuple_cost;
	/* outer rows come out in their order */
	path->path.pathkeys = build_join_pathkeys(root, joinrel, jointype,
											  outer_path->pathkeys);
	/* ExecScan projects the scan tuple */
	path->flags = CUSTOMPATH_SUPPORT_PROJECTION;
	path->custom_paths = list_make1(outer_path);
	path->custom_private = list_make5(id_rinfo, extra->restrictlist,
									  makeInteger(innerrel->relid),
									  makeInteger(jointype),
									  makeBoolean(bms_is_member(-FirstLowInvalidHeapAttributeNumber,
																attrs)));
	path->methods = &join_path_methods;

	add_path(joinrel, &path->path);
}

static Plan *
plan_join_scan(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path,
			   List *tlist, List *clauses, List *custom_plans)
{
	RestrictInfo *id_rinfo = list_nth_node(RestrictInfo, best_path->custom_private,
										   PATH_ID_CLAUSE);
	List	   *restrictlist = list_nth(best_path->custom_private,
										PATH_RESTRICTLIST);
	Index		inner_relid = intVal(list_nth(best_path->custom_private,
											  PATH_INNER_RELID));
	JoinType	jointype = intVal(list_nth(best_path->custom_private,
										   PATH_JOINTYPE));
	bool		whole_row = boolVal(list_nth(best_path->custom_private,
											 PATH_WHOLE_ROW));
	RelOptInfo *innerrel = find_base_rel(root, inner_relid);
	FdwRelInfo *info = fdw_rel_info(innerrel);
	Plan	   *outer_plan = linitial(custom_plans);
	CustomScan *cscan = makeNode(CustomScan);
	List	   *scan_tlist = NIL;
	List	   *join_quals;
	List	   *other_quals;
	Relids		nulled = NULL;
	FdwValuesQual qual;
	Relation	table;
	TupleDesc	tupdesc;
	ListCell   *lc;
	int			i;

	if (!fdw_match_id_clause(root, innerrel, info->id_attno,
							 id_rinfo, &qual))
		elog(ERROR, "athena_fdw: session_id join condition no longer matches");

	/* above an outer join, the foreign table's Vars are nulled by it */
	if (IS_OUTER_JOIN(jointype))
		nulled = fdw_join_nulling_relids(rel,
										 ((Path *) linitial(best_path->custom_paths))->parent->relids,
										 inner_relid);

	/* the scan tuple: the outer side's columns, then the foreign table's */
	foreach(lc, outer_plan->targetlist)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		scan_tlist = lappend(scan_tlist,
							 makeTargetEntry(copyObject(tle->expr),
											 list_length(scan_tlist) + 1,
											 NULL, false));
	}
	table = table_open(planner_rt_fetch(inner_relid, root)->relid, NoLock);
	tupdesc = RelationGetDescr(table);
	for (i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		Expr	   *column = att->attisdropped
		? (Expr *) makeNullConst(INT4OID, -1, InvalidOid)
		: (Expr *) makeVar(inner_relid, att->attnum, att->atttypid,
						   att->atttypmod, att->attcollation, 0);

		column = (Expr *) fdw_mark_nulled((Node *) column, inner_relid, nulled);
		scan_tlist = lappend(scan_tlist,
							 makeTargetEntry(column, list_length(scan_tlist) + 1,
											 NULL, false));
	}
	if (whole_row)
		scan_tlist = lappend(scan_tlist,
							 makeTargetEntry((Expr *) fdw_mark_nulled((Node *) makeWholeRowVar(planner_rt_fetch(inner_relid, root),
																							   inner_relid, 0, false),
																	  inner_relid, nulled),
											 list_length(scan_tlist) + 1,
											 NULL, false));
	table_close(table, NoLock);

	/* as the nested loop: ON conditions decide a partner, the rest filter */
	if (IS_OUTER_JOIN(jointype))
		extract_actual_join_clauses(restrictlist, rel->relids,
									&join_quals, &other_quals);
	else
	{
		join_quals = extract_actual_clauses(restrictlist, false);
		other_quals = NIL;
	}

	/*
	 * The filters go into custom_exprs rather than plan.qual, so that EXPLAIN
	 * shows them with their tables' names like the others.
	 */
	cscan->scan.plan.targetlist = tlist;
	cscan->scan.plan.qual = NIL;
	cscan->scan.scanrelid = 0;
	cscan->flags = best_path->flags;
	cscan->custom_plans = custom_plans;
	cscan->custom_exprs = (List *)
		fdw_mark_nulled((Node *) list_make4(qual.ids,
											extract_actual_clauses(innerrel->baserestrictinfo, false),
											join_quals, other_quals),
						inner_relid, nulled);
	cscan->custom_private = list_make2(makeInteger(jointype),
									   makeInteger(fdw_rel_calls(info, true)));
	cscan->custom_scan_tlist = scan_tlist;
	cscan->methods = &join_scan_methods;

	return &cscan->scan.plan;
}

/* ---------- execution ---------- */

static Node *
create_join_scan_state(CustomScan *cscan)
{
	JoinScanState *state = palloc0(sizeof(JoinScanState));

	NodeSetTag(state, T_CustomScanState);
	state->css.flags = cscan->flags;
	state->css.methods = &join_exec_methods;
	return (Node *) state;
}

/* The range table index of the foreign table: its columns' Vars say it. */
static Index
inner_rtindex(CustomScan *cscan, int outer_natts)
{
	ListCell   *lc;

	for_each_from(lc, cscan->custom_scan_tlist, outer_natts)
	{
		Expr	   *expr = lfirst_node(TargetEntry, lc)->expr;

		if (IsA(expr, Var))
			return ((Var *) expr)->varno;
	}
	elog(ERROR, "athena_fdw: batched join without foreign table columns");
	return 0;					/* keep compiler quiet */
}

static void
begin_join_scan(CustomScanState *node, EState *estate, int eflags)
{
	JoinScanState *state = (JoinScanState *) node;
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	PlanState  *ps = &node->ss.ps;
	Relation	table;

	state->jointype = intVal(list_nth(cscan->custom_private, PRIVATE_JOINTYPE));
	state->id_expr = ExecInitExpr(list_nth(cscan->custom_exprs, EXPR_SESSION_ID), ps);
	state->inner_qual = ExecInitQual(list_nth(cscan->custom_exprs, EXPR_INNER_QUALS), ps);
	state->join_qual = ExecInitQual(list_nth(cscan->custom_exprs, EXPR_JOIN_QUALS), ps);
	state->other_qual = ExecInitQual(list_nth(cscan->custom_exprs, EXPR_OTHER_QUALS), ps);

	state->outer_ps = ExecInitNode(linitial(cscan->custom_plans), estate, eflags);
	node->custom_ps = list_make1(state->outer_ps);
	state->outer_slot = ExecInitExtraTupleSlot(estate,
											   ExecGetResultType(state->outer_ps),
											   &TTSOpsMinimalTuple);
	state->outer_natts = ExecGetResultType(state->outer_ps)->natts;
	state->inner_natts = list_length(cscan->custom_scan_tlist) - state->outer_natts;

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	/* whom to sign as: the same user whose permissions the executor checks */
	state->inner_rti = inner_rtindex(cscan, state->outer_natts);
	table = fdw_range_table_relation(estate, state->inner_rti);
	state->source = fdw_source_create(table,
									  fdw_check_as_user(estate, state->inner_rti),
									  intVal(list_nth(cscan->custom_private,
													  PRIVATE_DETAILS)));
	state->table_desc = RelationGetDescr(table);
	state->table_natts = fdw_source_natts(state->source);
	state->whole_row = state->inner_natts == state->table_natts + 1;
	if (state->inner_natts != state->table_natts + state->whole_row)
		elog(ERROR, "athena_fdw: batched join plan does not match foreign table \"%s\"",
			 RelationGetRelationName(table));
	state->epq_slot = ExecInitExtraTupleSlot(estate, state->table_desc,
											 &TTSOpsVirtual);
	state->batch_cxt = AllocSetContextCreate(CurrentMemoryContext,
											 "athena_fdw join batch",
											 ALLOCSET_DEFAULT_SIZES);
}

/*
 * Fills the scan tuple with the outer row in slot outer and the foreign
 * table's columns from session, or NULLs if session is NULL.
 */
static TupleTableSlot *
store_scan_tuple(JoinScanState *state, TupleTableSlot *outer,
				 const InnerRow *session)
{
	TupleTableSlot *slot = state->css.ss.ss_ScanTupleSlot;

	ExecClearTuple(slot);
	slot_getallattrs(outer);
	memcpy(slot->tts_values, outer->tts_values,
		   state->outer_natts * sizeof(Datum));
	memcpy(slot->tts_isnull, outer->tts_isnull,
		   state->outer_natts * sizeof(bool));
	if (session != NULL)
	{
		memcpy(slot->tts_values + state->outer_natts, session->values,
			   state->inner_natts * sizeof(Datum));
		memcpy(slot->tts_isnull + state->outer_natts, session->nulls,
			   state->inner_natts * sizeof(bool));
	}
	else
		memset(slot->tts_isnull + state->outer_natts, true,
			   state->inner_natts * sizeof(bool));
	return ExecStoreVirtualTuple(slot);
}

/* The session of id among the batch's, or NULL. */
static InnerRow *
find_session(JoinScanState *state, const char *id)
{
	const char **found;

	if (id == NULL || state->nids == 0)
		return NULL;
	found = bsearch(&id, state->ids, state->nids, sizeof(char *),
					fdw_compare_ids);
	return found ? state->sessions[found - state->ids] : NULL;
}

/* The row as one composite value, after the columns (the whole-row Var). */
static void
add_whole_row(JoinScanState *state, InnerRow *session)
{
	HeapTuple	tuple = heap_form_tuple(state->table_desc, session->values,
										session->nulls);

	session->values[state->table_natts] =
		heap_copy_tuple_as_datum(tuple, state->table_desc);
	session->nulls[state->table_natts] = false;
	heap_freetuple(tuple);
}

/*
 * Reads the next batch of outer rows and looks up their distinct ids.
 * False when the outer side has no more rows.
 */
static bool
read_batch(JoinScanState *state)
{
	ExprContext *econtext = state->css.ss.ps.ps_ExprContext;
	MemoryContext oldcxt;
	Size		limit = (Size) work_mem * 1024;
	int			nids = 0;
	int			i;

	MemoryContextReset(state->batch_cxt);
	state->nrows = state->next_row = state->nids = 0;
	state->outer_rows = MemoryContextAlloc(state->batch_cxt,
										   JOIN_BATCH_ROWS * sizeof(MinimalTuple));
	state->row_ids = MemoryContextAlloc(state->batch_cxt,
										JOIN_BATCH_ROWS * sizeof(char *));

	while (state->nrows < JOIN_BATCH_ROWS &&
		   MemoryContextMemAllocated(state->batch_cxt, false) < limit)
	{
		TupleTableSlot *outer = ExecProcNode(state->outer_ps);
		Datum		id;
		bool		isnull;

		if (TupIsNull(outer))
		{
			state->outer_done = true;
			break;
		}

		/* the id expression refers to the scan tuple */
		ResetExprContext(econtext);
		econtext->ecxt_scantuple = store_scan_tuple(state, outer, NULL);
		id = ExecEvalExprSwitchContext(state->id_expr, econtext, &isnull);

		oldcxt = MemoryContextSwitchTo(state->batch_cxt);
		state->row_ids[state->nrows] = isnull ? NULL : fdw_id_to_utf8(id);
		state->outer_rows[state->nrows] = ExecCopySlotMinimalTuple(outer);
		MemoryContextSwitchTo(oldcxt);
		if (!isnull)
			nids++;
		state->nrows++;
	}
	if (state->nrows == 0)
		return false;
	state->batches++;

	oldcxt = MemoryContextSwitchTo(state->batch_cxt);
	state->ids = palloc(Max(nids, 1) * sizeof(char *));
	for (i = 0; i < state->nrows; i++)
	{
		if (state->row_ids[i] != NULL)
			state->ids[state->nids++] = state->row_ids[i];
	}
	state->nids = fdw_distinct_ids(state->ids, state->nids);
	state->sessions = palloc0(Max(state->nids, 1) * sizeof(InnerRow *));

	fdw_source_start(state->source, state->ids, state->nids);
	for (;;)
	{
		InnerRow	session;
		char	   *session_id;
		const char **found;

		session.values = palloc(state->inner_natts * sizeof(Datum));
		session.nulls = palloc(state->inner_natts * sizeof(bool));
		if (!fdw_source_next(state->source, session.values, session.nulls,
							 &session_id))
			break;
		if (state->whole_row)
			add_whole_row(state, &session);
		found = bsearch(&session_id, state->ids, state->nids, sizeof(char *),
						fdw_compare_ids);
		Assert(found != NULL);	/* the core returns only the ids asked for */
		if (found)
		{
			state->sessions[found - state->ids] = palloc(sizeof(InnerRow));
			*state->sessions[found - state->ids] = session;
		}
	}
	MemoryContextSwitchTo(oldcxt);
	return true;
}

/*
 * Joins one outer row with the session of its id (NULL if none), as the
 * nested loop would: the scan tuple if a row results, else NULL.
 */
static TupleTableSlot *
join_row(JoinScanState *state, TupleTableSlot *outer, const InnerRow *session)
{
	ExprContext *econtext = state->css.ss.ps.ps_ExprContext;
	TupleTableSlot *joined;
	bool		matched;

	econtext->ecxt_scantuple = store_scan_tuple(state, outer, session);
	matched = session != NULL &&
		ExecQual(state->inner_qual, econtext) &&
		ExecQual(state->join_qual, econtext);

	switch (state->jointype)
	{
		case JOIN_INNER:
		case JOIN_SEMI:
			joined = matched ? econtext->ecxt_scantuple : NULL;
			break;
		case JOIN_LEFT:
			joined = matched ? econtext->ecxt_scantuple
				: store_scan_tuple(state, outer, NULL);
			break;
		case JOIN_ANTI:
			joined = matched ? NULL : store_scan_tuple(state, outer, NULL);
			break;
		default:
			elog(ERROR, "athena_fdw: unsupported join type %d",
				 (int) state->jointype);
	}
	if (joined == NULL)
		return NULL;
	econtext->ecxt_scantuple = joined;
	return ExecQual(state->other_qual, econtext) ? joined : NULL;
}

/* The next joined row of the batches. */
static TupleTableSlot *
next_joined_row(ScanState *ss)
{
	JoinScanState *state = (JoinScanState *) ss;
	ExprContext *econtext = ss->ps.ps_ExprContext;

	for (;;)
	{
		TupleTableSlot *outer;
		TupleTableSlot *joined;
		InnerRow   *session;

		if (state->next_row >= state->nrows)
		{
			if (state->outer_done || !read_batch(state))
				return ExecClearTuple(ss->ss_ScanTupleSlot);
			continue;
		}

		outer = ExecStoreMinimalTuple(state->outer_rows[state->next_row],
									  state->outer_slot, false);
		session = find_session(state, state->row_ids[state->next_row]);
		state->next_row++;

		ResetExprContext(econtext);
		joined = join_row(state, outer, session);
		if (joined != NULL)
			return joined;
	}
}

/*
 * EvalPlanQual: the joined row for the rows being rechecked.  The outer
 * side's scans return their test rows; the foreign table's row is the copy
 * its ROW_MARK_COPY kept (the whole-row value), or none for a row the left
 * join null-extended.  Nothing is sent to Athena.
 */
static bool
recheck_joined_row(ScanState *ss, TupleTableSlot *slot)
{
	JoinScanState *state = (JoinScanState *) ss;
	ExprContext *econtext = ss->ps.ps_ExprContext;
	EPQState   *epqstate = ss->ps.state->es_epq_active;

	for (;;)
	{
		TupleTableSlot *outer = ExecProcNode(state->outer_ps);
		InnerRow	session;
		bool		found;

		if (TupIsNull(outer))
			return false;

		ResetExprContext(econtext);
		found = EvalPlanQualFetchRowMark(epqstate, state->inner_rti,
										 state->epq_slot);
		if (found)
		{
			MemoryContext oldcxt = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);

			slot_getallattrs(state->epq_slot);
			session.values = palloc(state->inner_natts * sizeof(Datum));
			session.nulls = palloc(state->inner_natts * sizeof(bool));
			memcpy(session.values, state->epq_slot->tts_values,
				   state->table_natts * sizeof(Datum));
			memcpy(session.nulls, state->epq_slot->tts_isnull,
				   state->table_natts * sizeof(bool));
			if (state->whole_row)
				add_whole_row(state, &session);
			MemoryContextSwitchTo(oldcxt);
		}
		if (join_row(state, outer, found ? &session : NULL) != NULL)
			return true;
	}
}

static TupleTableSlot *
exec_join_scan(CustomScanState *node)
{
	return ExecScan(&node->ss, next_joined_row, recheck_joined_row);
}

static void
rescan_join_scan(CustomScanState *node)
{
	JoinScanState *state = (JoinScanState *) node;

	if (state->source != NULL)
		fdw_source_finish(state->source);
	if (state->batch_cxt != NULL)
		MemoryContextReset(state->batch_cxt);
	state->nrows = state->next_row = state->nids = 0;
	state->outer_done = false;

	if (node->ss.ps.chgParam != NULL)
		UpdateChangedParamSet(state->outer_ps, node->ss.ps.chgParam);
	/* a child with changed parameters is rescanned by ExecProcNode */
	if (state->outer_ps->chgParam == NULL)
		ExecReScan(state->outer_ps);
}

static void
end_join_scan(CustomScanState *node)
{
	JoinScanState *state = (JoinScanState *) node;

	if (state->source != NULL)
		fdw_source_destroy(state->source);
	if (state->batch_cxt != NULL)
		MemoryContextDelete(state->batch_cxt);
	ExecEndNode(state->outer_ps);
}

/* ---------- EXPLAIN ---------- */

static void
explain_quals(const char *label, List *quals, List *context, bool useprefix,
			  ExplainState *es)
{
	if (quals == NIL)
		return;
	ExplainPropertyText(label,
						deparse_expression((Node *) make_ands_explicit(quals),
										   context, useprefix, false),
						es);
}

static void
explain_join_scan(CustomScanState *node, List *ancestors, ExplainState *es)
{
	JoinScanState *state = (JoinScanState *) node;
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	List	   *context = set_deparse_context_plan(es->deparse_cxt,
												   (Plan *) cscan, ancestors);
	bool		useprefix = list_length(es->rtable) > 1 || es->verbose;
	const char *jointype;

	switch (state->jointype)
	{
		case JOIN_INNER:
			jointype = "Inner";
			break;
		case JOIN_LEFT:
			jointype = "Left";
			break;
		case JOIN_SEMI:
			jointype = "Semi";
			break;
		case JOIN_ANTI:
			jointype = "Anti";
			break;
		default:
			jointype = "???";
			break;
	}
	ExplainPropertyText("Join Type", jointype, es);
	fdw_explain_lookup_api(intVal(list_nth(cscan->custom_private,
										   PRIVATE_DETAILS)), es);
	fdw_explain_ids(list_nth(cscan->custom_exprs, EXPR_SESSION_ID), false,
					context, useprefix, es);
	ExplainPropertyInteger("Outer Rows per Batch", NULL, JOIN_BATCH_ROWS, es);
	explain_quals("Session Filter",
				  list_nth(cscan->custom_exprs, EXPR_INNER_QUALS),
				  context, useprefix, es);
	explain_quals("Join Filter",
				  list_nth(cscan->custom_exprs, EXPR_JOIN_QUALS),
				  context, useprefix, es);
	explain_quals("Filter",
				  list_nth(cscan->custom_exprs, EXPR_OTHER_QUALS),
				  context, useprefix, es);

	if (es->analyze && state->source != NULL)
	{
		ExplainPropertyInteger("Batches", NULL, state->batches, es);
		fdw_source_explain(state->source, false, es);
	}
}

/* ---------- registration ---------- */

/*
 * Called from _PG_init: the library is loaded when the planner first looks
 * up the FDW handler of a query's foreign table (get_relation_info), before
 * it considers joins, so the hook is in place for the very first query.
 */
void
fdw_join_scan_init(void)
{
	RegisterCustomScanMethods(&join_scan_methods);
	prev_join_pathlist_hook = set_join_pathlist_hook;
	set_join_pathlist_hook = add_join_scan_path;
}
