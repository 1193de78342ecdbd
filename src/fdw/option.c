/*
 * option.c
 *		athena_fdw's options: one table says what each option is, and the
 *		validator, the folding of server, table and user mapping options into
 *		one FdwOptions, and the HINT for a misspelt name all read it.
 *
 * Adding an option is one line in option_table (and its FdwOptions field).
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
#include "miscadmin.h"
#include "utils/builtins.h"

#include "athena_fdw.h"
#include "aws_config.h"
#include "aws_credentials.h"
#include "aws_endpoints.h"
#include "endpoint.h"
#include "safe_value.h"

/* The objects an option may appear on (a bit mask). */
#define ON_SERVER	0x01
#define ON_TABLE	0x02
#define ON_MAPPING	0x04

/* How a value is checked, and what its FdwOptions field holds. */
typedef enum FdwOptionKind
{
	KIND_TEXT,					/* char *, any text */
	KIND_SECRET,				/* char *, any text, never shown anywhere */
	KIND_INT,					/* int, an integer from min to max */
	KIND_RATE,					/* double, requests per second, 0 = none */
	KIND_BOOL,					/* bool, as PostgreSQL spells booleans */
	KIND_TRISTATE,				/* int, FDW_TRUE/FDW_FALSE, FDW_UNSET absent */
	KIND_REGION,				/* char *, like "us-east-1" */
	KIND_URL,					/* char *, an http(s) base URL */
	KIND_ROLE_ARN,				/* char *, arn:aws:iam::123456789012:role/name */
	KIND_SESSION_NAME,			/* char *, an STS role session name */
	KIND_EXTERNAL_ID,			/* char *, an STS external id */
	KIND_TABLE_NAME				/* char *, one of the Athena tables */
} FdwOptionKind;

typedef struct FdwOptionDef
{
	const char *name;
	int			objects;		/* ON_SERVER | ON_TABLE | ON_MAPPING */
	FdwOptionKind kind;
	const char *default_value;	/* text form, or NULL for none */
	int			min;			/* KIND_INT only: allowed range */
	int			max;
	bool		superuser_only; /* only a superuser may set it */
	size_t		field;			/* offsetof the value in FdwOptions */
} FdwOptionDef;

#define FIELD(member) offsetof(FdwOptions, member)

/*
 * Defaults that depend on the environment (region: AWS_REGION; endpoint:
 * from the region) are filled in by fdw_resolve_endpoint.
 */
static const FdwOptionDef option_table[] = {
	/* name, objects, kind, default, min, max, superuser only, field */
	{"region", ON_SERVER, KIND_REGION, NULL, 0, 0, false, FIELD(region)},
	{"endpoint", ON_SERVER, KIND_URL, NULL, 0, 0, false, FIELD(endpoint)},
	{"max_concurrency", ON_SERVER, KIND_INT, "8", 1, 256, false, FIELD(max_concurrency)},
	{"connect_timeout_ms", ON_SERVER, KIND_INT, "5000", 1, INT_MAX, false, FIELD(connect_timeout_ms)},
	{"request_timeout_ms", ON_SERVER, KIND_INT, "30000", 1, INT_MAX, false, FIELD(request_timeout_ms)},
	{"max_retries", ON_SERVER, KIND_INT, "5", 0, 20, false, FIELD(max_retries)},
	{"max_requests_per_second", ON_SERVER, KIND_RATE, NULL, 0, 0, false, FIELD(max_requests_per_second)},
	{"workgroup", ON_SERVER | ON_TABLE, KIND_TEXT, NULL, 0, 0, false, FIELD(workgroup)},
	{"table_name", ON_TABLE, KIND_TABLE_NAME, NULL, 0, 0, false, FIELD(table_name)},
	{"aws_access_key_id", ON_MAPPING, KIND_SECRET, NULL, 0, 0, false, FIELD(aws_access_key_id)},
	{"aws_secret_access_key", ON_MAPPING, KIND_SECRET, NULL, 0, 0, false, FIELD(aws_secret_access_key)},
	{"aws_session_token", ON_MAPPING, KIND_SECRET, NULL, 0, 0, false, FIELD(aws_session_token)},
	{"aws_profile", ON_MAPPING, KIND_TEXT, NULL, 0, 0, true, FIELD(aws_profile)},
	{"ambient_credentials", ON_MAPPING, KIND_BOOL, "false", 0, 0, true, FIELD(ambient_credentials)},
	{"role_arn", ON_MAPPING, KIND_ROLE_ARN, NULL, 0, 0, false, FIELD(role_arn)},
	{"external_id", ON_MAPPING, KIND_EXTERNAL_ID, NULL, 0, 0, false, FIELD(external_id)},
	{"role_session_name", ON_MAPPING, KIND_SESSION_NAME, NULL, 0, 0, false, FIELD(role_session_name)},
	{"role_duration_seconds", ON_MAPPING, KIND_INT, NULL, 900, 43200, false, FIELD(role_duration_seconds)},
	{"ca_file", ON_SERVER, KIND_TEXT, NULL, 0, 0, true, FIELD(ca_file)},
	{"sts_endpoint", ON_SERVER, KIND_URL, NULL, 0, 0, true, FIELD(sts_endpoint)},
	{"use_fips_endpoint", ON_SERVER, KIND_TRISTATE, NULL, 0, 0, false, FIELD(use_fips_endpoint)},
	{"use_dualstack_endpoint", ON_SERVER, KIND_TRISTATE, NULL, 0, 0, false, FIELD(use_dualstack_endpoint)},
};

