/*
 * modify.c
 *		DELETE on the foreign table terminates sessions (TerminateSession),
 *		or of a calculations table stops calculations
 *		(StopCalculationExecution) in a state that can be stopped; INSERT
 *		is insert.c's; UPDATE, TRUNCATE and COPY FROM are refused.
 *
 * A DELETE that reads only the foreign table (the usual case) runs as a
 * direct modification: the FDW scans (fresh GetSessionStatus answers),
 * checks every condition of the statement on every row itself, and only
 * then sends the TerminateSession calls of the rows that passed, all at
 * once, max_concurrency at a time.  A DELETE that joins other tables
 * (USING, a subquery the planner turns into a join) or a table with row
 * triggers cannot be run that way: PostgreSQL hands over one row at a time
 * (ExecForeignDelete), after that row passed its conditions, and each row
 * costs one round trip.  README.md has the measured difference.
 *
 * Each session is asked for at most once per statement, whatever the
 * join hands over.  A session that is gone by the time of the call (either
 * "not found" answer) was not terminated by this statement: it is not
 * counted and is no error.  A DELETE with no WHERE clause at all is refused
 * (delete_where.c); one that ends early says what it terminated
 * (delete_progress.c).  Terminating cannot be rolled back: a DELETE whose transaction
 * aborts has terminated its sessions all the same.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/appendinfo.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"

#include "athena_fdw.h"

/*
 * Names of the junk columns a row-at-a-time DELETE gets its rows by: the
 * session_id, and for RETURNING the columns it reads (a prefix and the
 * attribute number) or the whole row.
 */
#define JUNK_SESSION_ID	"athena_session_id"
#define JUNK_STATE		"athena_state"
#define JUNK_COLUMN		"athena_column_%d"
#define JUNK_WHOLEROW	"wholerow"

/* Athena's SessionId is 1 to 256 characters (its service model). */
#define SESSION_ID_MAX_LEN	256

/*
 * What PlanDirectModify appends to the scan's plan lists (the last item of
 * each), so that the scan's own items keep their positions.
 *	 fdw_exprs:   the statement's conditions, AND-ed (Const true if none)
 *	 fdw_private: Integer, whether the statement counts the rows (canSetTag)
 */

/* One row that passed every condition of a direct DELETE. */
typedef struct DeleteRow
{
	HeapTuple	tuple;			/* as fetched */
	char	   *state;			/* what TerminateSession answered */
	bool		terminated;
} DeleteRow;

/* Execution state of a DELETE, in either form. */
typedef struct DeleteState
{
	FdwModifyKind kind;			/* FDW_MODIFY_DELETE */
	MemoryContext cxt;			/* everything of this DELETE */
	Relation	rel;
	FdwColumnMap *columns;
	AttrNumber	id_attno;		/* the table's id column */
	bool		calculations;	/* stops calculations */
	AttrNumber	state_attno;	/* calculations: only stoppable rows are
								 * stopped */
	FmgrInfo	id_output;		/* output function of the id */
	FmgrInfo	state_output;	/* of the state, if state_attno */
	FdwSessionSource *source;	/* client and TerminateSession fan-outs */
	int64		terminated;		/* sessions this statement terminated */
	HTAB	   *asked;			/* ids this statement asked to terminate */

	/* direct modification */
	FdwScanState *scan;
	ExprState  *filter;
	bool		set_processed;
	DeleteRow  *rows;
	int			nrows;
	int			next_row;		/* next RETURNING row */
	bool		done;

	/* one row at a time */
	AttrNumber	id_junk;
	AttrNumber	state_junk;		/* calculations */
	AttrNumber	wholerow_junk;
	AttrNumber *column_junk;	/* per attribute, for RETURNING */
} DeleteState;

static const char *
command_name(CmdType operation)
{
	switch (operation)
	{
		case CMD_INSERT:
			return "INSERT";
		case CMD_UPDATE:
			return "UPDATE";
		case CMD_MERGE:
			return "MERGE";
		default:
			return "this command";
	}
}

