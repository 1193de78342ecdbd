/*
 * athena_fdw.c
 *		The foreign data wrapper's callbacks: planning, scanning, EXPLAIN and
 *		IMPORT FOREIGN SCHEMA for the athena_sessions table.
 *
 * A scan with a session_id condition looks ids up: each distinct id becomes
 * one GetSessionStatus call (GetSession when the query reads the detail
 * columns).  Conditions that compare session_id with another table's
 * column become parameterized paths, so joins run as nested loops that ask
 * Athena only for the ids the outer side produces, or as batched joins
 * (join_scan.c) that ask for a whole batch of outer ids at once.  Any other
 * scan lists sessions: ListSessions over the workgroups of a workgroup
 * condition, the table's or server's workgroup option, or every Spark
 * workgroup, with a state condition sent as StateFilter.
 */
#include "postgres.h"

#include <math.h>

#include "access/sysattr.h"
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
#include "optimizer/prep.h"
#include "optimizer/restrictinfo.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"

#include "athena_fdw.h"

FDW_MODULE_MAGIC("athena_fdw", "1.1.0");

/*
 * Costs, in the planner's units.  A call is a network round trip, far
 * dearer than a page read; calls run max_concurrency at a time.
 */
#define ATHENA_STARTUP_COST		10.0
#define ATHENA_CALL_COST		100.0
/*
 * A listing reads pages of up to 100 sessions; a guess of one page per
 * listing, and of the Spark workgroups an account has.
 */
#define ATHENA_LIST_ROWS		100.0
#define ATHENA_GUESSED_WORKGROUPS 4.0
/*
 * Where a join on session_id could look ids up, a listing is never the
 * plan: it would cost pages of every session, and without a state filter
 * it sees only active sessions, so it could miss rows a lookup finds.
 */
#define ATHENA_AVOID_COST		1.0e10

/* Where a listing gets its workgroups. */
typedef enum FdwWorkgroupSource
{
	WORKGROUPS_QUAL,			/* a condition: fdw_exprs holds its values */
	WORKGROUPS_OPTION,			/* the table's, else the server's option */
	WORKGROUPS_EVERY			/* ListWorkGroups: every Spark workgroup */
} FdwWorkgroupSource;

/*
 * Items of ForeignScan.fdw_private, all Integers but PLAN_COLUMNS, an
 * integer List of the attribute numbers the query reads (0: the whole
 * row).  fdw_exprs holds the ids of a lookup; of a listing, the workgroups
 * (with WORKGROUPS_QUAL), then the states (with PLAN_HAS_STATES).
 */
enum FdwPlanPrivate
{
	PLAN_IS_ARRAY,				/* lookup: ids come from = ANY(array) */
	PLAN_IS_LIST,				/* a listing, not a lookup */
	PLAN_DETAILS,				/* GetSession for each row */
	PLAN_WORKGROUPS,			/* listing: an FdwWorkgroupSource */
	PLAN_WORKGROUPS_ARRAY,		/* ... its values come from = ANY(array) */
	PLAN_HAS_STATES,			/* listing: states from a condition */
	PLAN_STATES_ARRAY,			/* ... its values come from = ANY(array) */
	PLAN_NEVER_MATCHES,			/* an FdwNeverMatches: when not NEVER_NONE, no
								 * call; fdw_exprs holds that condition */
	PLAN_NUM_INTEGERS,
	PLAN_COLUMNS = PLAN_NUM_INTEGERS
};

/* Why no session can meet a condition (FdwRelInfo.never_matches_why). */
typedef enum FdwNeverMatches
{
	NEVER_NONE = 0,
	NEVER_WORKGROUP,			/* no value matches WorkGroupName's pattern */
	NEVER_STATE					/* no value is one of SessionState's */
} FdwNeverMatches;

