/*
 * columns.c
 *		The Athena tables athena_fdw shows (athena_sessions and
 *		athena_calculations) and their columns: one table per Athena table
 *		says each column's name, SQL type, the calls it needs and the field
 *		it comes from; column mapping, the unknown-column HINT and IMPORT
 *		FOREIGN SCHEMA's DDL all read it.
 *
 * Adding a column is one line in its field table.  Columns are matched by
 * name, in any order and any subset.  A column of the field's own type gets
 * the value directly; one of another type gets the text form through that
 * type's input function, as file_fdw does.  A value that does not fit its
 * column is an error naming the column and the table, as in postgres_fdw.
 */
#include "postgres.h"

#include "access/sysattr.h"
#include "access/tupdesc.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "datatype/timestamp.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "commands/defrem.h"

#include "athena_fdw.h"

/* How a field is held in its record's struct. */
typedef enum FdwValueKind
{
	VALUE_TEXT,					/* char *, UTF-8, NULL when absent; JSON text
								 * for a jsonb column */
	VALUE_TIMESTAMP,			/* AwsTimestamp */
	VALUE_INTEGER				/* AwsInteger */
} FdwValueKind;

struct FdwFieldDef
{
	const char *column;			/* the foreign table's column name */
	const char *sql_type;		/* its type in IMPORT FOREIGN SCHEMA */
	int			lookup_calls;	/* FDW_CALL_* a lookup by id needs for it */
	int			list_calls;		/* FDW_CALL_* a listed row needs for it */
	const char *api_field;		/* the field in the answers */
	FdwValueKind kind;
	size_t		offset;			/* of the value in the record's struct */
};

/*
 * Sessions: every record is an AthenaSession.  The status columns come with
 * every answer; a lookup gets the list items' ones from GetSession.
 */
#define TEXT(member) VALUE_TEXT, offsetof(AthenaSession, member)
#define TIME(member) VALUE_TIMESTAMP, offsetof(AthenaSession, member)
#define INTEGER(member) VALUE_INTEGER, offsetof(AthenaSession, member)
#define STATUS 0, 0
#define LIST_ITEM FDW_CALL_DETAILS, 0
#define DETAILS FDW_CALL_DETAILS, FDW_CALL_DETAILS

/* In IMPORT FOREIGN SCHEMA's column order. */
static const FdwFieldDef session_fields[] = {
	/* column, SQL type, calls (lookup, list), API field, kind and offset */
	{"session_id", "text", STATUS, "SessionId", TEXT(session_id)},
	{"state", "text", STATUS, "Status.State", TEXT(state)},
	{"state_change_reason", "text", STATUS, "Status.StateChangeReason", TEXT(state_change_reason)},
	{"start_date_time", "timestamptz", STATUS, "Status.StartDateTime", TIME(start_date_time)},
	{"last_modified_date_time", "timestamptz", STATUS, "Status.LastModifiedDateTime", TIME(last_modified_date_time)},
	{"end_date_time", "timestamptz", STATUS, "Status.EndDateTime", TIME(end_date_time)},
	{"idle_since_date_time", "timestamptz", STATUS, "Status.IdleSinceDateTime", TIME(idle_since_date_time)},
	/* list scans: the workgroup listed; lookups: GetSession's WorkGroup */
	{"workgroup", "text", LIST_ITEM, "WorkGroup", TEXT(workgroup)},
	{"description", "text", LIST_ITEM, "Description", TEXT(description)},
	{"engine_version", "text", LIST_ITEM, "EngineVersion.EffectiveEngineVersion", TEXT(engine_version)},
	{"notebook_version", "text", LIST_ITEM, "NotebookVersion", TEXT(notebook_version)},
	{"dpu_execution_in_millis", "bigint", DETAILS, "Statistics.DpuExecutionInMillis", INTEGER(dpu_execution_in_millis)},
	{"coordinator_dpu_size", "integer", DETAILS, "EngineConfiguration.CoordinatorDpuSize", INTEGER(coordinator_dpu_size)},
	{"max_concurrent_dpus", "integer", DETAILS, "EngineConfiguration.MaxConcurrentDpus", INTEGER(max_concurrent_dpus)},
	{"default_executor_dpu_size", "integer", DETAILS, "EngineConfiguration.DefaultExecutorDpuSize", INTEGER(default_executor_dpu_size)},
	{"spark_properties", "jsonb", DETAILS, "EngineConfiguration.SparkProperties", TEXT(spark_properties)},
	{"additional_configs", "jsonb", DETAILS, "EngineConfiguration.AdditionalConfigs", TEXT(additional_configs)},
	{"execution_role", "text", DETAILS, "SessionConfiguration.ExecutionRole", TEXT(execution_role)},
	{"working_directory", "text", DETAILS, "SessionConfiguration.WorkingDirectory", TEXT(working_directory)},
	{"idle_timeout_seconds", "bigint", DETAILS, "SessionConfiguration.IdleTimeoutSeconds", INTEGER(idle_timeout_seconds)},
};

