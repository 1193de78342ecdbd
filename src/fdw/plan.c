/*
 * plan.c
 *		Planning a scan of athena_sessions: its size, its paths (a lookup,
 *		parameterized lookups for joins, or a listing) and its plan.
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

#include "access/table.h"
#include "optimizer/optimizer.h"
#include "optimizer/paths.h"
#include "optimizer/planmain.h"
#include "optimizer/prep.h"
#include "optimizer/restrictinfo.h"
#include "utils/rel.h"

#include "athena_fdw.h"
#include "scan_plan.h"

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

static void athenaGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
									Oid foreigntableid);

/* The cost of looking up ids, max_concurrency at a time. */
double
fdw_lookup_cost(int max_concurrency, double ids)
{
	return ATHENA_STARTUP_COST +
		ceil(ids / max_concurrency) * ATHENA_CALL_COST +
		ids * cpu_tuple_cost;
}

/* The calls per row (FDW_CALL_*) the columns the scan reads need. */
int
fdw_rel_calls(FdwRelInfo *info, bool lookup)
{
	Relation	rel = table_open(info->relid, NoLock);
	int			calls = fdw_calls_needed(rel, info->attrs_used, lookup);

	table_close(rel, NoLock);
	return calls;
}

/*
 * The listings a list scan makes: workgroups (calculations: sessions) times
 * state filters.
 */
static double
listings(FdwRelInfo *info)
{
	double		workgroups = info->has_key_qual ? info->key_qual.estimated_ids :
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
	bool		every = !info->has_key_qual && !info->has_workgroup_option;
	double		rows = list_rows(info);
	int			calls = fdw_rel_calls(info, false);
	int			round_trips = every ? 2 : 1;

	/* calculations of every session: the session listing comes first */
	if (info->table->kind == FDW_TABLE_CALCULATIONS && !info->has_key_qual)
		round_trips++;
	*startup = ATHENA_STARTUP_COST + ATHENA_CALL_COST * round_trips;
	*total = *startup +
		ceil(listings(info) / info->max_concurrency) * ATHENA_CALL_COST +
		rows * cpu_tuple_cost;
	/* each call per row: GetSession, or the calculation ones */
	for (; calls != 0; calls &= calls - 1)
		*total += ceil(rows / info->max_concurrency) * ATHENA_CALL_COST;
}

/* Whether routine is this wrapper's. */
bool
fdw_is_athena_routine(const FdwRoutine *routine)
{
	return routine->GetForeignRelSize == athenaGetForeignRelSize;
}

/* The planner state of rel if it is a foreign table of athena_fdw. */
FdwRelInfo *
fdw_rel_info(RelOptInfo *rel)
{
	if (rel->reloptkind != RELOPT_BASEREL || rel->fdwroutine == NULL ||
		!fdw_is_athena_routine(rel->fdwroutine))
		return NULL;
	return (FdwRelInfo *) rel->fdw_private;
}

/*
 * Whether the scan's own check of a pushed id list (every row carries the
 * id it was asked for, sessions.c) is the executor's check: only when
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
	AttrNumber	key_attno;
	AttrNumber	state_attno;

	fdw_get_options(GetForeignServer(table->serverid), table, NULL, &options);
	info->relid = foreigntableid;
	info->table = fdw_table_of(foreigntableid);
	info->max_concurrency = options.max_concurrency;
	info->has_workgroup_option = options.workgroup != NULL;

	rel = table_open(foreigntableid, NoLock);
	info->id_attno = fdw_id_attno(rel);
	info->scan_checks_ids = info->id_attno != InvalidAttrNumber &&
		scan_can_check_ids(TupleDescAttr(RelationGetDescr(rel),
										 info->id_attno - 1));
	key_attno = fdw_column_attno(rel, info->table->key_column);
	info->key_attno = key_attno;
	state_attno = fdw_column_attno(rel, "state");
	table_close(rel, NoLock);

	/* the columns the query reads: which calls do they need? */
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

	/* Of several id restrictions, send the one with fewest ids. */
	foreach(lc, baserel->baserestrictinfo)
	{
		FdwValuesQual qual;

		if (fdw_match_id_clause(root, baserel, info->id_attno,
								lfirst_node(RestrictInfo, lc), &qual) &&
			(!info->has_id_qual ||
			 qual.estimated_ids < info->id_qual.estimated_ids))
		{
			info->id_qual = qual;
			info->has_id_qual = true;
		}
	}

	/*
	 * For a listing: the key (workgroup, or a calculation's session_id) and
	 * state conditions with fewest values.  A condition whose values are all
	 * constants no row can have (state = 'idle', workgroup = 'a b': off the
	 * model's SessionState and WorkGroupName) matches no row, whatever else
	 * the query says.
	 */
	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);
		FdwValuesQual qual;

		if (fdw_match_id_clause(root, baserel, key_attno, rinfo, &qual))
		{
			if (info->never_matches == NULL &&
				fdw_count_constant_values(qual.ids, qual.is_array,
										  info->table->key_possible) == 0)
			{
				info->never_matches = rinfo;
				info->never_matches_why = NEVER_KEY;
			}
			if (!info->has_key_qual ||
				qual.estimated_ids < info->key_qual.estimated_ids)
			{
				info->key_qual = qual;
				info->has_key_qual = true;
			}
		}
		if (fdw_match_id_clause(root, baserel, state_attno, rinfo, &qual))
		{
			if (info->never_matches == NULL &&
				fdw_count_constant_values(qual.ids, qual.is_array,
										  info->table->state_possible) == 0)
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
				FdwValuesQual *qual, Relids required_outer)
{
	double		rows = clamp_row_est(qual->estimated_ids);

	add_path(baserel, (Path *)
			 fdw_create_foreignscan_path(root, baserel, NULL, rows,
										 ATHENA_STARTUP_COST,
										 fdw_lookup_cost(info->max_concurrency, qual->estimated_ids),
										 NIL, required_outer, NULL,
										 list_make1(qual->rinfo)));
}