/* Execution state of one foreign scan. */
struct FdwScanState
{
	FdwLookup  *lookup;			/* client, columns, the scan under way */
	MemoryContext ids_cxt;		/* ids (or workgroups, states) of the current
								 * (re)scan */
	bool		is_list;
	ExprState  *ids_expr;		/* lookup */
	bool		ids_is_array;
	ExprState  *workgroups_expr;	/* listing, NULL without a condition */
	bool		workgroups_is_array;
	ExprState  *states_expr;	/* listing, NULL without a condition */
	bool		states_is_array;
	bool		never_matches;	/* PLAN_NEVER_MATCHES: no row, no call */
	bool		started;		/* this (re)scan's values evaluated and sent */
};

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

/* Whether the scan must call GetSession for the columns it reads. */
bool
fdw_rel_needs_get_session(FdwRelInfo *info, bool lookup)
{
	Relation	rel = table_open(info->relid, NoLock);
	bool		needed = fdw_needs_get_session(rel, info->attrs_used, lookup);

	table_close(rel, NoLock);
	return needed;
}

/* The listings a list scan makes: workgroups times state filters. */
static double
listings(FdwRelInfo *info)
{
	double		workgroups = info->has_workgroup_qual ? info->workgroup_qual.estimated_ids :
	info->has_workgroup_option ? 1 : ATHENA_GUESSED_WORKGROUPS;
	double		states = info->has_state_qual ? info->state_qual.estimated_ids : 1;

	return Max(workgroups * states, 1);
}

static double
list_rows(FdwRelInfo *info)
{
	return listings(info) * ATHENA_LIST_ROWS;
}

/*
 * A listing's first page costs a round trip (two when ListWorkGroups comes
 * first); the rest, the pages of every listing side by side, and with
 * details one GetSession per row, max_concurrency at a time.
 */
static void
list_cost(FdwRelInfo *info, Cost *startup, Cost *total)
{
	bool		every = !info->has_workgroup_qual && !info->has_workgroup_option;
	double		rows = list_rows(info);

	*startup = ATHENA_STARTUP_COST + ATHENA_CALL_COST * (every ? 2 : 1);
	*total = *startup +
		ceil(listings(info) / info->max_concurrency) * ATHENA_CALL_COST +
		rows * cpu_tuple_cost;
	if (fdw_rel_needs_get_session(info, false))
		*total += ceil(rows / info->max_concurrency) * ATHENA_CALL_COST;
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
	AttrNumber	workgroup_attno;
	AttrNumber	state_attno;

	fdw_get_options(GetForeignServer(table->serverid), table, NULL, &options);
	info->relid = foreigntableid;
	info->max_concurrency = options.max_concurrency;
	info->has_workgroup_option = options.workgroup != NULL;

	rel = table_open(foreigntableid, NoLock);
	info->session_id_attno = fdw_session_id_attno(rel);
	info->scan_checks_ids = info->session_id_attno != InvalidAttrNumber &&
		scan_can_check_ids(TupleDescAttr(RelationGetDescr(rel),
										 info->session_id_attno - 1));
	workgroup_attno = fdw_column_attno(rel, "workgroup");
	state_attno = fdw_column_attno(rel, "state");
	table_close(rel, NoLock);

	/* the columns the query reads: do they need GetSession? */
	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid,
				   &info->attrs_used);
	foreach(lc, baserel->baserestrictinfo)
		pull_varattnos((Node *) lfirst_node(RestrictInfo, lc)->clause,
					   baserel->relid, &info->attrs_used);

	/*
	 * UPDATE ... FROM and FOR UPDATE carry the row whole, for EvalPlanQual to
	 * recheck conditions on it; the columns those conditions read are counted
	 * above already, so that copy alone is no reason to call GetSession (and
	 * to need its permission).
	 */
	if (get_plan_rowmark(root->rowMarks, baserel->relid) != NULL)
		info->attrs_used = bms_del_member(info->attrs_used,
										  0 - FirstLowInvalidHeapAttributeNumber);

	/* Of several session_id restrictions, send the one with fewest ids. */
	foreach(lc, baserel->baserestrictinfo)
	{
		FdwIdQual	qual;

		if (fdw_match_id_clause(root, baserel, info->session_id_attno,
								lfirst_node(RestrictInfo, lc), &qual) &&
			(!info->has_id_qual ||
			 qual.estimated_ids < info->id_qual.estimated_ids))
		{
			info->id_qual = qual;
			info->has_id_qual = true;
		}
	}

	/*
	 * For a listing: the workgroup and state conditions with fewest values. A
	 * condition whose values are all constants no session can have (state =
	 * 'idle', workgroup = 'a b': off the model's SessionState and
	 * WorkGroupName) matches no row, whatever else the query says.
	 */
	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);
		FdwIdQual	qual;

		if (fdw_match_id_clause(root, baserel, workgroup_attno, rinfo, &qual))
		{
			if (info->never_matches == NULL &&
				fdw_count_constant_values(qual.ids, qual.is_array,
										  athena_workgroup_possible) == 0)
			{
				info->never_matches = rinfo;
				info->never_matches_why = NEVER_WORKGROUP;
			}
			if (!info->has_workgroup_qual ||
				qual.estimated_ids < info->workgroup_qual.estimated_ids)
			{
				info->workgroup_qual = qual;
				info->has_workgroup_qual = true;
			}
		}
		if (fdw_match_id_clause(root, baserel, state_attno, rinfo, &qual))
		{
			if (info->never_matches == NULL &&
				fdw_count_constant_values(qual.ids, qual.is_array,
										  athena_session_state_possible) == 0)
			{
				info->never_matches = rinfo;
				info->never_matches_why = NEVER_STATE;
			}
			if (!info->has_state_qual ||
				qual.estimated_ids < info->state_qual.estimated_ids)
			{
				info->state_qual = qual;
				info->has_state_qual = true;
			}
		}
	}

	baserel->tuples = list_rows(info);
	baserel->rows = info->never_matches ? clamp_row_est(0) :
		info->has_id_qual ? clamp_row_est(info->id_qual.estimated_ids) :
		list_rows(info);
	baserel->fdw_private = info;
}

