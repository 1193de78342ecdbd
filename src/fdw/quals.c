/*
 * quals.c
 *		Which WHERE and join conditions become GetSessionStatus calls, and
 *		turning their value at execution time into a list of distinct ids.
 *
 * Pushable: session_id = <expr>, <expr> = session_id, session_id IN (...),
 * session_id = ANY(<array expr>), and an OR of equalities on session_id
 * (sent as one IN list), where <expr> does not involve the foreign table
 * itself and is not volatile (a constant, a parameter, an outer column, an
 * initplan such as ARRAY(SELECT ...)).  The operator must be text
 * equality under a deterministic collation: only then does asking Athena
 * for exactly these ids return every row the condition accepts.  Pushed
 * conditions are still checked locally.
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"

#include "athena_fdw.h"

/* Guess for id lists whose size is only known at execution time. */
#define UNKNOWN_ARRAY_IDS 10.0

/* Whether node is the foreign table's session_id column. */
bool
fdw_is_session_id_var(Node *node, RelOptInfo *baserel, AttrNumber attno)
{
	/* a varchar session_id column reaches texteq through a RelabelType */
	while (node && IsA(node, RelabelType))
		node = (Node *) ((RelabelType *) node)->arg;

	return node && IsA(node, Var) &&
		(Index) ((Var *) node)->varno == baserel->relid &&
		((Var *) node)->varattno == attno &&
		((Var *) node)->varlevelsup == 0;
}

/* The other side must be computable before the scan asks for rows. */
static bool
is_id_source(Node *node, RelOptInfo *baserel)
{
	return !bms_is_member(baserel->relid, pull_varnos(NULL, node)) &&
		!contain_volatile_functions(node);
}

static bool
is_text_equality(Oid opno, Oid inputcollid)
{
	if (get_opcode(opno) != F_TEXTEQ)
		return false;
	return !OidIsValid(inputcollid) || get_collation_isdeterministic(inputcollid);
}

static double
estimate_array_ids(Node *array)
{
	if (IsA(array, Const))
	{
		Const	   *c = (Const *) array;

		if (c->constisnull)
			return 0;
		return ArrayGetNItems(ARR_NDIM(DatumGetArrayTypeP(c->constvalue)),
							  ARR_DIMS(DatumGetArrayTypeP(c->constvalue)));
	}
	if (IsA(array, ArrayExpr))
		return list_length(((ArrayExpr *) array)->elements);
	return UNKNOWN_ARRAY_IDS;
}

/*
 * If clause is session_id = <id source> (either way round), the id source;
 * else NULL.
 */
static Node *
match_id_equality(Node *clause, RelOptInfo *baserel, AttrNumber attno)
{
	OpExpr	   *op;
	Node	   *left,
			   *right;

	if (!IsA(clause, OpExpr))
		return NULL;
	op = (OpExpr *) clause;
	if (list_length(op->args) != 2 ||
		!is_text_equality(op->opno, op->inputcollid))
		return NULL;
	left = linitial(op->args);
	right = lsecond(op->args);
	if (fdw_is_session_id_var(right, baserel, attno))
	{
		Node	   *swap = left;

		left = right;
		right = swap;
	}
	if (!fdw_is_session_id_var(left, baserel, attno) ||
		!is_id_source(right, baserel))
		return NULL;
	return right;
}

/*
 * session_id = 'a' OR session_id = 'b' OR ...: the ids as one text[]
 * ArrayExpr, so the OR is sent like session_id IN ('a', 'b'); else NULL.
 */
static Expr *
match_id_disjunction(Node *clause, RelOptInfo *baserel, AttrNumber attno)
{
	List	   *ids = NIL;
	ArrayExpr  *array;
	ListCell   *lc;

	if (!is_orclause(clause))
		return NULL;
	foreach(lc, ((BoolExpr *) clause)->args)
	{
		Node	   *id = match_id_equality(lfirst(lc), baserel, attno);

		if (id == NULL || exprType(id) != TEXTOID)
			return NULL;
		ids = lappend(ids, id);
	}

	array = makeNode(ArrayExpr);
	array->array_typeid = TEXTARRAYOID;
	array->array_collid = InvalidOid;
	array->element_typeid = TEXTOID;
	array->elements = ids;
	array->multidims = false;
	array->location = -1;
	return (Expr *) array;
}

/*
 * If rinfo is a pushable session_id condition, describes it in *qual.
 * root is unused today but kept for estimates that need it.
 */
