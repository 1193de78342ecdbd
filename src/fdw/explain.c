/*
 * explain.c
 *		EXPLAIN of a foreign scan: which Athena operation it calls, with
 *		what, and with ANALYZE what the calls cost.
 *
 * The batched join (join_scan.c) and DELETE (modify.c) describe their
 * scans with the same functions.
 */
#include "postgres.h"

#include <math.h>

#include "utils/builtins.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"

#include "athena_fdw.h"
#include "scan_plan.h"

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

/* The operation a lookup calls once per id: GetSession answers the status too. */
void
fdw_explain_lookup_api(bool details, ExplainState *es)
{
	ExplainPropertyText("Athena API",
						athena_operation_name(details ? ATHENA_OP_GET_SESSION :
											  ATHENA_OP_GET_SESSION_STATUS),
						es);
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
		fdw_explain_lookup_api(details, es);
		fdw_explain_ids(linitial(plan->fdw_exprs), plan_item(plan, PLAN_IS_ARRAY),
						context, prefix, es);
	}
	else
	{
		ExplainPropertyText("Athena API",
							athena_operation_name(ATHENA_OP_LIST_SESSIONS), es);
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
		fdw_source_explain(state->source, is_list, es);
}

static void
athenaExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	fdw_scan_explain(node, (FdwScanState *) node->fdw_state, es);
}

void
fdw_explain_routines(FdwRoutine *routine)
{
	routine->ExplainForeignScan = athenaExplainForeignScan;
}
