/* -------------------------------------------------------------------------
 *
 * pg_compat.h
 *		Every difference between the PostgreSQL versions athena_fdw builds
 *		against (15 to 18), each behind one name, so that no other file
 *		tests PG_VERSION_NUM.
 *
 * Included by athena_fdw.h after postgres.h.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ATHENA_FDW_PG_COMPAT_H
#define ATHENA_FDW_PG_COMPAT_H

#include "commands/explain.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "optimizer/pathnode.h"
#include "storage/latch.h"
#include "utils/memutils.h"
#include "utils/wait_event.h"

#if PG_VERSION_NUM >= 160000
#include "parser/parse_relation.h"
#endif
#if PG_VERSION_NUM >= 180000
/* 18 moved ExplainState and ExplainProperty* out of commands/explain.h */
#include "commands/explain_format.h"
#include "commands/explain_state.h"
#endif

/*
 * The module's magic block: from 18 on it also names the module and its
 * version for pg_get_loaded_modules().
 */
#if PG_VERSION_NUM >= 180000
#define FDW_MODULE_MAGIC(module_name, module_version) \
	PG_MODULE_MAGIC_EXT(.name = (module_name), .version = (module_version))
#else
#define FDW_MODULE_MAGIC(module_name, module_version) PG_MODULE_MAGIC
#endif

/* 18 removed pg_attribute_noreturn() (a suffix) for pg_noreturn (a prefix) */
#ifndef pg_attribute_noreturn
#define pg_attribute_noreturn() __attribute__((noreturn))
#endif

/*
 * create_foreignscan_path() for a base relation: 17 added fdw_restrictinfo
 * (only for joins and upper relations, NIL here), 18 disabled_nodes.
 */
#if PG_VERSION_NUM >= 180000
#define fdw_create_foreignscan_path(root, rel, target, rows, startup, total, \
									pathkeys, required_outer, outerpath, \
									fdw_private) \
	create_foreignscan_path((root), (rel), (target), (rows), 0, (startup), \
							(total), (pathkeys), (required_outer), \
							(outerpath), NIL, (fdw_private))
#elif PG_VERSION_NUM >= 170000
#define fdw_create_foreignscan_path(root, rel, target, rows, startup, total, \
									pathkeys, required_outer, outerpath, \
									fdw_private) \
	create_foreignscan_path((root), (rel), (target), (rows), (startup), \
							(total), (pathkeys), (required_outer), \
							(outerpath), NIL, (fdw_private))
#else
#define fdw_create_foreignscan_path create_foreignscan_path
#endif

/* 18 added isResultRel to ExecGetRangeTableRelation(); ours never are */
#if PG_VERSION_NUM >= 180000
#define fdw_range_table_relation(estate, rti) \
	ExecGetRangeTableRelation((estate), (rti), false)
#else
#define fdw_range_table_relation(estate, rti) \
	ExecGetRangeTableRelation((estate), (rti))
#endif

/*
 * The user the executor checks permissions as for range table entry rtindex
 * (a view's owner, or the current user): whom the API calls sign as.  16
 * moved checkAsUser from RangeTblEntry to RTEPermissionInfo, which only the
 * query's own tables have (an inheritance child has none: its parent's
 * user, which the planner copies into ForeignScan.checkAsUser, applies).
 */
static inline Oid
fdw_check_as_user(EState *estate, Index rtindex)
{
	RangeTblEntry *rte = exec_rt_fetch(rtindex, estate);
	Oid			user = InvalidOid;

#if PG_VERSION_NUM >= 160000
	if (rte->perminfoindex != 0)
		user = getRTEPermissionInfo(estate->es_rteperminfos,
									rte)->checkAsUser;
#else
	user = rte->checkAsUser;
#endif
	return OidIsValid(user) ? user : GetUserId();
}

/*
 * The columns an INSERT into the range table entry rte names, as attribute
 * numbers offset by FirstLowInvalidHeapAttributeNumber: 16 keeps them in
 * its RTEPermissionInfo.
 */
#if PG_VERSION_NUM >= 160000
#define fdw_inserted_cols(root, rte) \
	(getRTEPermissionInfo((root)->parse->rteperminfos, (rte))->insertedCols)