static void
add_lookup_path(PlannerInfo *root, RelOptInfo *baserel, FdwRelInfo *info,
				FdwIdQual *qual, Relids required_outer)
{
	double		rows = clamp_row_est(qual->estimated_ids);

	add_path(baserel, (Path *)
			 fdw_create_foreignscan_path(root, baserel, NULL, rows,
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
 * nested loop then passes each outer row's id into a rescan.  Returns how
 * many it added.
 */
static int
add_parameterized_paths(PlannerInfo *root, RelOptInfo *baserel,
						FdwRelInfo *info)
{
	List	   *candidates = NIL;
	ListCell   *lc;
	int			added = 0;

	if (info->session_id_attno == InvalidAttrNumber)
		return 0;

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
		FdwIdQual	qual;
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
		added++;
	}
	return added;
}

static void
athenaGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel,
					  Oid foreigntableid)
{
	FdwRelInfo *info = (FdwRelInfo *) baserel->fdw_private;
	int			parameterized;

	/* no session can match: the one plan is to ask nothing */
	if (info->never_matches != NULL)
	{
		add_path(baserel, (Path *)
				 fdw_create_foreignscan_path(root, baserel, NULL, baserel->rows,
											 0, 0, NIL, baserel->lateral_relids,
											 NULL, NIL));
		return;
	}

	parameterized = add_parameterized_paths(root, baserel, info);

	/* ids given: they are the scan, any workgroup condition a filter */
	if (info->has_id_qual)
		add_lookup_path(root, baserel, info, &info->id_qual,
						baserel->lateral_relids);
	else
	{
		Cost		startup;
		Cost		total;

		list_cost(info, &startup, &total);
		if (parameterized > 0)
		{
			startup += ATHENA_AVOID_COST;
			total += ATHENA_AVOID_COST;
		}
		/* a path without fdw_private is the listing */
		add_path(baserel, (Path *)
				 fdw_create_foreignscan_path(root, baserel, NULL,
											 list_rows(info), startup, total,
											 NIL, baserel->lateral_relids,
											 NULL, NIL));
	}
}

static List *
plan_private(FdwRelInfo *info, bool ids_array, bool is_list, bool details,
			 FdwWorkgroupSource workgroups, bool workgroups_array,
			 bool has_states, bool states_array, int never_matches)
{
	List	   *items = NIL;
	List	   *columns = NIL;
	int			values[PLAN_NUM_INTEGERS];
	int			i;
	int			member = -1;

	values[PLAN_IS_ARRAY] = ids_array;
	values[PLAN_IS_LIST] = is_list;
	values[PLAN_DETAILS] = details;
	values[PLAN_WORKGROUPS] = workgroups;
	values[PLAN_WORKGROUPS_ARRAY] = workgroups_array;
	values[PLAN_HAS_STATES] = has_states;
	values[PLAN_STATES_ARRAY] = states_array;
	values[PLAN_NEVER_MATCHES] = never_matches;
	for (i = 0; i < PLAN_NUM_INTEGERS; i++)
		items = lappend(items, makeInteger(values[i]));
	while ((member = bms_next_member(info->attrs_used, member)) >= 0)
		columns = lappend_int(columns,
							  member + FirstLowInvalidHeapAttributeNumber);
	return lappend(items, columns);
}

static int
plan_item(ForeignScan *plan, enum FdwPlanPrivate item)
{
	return intVal(list_nth(plan->fdw_private, item));
}

/*
 * A listing.  Its workgroup and state conditions are sent, and checked
 * again locally with every other condition.
 */
static ForeignScan *
make_list_plan(FdwRelInfo *info, RelOptInfo *baserel, List *tlist,
			   List *scan_clauses, Plan *outer_plan)
{
	List	   *exprs = NIL;
	FdwWorkgroupSource workgroups;

	/* nothing is sent; the condition is kept for EXPLAIN */
	if (info->never_matches != NULL)
		return make_foreignscan(tlist, extract_actual_clauses(scan_clauses, false),
								baserel->relid,
								list_make1(info->never_matches->clause),
								plan_private(info, false, true, false,
											 WORKGROUPS_EVERY, false,
											 false, false,
											 info->never_matches_why),
								NIL, NIL, outer_plan);

	if (info->has_workgroup_qual)
	{
		workgroups = WORKGROUPS_QUAL;
		exprs = lappend(exprs, info->workgroup_qual.ids);
	}
	else
		workgroups = info->has_workgroup_option ? WORKGROUPS_OPTION : WORKGROUPS_EVERY;
	if (info->has_state_qual)
		exprs = lappend(exprs, info->state_qual.ids);

	return make_foreignscan(tlist, extract_actual_clauses(scan_clauses, false),
							baserel->relid, exprs,
							plan_private(info, false, true,
										 fdw_rel_needs_get_session(info, false),
										 workgroups,
										 info->has_workgroup_qual &&
										 info->workgroup_qual.is_array,
										 info->has_state_qual,
										 info->has_state_qual &&
										 info->state_qual.is_array, NEVER_NONE),
							NIL, NIL, outer_plan);
}

static ForeignScan *
athenaGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel,
					 Oid foreigntableid, ForeignPath *best_path,
					 List *tlist, List *scan_clauses, Plan *outer_plan)
{
	FdwRelInfo *info = (FdwRelInfo *) baserel->fdw_private;
	FdwIdQual	qual;
	RestrictInfo *id_rinfo;
	List	   *recheck_clauses;
	bool		scan_checks;

	if (best_path->fdw_private == NIL)
		return make_list_plan(info, baserel, tlist, scan_clauses, outer_plan);

	id_rinfo = linitial_node(RestrictInfo, best_path->fdw_private);
	if (!fdw_match_id_clause(root, baserel, info->session_id_attno,
							 id_rinfo, &qual))
		elog(ERROR, "athena_fdw: session_id condition no longer matches");

	/*
	 * Every condition, the pushed one included, is checked again, so the rows
	 * are exactly what the SQL says whatever Athena returns.  A pushed list
	 * of ids (= ANY, IN, an OR of equalities) is checked by the scan instead
	 * of the executor when the column keeps ids as they are: every row
	 * carries the very id it was asked for (athena_client.c), a constant-time
	 * check, where the executor would compare each row with every id of the
	 * array, O(n^2) for ARRAY(SELECT ...) of thousands of ids.  It stays in
	 * fdw_recheck_quals for EvalPlanQual.  The id expression goes into
	 * fdw_exprs so that the planner turns outer references into executor
	 * parameters.
	 */
	scan_checks = qual.is_array && info->scan_checks_ids;
	recheck_clauses = scan_checks ? list_make1(id_rinfo->clause) : NIL;
	scan_clauses = extract_actual_clauses(scan_checks
										  ? list_delete_ptr(list_copy(scan_clauses), id_rinfo)
										  : scan_clauses,
										  false);

	return make_foreignscan(tlist, scan_clauses, baserel->relid,
							list_make1(qual.ids),
							plan_private(info, qual.is_array, false,
										 fdw_rel_needs_get_session(info, true),
										 WORKGROUPS_EVERY, false, false, false,
										 NEVER_NONE),
							NIL, recheck_clauses, outer_plan);
}

