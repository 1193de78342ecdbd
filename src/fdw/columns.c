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
	VALUE_NONE,					/* no response this version reads has it */
	VALUE_TEXT,					/* char *, UTF-8, NULL when absent */
	VALUE_TIMESTAMP				/* AthenaTimestamp */
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

#define STATUS_TEXT(member) VALUE_TEXT, offsetof(AthenaSession, member)
#define STATUS_TIME(member) VALUE_TIMESTAMP, offsetof(AthenaSession, member)
#define NOT_READ_YET VALUE_NONE, 0

/* In IMPORT FOREIGN SCHEMA's column order. */
static const FdwFieldDef field_table[] = {
	/* column, SQL type, source, API field, kind and offset */
	{"session_id", "text", FDW_SOURCE_STATUS, "SessionId", STATUS_TEXT(session_id)},
	{"state", "text", FDW_SOURCE_STATUS, "Status.State", STATUS_TEXT(state)},
	{"state_change_reason", "text", FDW_SOURCE_STATUS, "Status.StateChangeReason", STATUS_TEXT(state_change_reason)},
	{"start_date_time", "timestamptz", FDW_SOURCE_STATUS, "Status.StartDateTime", STATUS_TIME(start_date_time)},
	{"last_modified_date_time", "timestamptz", FDW_SOURCE_STATUS, "Status.LastModifiedDateTime", STATUS_TIME(last_modified_date_time)},
	{"end_date_time", "timestamptz", FDW_SOURCE_STATUS, "Status.EndDateTime", STATUS_TIME(end_date_time)},
	{"idle_since_date_time", "timestamptz", FDW_SOURCE_STATUS, "Status.IdleSinceDateTime", STATUS_TIME(idle_since_date_time)},
	{"workgroup", "text", FDW_SOURCE_LIST_ITEM, "WorkGroup", NOT_READ_YET},
	{"description", "text", FDW_SOURCE_LIST_ITEM, "Description", NOT_READ_YET},
	{"engine_version", "text", FDW_SOURCE_LIST_ITEM, "EngineVersion.EffectiveEngineVersion", NOT_READ_YET},
	{"notebook_version", "text", FDW_SOURCE_LIST_ITEM, "NotebookVersion", NOT_READ_YET},
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

/* The attribute number of column session_id, or InvalidAttrNumber. */
AttrNumber
fdw_session_id_attno(Relation rel)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	int			i;

	for (i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);

		if (!att->attisdropped &&
			strcmp(NameStr(att->attname), "session_id") == 0)
			return att->attnum;
	}
	return InvalidAttrNumber;
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

/* API strings are UTF-8; the database may use another encoding. */
static char *
to_server_encoding(const char *utf8)
{
	return pg_any_to_server(utf8, strlen(utf8), PG_UTF8);
}

static TimestampTz
to_timestamptz(const AthenaTimestamp *ts)
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
convert_value(FdwColumn *column, const char *text, const AthenaTimestamp *ts)
{
	if (column->type == TEXTOID && text)
		return CStringGetTextDatum(to_server_encoding(text));
	if (column->type == TIMESTAMPTZOID && ts)
		return TimestampTzGetDatum(to_timestamptz(ts));

	/* another type: through the text form, as a cast from text would */
	if (ts)
		text = DatumGetCString(DirectFunctionCall1(timestamptz_out,
												   TimestampTzGetDatum(to_timestamptz(ts))));
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

	where.map = map;
	errcallback.callback = conversion_error_callback;
	errcallback.arg = &where;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	for (i = 0; i < map->natts; i++)
	{
		FdwColumn  *column = &map->columns[i];
		const FdwFieldDef *field = column->field;
		const char *source = field ? sources[field->source] : NULL;
		const char *text = NULL;
		const AthenaTimestamp *ts = NULL;

		if (source != NULL)
		{
			switch (field->kind)
			{
				case VALUE_TEXT:
					text = *(char *const *) (source + field->offset);
					break;
				case VALUE_TIMESTAMP:
					ts = (const AthenaTimestamp *) (source + field->offset);
					if (!ts->present)
						ts = NULL;
					break;
				case VALUE_NONE:
					break;
			}
		}

		where.column = i;
		nulls[i] = (text == NULL && ts == NULL);
		values[i] = nulls[i] ? (Datum) 0 : convert_value(column, text, ts);
	}

	error_context_stack = errcallback.previous;
}