static void
			refuse(Oid relid, const char *command) pg_attribute_noreturn();

static void
refuse(Oid relid, const char *command)
{
	bool		calculations = fdw_table_of(relid)->kind == FDW_TABLE_CALCULATIONS;

	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("foreign table \"%s\" does not support %s",
					get_rel_name(relid), command),
			 calculations ?
			 errdetail("INSERT starts calculations (StartCalculationExecution) and DELETE stops the ones it selects (StopCalculationExecution); calculations cannot be changed or truncated through the table.") :
			 errdetail("INSERT starts sessions (StartSession) and DELETE terminates the ones it selects (TerminateSession); sessions cannot be changed or truncated through the table."),
			 strcmp(command, "COPY FROM") == 0 ?
			 errhint("INSERT ... SELECT starts them from the rows of another table.") : 0));
}

/*
 * Whether a row in state is one DELETE acts on: of calculations, those
 * StopCalculationExecution applies to.
 */
static bool
row_is_stoppable(DeleteState *state, Datum value, bool isnull)
{
	if (!state->calculations || !AttributeNumberIsValid(state->state_attno))
		return true;
	return !isnull &&
		athena_calculation_state_stoppable(OutputFunctionCall(&state->state_output,
															  value));
}

static bool
slot_is_stoppable(DeleteState *state, TupleTableSlot *slot)
{
	Datum		value;
	bool		isnull;

	if (!state->calculations || !AttributeNumberIsValid(state->state_attno))
		return true;
	value = slot_getattr(slot, state->state_attno, &isnull);
	return row_is_stoppable(state, value, isnull);
}

/* ---------- planning ---------- */

/*
 * The row identity of a row-at-a-time DELETE: its session_id, and the
 * columns RETURNING reads (only those, so that RETURNING session_id, state
 * needs no GetSession).  They also tell a direct DELETE's scan what to
 * fetch.  UPDATE is refused here, before any path is built.
 */
static void
athenaAddForeignUpdateTargets(PlannerInfo *root, Index rtindex,
							  RangeTblEntry *target_rte,
							  Relation target_relation)
{
	const FdwTable *table = fdw_table_of(RelationGetRelid(target_relation));
	AttrNumber	attno;
	AttrNumber	state_attno;
	Form_pg_attribute att;

	if (root->parse->commandType != CMD_DELETE)
		refuse(RelationGetRelid(target_relation),
			   command_name(root->parse->commandType));

	fdw_check_delete_has_where((List *) root->parse->jointree->quals,
							   target_relation);
	attno = fdw_id_attno(target_relation);
	if (attno == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
				 errmsg("cannot delete from foreign table \"%s\": it has no column \"%s\"",
						RelationGetRelationName(target_relation),
						table->id_column),
				 table->kind == FDW_TABLE_CALCULATIONS ?
				 errhint("DELETE stops calculations by their id.") :
				 errhint("DELETE terminates sessions by their id.")));
	att = TupleDescAttr(RelationGetDescr(target_relation), attno - 1);
	add_row_identity_var(root,
						 makeVar(rtindex, attno, att->atttypid, att->atttypmod,
								 att->attcollation, 0),
						 rtindex, JUNK_SESSION_ID);

	/* a calculation is stopped only in a state that can be stopped */
	state_attno = fdw_column_attno(target_relation, "state");
	if (table->kind == FDW_TABLE_CALCULATIONS && state_attno != InvalidAttrNumber)
	{
		att = TupleDescAttr(RelationGetDescr(target_relation), state_attno - 1);
		add_row_identity_var(root,
							 makeVar(rtindex, state_attno, att->atttypid,
									 att->atttypmod, att->attcollation, 0),
							 rtindex, JUNK_STATE);
	}

	if (root->parse->returningList != NIL)
	{
		Bitmapset  *attrs = NULL;
		int			col = -1;

		pull_varattnos((Node *) root->parse->returningList, rtindex, &attrs);
		while ((col = bms_next_member(attrs, col)) >= 0)
		{
			AttrNumber	returned = col + FirstLowInvalidHeapAttributeNumber;

			if (returned == InvalidAttrNumber)
				add_row_identity_var(root,
									 makeWholeRowVar(target_rte, rtindex, 0, false),
									 rtindex, JUNK_WHOLEROW);
			else if (returned > 0 && returned != attno)
			{
				att = TupleDescAttr(RelationGetDescr(target_relation), returned - 1);
				add_row_identity_var(root,
									 makeVar(rtindex, returned, att->atttypid,
											 att->atttypmod, att->attcollation, 0),
									 rtindex, psprintf(JUNK_COLUMN, returned));
			}
		}
	}
}

