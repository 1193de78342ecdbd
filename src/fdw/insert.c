/*
 * insert.c
 *		INSERT into athena_sessions starts sessions (StartSession); INSERT
 *		into athena_calculations starts calculations
 *		(StartCalculationExecution).
 *
 * Only the columns the Start operation takes may be named; a missing
 * required value is an ERROR before any call (at planning for a column not
 * named, before the row's call for a NULL).  Each row's request carries a
 * ClientRequestToken of its own, made once (a random UUID) and sent on
 * every attempt: a request retried after a timeout or a lost answer starts
 * nothing twice.  RETURNING shows the row as inserted, with the id and
 * state the Start answered.  Rows without RETURNING are started in batches,
 * max_concurrency at a time.
 *
 * Starting is not transactional: a session or calculation started is
 * running, billed, whatever becomes of the transaction; a ROLLBACK does not
 * stop it.
 */
#include "postgres.h"

#include <limits.h>

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "commands/explain.h"
#include "common/jsonapi.h"
#include "executor/executor.h"
#include "mb/pg_wchar.h"
#include "nodes/makefuncs.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "athena_fdw.h"

/* How an inserted value becomes a member of the Start request. */
typedef enum InsertKind
{
	INSERT_TEXT,				/* a string member */
	INSERT_INTEGER,				/* a positive integer member */
	INSERT_STRING_MAP			/* a jsonb object of strings: a map member */
} InsertKind;

typedef struct InsertColumn
{
	FdwTableKind table;
	const char *column;
	InsertKind	kind;
	size_t		offset;			/* of the member in AthenaStartArgs */
	bool		required;
	const char *member;			/* the model's name, for messages */
} InsertColumn;

#define ARG(member) offsetof(AthenaStartArgs, member)

/*
 * What StartSession and StartCalculationExecution take.  Athena refuses a
 * StartSession without MaxConcurrentDpus, although Debian's botocore model
 * does not mark it required; StartCalculationExecution without code would
 * start nothing (its other form, CalculationConfiguration, is deprecated).
 */
static const InsertColumn insert_columns[] = {
	{FDW_TABLE_SESSIONS, "workgroup", INSERT_TEXT, ARG(workgroup), true, "WorkGroup"},
	{FDW_TABLE_SESSIONS, "description", INSERT_TEXT, ARG(description), false, "Description"},
	{FDW_TABLE_SESSIONS, "max_concurrent_dpus", INSERT_INTEGER, ARG(max_concurrent_dpus), true, "EngineConfiguration.MaxConcurrentDpus"},
	{FDW_TABLE_SESSIONS, "coordinator_dpu_size", INSERT_INTEGER, ARG(coordinator_dpu_size), false, "EngineConfiguration.CoordinatorDpuSize"},
	{FDW_TABLE_SESSIONS, "default_executor_dpu_size", INSERT_INTEGER, ARG(default_executor_dpu_size), false, "EngineConfiguration.DefaultExecutorDpuSize"},
	{FDW_TABLE_SESSIONS, "spark_properties", INSERT_STRING_MAP, ARG(spark_properties), false, "EngineConfiguration.SparkProperties"},
	{FDW_TABLE_SESSIONS, "additional_configs", INSERT_STRING_MAP, ARG(additional_configs), false, "EngineConfiguration.AdditionalConfigs"},
	{FDW_TABLE_SESSIONS, "execution_role", INSERT_TEXT, ARG(execution_role), false, "ExecutionRole"},
	{FDW_TABLE_SESSIONS, "notebook_version", INSERT_TEXT, ARG(notebook_version), false, "NotebookVersion"},
	{FDW_TABLE_CALCULATIONS, "session_id", INSERT_TEXT, ARG(session_id), true, "SessionId"},
	{FDW_TABLE_CALCULATIONS, "code_block", INSERT_TEXT, ARG(code_block), true, "CodeBlock"},
	{FDW_TABLE_CALCULATIONS, "description", INSERT_TEXT, ARG(description), false, "Description"},
};

/* Execution state of an INSERT. */
typedef struct InsertState
{
	FdwModifyKind kind;			/* FDW_MODIFY_INSERT, as modify.c expects */
	MemoryContext cxt;			/* everything of this INSERT */
	MemoryContext batch_cxt;	/* one batch's values, reset per batch */
	Relation	rel;
	const FdwTable *table;
	FdwColumnMap *columns;
	FdwSessionSource *source;	/* client and the Start calls */
	const char *default_workgroup;	/* the table's or server's option */
	AttrNumber	attnos[lengthof(insert_columns)];	/* per insert_columns
													 * entry, or 0 */
	FmgrInfo	output[lengthof(insert_columns)];
	int64		started;		/* rows this statement started */
} InsertState;

