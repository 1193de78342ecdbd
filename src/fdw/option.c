/*
 * option.c
 *		Validation of athena_fdw's options, and folding the options of a
 *		server and a foreign table into one AthenaOptions.
 *
 * Everything is checked when the object is created or altered, so a query
 * only ever sees well-formed values.
 */
#include "postgres.h"

#include <limits.h>

#include "access/reloptions.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "athena_fdw.h"

typedef struct AthenaOptionDef
{
	const char *name;
	Oid			context;		/* catalog the option may appear in */
	int			min;			/* integer options: allowed range */
	int			max;
} AthenaOptionDef;

#define TEXT_OPTION 0, 0

static const AthenaOptionDef option_defs[] = {
	{"region", ForeignServerRelationId, TEXT_OPTION},
	{"endpoint", ForeignServerRelationId, TEXT_OPTION},
	{"max_concurrency", ForeignServerRelationId, 1, 256},
	{"connect_timeout_ms", ForeignServerRelationId, 1, INT_MAX},
	{"request_timeout_ms", ForeignServerRelationId, 1, INT_MAX},
	{"max_retries", ForeignServerRelationId, 0, 20},
	{"aws_access_key_id", UserMappingRelationId, TEXT_OPTION},
	{"aws_secret_access_key", UserMappingRelationId, TEXT_OPTION},
	{"aws_session_token", UserMappingRelationId, TEXT_OPTION},
	{NULL, InvalidOid, TEXT_OPTION}
};

#define DEFAULT_MAX_CONCURRENCY 8
#define DEFAULT_CONNECT_TIMEOUT_MS 5000
#define DEFAULT_REQUEST_TIMEOUT_MS 30000
#define DEFAULT_MAX_RETRIES 5

PG_FUNCTION_INFO_V1(athena_fdw_validator);

static const AthenaOptionDef *
find_option(const char *name, Oid context)
{
	const AthenaOptionDef *def;

	for (def = option_defs; def->name; def++)
	{
		if (def->context == context && strcmp(def->name, name) == 0)
			return def;
	}
	return NULL;
}

static void
report_unknown_option(const char *name, Oid context)
{
	const AthenaOptionDef *def;
	StringInfoData valid;

	initStringInfo(&valid);
	for (def = option_defs; def->name; def++)
	{
		if (def->context == context)
			appendStringInfo(&valid, "%s%s", valid.len > 0 ? ", " : "",
							 def->name);
	}

	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
			 errmsg("invalid option \"%s\"", name),
			 valid.len > 0
			 ? errhint("Valid options in this context are: %s.", valid.data)
			 : errhint("There are no valid options in this context.")));
}

/* Parses an integer option, insisting on the whole string and the range. */
static int
parse_int_option(const AthenaOptionDef *def, const char *value)
{
	char	   *end;
	long		parsed;

	errno = 0;
	parsed = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' ||
		parsed < def->min || parsed > def->max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"",
						def->name, value),
				 errhint("Valid values are integers from %d to %d.",
						 def->min, def->max)));
	return (int) parsed;
}

static void
check_region(const char *value)
{
	const char *c;

	for (c = value; *c; c++)
	{
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
			break;
	}
	if (*value == '\0' || *c != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"region\": \"%s\"", value),
				 errhint("A region looks like \"us-east-1\".")));
}

static void
check_endpoint(const char *value)
{
	const char *host;

	if (strncmp(value, "https://", 8) == 0)
		host = value + 8;
	else if (strncmp(value, "http://", 7) == 0)
		host = value + 7;
	else
		host = NULL;

	if (host == NULL || *host == '\0' || *host == '/' ||
		strpbrk(value, " \t\r\n?#@") != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"endpoint\": \"%s\"", value),
				 errhint("The endpoint is a base URL such as \"https://athena.us-east-1.amazonaws.com\".")));
}

/*
 * Validates the options of one catalog object.  For a user mapping the list
 * is the complete new set (ALTER passes the result), so "both keys or
 * neither" can be checked here.
 */