static List *
athenaPlanForeignModify(PlannerInfo *root, ModifyTable *plan,
						Index resultRelation, int subplan_index)
{
	if (plan->operation == CMD_INSERT)
		return fdw_insert_plan(root, plan, resultRelation);
	if (plan->operation != CMD_DELETE)
		refuse(planner_rt_fetch(resultRelation, root)->relid,
			   command_name(plan->operation));
	return NIL;
}

/*
 * A DELETE whose only input is the scan of its own foreign table runs in
 * the FDW.  The scan's conditions move from the plan (where the executor
 * would check them on the rows IterateDirectModify returns, which carry the
 * state after termination) into the FDW, which checks them on the rows as
 * fetched, before it terminates any.
 */
static bool
athenaPlanDirectModify(PlannerInfo *root, ModifyTable *plan,
					   Index resultRelation, int subplan_index)
{
	Plan	   *subplan = outerPlan(plan);
	ForeignScan *fscan;

	if (plan->operation != CMD_DELETE || !IsA(subplan, ForeignScan))
		return false;
	fscan = (ForeignScan *) subplan;
	if (fscan->scan.scanrelid != resultRelation)
		return false;

	fscan->fdw_exprs = lappend(fscan->fdw_exprs,
							   make_ands_explicit(fscan->scan.plan.qual));
	fscan->scan.plan.qual = NIL;
	fscan->fdw_private = lappend(fscan->fdw_private,
								 makeInteger(plan->canSetTag));
	fscan->operation = CMD_DELETE;
	fscan->resultRelation = resultRelation;
	return true;
}

/* ---------- terminating ---------- */