static const InsertColumn *
find_insert_column(FdwTableKind table, const char *column)
{
	size_t		i;

	for (i = 0; i < lengthof(insert_columns); i++)
	{
		if (insert_columns[i].table == table &&
			strcmp(insert_columns[i].column, column) == 0)
			return &insert_columns[i];
	}
	return NULL;
}

/* "a, b and c": the insertable columns of table, for a DETAIL */
static char *
insertable_names(FdwTableKind table)
{
	StringInfoData names;
	size_t		i;
	int			n = 0;
	int			total = 0;

	for (i = 0; i < lengthof(insert_columns); i++)
		total += insert_columns[i].table == table;
	initStringInfo(&names);
	for (i = 0; i < lengthof(insert_columns); i++)
	{
		if (insert_columns[i].table != table)
			continue;
		n++;
		appendStringInfo(&names, "%s%s",
						 n == 1 ? "" : n == total ? " and " : ", ",
						 insert_columns[i].column);
	}
	return names.data;
}

static const char *
start_operation(const FdwTable *table)
{
	return athena_operation_name(table->kind == FDW_TABLE_CALCULATIONS ?
								 ATHENA_OP_START_CALCULATION_EXECUTION :
								 ATHENA_OP_START_SESSION);
}

/* The table's workgroup option, else the server's; NULL if neither. */
static const char *
workgroup_option(Relation rel)
{
	ForeignTable *table = GetForeignTable(RelationGetRelid(rel));
	FdwOptions	options;

	fdw_get_options(GetForeignServer(table->serverid), table, NULL, &options);
	return options.workgroup;
}

/* ---------- planning ---------- */

/*
 * Refuses, before any call, an INSERT that names a column the Start
 * operation does not take or leaves out a value it needs.
 */
List *
fdw_insert_plan(PlannerInfo *root, ModifyTable *plan, Index resultRelation)
{
	RangeTblEntry *rte = planner_rt_fetch(resultRelation, root);
	Relation	rel = table_open(rte->relid, NoLock);
	const FdwTable *table = fdw_table_of(rte->relid);
	Bitmapset  *named = fdw_inserted_cols(root, rte);
	TupleDesc	tupdesc = RelationGetDescr(rel);
	int			member = -1;
	size_t		i;

	if (plan->onConflictAction != ONCONFLICT_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("INSERT with ON CONFLICT is not supported on foreign table \"%s\"",
						RelationGetRelationName(rel))));

	while ((member = bms_next_member(named, member)) >= 0)
	{
		AttrNumber	attno = member + FirstLowInvalidHeapAttributeNumber;
		const char *name;

		if (attno <= 0)
			continue;
		name = NameStr(TupleDescAttr(tupdesc, attno - 1)->attname);
		if (find_insert_column(table->kind, name) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("column \"%s\" of foreign table \"%s\" cannot be inserted",
							name, RelationGetRelationName(rel)),
					 errdetail("INSERT calls %s, which takes only %s; the other columns are what Athena reports.",
							   start_operation(table),
							   insertable_names(table->kind))));
	}

	for (i = 0; i < lengthof(insert_columns); i++)
	{
		const InsertColumn *column = &insert_columns[i];
		AttrNumber	attno;

		if (column->table != table->kind || !column->required)
			continue;
		attno = fdw_column_attno(rel, column->column);
		if ((attno == InvalidAttrNumber ||
			 !bms_is_member(attno - FirstLowInvalidHeapAttributeNumber, named)) &&
			!(strcmp(column->column, "workgroup") == 0 &&
			  workgroup_option(rel) != NULL))
			ereport(ERROR,
					(errcode(ERRCODE_NOT_NULL_VIOLATION),
					 errmsg("INSERT into foreign table \"%s\" needs a value for column \"%s\"",
							RelationGetRelationName(rel), column->column),
					 errdetail("%s needs %s.", start_operation(table),
							   column->member),
					 strcmp(column->column, "workgroup") == 0 ?
					 errhint("Name the column, or set the table's or the server's workgroup option.") : 0));
	}
	table_close(rel, NoLock);
	return NIL;
}

/* ---------- execution ---------- */

