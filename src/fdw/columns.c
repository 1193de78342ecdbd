/*
 * columns.c
 *		Maps the columns of a foreign table to the fields of a session, and
 *		turns one session into one row.
 *
 * Columns are matched by name, in any order and any subset.  text and
 * timestamptz columns get their values directly; a column of another type
 * gets the text form through that type's input function, as file_fdw does.
 */
#include "postgres.h"

#include "access/htup_details.h"
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

static const struct
{
	const char *name;
	AthenaField field;
}			field_names[] = {
	{"session_id", FIELD_SESSION_ID},
	{"state", FIELD_STATE},
	{"state_change_reason", FIELD_STATE_CHANGE_REASON},
	{"start_date_time", FIELD_START_DATE_TIME},
	{"last_modified_date_time", FIELD_LAST_MODIFIED_DATE_TIME},
	{"end_date_time", FIELD_END_DATE_TIME},
	{"idle_since_date_time", FIELD_IDLE_SINCE_DATE_TIME},
	{"workgroup", FIELD_WORKGROUP},
	{"description", FIELD_DESCRIPTION},
	{"engine_version", FIELD_ENGINE_VERSION},
	{"notebook_version", FIELD_NOTEBOOK_VERSION},
};

static AthenaField
field_for_name(const char *name)
{
	size_t		i;

	for (i = 0; i < lengthof(field_names); i++)
	{
		if (strcmp(field_names[i].name, name) == 0)
			return field_names[i].field;
	}
	return FIELD_NONE;
}

/* The attribute number of column session_id, or InvalidAttrNumber. */
AttrNumber
athena_session_id_attno(Relation rel)
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

AthenaColumnMap *
athena_map_columns(Relation rel)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	AthenaColumnMap *map = palloc0(sizeof(AthenaColumnMap));
	int			i;

	map->natts = tupdesc->natts;
	map->fields = palloc0(sizeof(AthenaField) * tupdesc->natts);
	map->types = palloc0(sizeof(Oid) * tupdesc->natts);
	map->in_functions = palloc0(sizeof(FmgrInfo) * tupdesc->natts);
	map->typioparams = palloc0(sizeof(Oid) * tupdesc->natts);
	map->typmods = palloc0(sizeof(int32) * tupdesc->natts);

	for (i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		Oid			in_function;

		if (att->attisdropped)
			continue;

		map->fields[i] = field_for_name(NameStr(att->attname));
		if (map->fields[i] == FIELD_NONE)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
					 errmsg("column \"%s\" of foreign table \"%s\" does not match any Athena session field",
							NameStr(att->attname), RelationGetRelationName(rel)),
					 errhint("Valid column names are session_id, state, state_change_reason, start_date_time, last_modified_date_time, end_date_time, idle_since_date_time, workgroup, description, engine_version and notebook_version.")));

		map->types[i] = att->atttypid;
		map->typmods[i] = att->atttypmod;
		getTypeInputInfo(att->atttypid, &in_function, &map->typioparams[i]);
		fmgr_info(in_function, &map->in_functions[i]);
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

static Datum
convert_value(const AthenaColumnMap *map, int i, const char *text,
			  const AthenaTimestamp *ts)
{
	Oid			type = map->types[i];

	if (type == TEXTOID && text)
		return CStringGetTextDatum(to_server_encoding(text));
	if (type == TIMESTAMPTZOID && ts)
		return TimestampTzGetDatum(to_timestamptz(ts));

	/* another type: through the text form, as a cast from text would */
	if (ts)
		text = DatumGetCString(DirectFunctionCall1(timestamptz_out,
												   TimestampTzGetDatum(to_timestamptz(ts))));
	else
		text = to_server_encoding(text);
	return InputFunctionCall((FmgrInfo *) &map->in_functions[i], (char *) text,
							 map->typioparams[i], map->typmods[i]);
}

/*
 * Fills values/nulls of one row.  Fields GetSessionStatus does not return
 * (workgroup and the ListSessions-only ones) are NULL.
 */
void
athena_session_to_values(const AthenaColumnMap *map,
						 const AthenaSession *session,
						 Datum *values, bool *nulls)
{
	int			i;

	for (i = 0; i < map->natts; i++)
	{
		const char *text = NULL;
		const AthenaTimestamp *ts = NULL;

		switch (map->fields[i])
		{
			case FIELD_SESSION_ID:
				text = session->session_id;
				break;
			case FIELD_STATE:
				text = session->state;
				break;
			case FIELD_STATE_CHANGE_REASON:
				text = session->state_change_reason;
				break;
			case FIELD_START_DATE_TIME:
				ts = &session->start_date_time;
				break;
			case FIELD_LAST_MODIFIED_DATE_TIME:
				ts = &session->last_modified_date_time;
				break;
			case FIELD_END_DATE_TIME:
				ts = &session->end_date_time;
				break;
			case FIELD_IDLE_SINCE_DATE_TIME:
				ts = &session->idle_since_date_time;
				break;
			case FIELD_NONE:
			case FIELD_WORKGROUP:
			case FIELD_DESCRIPTION:
			case FIELD_ENGINE_VERSION:
			case FIELD_NOTEBOOK_VERSION:
				break;
		}

		if (ts && !ts->present)
			ts = NULL;
		nulls[i] = (text == NULL && ts == NULL);
		values[i] = nulls[i] ? (Datum) 0 : convert_value(map, i, text, ts);
	}
}