static DeleteState *
begin_delete(Relation rel, Oid userid, EState *estate)
{
	DeleteState *state = palloc0(sizeof(DeleteState));
	MemoryContext oldcxt;
	Form_pg_attribute att;
	Oid			output;
	bool		varlena;

	state->kind = FDW_MODIFY_DELETE;
	state->cxt = AllocSetContextCreate(estate->es_query_cxt, "athena_fdw delete",
									   ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(state->cxt);
	state->rel = rel;
	state->columns = fdw_map_columns(rel);
	state->id_attno = fdw_id_attno(rel);
	state->calculations = fdw_table_of(RelationGetRelid(rel))->kind ==
		FDW_TABLE_CALCULATIONS;
	state->state_attno = fdw_column_attno(rel, "state");
	if (AttributeNumberIsValid(state->state_attno))
	{
		att = TupleDescAttr(RelationGetDescr(rel), state->state_attno - 1);
		getTypeOutputInfo(att->atttypid, &output, &varlena);
		fmgr_info(output, &state->state_output);
	}
	att = TupleDescAttr(RelationGetDescr(rel), state->id_attno - 1);
	getTypeOutputInfo(att->atttypid, &output, &varlena);
	fmgr_info(output, &state->id_output);
	state->source = fdw_source_create(rel, userid, 0);
	{
		HASHCTL		ctl;

		ctl.keysize = SESSION_ID_MAX_LEN + 1;
		ctl.entrysize = ctl.keysize;
		ctl.hcxt = state->cxt;
		state->asked = hash_create("athena_fdw delete", 64, &ctl,
								   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	}
	MemoryContextSwitchTo(oldcxt);
	fdw_delete_progress_begin();
	return state;
}

/*
 * Whether this statement asked to terminate id already; remembers it if
 * not.  A join hands the same session over once per matching row (and a
 * Memoize node above the scan hands back the row as it was before the
 * first call): each session is terminated and counted once.  An id too long
 * to be a session's is no session and needs no remembering.
 */
static bool
already_asked(DeleteState *state, const char *id)
{
	bool		found;

	if (strlen(id) > SESSION_ID_MAX_LEN)
		return false;
	hash_search(state->asked, id, HASH_ENTER, &found);
	return found;
}

static void
end_delete(DeleteState *state)
{
	fdw_delete_progress_end();
	fdw_source_destroy(state->source);
	MemoryContextDelete(state->cxt);
}

/* A session_id value as the API takes it: its text, in UTF-8. */
static char *
session_id_text(DeleteState *state, Datum value)
{
	char	   *id = OutputFunctionCall(&state->id_output, value);

	return pg_server_to_any(id, strlen(id), PG_UTF8);
}

/*
 * states[i] and terminated[i] for ids[i], in the DELETE's memory.  When the
 * calls end in an ERROR (a failed call, a cancel, a timeout), the WARNING
 * of what the statement terminated goes out first.
 */
static void
terminate_sessions(DeleteState *state, const char *const *ids, int n,
				   char **states, bool *terminated)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(state->cxt);

	PG_TRY();
	{
		state->terminated += fdw_source_terminate(state->source, ids, n, states,
												  terminated, state->terminated);
	}
	PG_CATCH();
	{
		ErrorData  *error;

		MemoryContextSwitchTo(oldcxt);
		error = CopyErrorData();
		FlushErrorState();
		fdw_delete_progress_report();
		ReThrowError(error);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(oldcxt);
}

static void
explain_terminations(Relation rel, DeleteState *state, ExplainState *es)
{
	ExplainPropertyText("Athena Modify API",
						athena_operation_name(fdw_table_of(RelationGetRelid(rel))->kind ==
											  FDW_TABLE_CALCULATIONS ?
											  ATHENA_OP_STOP_CALCULATION_EXECUTION :
											  ATHENA_OP_TERMINATE_SESSION), es);
	if (es->analyze && state != NULL)
		fdw_source_explain_terminations(state->source, es);
}

/* ---------- direct modification ---------- */

static void
athenaBeginDirectModify(ForeignScanState *node, int eflags)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	DeleteState *state;

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	state = begin_delete(node->ss.ss_currentRelation,
						 fdw_scan_check_as_user(plan, estate,
												plan->resultRelation),
						 estate);
	state->scan = fdw_scan_begin(node);
	state->filter = ExecInitQual(make_ands_implicit(llast(plan->fdw_exprs)),
								 (PlanState *) node);
	state->set_processed = intVal(llast(plan->fdw_private));
	node->fdw_state = state;
}

/*
 * Fetches every row, keeps those that pass every condition, then
 * terminates their sessions.  Runs in the per-tuple memory context, which
 * is reset after each row: what is kept is copied into the DELETE's.
 */
static void
run_direct_delete(ForeignScanState *node, DeleteState *state)
{
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	AttrNumber	id_attno = state->id_attno;
	int			size = 16;
	const char **ids;
	char	  **states;
	bool	   *terminated;
	int			i;

	state->rows = MemoryContextAlloc(state->cxt, size * sizeof(DeleteRow));
	for (;;)
	{
		TupleTableSlot *slot = fdw_scan_next(node, state->scan);
		MemoryContext oldcxt;

		if (TupIsNull(slot))
			break;
		econtext->ecxt_scantuple = slot;
		if (ExecQual(state->filter, econtext) && slot_is_stoppable(state, slot))
		{
			if (state->nrows == size)
			{
				size *= 2;
				state->rows = repalloc(state->rows, size * sizeof(DeleteRow));
			}
			oldcxt = MemoryContextSwitchTo(state->cxt);
			state->rows[state->nrows].tuple = ExecCopySlotHeapTuple(slot);
			state->nrows++;
			MemoryContextSwitchTo(oldcxt);
		}
		ResetExprContext(econtext);
	}

	ids = MemoryContextAlloc(state->cxt, Max(state->nrows, 1) * sizeof(char *));
	states = MemoryContextAllocZero(state->cxt, Max(state->nrows, 1) * sizeof(char *));
	terminated = MemoryContextAllocZero(state->cxt, Max(state->nrows, 1) * sizeof(bool));
	for (i = 0; i < state->nrows; i++)
	{
		bool		isnull;
		Datum		id = heap_getattr(state->rows[i].tuple, id_attno,
									  RelationGetDescr(state->rel), &isnull);

		ids[i] = MemoryContextStrdup(state->cxt, session_id_text(state, id));
	}
	/* a session listed twice is asked for once (its first row) */
	for (i = 0; i < state->nrows; i++)
	{
		if (already_asked(state, ids[i]))
		{
			state->nrows--;
			memmove(&state->rows[i], &state->rows[i + 1],
					(state->nrows - i) * sizeof(DeleteRow));
			memmove(&ids[i], &ids[i + 1], (state->nrows - i) * sizeof(char *));
			i--;
		}
	}
	if (state->nrows > 0)
		terminate_sessions(state, ids, state->nrows, states, terminated);
	for (i = 0; i < state->nrows; i++)
	{
		state->rows[i].state = states[i];
		state->rows[i].terminated = terminated[i];
	}
	state->done = true;
}

static TupleTableSlot *
athenaIterateDirectModify(ForeignScanState *node)
{
	DeleteState *state = (DeleteState *) node->fdw_state;
	EState	   *estate = node->ss.ps.state;
	ResultRelInfo *result_rel = node->resultRelInfo;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;

	if (!state->done)
	{
		run_direct_delete(node, state);

		if (result_rel->ri_projectReturning == NULL)
		{
			if (state->set_processed)
				estate->es_processed += state->terminated;
			if (node->ss.ps.instrument)
				node->ss.ps.instrument->tuplecount += state->terminated;
			return ExecClearTuple(slot);
		}
	}
	if (result_rel->ri_projectReturning == NULL)
		return ExecClearTuple(slot);

	/* RETURNING: each terminated row, with the state the call answered */
	while (state->next_row < state->nrows &&
		   !state->rows[state->next_row].terminated)
		state->next_row++;
	if (state->next_row >= state->nrows)
		return ExecClearTuple(slot);

	ExecClearTuple(slot);
	heap_deform_tuple(state->rows[state->next_row].tuple,
					  slot->tts_tupleDescriptor,
					  slot->tts_values, slot->tts_isnull);
	fdw_set_state_values(state->columns, state->rows[state->next_row].state,
						 slot->tts_values, slot->tts_isnull);
	ExecStoreVirtualTuple(slot);
	state->next_row++;

	result_rel->ri_projectReturning->pi_exprContext->ecxt_scantuple = slot;
	if (state->set_processed)
		estate->es_processed++;
	return slot;
}

static void
athenaEndDirectModify(ForeignScanState *node)
{
	DeleteState *state = (DeleteState *) node->fdw_state;

	if (state == NULL)
		return;
	fdw_scan_end(state->scan);
	end_delete(state);
}

static void
athenaExplainDirectModify(ForeignScanState *node, ExplainState *es)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	DeleteState *state = (DeleteState *) node->fdw_state;
	List	   *filter = make_ands_implicit(llast(plan->fdw_exprs));

	fdw_scan_explain(node, state ? state->scan : NULL, es);
	if (filter != NIL)
	{
		List	   *context;

		context = set_deparse_context_plan(deparse_context_for_plan_tree(es->pstmt,
																		 es->rtable_names),
										   (Plan *) plan, NIL);
		ExplainPropertyText("Filter",
							deparse_expression((Node *) make_ands_explicit(filter),
											   context,
											   list_length(es->rtable) > 1,
											   false),
							es);
	}
	explain_terminations(node->ss.ss_currentRelation, state, es);
}