#else
#define fdw_inserted_cols(root, rte) ((void) (root), (rte)->insertedCols)
#endif

/* The same for a ForeignScan of rtindex, which on 16+ carries its user. */
#if PG_VERSION_NUM >= 160000
#define fdw_scan_check_as_user(plan, estate, rtindex) \
	((void) (estate), (void) (rtindex), \
	 OidIsValid((plan)->checkAsUser) ? (plan)->checkAsUser : GetUserId())
#else
#define fdw_scan_check_as_user(plan, estate, rtindex) \
	fdw_check_as_user((estate), (rtindex))
#endif

/* The same for a result relation (an inherited one: its root's user). */
#if PG_VERSION_NUM >= 160000
#define fdw_result_check_as_user(rinfo, estate) \
	ExecGetResultRelCheckAsUser((rinfo), (estate))
#else
#define fdw_result_check_as_user(rinfo, estate) \
	fdw_check_as_user((estate), (rinfo)->ri_RangeTableIndex)
#endif

/*
 * A wait event set that lives until FreeWaitEventSet(): 17 takes a
 * ResourceOwner (NULL: none, allocated in TopMemoryContext) where 15 and 16
 * take the memory context.
 */
#if PG_VERSION_NUM >= 170000
#define fdw_create_wait_event_set(nevents) CreateWaitEventSet(NULL, (nevents))
#else
#define fdw_create_wait_event_set(nevents) \
	CreateWaitEventSet(TopMemoryContext, (nevents))
#endif

/*
 * A named wait event for pg_stat_activity.wait_event (17+: registered once
 * per backend under name, cached in *id); 15 and 16 show "Extension".  Call
 * it where an ERROR is allowed, before the wait.
 */
static inline uint32
fdw_wait_event(uint32 *id, const char *name)
{
#if PG_VERSION_NUM >= 170000
	if (*id == 0)
		*id = WaitEventExtensionNew(name);
	return *id;
#else
	(void) name;
	*id = PG_WAIT_EXTENSION;
	return *id;
#endif
}

/*
 * 16's outer-join Vars: a Var of the nullable side above an outer join
 * carries the join's relid in varnullingrels, and setrefs.c matches a
 * custom scan's expressions to its custom_scan_tlist only with equal
 * varnullingrels.  fdw_join_nulling_relids gives the relids that the outer
 * join joinrel nulls its inner side by (the join's own, not its inputs'),
 * fdw_mark_nulled marks every Var of varno in expr as nulled by them (15:
 * no such marks, expr unchanged).
 */
#if PG_VERSION_NUM >= 160000
static inline Relids
fdw_join_nulling_relids(RelOptInfo *joinrel, Relids outer_relids,
						Index inner_relid)
{
	Relids		relids = bms_difference(joinrel->relids, outer_relids);

	return bms_del_member(relids, inner_relid);
}

typedef struct FdwMarkNulled
{
	Index		varno;
	Relids		nulling;
} FdwMarkNulled;

static inline Node *
fdw_mark_nulled_mutator(Node *node, FdwMarkNulled *ctx)
{
	if (node == NULL)
		return NULL;
	if (IsA(node, Var) && ((Var *) node)->varno == (int) ctx->varno &&
		((Var *) node)->varlevelsup == 0)
	{
		Var		   *var = (Var *) copyObject(node);

		var->varnullingrels = bms_union(var->varnullingrels, ctx->nulling);
		return (Node *) var;
	}
	return expression_tree_mutator(node, fdw_mark_nulled_mutator, ctx);
}

static inline Node *
fdw_mark_nulled(Node *expr, Index varno, Relids nulling)
{
	FdwMarkNulled ctx;

	if (bms_is_empty(nulling))
		return expr;
	ctx.varno = varno;
	ctx.nulling = nulling;
	return fdw_mark_nulled_mutator(expr, &ctx);
}
#else
#define fdw_join_nulling_relids(joinrel, outer_relids, inner_relid) \
	((void) (joinrel), (void) (outer_relids), (void) (inner_relid), \
	 (Relids) NULL)
#define fdw_mark_nulled(expr, varno, nulling) \
	((void) (varno), (void) (nulling), (expr))
#endif

#endif							/* ATHENA_FDW_PG_COMPAT_H */