PG_FUNCTION_INFO_V1(athena_fdw_validator);

/* The ON_* bit of a catalog, 0 for those without options (wrapper, column). */
static int
object_of_catalog(Oid catalog)
{
	switch (catalog)
	{
		case ForeignServerRelationId:
			return ON_SERVER;
		case ForeignTableRelationId:
			return ON_TABLE;
		case UserMappingRelationId:
			return ON_MAPPING;
		default:
			return 0;
	}
}

static const FdwOptionDef *
find_option(const char *name, int object)
{
	size_t		i;

	for (i = 0; i < lengthof(option_table); i++)
	{
		if ((option_table[i].objects & object) &&
			strcmp(option_table[i].name, name) == 0)
			return &option_table[i];
	}
	return NULL;
}

static void
report_unknown_option(const char *name, int object)
{
	StringInfoData valid;
	size_t		i;

	initStringInfo(&valid);
	for (i = 0; i < lengthof(option_table); i++)
	{
		if (option_table[i].objects & object)
			appendStringInfo(&valid, "%s%s", valid.len > 0 ? ", " : "",
							 option_table[i].name);
	}

	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
			 errmsg("invalid option \"%s\"", name),
			 valid.len > 0
			 ? errhint("Valid options in this context are: %s.", valid.data)
			 : errhint("There are no valid options in this context.")));
}

static void
report_invalid_value(const FdwOptionDef *def, const char *value,
					 const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for option \"%s\": \"%s\"", def->name, value),
			 errhint("%s", hint)));
}

/*
 * Whether value is written as decimal digits, with a fraction when
 * fraction_ok: no sign, no blanks, no hex, no exponent, no "inf".  strtol
 * and strtod would take " 8" and "0x10" but refuse "8 ", so every number
 * is checked by this one rule first.
 */
static bool
plain_decimal(const char *value, bool fraction_ok)
{
	const char *c = value;

	while (*c >= '0' && *c <= '9')
		c++;
	if (c == value)
		return false;
	if (*c == '.' && fraction_ok)
	{
		const char *digits = ++c;

		while (*c >= '0' && *c <= '9')
			c++;
		if (c == digits)
			return false;
	}
	return *c == '\0';
}

static int
parse_int(const FdwOptionDef *def, const char *value)
{
	char	   *end;
	long		parsed;

	errno = 0;
	parsed = strtol(value, &end, 10);
	if (!plain_decimal(value, false) || errno != 0 ||
		parsed < def->min || parsed > def->max)
		report_invalid_value(def, value,
							 psprintf("Valid values are integers from %d to %d.",
									  def->min, def->max));
	return (int) parsed;
}

/*
 * A positive decimal number of requests per second.  Below a thousandth
 * (a request every quarter of an hour) is surely a mistake, and so is more
 * than a million.
 */
