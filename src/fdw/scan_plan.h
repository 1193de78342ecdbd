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
	FdwSessionSource *source;	/* client, columns, the scan under way */
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

static inline int
plan_item(ForeignScan *plan, enum FdwPlanPrivate item)
{
	return intVal(list_nth(plan->fdw_private, item));
}

#endif							/* ATHENA_SCAN_PLAN_H */