#undef TEXT
#undef TIME
#undef INTEGER
#undef STATUS
#undef LIST_ITEM
#undef DETAILS

/*
 * Calculations: every record is an AthenaCalculation.  A lookup gets the
 * status columns from GetCalculationExecutionStatus, the rest from
 * GetCalculationExecution; a listed row has the CalculationSummary's, and
 * its session_id is the session listed.  code_block costs its own call.
 */
#define TEXT(member) VALUE_TEXT, offsetof(AthenaCalculation, member)
#define TIME(member) VALUE_TIMESTAMP, offsetof(AthenaCalculation, member)
#define INTEGER(member) VALUE_INTEGER, offsetof(AthenaCalculation, member)
#define SUMMARY FDW_CALL_STATUS, 0
#define LISTED FDW_CALL_DETAILS, 0
#define STATISTICS FDW_CALL_STATUS, FDW_CALL_STATUS
#define DETAILS FDW_CALL_DETAILS, FDW_CALL_DETAILS
#define CODE FDW_CALL_CODE, FDW_CALL_CODE

static const FdwFieldDef calculation_fields[] = {
	/* a lookup knows it: the id asked for */
	{"calculation_execution_id", "text", 0, 0, "CalculationExecutionId", TEXT(calculation_execution_id)},
	{"session_id", "text", LISTED, "SessionId", TEXT(session_id)},
	{"description", "text", LISTED, "Description", TEXT(description)},
	{"state", "text", SUMMARY, "Status.State", TEXT(state)},
	{"state_change_reason", "text", SUMMARY, "Status.StateChangeReason", TEXT(state_change_reason)},
	{"submission_date_time", "timestamptz", SUMMARY, "Status.SubmissionDateTime", TIME(submission_date_time)},
	{"completion_date_time", "timestamptz", SUMMARY, "Status.CompletionDateTime", TIME(completion_date_time)},
	{"dpu_execution_in_millis", "bigint", STATISTICS, "Statistics.DpuExecutionInMillis", INTEGER(dpu_execution_in_millis)},
	{"progress", "text", STATISTICS, "Statistics.Progress", TEXT(progress)},
	{"std_out_s3_uri", "text", DETAILS, "Result.StdOutS3Uri", TEXT(std_out_s3_uri)},
	{"std_error_s3_uri", "text", DETAILS, "Result.StdErrorS3Uri", TEXT(std_error_s3_uri)},
	{"result_s3_uri", "text", DETAILS, "Result.ResultS3Uri", TEXT(result_s3_uri)},
	{"result_type", "text", DETAILS, "Result.ResultType", TEXT(result_type)},
	{"working_directory", "text", DETAILS, "WorkingDirectory", TEXT(working_directory)},
	{"code_block", "text", CODE, "CodeBlock", TEXT(code_block)},
};