static double
parse_rate(const FdwOptionDef *def, const char *value)
{
	char	   *end;
	double		parsed;

	errno = 0;
	parsed = strtod(value, &end);
	if (!plain_decimal(value, true) || errno != 0 ||
		!(parsed >= 0.001 && parsed <= 1000000))
		report_invalid_value(def, value,
							 "Valid values are numbers of requests per second from 0.001 to 1000000.");
	return parsed;
}

/* Whether value matches ^[a-z]{2,}(-[a-z]+)+-[0-9]+$, as "us-gov-west-1". */
static bool
region_shaped(const char *value)
{
	const char *c = value;
	int			groups = 0;

	while (*c >= 'a' && *c <= 'z')
		c++;
	if (c - value < 2)
		return false;
	for (;;)
	{
		const char *start;

		if (*c++ != '-')
			return false;
		start = c;
		if (*c >= '0' && *c <= '9')
		{
			while (*c >= '0' && *c <= '9')
				c++;
			return groups > 0 && *c == '\0';
		}
		while (*c >= 'a' && *c <= 'z')
			c++;
		if (c == start)
			return false;
		groups++;
	}
}

static void
check_region(const FdwOptionDef *def, const char *value)
{
	if (!region_shaped(value))
		report_invalid_value(def, value, "A region looks like \"us-east-1\".");
}

/* Whether value is min..max characters, each alphanumeric or in extra. */
static bool
chars_in(const char *value, size_t min, size_t max, const char *extra)
{
	size_t		len = strlen(value);
	const char *c;

	if (len < min || len > max)
		return false;
	for (c = value; *c; c++)
	{
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			  (*c >= '0' && *c <= '9') || strchr(extra, *c) != NULL))
			return false;
	}
	return true;
}

/* arn:<partition>:iam::<12 digits>:role/<path/name> */
static void
check_role_arn(const FdwOptionDef *def, const char *value)
{
	const char *p = value;
	const char *role;
	int			digits = 0;

	if (strncmp(p, "arn:aws", 7) == 0)
	{
		p += 7;
		while ((*p >= 'a' && *p <= 'z') || *p == '-')
			p++;
		if (strncmp(p, ":iam::", 6) == 0)
		{
			p += 6;
			while (p[digits] >= '0' && p[digits] <= '9')
				digits++;
			p += digits;
		}
	}
	role = digits == 12 && strncmp(p, ":role/", 6) == 0 ? p + 6 : NULL;
	if (role == NULL || !chars_in(role, 1, 512, "_+=,.@/-"))
		report_invalid_value(def, value,
							 "A role ARN looks like \"arn:aws:iam::123456789012:role/AthenaMonitor\".");
}

/* With the client's own parser, so what is accepted here can be used. */
static void
check_url(const FdwOptionDef *def, const char *value)
{
	Endpoint	parsed;
	char		reason[256];

	if (!endpoint_parse(value, &parsed, reason, sizeof(reason)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\": %s", def->name, reason),
				 errdetail("The value is \"%s\".", value),
				 errhint("The endpoint is a base URL such as \"https://athena.us-east-1.amazonaws.com\".")));
	endpoint_free(&parsed);
}

/*
 * Stores value in def's field of *options, parsing numbers and booleans.
 * When validating, text kinds are checked too (the catalog holds values
 * checked already).  A control character is refused always, also in a
 * value an older version let into the catalog: it would become part of a
 * request (safe_value.h).  A secret is never formatted into a message.
 */