/* ---------- one row at a time ---------- */

static void
athenaBeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
						 List *fdw_private, int subplan_index, int eflags)
{
	EState	   *estate = mtstate->ps.state;
	Plan	   *subplan = outerPlanState(mtstate)->plan;
	DeleteState *state;
	int			i;

	if (mtstate->operation == CMD_INSERT)
	{
		fdw_insert_begin(mtstate, rinfo, eflags);
		return;
	}
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	state = begin_delete(rinfo->ri_RelationDesc,
						 fdw_result_check_as_user(rinfo, estate),
						 estate);
	state->id_junk = ExecFindJunkAttributeInTlist(subplan->targetlist,
												  JUNK_SESSION_ID);
	state->state_junk = ExecFindJunkAttributeInTlist(subplan->targetlist,
													 JUNK_STATE);
	if (!AttributeNumberIsValid(state->id_junk))
		elog(ERROR, "athena_fdw: junk column \"%s\" not found", JUNK_SESSION_ID);
	state->wholerow_junk = ExecFindJunkAttributeInTlist(subplan->targetlist,
														JUNK_WHOLEROW);
	state->column_junk = MemoryContextAllocZero(state->cxt,
												sizeof(AttrNumber) * state->columns->natts);
	for (i = 0; i < state->columns->natts; i++)
		state->column_junk[i] =
			ExecFindJunkAttributeInTlist(subplan->targetlist,
										 psprintf(JUNK_COLUMN, i + 1));
	rinfo->ri_FdwState = state;
}