/*
 * A listing of the sessions a join condition gives, one outer row's at a
 * time (fdw_private: the condition, and a marker that it is a listing).
 */
static void
add_key_listing_path(PlannerInfo *root, RelOptInfo *baserel, FdwRelInfo *info,
					 FdwValuesQual *qual, Relids required_outer)
{
	FdwRelInfo	keyed = *info;
	Cost		startup;
	Cost		total;

	keyed.has_key_qual = true;
	keyed.key_qual = *qual;
	list_cost(&keyed, &startup, &total);
	add_path(baserel, (Path *)
			 fdw_create_foreignscan_path(root, baserel, NULL, list_rows(&keyed),
										 startup, total, NIL, required_outer,
										 NULL,
										 list_make2(qual->rinfo,
													makeInteger(1))));
}

/*
 * Whether every rel of relids is an athena_fdw table.  Between two of them
 * (sessions and their calculations) one side must be listed: a
 * parameterized path from the other is then no reason to avoid listing.
 */
static bool
only_athena_tables(PlannerInfo *root, Relids relids)
{
	int			relid = -1;

	while ((relid = bms_next_member(relids, relid)) >= 0)
	{
		if (relid >= root->simple_rel_array_size ||
			root->simple_rel_array[relid] == NULL ||
			fdw_rel_info(root->simple_rel_array[relid]) == NULL)
			return false;
	}
	return true;
}

/* Equivalence-class members that are the column *arg of our table. */
static bool
ec_member_is_session_id(PlannerInfo *root, RelOptInfo *rel,
						EquivalenceClass *ec, EquivalenceMember *em, void *arg)
{
	return fdw_is_session_id_var((Node *) em->em_expr, rel,
								 *(AttrNumber *) arg);
}

/*
 * Adds a parameterized path for each join condition on the column attno:
 * the nested loop then passes each outer row's value into a rescan, a
 * lookup by id, or (key) a listing of the calculations of that session.
 * Returns how many it added that make listing everything the wrong plan:
 * those of a table not of Athena's, and every listing by key.
 */
