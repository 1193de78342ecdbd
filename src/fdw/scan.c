/*
 * scan.c
 *		Running a foreign scan: the pushed conditions evaluated once per
 *		(re)scan, their values sent as lookups or listings, rows returned.
 *
 * modify.c runs a DELETE's scan through the same functions.
 */
#include "postgres.h"

#include <math.h>

#include "utils/rel.h"

#include "athena_fdw.h"
#include "scan_plan.h"

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
	state->table = fdw_table_of(RelationGetRelid(node->ss.ss_currentRelation));

	/* whom to sign as: the same user whose permissions the executor checks */
	userid = fdw_scan_check_as_user(plan, estate, plan->scan.scanrelid);
	state->source = fdw_source_create(node->ss.ss_currentRelation, userid,
									  plan_item(plan, PLAN_CALLS));
	fdw_source_read_only(state->source,
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

		if (plan_item(plan, PLAN_KEYS) == KEYS_QUAL)
		{
			state->keys_expr = ExecInitExpr(list_nth(plan->fdw_exprs, next_expr++),
											(PlanState *) node);
			state->keys_is_array = plan_item(plan, PLAN_KEYS_ARRAY);
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
 * Keeps, in place, the values a row can have; returns how many (-1, no
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
	const char **keys;			/* workgroups, or a calculation listing's
								 * sessions */
	const char **states;
	int			nids;
	int			nkeys;
	int			nstates;

	MemoryContextReset(state->ids_cxt);
	if (state->never_matches)
		fdw_source_start_list(state->source, NULL, 0, NULL, 0);
	else if (!state->is_list)
	{
		nids = evaluate_values(state->ids_expr, state->ids_is_array, econtext,
							   state->ids_cxt, &ids);
		fdw_source_start(state->source, ids, nids);
	}
	else
	{
		nkeys = evaluate_values(state->keys_expr,
								state->keys_is_array, econtext,
								state->ids_cxt, &keys);
		nstates = evaluate_values(state->states_expr, state->states_is_array,
								  econtext, state->ids_cxt, &states);
		/* values known only now (a parameter) are held to the model too */
		nkeys = keep_possible(keys, nkeys,
							  state->table->key_possible);
		nstates = keep_possible(states, nstates,
								state->table->state_possible);
		fdw_source_start_list(state->source, keys, nkeys,
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
	if (!fdw_source_next(state->source, slot->tts_values, slot->tts_isnull,
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

	fdw_source_finish(state->source);
	state->started = false;
}

void
fdw_scan_end(FdwScanState *state)
{
	if (state == NULL)
		return;
	fdw_source_destroy(state->source);
	MemoryContextDelete(state->ids_cxt);
}

static void
athenaEndForeignScan(ForeignScanState *node)
{
	fdw_scan_end((FdwScanState *) node->fdw_state);
}

void
fdw_scan_routines(FdwRoutine *routine)
{
	routine->BeginForeignScan = athenaBeginForeignScan;
	routine->IterateForeignScan = athenaIterateForeignScan;
	routine->ReScanForeignScan = athenaReScanForeignScan;
	routine->EndForeignScan = athenaEndForeignScan;
}