static void
set_option(FdwOptions *options, const FdwOptionDef *def, const char *value,
		   bool validating)
{
	char	   *field = (char *) options + def->field;
	bool		flag;

	if (!aws_cstring_is_clean(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\"", def->name),
				 errdetail("The value holds a control character (CR, LF, NUL, another character below 0x20, or DEL)."),
				 errhint("A value that becomes part of an HTTP request cannot hold control characters.")));

	switch (def->kind)
	{
		case KIND_INT:
			*(int *) field = parse_int(def, value);
			return;
		case KIND_RATE:
			*(double *) field = parse_rate(def, value);
			return;
		case KIND_BOOL:
			if (!parse_bool(value, &flag))
				report_invalid_value(def, value,
									 "Valid values are \"true\" and \"false\".");
			*(bool *) field = flag;
			return;
		case KIND_TRISTATE:
			if (!parse_bool(value, &flag))
				report_invalid_value(def, value,
									 "Valid values are \"true\" and \"false\".");
			*(int *) field = flag ? FDW_TRUE : FDW_FALSE;
			return;
		case KIND_REGION:
			if (validating)
				check_region(def, value);
			break;
		case KIND_URL:
			if (validating)
				check_url(def, value);
			break;
		case KIND_ROLE_ARN:
			if (validating)
				check_role_arn(def, value);
			break;
		case KIND_SESSION_NAME:
			if (validating && !chars_in(value, 2, 64, "_+=,.@-"))
				report_invalid_value(def, value,
									 "A role session name has 2 to 64 letters, digits and characters _+=,.@- only.");
			break;
		case KIND_EXTERNAL_ID:
			if (validating && !chars_in(value, 2, 1224, "_+=,.@:/-"))
				report_invalid_value(def, value,
									 "An external id has 2 to 1224 letters, digits and characters _+=,.@:/- only.");
			break;
		case KIND_TABLE_NAME:
			if (validating && fdw_find_table(value) == NULL)
				report_invalid_value(def, value,
									 psprintf("Valid values are %s.",
											  fdw_table_names()));
			break;
		case KIND_TEXT:
		case KIND_SECRET:
			break;
	}
	*(char **) field = pstrdup(value);
}

/*
 * Folds a list of DefElem options of one object into *options.  Unknown
 * names are an error when validating; in the catalog they can only come
 * from an older version and are ignored.
 */
static void
fold_options(FdwOptions *options, List *list, int object, bool validating)
{
	ListCell   *lc;

	foreach(lc, list)
	{
		DefElem    *opt = (DefElem *) lfirst(lc);
		const FdwOptionDef *def = find_option(opt->defname, object);

		if (def == NULL)
		{
			if (validating)
				report_unknown_option(opt->defname, object);
			continue;
		}
		if (validating && def->superuser_only && !superuser())
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied to set option \"%s\"", def->name),
					 errhint("Only superusers may set this option.")));
		set_option(options, def, defGetString(opt), validating);
	}
}

static void
set_defaults(FdwOptions *options)
{
	size_t		i;

	memset(options, 0, sizeof(*options));
	for (i = 0; i < lengthof(option_table); i++)
	{
		if (option_table[i].default_value != NULL)
			set_option(options, &option_table[i], option_table[i].default_value,
					   false);
	}
}

/*
 * Validates the options of one catalog object.  ALTER passes the complete
 * new list, so rules about several options of one object (keys come in
 * pairs) are checked here too.
 */
Datum
athena_fdw_validator(PG_FUNCTION_ARGS)
{
	List	   *list = untransformRelOptions(PG_GETARG_DATUM(0));
	int			object = object_of_catalog(PG_GETARG_OID(1));
	FdwOptions	options;

	memset(&options, 0, sizeof(options));
	fold_options(&options, list, object, true);

	if ((options.aws_access_key_id != NULL) !=
		(options.aws_secret_access_key != NULL))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"aws_access_key_id\" and \"aws_secret_access_key\" must be given together")));
	if (options.aws_session_token != NULL && options.aws_access_key_id == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"aws_session_token\" requires \"aws_access_key_id\" and \"aws_secret_access_key\"")));
	if ((options.external_id != NULL || options.role_session_name != NULL ||
		 options.role_duration_seconds != 0) && options.role_arn == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"external_id\", \"role_session_name\" and \"role_duration_seconds\" require \"role_arn\"")));
	if (options.endpoint != NULL && !superuser() &&
		!aws_endpoint_allowed_for_untrusted(options.endpoint))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to set option \"endpoint\" to \"%s\"",
						options.endpoint),
				 errdetail("Only superusers may point a server at a host other than an AWS domain or loopback, or use plain http to a host other than loopback."),
				 errhint("Use https://athena.<region>.amazonaws.com, or ask a superuser.")));

	PG_RETURN_VOID();
}

/*
 * The options that hold for a scan: the defaults, overridden by the
 * server's, then the table's, then the user mapping's.  table and user may
 * be NULL (planning needs no credentials).  Region and endpoint may stay
 * NULL: a missing region is only an error once a scan runs
 * (fdw_resolve_endpoint).
 */