/* ---------- execution ---------- */

/*
 * Sets up the scan of a foreign scan node: a SELECT's, or a DELETE's that
 * modify.c runs.
 */
FdwScanState *
fdw_scan_begin(ForeignScanState *node)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	FdwScanState *state;
	Oid			userid;

	state = palloc0(sizeof(FdwScanState));

	/* whom to sign as: the same user whose permissions the executor checks */
	userid = fdw_scan_check_as_user(plan, estate, plan->scan.scanrelid);
	state->lookup = fdw_lookup_create(node->ss.ss_currentRelation, userid,
									  plan_item(plan, PLAN_DETAILS));
	fdw_lookup_read_only(state->lookup,
						 list_nth_node(List, plan->fdw_private, PLAN_COLUMNS));
	state->ids_cxt = AllocSetContextCreate(CurrentMemoryContext,
										   "athena_fdw ids",
										   ALLOCSET_DEFAULT_SIZES);
	state->is_list = plan_item(plan, PLAN_IS_LIST);
	state->never_matches = plan_item(plan, PLAN_NEVER_MATCHES);
	if (state->never_matches)
		return state;
	if (!state->is_list)
	{
		state->ids_expr = ExecInitExpr(linitial(plan->fdw_exprs),
									   (PlanState *) node);
		state->ids_is_array = plan_item(plan, PLAN_IS_ARRAY);
	}
	else
	{
		int			next_expr = 0;

		if (plan_item(plan, PLAN_WORKGROUPS) == WORKGROUPS_QUAL)
		{
			state->workgroups_expr = ExecInitExpr(list_nth(plan->fdw_exprs, next_expr++),
												  (PlanState *) node);
			state->workgroups_is_array = plan_item(plan, PLAN_WORKGROUPS_ARRAY);
		}
		if (plan_item(plan, PLAN_HAS_STATES))
		{
			state->states_expr = ExecInitExpr(list_nth(plan->fdw_exprs, next_expr),
											  (PlanState *) node);
			state->states_is_array = plan_item(plan, PLAN_STATES_ARRAY);
		}
	}
	return state;
}

