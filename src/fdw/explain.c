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

	switch ((FdwKeySource) plan_item(plan, PLAN_KEYS))
	{
		case KEYS_QUAL:
			return deparse_expression(linitial(plan->fdw_exprs), context,
									  prefix, false);
		case KEYS_OPTION:
			table = GetForeignTable(RelationGetRelid(node->ss.ss_currentRelation));
			fdw_get_options(GetForeignServer(table->serverid), table, NULL,
							&options);
			if (options.workgroup == NULL)
				break;			/* dropped since the plan was made */
			return psprintf("%s (%s option)", quote_literal_cstr(options.workgroup),
							workgroup_option_owner(table));
		case KEYS_EVERY:
			break;
	}
	return pstrdup("every Spark workgroup (ListWorkGroups)");
}

/*
 * The operation a session lookup calls once per id (calls: FDW_CALL_*):
 * GetSession answers the status too.
 */
void
fdw_explain_lookup_api(int calls, ExplainState *es)
{
	ExplainPropertyText("Athena API",
						athena_operation_name((calls & FDW_CALL_DETAILS) ?
											  ATHENA_OP_GET_SESSION :
											  ATHENA_OP_GET_SESSION_STATUS),
						es);
}

/*
 * The calls each calculation gets, as calculations.c makes them:
 * GetCalculationExecution (which answers the status too) or
 * GetCalculationExecutionStatus, and GetCalculationExecutionCode; a lookup
 * always makes one.  NULL for a listed row that needs none.
 */
static char *
calculation_calls(int calls, bool lookup)
{
	const char *first = NULL;

	if (calls & FDW_CALL_DETAILS)
		first = athena_operation_name(ATHENA_OP_GET_CALCULATION_EXECUTION);
	else if ((calls & FDW_CALL_STATUS) || (lookup && !(calls & FDW_CALL_CODE)))
		first = athena_operation_name(ATHENA_OP_GET_CALCULATION_EXECUTION_STATUS);
	if (!(calls & FDW_CALL_CODE))
		return first ? pstrdup(first) : NULL;
	return psprintf("%s%s%s", first ? first : "", first ? ", " : "",
					athena_operation_name(ATHENA_OP_GET_CALCULATION_EXECUTION_CODE));
}

static void
explain_id_values(const char *label, const char *one, Expr *ids,
				  bool is_array, List *context, bool prefix,
				  ExplainState *es)
{
	int			count = fdw_count_constant_ids(ids, is_array);

	if (count >= 0)
		ExplainPropertyInteger(label, NULL, count, es);
	else
		ExplainPropertyText(is_array ? label : one,
							deparse_expression((Node *) ids, context, prefix,
											   false),
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
	explain_id_values("Session IDs", "Session ID", ids, is_array, context,
					  prefix, es);
}

/* What a scan sends; with ANALYZE, what it cost (state NULL otherwise). */
void
fdw_scan_explain(ForeignScanState *node, FdwScanState *state,
				 ExplainState *es)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	const FdwTable *table = fdw_table_of(RelationGetRelid(node->ss.ss_currentRelation));
	bool		calculations = table->kind == FDW_TABLE_CALCULATIONS;
	bool		is_list = plan_item(plan, PLAN_IS_LIST);
	int			calls = plan_item(plan, PLAN_CALLS);
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
									 NEVER_STATE ?
									 psprintf("no value is a %s", table->state_shape) :
									 calculations ?
									 "no session id has 1 to 256 characters" :
									 "no workgroup name matches [a-zA-Z0-9._-]{1,128}"),
							es);
	}
	else if (!is_list && calculations)
	{
		ExplainPropertyText("Athena API", calculation_calls(calls, true), es);
		explain_id_values("Calculation IDs", "Calculation ID",
						  linitial(plan->fdw_exprs),
						  plan_item(plan, PLAN_IS_ARRAY), context, prefix, es);
	}
	else if (!is_list)
	{
		fdw_explain_lookup_api(calls, es);
		fdw_explain_ids(linitial(plan->fdw_exprs), plan_item(plan, PLAN_IS_ARRAY),
						context, prefix, es);
	}
	else if (calculations)
	{
		char	   *per_row = calculation_calls(calls, false);

		ExplainPropertyText("Athena API",
							athena_operation_name(ATHENA_OP_LIST_CALCULATION_EXECUTIONS),
							es);
		if (plan_item(plan, PLAN_KEYS) == KEYS_QUAL)
			explain_id_values("Session IDs", "Session ID",
							  linitial(plan->fdw_exprs),
							  plan_item(plan, PLAN_KEYS_ARRAY), context,
							  prefix, es);
		else
			ExplainPropertyText("Sessions",
								psprintf("every session (%s) of %s",
										 athena_operation_name(ATHENA_OP_LIST_SESSIONS),
										 explain_workgroups(plan, node, context,
															prefix)),
								es);
		if (plan_item(plan, PLAN_HAS_STATES))
			ExplainPropertyText("State Filters",
								deparse_expression(list_nth(plan->fdw_exprs,
															plan_item(plan, PLAN_KEYS) == KEYS_QUAL),
												   context, prefix, false),
								es);
		ExplainPropertyText("Detail Calls",
							per_row ? psprintf("%s per row", per_row) : "none",
							es);
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
															plan_item(plan, PLAN_KEYS) == KEYS_QUAL),
												   context, prefix, false),
								es);
		ExplainPropertyText("Detail Calls",
							(calls & FDW_CALL_DETAILS) ? "GetSession per row" :
							"none", es);
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
