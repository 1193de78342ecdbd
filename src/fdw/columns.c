/*
 * columns.c
 *		The columns athena_fdw knows: one table says each column's name, SQL
 *		type, the API response and field it comes from; column mapping, the
 *		unknown-column HINT and IMPORT FOREIGN SCHEMA's DDL all read it.
 *
 * Adding a column is one line in field_table.  Columns are matched by
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

#include "athena_fdw.h"

/* How a field is held in its source's struct. */
typedef enum FdwValueKind
{
	VALUE_TEXT,					/* char *, UTF-8, NULL when absent; JSON text
								 * for a jsonb column */
	VALUE_TIMESTAMP,			/* AwsTimestamp */
	VALUE_INTEGER				/* AwsInteger */
} FdwValueKind;

typedef struct FdwFieldDef
{
	const char *column;			/* the foreign table's column name */
	const char *sql_type;		/* its type in IMPORT FOREIGN SCHEMA */
	FdwSource	source;			/* the API response it comes from */
	const char *api_field;		/* the field in that response */
	FdwValueKind kind;
	size_t		offset;			/* of the value in the source's struct */
} FdwFieldDef;

/* Every source is an AthenaSession: the source says which call fills it. */
#define TEXT(member) VALUE_TEXT, offsetof(AthenaSession, member)
#define TIME(member) VALUE_TIMESTAMP, offsetof(AthenaSession, member)
#define INTEGER(member) VALUE_INTEGER, offsetof(AthenaSession, member)

/* In IMPORT FOREIGN SCHEMA's column order. */
static const FdwFieldDef field_table[] = {
	/* column, SQL type, source, API field, kind and offset */
	{"session_id", "text", FDW_SOURCE_STATUS, "SessionId", TEXT(session_id)},
	{"state", "text", FDW_SOURCE_STATUS, "Status.State", TEXT(state)},
	{"state_change_reason", "text", FDW_SOURCE_STATUS, "Status.StateChangeReason", TEXT(state_change_reason)},
	{"start_date_time", "timestamptz", FDW_SOURCE_STATUS, "Status.StartDateTime", TIME(start_date_time)},
	{"last_modified_date_time", "timestamptz", FDW_SOURCE_STATUS, "Status.LastModifiedDateTime", TIME(last_modified_date_time)},
	{"end_date_time", "timestamptz", FDW_SOURCE_STATUS, "Status.EndDateTime", TIME(end_date_time)},
	{"idle_since_date_time", "timestamptz", FDW_SOURCE_STATUS, "Status.IdleSinceDateTime", TIME(idle_since_date_time)},
	/* list scans: the workgroup listed; lookups: GetSession's WorkGroup */
	{"workgroup", "text", FDW_SOURCE_LIST_ITEM, "WorkGroup", TEXT(workgroup)},
	{"description", "text", FDW_SOURCE_LIST_ITEM, "Description", TEXT(description)},
	{"engine_version", "text", FDW_SOURCE_LIST_ITEM, "EngineVersion.EffectiveEngineVersion", TEXT(engine_version)},
	{"notebook_version", "text", FDW_SOURCE_LIST_ITEM, "NotebookVersion", TEXT(notebook_version)},
	{"dpu_execution_in_millis", "bigint", FDW_SOURCE_DETAILS, "Statistics.DpuExecutionInMillis", INTEGER(dpu_execution_in_millis)},
	{"coordinator_dpu_size", "integer", FDW_SOURCE_DETAILS, "EngineConfiguration.CoordinatorDpuSize", INTEGER(coordinator_dpu_size)},
	{"max_concurrent_dpus", "integer", FDW_SOURCE_DETAILS, "EngineConfiguration.MaxConcurrentDpus", INTEGER(max_concurrent_dpus)},
	{"default_executor_dpu_size", "integer", FDW_SOURCE_DETAILS, "EngineConfiguration.DefaultExecutorDpuSize", INTEGER(default_executor_dpu_size)},
	{"spark_properties", "jsonb", FDW_SOURCE_DETAILS, "EngineConfiguration.SparkProperties", TEXT(spark_properties)},
	{"additional_configs", "jsonb", FDW_SOURCE_DETAILS, "EngineConfiguration.AdditionalConfigs", TEXT(additional_configs)},
	{"execution_role", "text", FDW_SOURCE_DETAILS, "SessionConfiguration.ExecutionRole", TEXT(execution_role)},
	{"working_directory", "text", FDW_SOURCE_DETAILS, "SessionConfiguration.WorkingDirectory", TEXT(working_directory)},
	{"idle_timeout_seconds", "bigint", FDW_SOURCE_DETAILS, "SessionConfiguration.IdleTimeoutSeconds", INTEGER(idle_timeout_seconds)},
};