static void
athenaBeginForeignScan(ForeignScanState *node, int eflags)
{
	if (!(eflags & EXEC_FLAG_EXPLAIN_ONLY))
		node->fdw_state = fdw_scan_begin(node);
}

/*
 * The distinct non-NULL text values of a pushed condition's expression, in
 * UTF-8, in the (re)scan's memory; -1 without an expression.
 */
static int
evaluate_values(ExprState *expr, bool is_array, ExprContext *econtext,
				MemoryContext cxt, const char ***values)
{
	MemoryContext oldcxt;
	Datum		value;
	bool		isnull;
	int			n;

	*values = NULL;
	if (expr == NULL)
		return -1;
	value = ExecEvalExpr(expr, econtext, &isnull);
	oldcxt = MemoryContextSwitchTo(cxt);
	n = fdw_collect_ids(value, isnull, is_array, values);
	MemoryContextSwitchTo(oldcxt);
	return n;
}

/*
 * Keeps, in place, the values a session can have; returns how many (-1, no
 * condition, stays -1).  None left means no row: nothing is sent.
 */
static int
keep_possible(const char **values, int n, bool (*possible) (const char *))
{
	int			kept = 0;
	int			i;

	for (i = 0; i < n; i++)
		if (possible(values[i]))
			values[kept++] = values[i];
	return n < 0 ? n : kept;
}