Datum
athena_fdw_validator(PG_FUNCTION_ARGS)
{
	List	   *options = untransformRelOptions(PG_GETARG_DATUM(0));
	Oid			context = PG_GETARG_OID(1);
	bool		has_key_id = false;
	bool		has_secret = false;
	bool		has_token = false;
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *opt = (DefElem *) lfirst(lc);
		const AthenaOptionDef *def = find_option(opt->defname, context);
		char	   *value;

		if (def == NULL)
			report_unknown_option(opt->defname, context);
		value = defGetString(opt);

		if (def->max > 0 || def->min > 0)
			(void) parse_int_option(def, value);
		else if (strcmp(def->name, "region") == 0)
			check_region(value);
		else if (strcmp(def->name, "endpoint") == 0)
			check_endpoint(value);
		else if (strcmp(def->name, "aws_access_key_id") == 0)
			has_key_id = true;
		else if (strcmp(def->name, "aws_secret_access_key") == 0)
			has_secret = true;
		else if (strcmp(def->name, "aws_session_token") == 0)
			has_token = true;
	}

	if (has_key_id != has_secret)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"aws_access_key_id\" and \"aws_secret_access_key\" must be given together")));
	if (has_token && !has_key_id)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"aws_session_token\" requires \"aws_access_key_id\" and \"aws_secret_access_key\"")));

	PG_RETURN_VOID();
}

static char *
default_region(ForeignServer *server)
{
	const char *env = getenv("AWS_REGION");

	if (env == NULL || *env == '\0')
		env = getenv("AWS_DEFAULT_REGION");
	if (env == NULL || *env == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("no AWS region for server \"%s\"", server->servername),
				 errhint("Set the server option \"region\", or AWS_REGION in the environment of the PostgreSQL server.")));
	return pstrdup(env);
}

static char *
default_endpoint(const char *region)
{
	bool		china = strncmp(region, "cn-", 3) == 0;

	return psprintf("https://athena.%s.amazonaws.com%s", region,
					china ? ".cn" : "");
}

/*
 * Folds a server's options (and, later, a table's) into *options.  Region and
 * endpoint may stay NULL here: planning does not need them, and a missing
 * region is only an error once a scan runs (athena_resolve_endpoint).
 */
void
athena_get_options(ForeignServer *server, ForeignTable *table,
				   AthenaOptions *options)
{
	ListCell   *lc;

	memset(options, 0, sizeof(*options));
	options->max_concurrency = DEFAULT_MAX_CONCURRENCY;
	options->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
	options->request_timeout_ms = DEFAULT_REQUEST_TIMEOUT_MS;
	options->max_retries = DEFAULT_MAX_RETRIES;

	foreach(lc, server->options)
	{
		DefElem    *opt = (DefElem *) lfirst(lc);
		const AthenaOptionDef *def = find_option(opt->defname,
												 ForeignServerRelationId);
		char	   *value = defGetString(opt);

		if (def == NULL)
			continue;			/* the validator has rejected it already */
		if (strcmp(def->name, "region") == 0)
			options->region = value;
		else if (strcmp(def->name, "endpoint") == 0)
			options->endpoint = value;
		else if (strcmp(def->name, "max_concurrency") == 0)
			options->max_concurrency = parse_int_option(def, value);
		else if (strcmp(def->name, "connect_timeout_ms") == 0)
			options->connect_timeout_ms = parse_int_option(def, value);
		else if (strcmp(def->name, "request_timeout_ms") == 0)
			options->request_timeout_ms = parse_int_option(def, value);
		else if (strcmp(def->name, "max_retries") == 0)
			options->max_retries = parse_int_option(def, value);
	}
}

/* Fills in the region and endpoint defaults for a scan about to run. */
void
athena_resolve_endpoint(ForeignServer *server, AthenaOptions *options)
{
	if (options->region == NULL)
		options->region = default_region(server);
	if (options->endpoint == NULL)
		options->endpoint = default_endpoint(options->region);
}