/* The line of a column name, or NULL. */
static const FdwFieldDef *
find_field(const char *column)
{
	size_t		i;

	for (i = 0; i < lengthof(field_table); i++)
	{
		if (strcmp(field_table[i].column, column) == 0)
			return &field_table[i];
	}
	return NULL;
}

/* "a, b and c": every column name, for the HINT */
static char *
column_names(void)
{
	StringInfoData names;
	size_t		i;

	initStringInfo(&names);
	for (i = 0; i < lengthof(field_table); i++)
		appendStringInfo(&names, "%s%s",
						 i == 0 ? "" : i + 1 == lengthof(field_table) ? " and " : ", ",
						 field_table[i].column);
	return names.data;
}

/* The column definitions of IMPORT FOREIGN SCHEMA: "  name type" lines. */
void
fdw_append_column_definitions(StringInfo ddl)
{
	size_t		i;

	for (i = 0; i < lengthof(field_table); i++)
		appendStringInfo(ddl, "  %s %s%s\n", field_table[i].column,
						 field_table[i].sql_type,
						 i + 1 < lengthof(field_table) ? "," : "");
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

AttrNumber
fdw_session_id_attno(Relation rel)
{
	return fdw_column_attno(rel, "session_id");
}

/*
 * Whether a scan must call GetSession for the columns in attrs_used
 * (attribute numbers offset by FirstLowInvalidHeapAttributeNumber, as
 * pull_varattnos gives them; a whole-row reference means every column).
 * Lookups get only the status from GetSessionStatus; listings get the
 * list items' fields as well.
 */
bool
fdw_needs_get_session(Relation rel, Bitmapset *attrs_used, bool lookup)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	bool		whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber,
										  attrs_used);
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
		field = find_field(NameStr(att->attname));
		if (field != NULL &&
			(field->source == FDW_SOURCE_DETAILS ||
			 (lookup && field->source == FDW_SOURCE_LIST_ITEM)))
			return true;
	}
	return false;
}

FdwColumnMap *
fdw_map_columns(Relation rel)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	FdwColumnMap *map = palloc0(sizeof(FdwColumnMap));
	int			i;

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

		column->field = find_field(NameStr(att->attname));
		if (column->field == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
					 errmsg("column \"%s\" of foreign table \"%s\" does not match any Athena session field",
							NameStr(att->attname), map->relname),
					 errhint("Valid column names are %s.", column_names())));

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
 * Fills values/nulls of one row from the responses in sources (indexed by
 * FdwSource; NULL for a response the scan did not get).  Absent fields are
 * NULL.
 */
void
fdw_fill_row(FdwColumnMap *map, const void *const *sources,
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
		const char *source = field ? sources[field->source] : NULL;
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
 * Sets the columns that carry the session's state to state (NULL when
 * absent) and leaves the others: the row a DELETE ... RETURNING shows has
 * the state TerminateSession answered.
 */
void
fdw_set_state_values(FdwColumnMap *map, const char *state,
					 Datum *values, bool *nulls)
{
	const FdwFieldDef *state_field = find_field("state");
	ConversionErrorArg where;
	ErrorContextCallback errcallback;
	int			i;

	push_conversion_context(map, &where, &errcallback);

	for (i = 0; i < map->natts; i++)
	{
		if (map->columns[i].field != state_field)
			continue;
		where.column = i;
		nulls[i] = (state == NULL);
		values[i] = nulls[i] ? (Datum) 0
			: convert_value(&map->columns[i], state, NULL, NULL);
	}
	error_context_stack = errcallback.previous;
}