static TupleTableSlot *
athenaExecForeignDelete(EState *estate, ResultRelInfo *rinfo,
						TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	DeleteState *state = (DeleteState *) rinfo->ri_FdwState;
	const char *id;
	char	   *answered = NULL;
	bool		terminated = false;
	bool		isnull;
	Datum		value;

	value = ExecGetJunkAttribute(planSlot, state->id_junk, &isnull);
	if (isnull)
		return NULL;
	if (AttributeNumberIsValid(state->state_junk))
	{
		Datum		row_state = ExecGetJunkAttribute(planSlot, state->state_junk,
													 &isnull);

		if (!row_is_stoppable(state, row_state, isnull))
			return NULL;		/* ended already: nothing to stop */
	}
	id = session_id_text(state, value);
	if (already_asked(state, id))
		return NULL;			/* another row of the same session */
	terminate_sessions(state, &id, 1, &answered, &terminated);
	if (!terminated)
		return NULL;			/* gone already: not terminated by us */

	ExecClearTuple(slot);
	if (rinfo->ri_projectReturning == NULL)
		return slot;

	/* the row for RETURNING: what the plan carried, with the new state */
	value = (Datum) 0;
	isnull = true;
	if (AttributeNumberIsValid(state->wholerow_junk))
		value = ExecGetJunkAttribute(planSlot, state->wholerow_junk, &isnull);
	if (!isnull)
	{
		HeapTupleHeader row = DatumGetHeapTupleHeader(value);
		HeapTupleData tuple;

		tuple.t_len = HeapTupleHeaderGetDatumLength(row);
		ItemPointerSetInvalid(&tuple.t_self);
		tuple.t_tableOid = InvalidOid;
		tuple.t_data = row;
		heap_deform_tuple(&tuple, slot->tts_tupleDescriptor,
						  slot->tts_values, slot->tts_isnull);
	}
	else
	{
		int			i;

		for (i = 0; i < state->columns->natts; i++)
		{
			slot->tts_isnull[i] = true;
			if (AttributeNumberIsValid(state->column_junk[i]))
				slot->tts_values[i] = ExecGetJunkAttribute(planSlot,
														   state->column_junk[i],
														   &slot->tts_isnull[i]);
		}
		slot->tts_values[state->id_attno - 1] =
			ExecGetJunkAttribute(planSlot, state->id_junk,
								 &slot->tts_isnull[state->id_attno - 1]);
	}
	fdw_set_state_values(state->columns, answered,
						 slot->tts_values, slot->tts_isnull);
	return ExecStoreVirtualTuple(slot);
}

