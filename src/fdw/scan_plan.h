/*
 * scan_plan.h
 *		What a foreign scan's plan tells its execution and EXPLAIN: the
 *		layout of ForeignScan.fdw_private, and the scan's execution state.
 *
 * plan.c writes the plan, scan.c runs it, explain.c describes it.
 */
#ifndef ATHENA_SCAN_PLAN_H
#define ATHENA_SCAN_PLAN_H

#include "athena_fdw.h"

/*
 * Where a listing gets what it lists: the workgroups of a session listing,
 * the sessions of a calculation listing.
 */
typedef enum FdwKeySource
{
	KEYS_QUAL,					/* a condition: fdw_exprs holds its values */
	KEYS_OPTION,				/* sessions: the table's, else the server's
								 * workgroup option */
	KEYS_EVERY					/* sessions: every Spark workgroup
								 * (ListWorkGroups); calculations: every
								 * session a session listing finds */
} FdwKeySource;

/*
 * Items of ForeignScan.fdw_private, all Integers but PLAN_COLUMNS, an
 * integer List of the attribute numbers the query reads (0: the whole
 * row).  fdw_exprs holds the ids of a lookup; of a listing, the keys
 * (workgroups or session ids, with KEYS_QUAL), then the states (with
 * PLAN_HAS_STATES).
 */
enum FdwPlanPrivate
{
	PLAN_IS_ARRAY,				/* lookup: ids come from = ANY(array) */
	PLAN_IS_LIST,				/* a listing, not a lookup */
	PLAN_CALLS,					/* FDW_CALL_* for each row */
	PLAN_KEYS,					/* listing: an FdwKeySource */
	PLAN_KEYS_ARRAY,			/* ... its values come from = ANY(array) */
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
	NEVER_KEY,					/* no value is a possible key (WorkGroupName's
								 * pattern, a session id's length) */
	NEVER_STATE					/* no value is one of the table's states */
} FdwNeverMatches;

/* Execution state of one foreign scan. */
struct FdwScanState
{
	const FdwTable *table;
	FdwSessionSource *source;	/* client, columns, the scan under way */
	MemoryContext ids_cxt;		/* ids (or workgroups, states) of the current
								 * (re)scan */
	bool		is_list;
	ExprState  *ids_expr;		/* lookup */
	bool		ids_is_array;
	ExprState  *keys_expr;		/* listing, NULL without a condition */
	bool		keys_is_array;
	ExprState  *states_expr;	/* listing, NULL without a condition */
	bool		states_is_array;
	bool		never_matches;	/* PLAN_NEVER_MATCHES: no row, no call */
	bool		started;		/* this (re)scan's values evaluated and sent */
};

static inline int
plan_item(ForeignScan *plan, enum FdwPlanPrivate item)
{
	return intVal(list_nth(plan->fdw_private, item));
}

#endif							/* ATHENA_SCAN_PLAN_H */