void
fdw_insert_begin(ModifyTableState *mtstate, ResultRelInfo *rinfo, int eflags)
{
	EState	   *estate = mtstate->ps.state;
	Relation	rel = rinfo->ri_RelationDesc;
	InsertState *state;
	MemoryContext oldcxt;
	const char *workgroup;
	size_t		i;

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	state = palloc0(sizeof(InsertState));
	state->kind = FDW_MODIFY_INSERT;
	state->cxt = AllocSetContextCreate(estate->es_query_cxt, "athena_fdw insert",
									   ALLOCSET_DEFAULT_SIZES);
	state->batch_cxt = AllocSetContextCreate(state->cxt, "athena_fdw insert batch",
											 ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(state->cxt);
	state->rel = rel;
	state->table = fdw_table_of(RelationGetRelid(rel));
	state->columns = fdw_map_columns(rel);
	workgroup = workgroup_option(rel);
	if (workgroup != NULL)
		state->default_workgroup = pg_server_to_any(workgroup, strlen(workgroup),
													PG_UTF8);
	for (i = 0; i < lengthof(insert_columns); i++)
	{
		Form_pg_attribute att;
		Oid			output;
		bool		varlena;

		if (insert_columns[i].table != state->table->kind)
			continue;
		state->attnos[i] = fdw_column_attno(rel, insert_columns[i].column);
		if (state->attnos[i] == InvalidAttrNumber)
			continue;
		att = TupleDescAttr(RelationGetDescr(rel), state->attnos[i] - 1);
		getTypeOutputInfo(att->atttypid, &output, &varlena);
		fmgr_info(output, &state->output[i]);
	}
	state->source = fdw_source_create(rel, fdw_result_check_as_user(rinfo, estate), 0);
	MemoryContextSwitchTo(oldcxt);
	rinfo->ri_FdwState = state;
}

static void
			invalid_value(InsertState *state, const InsertColumn *column,
						  const char *why) pg_attribute_noreturn();

static void
invalid_value(InsertState *state, const InsertColumn *column, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for column \"%s\" of foreign table \"%s\": %s",
					column->column, RelationGetRelationName(state->rel), why),
			 errdetail("%s takes it as %s.", start_operation(state->table),
					   column->member)));
}

/* A positive integer that fits an int, from the value's text. */
static int
positive_integer(InsertState *state, const InsertColumn *column,
				 const char *text)
{
	char	   *end;
	long		value;

	errno = 0;
	value = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || value <= 0 ||
		value > INT_MAX)
		invalid_value(state, column, "it must be a positive integer");
	return (int) value;
}

