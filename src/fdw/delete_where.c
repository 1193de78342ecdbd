/*
 * delete_where.c
 *		A DELETE on an athena_fdw table with no WHERE clause at all is
 *		refused, as pg-safeupdate refuses it for tables: it would terminate
 *		every session of every Spark workgroup (or stop every calculation),
 *		and one mistyped line in a pg_cron job is enough.  "WHERE true" says it is meant.
 *
 * The planner folds "WHERE true" away before the FDW is asked, so the two
 * can only be told apart in the parse tree: a post-parse-analysis hook
 * checks every DELETE (CTEs included).  A backend that loads the library
 * only while planning its first statement (athena_fdw not in
 * shared_preload_libraries) analyzed that statement without the hook; for
 * it the planner asks fdw_check_delete_has_where, which parses the
 * statement's text again, and refuses when it cannot tell.
 */
#include "postgres.h"

#include "catalog/pg_class.h"
#include "foreign/fdwapi.h"
#include "nodes/parsenodes.h"
#include "parser/analyze.h"
#include "parser/parser.h"
#include "parser/parsetree.h"
#include "tcop/tcopprot.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "athena_fdw.h"

static post_parse_analyze_hook_type prev_post_parse_analyze_hook = NULL;

/* Whether the hook has analyzed a statement since the library was loaded. */
static bool hook_has_run = false;

static void
			refuse_unqualified_delete(Oid relid) pg_attribute_noreturn();

static void
refuse_unqualified_delete(Oid relid)
{
	bool		calculations = fdw_table_of(relid)->kind == FDW_TABLE_CALCULATIONS;

	ereport(ERROR,
			(errcode(ERRCODE_CARDINALITY_VIOLATION),
			 errmsg("DELETE on foreign table \"%s\" requires a WHERE clause",
					get_rel_name(relid)),
			 calculations ?
			 errdetail("Without one it would stop every calculation of every session.") :
			 errdetail("Without one it would terminate every session in every Spark workgroup."),
			 calculations ?
			 errhint("To stop every calculation, write WHERE true.") :
			 errhint("To terminate every session, write WHERE true.")));
}

/* Whether relid is a foreign table of this wrapper. */
static bool
is_athena_table(Oid relid)
{
	return get_rel_relkind(relid) == RELKIND_FOREIGN_TABLE &&
		fdw_is_athena_routine(GetFdwRoutineByRelId(relid));
}

static void
check_query(Query *query)
{
	ListCell   *lc;

	if (query->commandType == CMD_DELETE && query->resultRelation > 0 &&
		query->jointree->quals == NULL)
	{
		RangeTblEntry *rte = rt_fetch(query->resultRelation, query->rtable);

		if (rte->relkind == RELKIND_FOREIGN_TABLE && is_athena_table(rte->relid))
			refuse_unqualified_delete(rte->relid);
	}
	foreach(lc, query->cteList)
	{
		CommonTableExpr *cte = lfirst_node(CommonTableExpr, lc);

		if (IsA(cte->ctequery, Query))
			check_query((Query *) cte->ctequery);
	}
}

static void
check_after_parse_analysis(ParseState *pstate, Query *query,
						   JumbleState *jstate)
{
	if (prev_post_parse_analyze_hook)
		prev_post_parse_analyze_hook(pstate, query, jstate);
	hook_has_run = true;
	check_query(query);
}

/*
 * Whether the raw statements of text hold a DELETE on relname, and whether
 * every such DELETE has a WHERE clause.
 */
static bool
text_has_qualified_delete(const char *text, const char *relname)
{
	List	   *raw;
	ListCell   *lc;
	bool		found = false;

	raw = raw_parser(text, RAW_PARSE_DEFAULT);
	foreach(lc, raw)
	{
		Node	   *stmt = lfirst_node(RawStmt, lc)->stmt;

		if (IsA(stmt, DeleteStmt) &&
			strcmp(((DeleteStmt *) stmt)->relation->relname, relname) == 0)
		{
			if (((DeleteStmt *) stmt)->whereClause == NULL)
				return false;
			found = true;
		}
	}
	return found;
}

/*
 * From planning, for the statement the hook may not have seen: quals is
 * what the planner made of the WHERE clause (NIL for none, or one that
 * folded to true).
 */
void
fdw_check_delete_has_where(List *quals, Relation rel)
{
	const char *relname = RelationGetRelationName(rel);
	bool		qualified = false;

	if (quals != NIL || hook_has_run)
		return;
	/* the text parsed once already: this raw parse cannot fail */
	if (debug_query_string != NULL)
		qualified = text_has_qualified_delete(debug_query_string, relname);
	if (!qualified)
		refuse_unqualified_delete(RelationGetRelid(rel));
}

void
fdw_delete_where_init(void)
{
	prev_post_parse_analyze_hook = post_parse_analyze_hook;
	post_parse_analyze_hook = check_after_parse_analysis;
}