/* Evaluates the conditions for this (re)scan and sends the first requests. */
static void
start_scan(ForeignScanState *node, FdwScanState *state)
{
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	const char **ids;
	const char **workgroups;
	const char **states;
	int			nids;
	int			nworkgroups;
	int			nstates;

	MemoryContextReset(state->ids_cxt);
	if (state->never_matches)
		fdw_lookup_start_list(state->lookup, NULL, 0, NULL, 0);
	else if (!state->is_list)
	{
		nids = evaluate_values(state->ids_expr, state->ids_is_array, econtext,
							   state->ids_cxt, &ids);
		fdw_lookup_start(state->lookup, ids, nids);
	}
	else
	{
		nworkgroups = evaluate_values(state->workgroups_expr,
									  state->workgroups_is_array, econtext,
									  state->ids_cxt, &workgroups);
		nstates = evaluate_values(state->states_expr, state->states_is_array,
								  econtext, state->ids_cxt, &states);
		/* values known only now (a parameter) are held to the model too */
		nworkgroups = keep_possible(workgroups, nworkgroups,
									athena_workgroup_possible);
		nstates = keep_possible(states, nstates,
								athena_session_state_possible);
		fdw_lookup_start_list(state->lookup, workgroups, nworkgroups,
							  states, nstates);
	}
	state->started = true;
}

/* The scan's next row in the node's scan slot, which is empty at the end. */
TupleTableSlot *
fdw_scan_next(ForeignScanState *node, FdwScanState *state)
{
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;

	ExecClearTuple(slot);
	if (!state->started)
		start_scan(node, state);
	if (!fdw_lookup_next(state->lookup, slot->tts_values, slot->tts_isnull,
						 NULL))
		return slot;
	return ExecStoreVirtualTuple(slot);
}

static TupleTableSlot *
athenaIterateForeignScan(ForeignScanState *node)
{
	return fdw_scan_next(node, (FdwScanState *) node->fdw_state);
}

static void
athenaReScanForeignScan(ForeignScanState *node)
{
	FdwScanState *state = (FdwScanState *) node->fdw_state;

	fdw_lookup_finish(state->lookup);
	state->started = false;
}

void
fdw_scan_end(FdwScanState *state)
{
	if (state == NULL)
		return;
	fdw_lookup_destroy(state->lookup);
	MemoryContextDelete(state->ids_cxt);
}

static void
athenaEndForeignScan(ForeignScanState *node)
{
	fdw_scan_end((FdwScanState *) node->fdw_state);
}

/* ---------- EXPLAIN ---------- */

/* "table" when the table sets the workgroup option, else "server". */
static const char *
workgroup_option_owner(ForeignTable *table)
{
	ListCell   *lc;

	foreach(lc, table->options)
	{
		if (strcmp(lfirst_node(DefElem, lc)->defname, "workgroup") == 0)
			return "table";
	}
	return "server";
}