static const FdwTable tables[] = {
	{
		.kind = FDW_TABLE_SESSIONS,
		.name = "athena_sessions",
		.noun = "session",
		.id_column = "session_id",
		.key_column = "workgroup",
		.id_possible = athena_session_id_possible,
		.key_possible = athena_workgroup_possible,
		.state_possible = athena_session_state_possible,
		.state_shape = "SessionState",
		.fields = session_fields,
		.nfields = lengthof(session_fields),
	},
	{
		.kind = FDW_TABLE_CALCULATIONS,
		.name = "athena_calculations",
		.noun = "calculation",
		.id_column = "calculation_execution_id",
		.key_column = "session_id",
		.id_possible = athena_calculation_id_possible,
		.key_possible = athena_session_id_possible,
		.state_possible = athena_calculation_state_possible,
		.state_shape = "CalculationExecutionState",
		.fields = calculation_fields,
		.nfields = lengthof(calculation_fields),
	},
};

/* The table of a table_name option's value, or NULL. */
const FdwTable *
fdw_find_table(const char *name)
{
	size_t		i;

	for (i = 0; i < lengthof(tables); i++)
	{
		if (strcmp(tables[i].name, name) == 0)
			return &tables[i];
	}
	return NULL;
}

/* "athena_sessions" or "athena_calculations": the HINT of a bad name. */
const char *
fdw_table_names(void)
{
	return "\"athena_sessions\" and \"athena_calculations\"";
}

/*
 * The Athena table a foreign table shows: its table_name option (checked
 * by the validator), else athena_sessions, what every table showed before
 * there were two.
 */
const FdwTable *
fdw_table_of(Oid relid)
{
	ForeignTable *table = GetForeignTable(relid);
	ListCell   *lc;

	foreach(lc, table->options)
	{
		DefElem    *def = lfirst_node(DefElem, lc);
		const FdwTable *found;

		if (strcmp(def->defname, "table_name") == 0 &&
			(found = fdw_find_table(defGetString(def))) != NULL)
			return found;
	}
	return &tables[0];
}

/* The line of a column name, or NULL. */
static const FdwFieldDef *
find_field(const FdwTable *table, const char *column)
{
	int			i;

	for (i = 0; i < table->nfields; i++)
	{
		if (strcmp(table->fields[i].column, column) == 0)
			return &table->fields[i];
	}
	return NULL;
}

/* "a, b and c": every column name, for the HINT */
static char *
column_names(const FdwTable *table)
{
	StringInfoData names;
	int			i;

	initStringInfo(&names);
	for (i = 0; i < table->nfields; i++)
		appendStringInfo(&names, "%s%s",
						 i == 0 ? "" : i + 1 == table->nfields ? " and " : ", ",
						 table->fields[i].column);
	return names.data;
}

/* The column definitions of IMPORT FOREIGN SCHEMA: "  name type" lines. */
void
fdw_append_column_definitions(const FdwTable *table, StringInfo ddl)
{
	int			i;

	for (i = 0; i < table->nfields; i++)
		appendStringInfo(ddl, "  %s %s%s\n", table->fields[i].column,
						 table->fields[i].sql_type,
						 i + 1 < table->nfields ? "," : "");
}

/* The attribute number of a column, or InvalidAttrNumber. */
AttrNumber
fdw_column_attno(Relation rel, const char *column)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	int			i;

	for (i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), column) == 0)
			return att->attnum;
	}
	return InvalidAttrNumber;
}

/* The attribute number of the table's id column, or InvalidAttrNumber. */
AttrNumber
fdw_id_attno(Relation rel)
{
	return fdw_column_attno(rel, fdw_table_of(RelationGetRelid(rel))->id_column);
}

