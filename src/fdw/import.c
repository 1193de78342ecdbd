/*
 * import.c
 *		IMPORT FOREIGN SCHEMA athena: creates the athena_sessions and
 *		athena_calculations tables.
 *
 * Athena has one remote "schema" here, and two tables in it, each with
 * every column of its columns.c table; the calculations one says so in its
 * table_name option.  LIMIT TO and EXCEPT are applied by PostgreSQL to the
 * statements returned.
 */
#include "postgres.h"

#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "athena_fdw.h"

#define ATHENA_REMOTE_SCHEMA "athena"

List *
fdw_import_foreign_schema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	ForeignServer *server = GetForeignServer(serverOid);
	const char *const names[] = {"athena_sessions", "athena_calculations"};
	List	   *statements = NIL;
	size_t		i;

	if (strcmp(stmt->remote_schema, ATHENA_REMOTE_SCHEMA) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_SCHEMA_NOT_FOUND),
				 errmsg("schema \"%s\" is not present on foreign server \"%s\"",
						stmt->remote_schema, server->servername),
				 errhint("The only remote schema is \"%s\".",
						 ATHENA_REMOTE_SCHEMA)));

	for (i = 0; i < lengthof(names); i++)
	{
		const FdwTable *table = fdw_find_table(names[i]);
		StringInfoData sql;

		initStringInfo(&sql);
		appendStringInfo(&sql, "CREATE FOREIGN TABLE %s.%s (\n",
						 quote_identifier(stmt->local_schema), table->name);
		fdw_append_column_definitions(table, &sql);
		appendStringInfo(&sql, ") SERVER %s",
						 quote_identifier(server->servername));
		/* athena_sessions is what a table without the option shows */
		if (table->kind != FDW_TABLE_SESSIONS)
			appendStringInfo(&sql, " OPTIONS (table_name %s)",
							 quote_literal_cstr(table->name));
		statements = lappend(statements, sql.data);
	}
	return statements;
}