/* What a listing sends as its workgroups, in EXPLAIN's words. */
static char *
explain_workgroups(ForeignScan *plan, ForeignScanState *node, List *context,
				   bool prefix)
{
	ForeignTable *table;
	FdwOptions	options;

	switch ((FdwWorkgroupSource) plan_item(plan, PLAN_WORKGROUPS))
	{
		case WORKGROUPS_QUAL:
			return deparse_expression(linitial(plan->fdw_exprs), context,
									  prefix, false);
		case WORKGROUPS_OPTION:
			table = GetForeignTable(RelationGetRelid(node->ss.ss_currentRelation));
			fdw_get_options(GetForeignServer(table->serverid), table, NULL,
							&options);
			if (options.workgroup == NULL)
				break;			/* dropped since the plan was made */
			return psprintf("%s (%s option)", quote_literal_cstr(options.workgroup),
							workgroup_option_owner(table));
		case WORKGROUPS_EVERY:
			break;
	}
	return pstrdup("every Spark workgroup (ListWorkGroups)");
}

/*
 * The ids a lookup asks for: how many, when they are constants (a long IN
 * list would drown the plan), else the expression that gives them.
 */
void
fdw_explain_ids(Expr *ids, bool is_array, List *context, bool prefix,
				ExplainState *es)
{
	int			count = fdw_count_constant_ids(ids, is_array);

	if (count >= 0)
		ExplainPropertyInteger("Session IDs", NULL, count, es);
	else
		ExplainPropertyText(is_array ? "Session IDs" : "Session ID",
							deparse_expression((Node *) ids, context, prefix,
											   false),
							es);
}

/* What a scan sends; with ANALYZE, what it cost (state NULL otherwise). */
void
fdw_scan_explain(ForeignScanState *node, FdwScanState *state,
				 ExplainState *es)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	bool		is_list = plan_item(plan, PLAN_IS_LIST);
	bool		details = plan_item(plan, PLAN_DETAILS);
	bool		prefix = list_length(es->rtable) > 1;
	List	   *context;

	context = set_deparse_context_plan(deparse_context_for_plan_tree(es->pstmt,
																	 es->rtable_names),
									   (Plan *) plan, NIL);

	if (plan_item(plan, PLAN_NEVER_MATCHES))
	{
		ExplainPropertyText("Athena API", "none", es);
		ExplainPropertyText("Never Matches",
							psprintf("%s (%s)",
									 deparse_expression(linitial(plan->fdw_exprs),
														context, prefix, false),
									 plan_item(plan, PLAN_NEVER_MATCHES) ==
									 NEVER_STATE ? "no value is a SessionState" :
									 "no workgroup name matches [a-zA-Z0-9._-]{1,128}"),
							es);
	}
	else if (!is_list)
	{
		/* GetSession answers the status too: one call per id either way */
		ExplainPropertyText("Athena API", details ? "GetSession" : "GetSessionStatus", es);
		fdw_explain_ids(linitial(plan->fdw_exprs), plan_item(plan, PLAN_IS_ARRAY),
						context, prefix, es);
	}
	else
	{
		ExplainPropertyText("Athena API", "ListSessions", es);
		ExplainPropertyText("Workgroups",
							explain_workgroups(plan, node, context, prefix), es);
		if (plan_item(plan, PLAN_HAS_STATES))
			ExplainPropertyText("State Filters",
								deparse_expression(list_nth(plan->fdw_exprs,
															plan_item(plan, PLAN_WORKGROUPS) == WORKGROUPS_QUAL),
												   context, prefix, false),
								es);
		ExplainPropertyText("Detail Calls",
							details ? "GetSession per row" : "none", es);
	}

	if (es->analyze && state != NULL)
		fdw_lookup_explain(state->lookup, is_list, es);
}

static void
athenaExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	fdw_scan_explain(node, (FdwScanState *) node->fdw_state, es);
}

/* ---------- handler ---------- */

void
_PG_init(void)
{
	fdw_join_scan_init();
	fdw_delete_where_init();
	fdw_delete_progress_init();
	/* settings first: the sizes of the shared tables are settings */
	fdw_stats_init();
	fdw_rate_limit_define();
	MarkGUCPrefixReserved("athena_fdw");
	/* shared memory (cluster-wide counters) when the library is preloaded */
	fdw_shmem_init();
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
	fdw_modify_routines(routine);

	PG_RETURN_POINTER(routine);
}