static int
add_parameterized_paths(PlannerInfo *root, RelOptInfo *baserel,
						FdwRelInfo *info, AttrNumber attno, bool key)
{
	List	   *candidates = NIL;
	ListCell   *lc;
	int			added = 0;

	if (attno == InvalidAttrNumber)
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
																	&attno,
																	baserel->lateral_referencers));

	foreach(lc, candidates)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);
		FdwValuesQual qual;
		Relids		required_outer;

		if (!fdw_match_id_clause(root, baserel, attno, rinfo, &qual))
			continue;
		required_outer = bms_union(bms_difference(rinfo->clause_relids,
												  baserel->relids),
								   baserel->lateral_relids);
		if (bms_is_empty(required_outer))
			continue;
		if (key)
			add_key_listing_path(root, baserel, info, &qual, required_outer);
		else
			add_lookup_path(root, baserel, info, &qual, required_outer);

		/*
		 * The calculations of every session are the dearest listing there is:
		 * a join that names sessions always lists just those.
		 */
		if (key || !only_athena_tables(root, required_outer))
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

	parameterized = add_parameterized_paths(root, baserel, info,
											info->id_attno, false);
	/* calculations: a join on session_id lists each outer session's */
	if (info->table->kind == FDW_TABLE_CALCULATIONS && !info->has_key_qual)
		parameterized += add_parameterized_paths(root, baserel, info,
												 info->key_attno, true);

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
plan_private(FdwRelInfo *info, bool ids_array, bool is_list, int calls,
			 FdwKeySource workgroups, bool workgroups_array,
			 bool has_states, bool states_array, int never_matches)
{
	List	   *items = NIL;
	List	   *columns = NIL;
	int			values[PLAN_NUM_INTEGERS];
	int			i;
	int			member = -1;

	values[PLAN_IS_ARRAY] = ids_array;
	values[PLAN_IS_LIST] = is_list;
	values[PLAN_CALLS] = calls;
	values[PLAN_KEYS] = workgroups;
	values[PLAN_KEYS_ARRAY] = workgroups_array;
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


/*
 * A listing.  Its workgroup and state conditions are sent, and checked
 * again locally with every other condition.
 */
static ForeignScan *
make_list_plan(FdwRelInfo *info, RelOptInfo *baserel, List *tlist,
			   List *scan_clauses, Plan *outer_plan)
{
	List	   *exprs = NIL;
	FdwKeySource workgroups;

	/* nothing is sent; the condition is kept for EXPLAIN */
	if (info->never_matches != NULL)
		return make_foreignscan(tlist, extract_actual_clauses(scan_clauses, false),
								baserel->relid,
								list_make1(info->never_matches->clause),
								plan_private(info, false, true, 0,
											 KEYS_EVERY, false,
											 false, false,
											 info->never_matches_why),
								NIL, NIL, outer_plan);

	if (info->has_key_qual)
	{
		workgroups = KEYS_QUAL;
		exprs = lappend(exprs, info->key_qual.ids);
	}
	else
		workgroups = info->has_workgroup_option ? KEYS_OPTION : KEYS_EVERY;
	if (info->has_state_qual)
		exprs = lappend(exprs, info->state_qual.ids);

	return make_foreignscan(tlist, extract_actual_clauses(scan_clauses, false),
							baserel->relid, exprs,
							plan_private(info, false, true,
										 fdw_rel_calls(info, false),
										 workgroups,
										 info->has_key_qual &&
										 info->key_qual.is_array,
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
	FdwValuesQual qual;
	RestrictInfo *id_rinfo;
	List	   *recheck_clauses;
	bool		scan_checks;

	if (best_path->fdw_private == NIL)
		return make_list_plan(info, baserel, tlist, scan_clauses, outer_plan);

	/* a listing of the sessions an outer row names */
	if (list_length(best_path->fdw_private) == 2)
	{
		FdwRelInfo	keyed = *info;

		if (!fdw_match_id_clause(root, baserel, info->key_attno,
								 linitial_node(RestrictInfo, best_path->fdw_private),
								 &keyed.key_qual))
			elog(ERROR, "athena_fdw: session_id condition no longer matches");
		keyed.has_key_qual = true;
		return make_list_plan(&keyed, baserel, tlist, scan_clauses, outer_plan);
	}

	id_rinfo = linitial_node(RestrictInfo, best_path->fdw_private);
	if (!fdw_match_id_clause(root, baserel, info->id_attno,
							 id_rinfo, &qual))
		elog(ERROR, "athena_fdw: id condition no longer matches");

	/*
	 * Every condition, the pushed one included, is checked again, so the rows
	 * are exactly what the SQL says whatever Athena returns.  A pushed list
	 * of ids (= ANY, IN, an OR of equalities) is checked by the scan instead
	 * of the executor when the column keeps ids as they are: every row
	 * carries the very id it was asked for (sessions.c), a constant-time
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
										 fdw_rel_calls(info, true),
										 KEYS_EVERY, false, false, false,
										 NEVER_NONE),
							NIL, recheck_clauses, outer_plan);
}

void
fdw_plan_routines(FdwRoutine *routine)
{
	routine->GetForeignRelSize = athenaGetForeignRelSize;
	routine->GetForeignPaths = athenaGetForeignPaths;
	routine->GetForeignPlan = athenaGetForeignPlan;
}