void
fdw_get_options(ForeignServer *server, ForeignTable *table, UserMapping *user,
				FdwOptions *options)
{
	set_defaults(options);
	fold_options(options, server->options, ON_SERVER, false);
	if (table != NULL)
		fold_options(options, table->options, ON_TABLE, false);
	if (user != NULL)
		fold_options(options, user->options, ON_MAPPING, false);
}

/* The profile a scan reads settings from: as the credential chain picks it. */
static const char *
profile_name(const FdwOptions *options)
{
	const char *names[] = {"AWS_DEFAULT_PROFILE", "AWS_PROFILE"};
	size_t		i;

	if (options->aws_profile != NULL)
		return options->aws_profile;
	for (i = 0; i < lengthof(names); i++)
	{
		const char *v = getenv(names[i]);

		if (v != NULL && *v != '\0')
			return v;
	}
	return "default";
}

/* The AWS config files; a malformed one is an ERROR, as for the AWS CLI. */
static AwsConfig *
load_files(ForeignServer *server)
{
	char		errbuf[512];
	AwsConfig  *files = aws_config_load(errbuf, sizeof(errbuf));

	if (files == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("could not read the AWS configuration files for server \"%s\"",
						server->servername),
				 errdetail("%s", errbuf)));
	return files;
}

/* A value of the files, palloc'd (NULL when absent); the files are freed. */
static char *
take(AwsConfig *files, const char *value)
{
	char	   *copy = value ? strdup(value) : NULL;
	char	   *result = NULL;

	aws_config_free(files);
	if (value != NULL && copy == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	if (copy != NULL)
	{
		result = pstrdup(copy);
		free(copy);
	}
	return result;
}

/* A setting of the scan's profile in the AWS config files (palloc'd). */
static char *
profile_setting(ForeignServer *server, const FdwOptions *options,
				const char *key, const char *subkey)
{
	AwsConfig  *files = load_files(server);

	return take(files, aws_config_get(files, profile_name(options), key, subkey));
}

static char *
default_region(ForeignServer *server, const FdwOptions *options)
{
	const char *env = getenv("AWS_REGION");
	const char *where = "AWS_REGION or AWS_DEFAULT_REGION";

	if (env == NULL || *env == '\0')
		env = getenv("AWS_DEFAULT_REGION");
	if (env == NULL || *env == '\0')
	{
		env = profile_setting(server, options, "region", NULL);
		where = "the region of the AWS profile";
	}
	if (env == NULL || *env == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("no AWS region for server \"%s\"", server->servername),
				 errhint("Set the server option \"region\", AWS_REGION in the environment of the PostgreSQL server, or region in its AWS config file.")));
	/* it becomes part of the host name and of every signature */
	if (!region_shaped(env))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid AWS region in the environment of the PostgreSQL server for server \"%s\"",
						server->servername),
				 aws_cstring_is_clean(env)
				 ? errdetail("%s is \"%s\".", where, env)
				 : errdetail("%s holds a control character.", where),
				 errhint("A region looks like \"us-east-1\"; or set the server option \"region\".")));
	return pstrdup(env);
}

static bool
env_true(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && pg_strcasecmp(v, "true") == 0;
}

/*
 * A boolean setting: the server option, else the environment variable,
 * else the profile's key (botocore's ensure_boolean: only "true" is true).
 */
static bool
flag_setting(ForeignServer *server, const FdwOptions *options, int option,
			 const char *variable, const char *key)
{
	char	   *v;

	if (option != FDW_UNSET)
		return option == FDW_TRUE;
	if (getenv(variable) != NULL && *getenv(variable) != '\0')
		return env_true(variable);
	v = profile_setting(server, options, key, NULL);
	return v != NULL && pg_strcasecmp(v, "true") == 0;
}

/*
 * The endpoint URL configured outside the server's options, in the SDKs'
 * order: AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's
 * services section, the profile's endpoint_url; none when
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS or ignore_configured_endpoint_urls
 * is true.  where says which, for messages.
 */
