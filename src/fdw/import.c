/*
 * import.c
 *		IMPORT FOREIGN SCHEMA athena: creates the athena_sessions table.
 *
 * Athena has one remote "schema" here, and one table in it.  LIMIT TO and
 * EXCEPT are applied by PostgreSQL to the statements returned.
 */
#include "postgres.h"

#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "athena_fdw.h"

#define ATHENA_REMOTE_SCHEMA "athena"

List *
athena_import_foreign_schema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	ForeignServer *server = GetForeignServer(serverOid);
	StringInfoData sql;

	if (strcmp(stmt->remote_schema, ATHENA_REMOTE_SCHEMA) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_SCHEMA_NOT_FOUND),
				 errmsg("schema \"%s\" is not present on foreign server \"%s\"",
						stmt->remote_schema, server->servername),
				 errhint("The only remote schema is \"%s\".",
						 ATHENA_REMOTE_SCHEMA)));

	initStringInfo(&sql);
	appendStringInfo(&sql,
					 "CREATE FOREIGN TABLE %s.athena_sessions (\n"
					 "  session_id text,\n"
					 "  state text,\n"
					 "  state_change_reason text,\n"
					 "  start_date_time timestamptz,\n"
					 "  last_modified_date_time timestamptz,\n"
					 "  end_date_time timestamptz,\n"
					 "  idle_since_date_time timestamptz,\n"
					 "  workgroup text\n"
					 ") SERVER %s",
					 quote_identifier(stmt->local_schema),
					 quote_identifier(server->servername));
	return list_make1(sql.data);
}