static void
athenaEndForeignModify(EState *estate, ResultRelInfo *rinfo)
{
	DeleteState *state = (DeleteState *) rinfo->ri_FdwState;

	if (state == NULL)
		return;
	if (state->kind == FDW_MODIFY_INSERT)
		fdw_insert_end(rinfo);
	else
		end_delete(state);
}

static void
athenaExplainForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
						   List *fdw_private, int subplan_index,
						   ExplainState *es)
{
	if (mtstate->operation == CMD_INSERT)
		fdw_insert_explain(rinfo, es);
	else
		explain_terminations(rinfo->ri_RelationDesc,
							 (DeleteState *) rinfo->ri_FdwState, es);
}

/* ---------- INSERT: insert.c ---------- */

static TupleTableSlot *
athenaExecForeignInsert(EState *estate, ResultRelInfo *rinfo,
						TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	int			one = 1;

	return *fdw_insert_rows(estate, rinfo, &slot, &one);
}

static TupleTableSlot **
athenaExecForeignBatchInsert(EState *estate, ResultRelInfo *rinfo,
							 TupleTableSlot **slots, TupleTableSlot **planSlots,
							 int *numSlots)
{
	return fdw_insert_rows(estate, rinfo, slots, numSlots);
}

static int
athenaGetForeignModifyBatchSize(ResultRelInfo *rinfo)
{
	return fdw_insert_batch_size(rinfo);
}

/* ---------- refused ---------- */

/* COPY FROM, and rows routed into the table as a partition. */
static void
athenaBeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo)
{
	refuse(RelationGetRelid(rinfo->ri_RelationDesc),
		   mtstate->operation == CMD_INSERT && mtstate->ps.plan == NULL
		   ? "COPY FROM" : "INSERT");
}

static void
athenaExecForeignTruncate(List *rels, DropBehavior behavior, bool restart_seqs)
{
	refuse(RelationGetRelid((Relation) linitial(rels)), "TRUNCATE");
}

void
fdw_modify_routines(FdwRoutine *routine)
{
	routine->AddForeignUpdateTargets = athenaAddForeignUpdateTargets;
	routine->PlanForeignModify = athenaPlanForeignModify;
	routine->BeginForeignModify = athenaBeginForeignModify;
	routine->ExecForeignInsert = athenaExecForeignInsert;
	routine->ExecForeignBatchInsert = athenaExecForeignBatchInsert;
	routine->GetForeignModifyBatchSize = athenaGetForeignModifyBatchSize;
	routine->ExecForeignDelete = athenaExecForeignDelete;
	routine->EndForeignModify = athenaEndForeignModify;
	routine->BeginForeignInsert = athenaBeginForeignInsert;
	routine->ExplainForeignModify = athenaExplainForeignModify;
	routine->PlanDirectModify = athenaPlanDirectModify;
	routine->BeginDirectModify = athenaBeginDirectModify;
	routine->IterateDirectModify = athenaIterateDirectModify;
	routine->EndDirectModify = athenaEndDirectModify;
	routine->ExplainDirectModify = athenaExplainDirectModify;
	routine->ExecForeignTruncate = athenaExecForeignTruncate;
}