/* The JSON text of a jsonb object of strings, from the value's text. */
static char *
string_map(InsertState *state, const InsertColumn *column, const char *text)
{
	Datum		jsonb = DirectFunctionCall1(jsonb_in, CStringGetDatum(text));
	Jsonb	   *j = DatumGetJsonbP(jsonb);
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken token;
	int			depth = 0;

	if (!JB_ROOT_IS_OBJECT(j))
		invalid_value(state, column, "it must be a JSON object of strings");
	it = JsonbIteratorInit(&j->root);
	while ((token = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		if (token == WJB_BEGIN_OBJECT || token == WJB_BEGIN_ARRAY)
			depth++;
		else if (token == WJB_END_OBJECT || token == WJB_END_ARRAY)
			depth--;
		else if (token == WJB_VALUE && (depth != 1 || v.type != jbvString))
			invalid_value(state, column, "it must be a JSON object of strings");
		if (depth > 1)
			invalid_value(state, column, "it must be a JSON object of strings");
	}
	return JsonbToCString(NULL, &j->root, VARSIZE(j));
}

/* A random UUID: the row's ClientRequestToken (32 to 128 characters). */
static char *
request_token(void)
{
	uint8		b[16];

	if (!pg_strong_random(b, sizeof(b)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a ClientRequestToken")));
	b[6] = (b[6] & 0x0f) | 0x40;	/* version 4 */
	b[8] = (b[8] & 0x3f) | 0x80;	/* variant 1 */
	return psprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
					b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8],
					b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* The Start arguments of one row, checked before any call. */
static void
row_args(InsertState *state, TupleTableSlot *slot, AthenaStartArgs *args)
{
	size_t		i;

	memset(args, 0, sizeof(*args));
	slot_getallattrs(slot);
	for (i = 0; i < lengthof(insert_columns); i++)
	{
		const InsertColumn *column = &insert_columns[i];
		AttrNumber	attno = state->attnos[i];
		char	   *text = NULL;
		char	   *field;

		if (column->table != state->table->kind)
			continue;
		if (attno != InvalidAttrNumber && !slot->tts_isnull[attno - 1])
			text = OutputFunctionCall(&state->output[i],
									  slot->tts_values[attno - 1]);
		if (text == NULL && strcmp(column->column, "workgroup") == 0 &&
			state->default_workgroup != NULL)
			text = pstrdup(state->default_workgroup);
		else if (text != NULL)
			text = pg_server_to_any(text, strlen(text), PG_UTF8);
		if (text == NULL)
		{
			if (column->required)
				ereport(ERROR,
						(errcode(ERRCODE_NOT_NULL_VIOLATION),
						 errmsg("null value in column \"%s\" of foreign table \"%s\"",
								column->column, RelationGetRelationName(state->rel)),
						 errdetail("%s needs %s.", start_operation(state->table),
								   column->member)));
			continue;
		}
		field = (char *) args + column->offset;
		switch (column->kind)
		{
			case INSERT_TEXT:
				*(const char **) field = text;
				break;
			case INSERT_INTEGER:
				*(int *) field = positive_integer(state, column, text);
				break;
			case INSERT_STRING_MAP:
				*(const char **) field = string_map(state, column, text);
				break;
		}
	}
	args->client_request_token = request_token();
}

/* The row RETURNING shows: as inserted, with the id and state answered. */
static void
store_answer(InsertState *state, TupleTableSlot *slot, const char *id,
			 const char *answered_state)
{
	TupleDesc	tupdesc = slot->tts_tupleDescriptor;
	int			natts = tupdesc->natts;
	Datum	   *values = palloc(sizeof(Datum) * natts);
	bool	   *nulls = palloc(sizeof(bool) * natts);
	HeapTuple	tuple;

	slot_getallattrs(slot);
	memcpy(values, slot->tts_values, sizeof(Datum) * natts);
	memcpy(nulls, slot->tts_isnull, sizeof(bool) * natts);
	fdw_set_field_value(state->columns, state->table->id_column, id,
						values, nulls);
	/* the workgroup a NULL one stood for: the option's */
	if (state->table->kind == FDW_TABLE_SESSIONS &&
		state->default_workgroup != NULL)
	{
		AttrNumber	attno = fdw_column_attno(state->rel, "workgroup");

		if (attno != InvalidAttrNumber && nulls[attno - 1])
			fdw_set_field_value(state->columns, "workgroup",
								state->default_workgroup, values, nulls);
	}
	fdw_set_state_values(state->columns, answered_state, values, nulls);
	tuple = heap_form_tuple(tupdesc, values, nulls);
	ExecForceStoreHeapTuple(tuple, slot, true);
}

/*
 * Starts one session or calculation per slot; the slots come back as
 * RETURNING shows them.
 */
TupleTableSlot **
fdw_insert_rows(EState *estate, ResultRelInfo *rinfo, TupleTableSlot **slots,
				int *nslots)
{
	InsertState *state = (InsertState *) rinfo->ri_FdwState;
	MemoryContext oldcxt;
	AthenaStartArgs *args;
	char	  **ids;
	char	  **states;
	int			n = *nslots;
	int			i;

	MemoryContextReset(state->batch_cxt);
	oldcxt = MemoryContextSwitchTo(state->batch_cxt);
	args = palloc(sizeof(AthenaStartArgs) * n);
	ids = palloc0(sizeof(char *) * n);
	states = palloc0(sizeof(char *) * n);
	/* every row of the batch is checked before any is sent */
	for (i = 0; i < n; i++)
		row_args(state, slots[i], &args[i]);
	state->started += fdw_source_start_new(state->source, args, n, ids,
										   states, state->started);
	MemoryContextSwitchTo(oldcxt);
	for (i = 0; i < n; i++)
		store_answer(state, slots[i], ids[i], states[i]);
	return slots;
}

/*
 * Rows are started max_concurrency at a time, unless RETURNING (or a
 * trigger) needs each row back at once.
 */
int
fdw_insert_batch_size(ResultRelInfo *rinfo)
{
	ForeignTable *table;
	FdwOptions	options;

	if (rinfo->ri_projectReturning != NULL ||
		(rinfo->ri_TrigDesc &&
		 (rinfo->ri_TrigDesc->trig_insert_after_row ||
		  rinfo->ri_TrigDesc->trig_insert_before_row)))
		return 1;
	table = GetForeignTable(RelationGetRelid(rinfo->ri_RelationDesc));
	fdw_get_options(GetForeignServer(table->serverid), table, NULL, &options);
	return options.max_concurrency;
}

void
fdw_insert_end(ResultRelInfo *rinfo)
{
	InsertState *state = (InsertState *) rinfo->ri_FdwState;

	if (state == NULL)
		return;
	fdw_source_destroy(state->source);
	MemoryContextDelete(state->cxt);
	rinfo->ri_FdwState = NULL;
}

void
fdw_insert_explain(ResultRelInfo *rinfo, ExplainState *es)
{
	InsertState *state = (InsertState *) rinfo->ri_FdwState;

	ExplainPropertyText("Athena Modify API",
						start_operation(fdw_table_of(RelationGetRelid(rinfo->ri_RelationDesc))),
						es);
	if (es->analyze && state != NULL)
		fdw_source_explain_starts(state->source, es);
}