/*
 * The calls (FDW_CALL_*) a scan must make per row for the columns in
 * attrs_used (attribute numbers offset by FirstLowInvalidHeapAttributeNumber,
 * as pull_varattnos gives them; a whole-row reference means every column),
 * as a lookup or as a listing.
 */
int
fdw_calls_needed(Relation rel, Bitmapset *attrs_used, bool lookup)
{
	const FdwTable *table = fdw_table_of(RelationGetRelid(rel));
	TupleDesc	tupdesc = RelationGetDescr(rel);
	bool		whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber,
										  attrs_used);
	int			calls = 0;
	int			i;

	for (i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		const FdwFieldDef *field;

		if (att->attisdropped ||
			!(whole_row ||
			  bms_is_member(att->attnum - FirstLowInvalidHeapAttributeNumber,
							attrs_used)))
			continue;
		field = find_field(table, NameStr(att->attname));
		if (field != NULL)
			calls |= lookup ? field->lookup_calls : field->list_calls;
	}
	return calls;
}

FdwColumnMap *
fdw_map_columns(Relation rel)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	FdwColumnMap *map = palloc0(sizeof(FdwColumnMap));
	int			i;

	map->table = fdw_table_of(RelationGetRelid(rel));
	map->relname = pstrdup(RelationGetRelationName(rel));
	map->natts = tupdesc->natts;
	map->columns = palloc0(sizeof(FdwColumn) * tupdesc->natts);

	for (i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		FdwColumn  *column = &map->columns[i];
		Oid			in_function;

		if (att->attisdropped)
			continue;

		column->field = find_field(map->table, NameStr(att->attname));
		if (column->field == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
					 errmsg("column \"%s\" of foreign table \"%s\" does not match any Athena %s field",
							NameStr(att->attname), map->relname,
							map->table->noun),
					 errhint("Valid column names are %s.",
							 column_names(map->table))));

		column->name = pstrdup(NameStr(att->attname));
		column->type = att->atttypid;
		column->typmod = att->atttypmod;
		getTypeInputInfo(att->atttypid, &in_function, &column->typioparam);
		fmgr_info(in_function, &column->in_function);
	}
	return map;
}

/*
 * Leaves the columns whose attribute numbers are not in attnos (an integer
 * List; 0 means the whole row) unconverted and NULL: a value the query
 * never reads cannot fail it, and costs nothing.
 */
void
fdw_columns_read_only(FdwColumnMap *map, List *attnos)
{
	int			i;

	if (list_member_int(attnos, 0))
		return;
	for (i = 0; i < map->natts; i++)
		map->columns[i].unread = !list_member_int(attnos, i + 1);
}

/* API strings are UTF-8; the database may use another encoding. */
static char *
to_server_encoding(const char *utf8)
{
	return pg_any_to_server(utf8, strlen(utf8), PG_UTF8);
}