static char *
configured_endpoint(ForeignServer *server, const FdwOptions *options,
					const char *service, const char **where)
{
	char		variable[64];
	const char *v;
	AwsConfig  *files;
	const char *profile = profile_name(options);
	const char *services;
	const char *ignore;

	snprintf(variable, sizeof(variable), "AWS_ENDPOINT_URL_%s", service);
	for (v = variable + strlen("AWS_ENDPOINT_URL_"); *v; v++)
		*(char *) v = pg_toupper((unsigned char) *v);
	files = load_files(server);
	ignore = getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	if (ignore == NULL || *ignore == '\0')
		ignore = aws_config_get(files, profile, "ignore_configured_endpoint_urls", NULL);
	if (ignore != NULL && pg_strcasecmp(ignore, "true") == 0)
		return take(files, NULL);
	if ((v = getenv(variable)) != NULL && *v != '\0')
	{
		*where = pstrdup(variable);
		return take(files, v);
	}
	if ((v = getenv("AWS_ENDPOINT_URL")) != NULL && *v != '\0')
	{
		*where = "AWS_ENDPOINT_URL";
		return take(files, v);
	}
	services = aws_config_get(files, profile, "services", NULL);
	if (services != NULL &&
		(v = aws_config_section_get(files, AWS_SECTION_SERVICES, services,
									service, "endpoint_url")) != NULL)
	{
		*where = psprintf("the services section \"%s\" of the AWS config file", services);
		return take(files, v);
	}
	if ((v = aws_config_get(files, profile, "endpoint_url", NULL)) != NULL)
	{
		*where = psprintf("endpoint_url of AWS profile \"%s\"", profile);
		return take(files, v);
	}
	return take(files, NULL);
}

/*
 * A service's endpoint: the server option (given), else one configured in
 * the environment or profile, else the endpoint rules for the region with
 * FIPS and dual-stack as asked.  As in the rules, FIPS or dual-stack with a
 * custom endpoint is an error.
 */
static char *
service_endpoint(ForeignServer *server, const FdwOptions *options,
				 const char *service, const char *option_name,
				 char *given)
{
	bool		fips = flag_setting(server, options, options->use_fips_endpoint,
									"AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint");
	bool		dualstack = flag_setting(server, options,
										 options->use_dualstack_endpoint,
										 "AWS_USE_DUALSTACK_ENDPOINT",
										 "use_dualstack_endpoint");
	const char *where = option_name;
	char	   *url = given;
	char		errbuf[256];
	char	   *generated;
	Endpoint	parsed;

	if (url == NULL)
		url = configured_endpoint(server, options, service, &where);
	if (url != NULL)
	{
		if (fips || dualstack)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("%s and a custom endpoint cannot be used together for server \"%s\"",
							fips ? "FIPS" : "DualStack", server->servername),
					 errdetail("The %s endpoint comes from %s.", service, where),
					 errhint("Drop the custom endpoint, or set \"%s\" to false.",
							 fips ? "use_fips_endpoint" : "use_dualstack_endpoint")));
		if (url != given && !endpoint_parse(url, &parsed, errbuf, sizeof(errbuf)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid %s endpoint for server \"%s\": %s", service,
							server->servername, errbuf),
					 errdetail("It comes from %s.", where)));
		if (url != given)
			endpoint_free(&parsed);
		elog(DEBUG1, "athena_fdw: server \"%s\": the %s endpoint is %s, from %s",
			 server->servername, service, url, where);
		return url;
	}
	generated = aws_endpoint_url(service, options->region, fips, dualstack,
								 errbuf, sizeof(errbuf));
	if (generated == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("no %s endpoint for server \"%s\" in region \"%s\"",
						service, server->servername, options->region),
				 errdetail("%s.", errbuf)));
	url = pstrdup(generated);
	free(generated);
	elog(DEBUG1, "athena_fdw: server \"%s\": the %s endpoint is %s, from the endpoint rules of region %s%s%s",
		 server->servername, service, url, options->region,
		 fips ? " with FIPS" : "", dualstack ? " with dual-stack" : "");
	return url;
}

/* Fills in the region and endpoint defaults for a scan about to run. */
void
fdw_resolve_endpoint(ForeignServer *server, FdwOptions *options)
{
	if (options->region == NULL)
		options->region = default_region(server, options);
	options->endpoint = service_endpoint(server, options, "athena",
										 "the server option \"endpoint\"",
										 options->endpoint);
}

/* STS's address, by the same rules (the option is sts_endpoint). */
char *
fdw_sts_endpoint(ForeignServer *server, const FdwOptions *options)
{
	return service_endpoint(server, options, "sts",
							"the server option \"sts_endpoint\"",
							options->sts_endpoint);
}