bool
fdw_match_id_clause(PlannerInfo *root, RelOptInfo *baserel,
					AttrNumber id_attno,
					RestrictInfo *rinfo, FdwValuesQual *qual)
{
	Node	   *clause = (Node *) rinfo->clause;
	Node	   *id;
	Expr	   *ids;

	if (id_attno == InvalidAttrNumber)
		return false;

	if ((id = match_id_equality(clause, baserel, id_attno)) != NULL)
	{
		qual->rinfo = rinfo;
		qual->ids = (Expr *) id;
		qual->is_array = false;
		qual->estimated_ids =
			(IsA(id, Const) && ((Const *) id)->constisnull) ? 0 : 1;
		return true;
	}

	if ((ids = match_id_disjunction(clause, baserel, id_attno)) != NULL)
	{
		qual->rinfo = rinfo;
		qual->ids = ids;
		qual->is_array = true;
		qual->estimated_ids = estimate_array_ids((Node *) ids);
		return true;
	}

	if (IsA(clause, ScalarArrayOpExpr))
	{
		ScalarArrayOpExpr *saop = (ScalarArrayOpExpr *) clause;
		Node	   *array = lsecond(saop->args);

		if (!saop->useOr || !is_text_equality(saop->opno, saop->inputcollid) ||
			!fdw_is_session_id_var(linitial(saop->args), baserel, id_attno) ||
			!is_id_source(array, baserel))
			return false;

		qual->rinfo = rinfo;
		qual->ids = (Expr *) array;
		qual->is_array = true;
		qual->estimated_ids = estimate_array_ids(array);
		return true;
	}

	return false;
}

/* qsort/bsearch comparator of ids (const char * elements) */
int
fdw_compare_ids(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* An id in the API's encoding, palloc'd in the current memory context. */
const char *
fdw_id_to_utf8(Datum text_datum)
{
	char	   *id = TextDatumGetCString(text_datum);

	return pg_server_to_any(id, strlen(id), PG_UTF8);
}

/*
 * Turns the evaluated id expression into distinct, non-NULL ids in UTF-8,
 * allocated in the current memory context.
 */
int
fdw_collect_ids(Datum value, bool isnull, bool is_array, const char ***ids)
{
	const char **result;
	int			n = 0;
	int			i;

	*ids = NULL;
	if (isnull)
		return 0;

	if (!is_array)
	{
		result = palloc(sizeof(char *));
		result[n++] = fdw_id_to_utf8(value);
	}
	else
	{
		ArrayType  *array = DatumGetArrayTypeP(value);
		Datum	   *elems;
		bool	   *elem_nulls;
		int			nelems;
		int16		typlen;
		bool		typbyval;
		char		typalign;

		get_typlenbyvalalign(ARR_ELEMTYPE(array), &typlen, &typbyval, &typalign);
		deconstruct_array(array, ARR_ELEMTYPE(array), typlen, typbyval,
						  typalign, &elems, &elem_nulls, &nelems);
		result = palloc(sizeof(char *) * Max(nelems, 1));
		for (i = 0; i < nelems; i++)
		{
			if (!elem_nulls[i])
				result[n++] = fdw_id_to_utf8(elems[i]);
		}
	}

	if (n == 0)
		return 0;
	*ids = result;
	return fdw_distinct_ids(result, n);
}

/*
 * How many ids a pushed id expression made only of constants asks for: its
 * distinct non-NULL ids that Athena can hold (the others are never sent).
 * -1 when the ids are only known at execution time (a parameter, an outer
 * column, an initplan).  A constant list is a Const array, or the ArrayExpr
 * of Consts an OR of equalities becomes.
 */
int
fdw_count_constant_ids(Expr *expr, bool is_array)
{
	return fdw_count_constant_values(expr, is_array,
									 athena_session_id_possible);
}

/*
 * The same for any pushed condition's values: how many distinct non-NULL
 * constants of expr are possible (workgroup and state conditions pass
 * athena_workgroup_possible and athena_session_state_possible).
 */
int
fdw_count_constant_values(Expr *expr, bool is_array,
						  bool (*possible) (const char *value))
{
	const char **ids;
	int			n = 0;
	int			sent = 0;
	int			i;

	if (IsA(expr, Const))
		n = fdw_collect_ids(((Const *) expr)->constvalue,
							((Const *) expr)->constisnull, is_array, &ids);
	else if (IsA(expr, ArrayExpr))
	{
		List	   *elements = ((ArrayExpr *) expr)->elements;
		ListCell   *lc;

		ids = palloc(sizeof(char *) * Max(list_length(elements), 1));
		foreach(lc, elements)
		{
			Const	   *element = (Const *) lfirst(lc);

			if (!IsA(element, Const))
				return -1;
			if (!element->constisnull)
				ids[n++] = fdw_id_to_utf8(element->constvalue);
		}
		n = fdw_distinct_ids(ids, n);
	}
	else
		return -1;

	for (i = 0; i < n; i++)
		sent += possible(ids[i]);
	return sent;
}

/*
 * Sorts ids and moves the distinct ones to the front; returns how many
 * there are.  Sorting makes this O(n log n) for any number of ids, and
 * lets callers find an id among them with bsearch(fdw_compare_ids).
 */
int
fdw_distinct_ids(const char **ids, int n)
{
	int			distinct;
	int			i;

	if (n == 0)
		return 0;
	qsort(ids, n, sizeof(char *), fdw_compare_ids);
	distinct = 1;
	for (i = 1; i < n; i++)
	{
		if (strcmp(ids[i], ids[distinct - 1]) != 0)
			ids[distinct++] = ids[i];
	}
	return distinct;
}