static TimestampTz
to_timestamptz(const AwsTimestamp *ts)
{
	const int64 unix_epoch_offset =
	(int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
	TimestampTz result;

	if (pg_sub_s64_overflow(ts->unix_usec, unix_epoch_offset, &result) ||
		!IS_VALID_TIMESTAMP(result))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp from Athena out of range")));
	return result;
}

/* One present value into the column's type. */
static Datum
convert_value(FdwColumn *column, const char *text, const AwsTimestamp *ts,
			  const AwsInteger *integer)
{
	if (column->type == TEXTOID && text)
		return CStringGetTextDatum(to_server_encoding(text));
	if (column->type == TIMESTAMPTZOID && ts)
		return TimestampTzGetDatum(to_timestamptz(ts));
	if (column->type == INT8OID && integer)
		return Int64GetDatum(integer->value);

	/*
	 * Another type: through the text form, as a cast from text would; an
	 * integer column's input function checks the range, and a jsonb column's
	 * parses the JSON text.
	 */
	if (ts)
		text = DatumGetCString(DirectFunctionCall1(timestamptz_out,
												   TimestampTzGetDatum(to_timestamptz(ts))));
	else if (integer)
		text = psprintf(INT64_FORMAT, integer->value);
	else
		text = to_server_encoding(text);
	return InputFunctionCall(&column->in_function, (char *) text,
							 column->typioparam, column->typmod);
}

/* What a conversion ERROR's CONTEXT line names. */
typedef struct ConversionErrorArg
{
	const FdwColumnMap *map;
	int			column;			/* index into map->columns */
} ConversionErrorArg;

static void
conversion_error_callback(void *arg)
{
	ConversionErrorArg *where = (ConversionErrorArg *) arg;

	errcontext("column \"%s\" of foreign table \"%s\"",
			   where->map->columns[where->column].name, where->map->relname);
}

/* Makes an ERROR's CONTEXT name where->column until the caller pops it. */
static void
push_conversion_context(const FdwColumnMap *map, ConversionErrorArg *where,
						ErrorContextCallback *errcallback)
{
	where->map = map;
	where->column = 0;
	errcallback->callback = conversion_error_callback;
	errcallback->arg = where;
	errcallback->previous = error_context_stack;
	error_context_stack = errcallback;
}

/*
 * Fills values/nulls of one row from record, what the scan's answers said
 * of it (an AthenaSession or an AthenaCalculation, as the map's table
 * says).  Absent fields are NULL.
 */
void
fdw_fill_row(FdwColumnMap *map, const void *record,
			 Datum *values, bool *nulls)
{
	ConversionErrorArg where;
	ErrorContextCallback errcallback;
	int			i;

	push_conversion_context(map, &where, &errcallback);

	for (i = 0; i < map->natts; i++)
	{
		FdwColumn  *column = &map->columns[i];
		const FdwFieldDef *field = column->field;
		const char *source = field ? record : NULL;
		const char *text = NULL;
		const AwsTimestamp *ts = NULL;
		const AwsInteger *integer = NULL;

		if (source != NULL && !column->unread)
		{
			switch (field->kind)
			{
				case VALUE_TEXT:
					text = *(char *const *) (source + field->offset);
					break;
				case VALUE_TIMESTAMP:
					ts = (const AwsTimestamp *) (source + field->offset);
					if (!ts->present)
						ts = NULL;
					break;
				case VALUE_INTEGER:
					integer = (const AwsInteger *) (source + field->offset);
					if (!integer->present)
						integer = NULL;
					break;
			}
		}

		where.column = i;
		nulls[i] = (text == NULL && ts == NULL && integer == NULL);
		values[i] = nulls[i] ? (Datum) 0 :
			convert_value(column, text, ts, integer);
	}

	error_context_stack = errcallback.previous;
}

/*
 * Sets the columns that carry the field column (the table's field of that
 * name) to text (UTF-8; NULL when absent) and leaves the others: the row a
 * DELETE ... RETURNING shows has the state TerminateSession answered, the
 * row an INSERT ... RETURNING shows the id and state of what it started.
 */
void
fdw_set_field_value(FdwColumnMap *map, const char *column, const char *text,
					Datum *values, bool *nulls)
{
	const FdwFieldDef *field = find_field(map->table, column);
	ConversionErrorArg where;
	ErrorContextCallback errcallback;
	int			i;

	push_conversion_context(map, &where, &errcallback);

	for (i = 0; i < map->natts; i++)
	{
		if (field == NULL || map->columns[i].field != field)
			continue;
		where.column = i;
		nulls[i] = (text == NULL);
		values[i] = nulls[i] ? (Datum) 0
			: convert_value(&map->columns[i], text, NULL, NULL);
	}
	error_context_stack = errcallback.previous;
}

/* The row's state (fdw_set_field_value of "state"). */
void
fdw_set_state_values(FdwColumnMap *map, const char *state,
					 Datum *values, bool *nulls)
{
	fdw_set_field_value(map, "state", state, values, nulls);
}
