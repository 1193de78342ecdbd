/*
 * credentials.c
 *		The AWS credentials a scan signs with, and who may use which.
 *
 * In order: the keys of the user mapping; otherwise, only for a superuser
 * on a server a superuser owns, or a mapping a superuser gave
 * ambient_credentials, the credential chain of the server process
 * (src/aws/aws_credentials.c).  Then, with role_arn,
 * STS AssumeRole on top.  A non-superuser without keys gets an ERROR before
 * any request is made: the server's own identity (its instance role, its
 * files, its environment) is never lent to a role that a superuser did not
 * trust with it, as postgres_fdw's password_required rule does for local
 * authentication.
 *
 * Temporary credentials are cached per backend, keyed by user mapping and
 * user, and renewed as aws_credentials_renewal says: from 15 minutes before
 * they expire (the advisory window: a failed renewal keeps the old ones,
 * with a LOG line), and no later than 10 minutes before (mandatory: a
 * failure is the ERROR).  ALTER or DROP of the server or the mapping drops
 * the entry (syscache invalidation).  Secrets are never
 * formatted into any message, and every copy made here is wiped when freed.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "athena_fdw.h"
#include "aws_credentials.h"

#define STS_TIMEOUT_MS			10000
#define STS_MAX_RETRIES			2

typedef struct CredentialKey
{
	Oid			umid;			/* user mapping (PUBLIC ones are shared) */
	Oid			userid;			/* so a PUBLIC mapping's users differ */
} CredentialKey;

typedef struct CredentialEntry
{
	CredentialKey key;
	AwsCredentials credentials; /* malloc'd; wiped when dropped */
	time_t		advisory_at;	/* aws_credentials_renewal's times */
	time_t		mandatory_at;
	FdwCatalogDeps deps;		/* its server and user mapping */
} CredentialEntry;

static HTAB *credential_cache = NULL;

static void
drop_entry(CredentialEntry *entry)
{
	aws_credentials_clear(&entry->credentials);
	hash_search(credential_cache, &entry->key, HASH_REMOVE, NULL);
}

/* ALTER/DROP SERVER or USER MAPPING: forget what they led to. */
static void
invalidate_credentials(Datum arg, int cacheid, uint32 hashvalue)
{
	HASH_SEQ_STATUS scan;
	CredentialEntry *entry;

	hash_seq_init(&scan, credential_cache);
	while ((entry = (CredentialEntry *) hash_seq_search(&scan)) != NULL)
	{
		/* removing the current entry during a seq scan is allowed */
		if (fdw_catalog_deps_hit(&entry->deps, cacheid, hashvalue))
			drop_entry(entry);
	}
}

static void
init_credential_cache(void)
{
	credential_cache = fdw_catalog_cache_create("athena_fdw credentials",
												sizeof(CredentialKey),
												sizeof(CredentialEntry),
												invalidate_credentials);
}

bool
fdw_credentials_expiring(const AthenaCredentials *credentials)
{
	return credentials->renew_at != 0 && time(NULL) >= credentials->renew_at;
}

/* The core polls this while a request waits; it must not throw. */
static bool
interrupt_pending(void *arg)
{
	return INTERRUPTS_PENDING_CONDITION();
}

/* Wipes the palloc'd copies handed to a scan when its memory goes. */
static void
wipe_copies(void *arg)
{
	AthenaCredentials *c = (AthenaCredentials *) arg;

	if (c->secret_access_key != NULL)
		explicit_bzero((char *) c->secret_access_key,
					   strlen(c->secret_access_key));
	if (c->session_token != NULL)
		explicit_bzero((char *) c->session_token, strlen(c->session_token));
}

/*
 * Copies into CurrentMemoryContext, wiped when that context is reset; the
 * copy is to be read anew from renew_at (0: never).
 */
static void
hand_out(const AwsCredentials *from, time_t renew_at, AthenaCredentials *to)
{
	MemoryContextCallback *callback;

	to->access_key_id = pstrdup(from->access_key_id);
	to->secret_access_key = pstrdup(from->secret_access_key);
	to->session_token = from->session_token ? pstrdup(from->session_token)
		: NULL;
	to->renew_at = renew_at;
	callback = palloc0(sizeof(MemoryContextCallback));
	callback->func = wipe_copies;
	callback->arg = to;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, callback);
}

/* "athena_fdw-<user>", in the characters STS allows, at most 64. */
static char *
default_session_name(Oid userid)
{
	char	   *name = psprintf("athena_fdw-%s", GetUserNameFromId(userid, false));
	char	   *c;

	for (c = name; *c; c++)
	{
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			  (*c >= '0' && *c <= '9') || strchr("_+=,.@-", *c) != NULL))
			*c = '_';
	}
	if (strlen(name) > 64)
		name[64] = '\0';
	return name;
}

/*
 * Raises the ERROR for a failed credential source.  The core's strings are
 * malloc'd: copied and freed before ereport jumps away.
 */
static void
report_credential_error(ForeignServer *server, AwsCredentialError *err)
{
	const char *source = err->source ? err->source : "the credential chain";

	if (err->has_aws_error)
	{
		char	   *type = pstrdup(err->aws.type);
		char	   *message = pstrdup(err->aws.message);
		char	   *request_id = err->aws.request_id
		? pstrdup(err->aws.request_id) : NULL;
		int			http_status = err->aws.http_status;
		int			attempts = err->attempts;
		const char *hint = err->hint;

		aws_credential_error_free(err);
		ereport(ERROR,
				(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
				 errmsg("%s failed for server \"%s\": %s: %s", source,
						server->servername, type, message),
				 errdetail_plural("HTTP status %d, x-amzn-RequestId %s, %d attempt.",
								  "HTTP status %d, x-amzn-RequestId %s, %d attempts.",
								  attempts, http_status,
								  request_id ? request_id : "(none)", attempts),
				 hint ? errhint("%s", hint) : 0));
	}
	ereport(ERROR,
			(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
			 errmsg("could not get AWS credentials for server \"%s\" from %s",
					server->servername, source),
			 errdetail("%s", err->text),
			 err->hint ? errhint("%s", err->hint) : 0));
}

/*
 * The base credentials: the server process's chain.  Returns them malloc'd
 * in *out, or raises the ERROR saying what to configure.
 */
static void
resolve_chain(ForeignServer *server, const FdwOptions *options,
			  HttpClient *client, const HttpOptions *http, AwsCredentials *out)
{
	AwsChainConfig config;
	AwsCredentialSource source;
	AwsCredentialError err;
	AwsChainResult result;

	memset(&config, 0, sizeof(config));
	config.profile = options->aws_profile;
	config.http = *http;
	config.sts.endpoint = fdw_sts_endpoint(server, options);
	config.sts.region = options->region;
	config.sts.http = *http;
	/* a credential_process is one request: it gets a request's time */
	config.process_timeout_ms = options->request_timeout_ms;

	for (;;)
	{
		result = aws_chain_resolve(client, &config, interrupt_pending, NULL,
								   out, &source, &err);
		if (!err.interrupted)
			break;
		/* throws for a cancel; other interrupts just resume the work */
		CHECK_FOR_INTERRUPTS();
	}

	if (result == AWS_CHAIN_FAILED)
		report_credential_error(server, &err);
	if (result == AWS_CHAIN_NOTHING)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
				 errmsg("no AWS credentials for server \"%s\"",
						server->servername),
				 err.text[0] != '\0'
				 ? errdetail("The user mapping has no keys, and the credential chain of the PostgreSQL server found none (%s: %s).",
							 err.source, err.text)
				 : errdetail("The user mapping has no keys, and the credential chain of the PostgreSQL server found none."),
				 errhint("Set \"aws_access_key_id\" and \"aws_secret_access_key\" in the user mapping, or give the PostgreSQL server AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN, a profile in its AWS config or credentials file, container credentials or an EC2 instance profile.")));
	elog(DEBUG1, "athena_fdw: server \"%s\" uses AWS credentials from the %s",
		 server->servername, aws_credential_source_name(source));
}

static void
assume_role(ForeignServer *server, UserMapping *user,
			const FdwOptions *options, HttpClient *client,
			const HttpOptions *http, const AwsCredentials *base,
			AwsCredentials *out)
{
	StsConfig	config;
	StsAssumeRoleParams params;
	AwsCredentialError err;
	bool		ok;

	memset(&config, 0, sizeof(config));
	config.endpoint = fdw_sts_endpoint(server, options);
	config.region = options->region;
	config.http = *http;
	params.role_arn = options->role_arn;
	params.role_session_name = options->role_session_name
		? options->role_session_name : default_session_name(user->userid);
	params.external_id = options->external_id;
	params.duration_seconds = options->role_duration_seconds;

	for (;;)
	{
		memset(&err, 0, sizeof(err));
		ok = sts_assume_role(client, &config, base, &params, interrupt_pending,
							 NULL, out, &err);
		if (!err.interrupted)
			break;
		CHECK_FOR_INTERRUPTS();
	}
	if (!ok)
		report_credential_error(server, &err);
	elog(DEBUG1, "athena_fdw: server \"%s\" assumed role \"%s\" as session \"%s\"",
		 server->servername, params.role_arn, params.role_session_name);
}

/*
 * The server process's own identity (its environment, files, instance or
 * task role) is used only where a superuser chose to: for a superuser on a
 * server a superuser owns, or through a mapping a superuser gave
 * ambient_credentials.  A superuser's query on a server someone else owns
 * must not send that identity to the endpoint the owner picked, as
 * postgres_fdw keeps a superuser's authentication off a non-superuser's
 * server.
 */
static void
check_ambient_allowed(ForeignServer *server, UserMapping *user,
					  const FdwOptions *options)
{
	if (options->ambient_credentials)
		return;
	if (!superuser_arg(user->userid))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
				 errmsg("no AWS credentials for server \"%s\"",
						server->servername),
				 errdetail("Only superusers, and user mappings a superuser gave \"ambient_credentials\", may use the AWS credentials of the PostgreSQL server."),
				 errhint("Set \"aws_access_key_id\" and \"aws_secret_access_key\" in the user mapping for this user.")));
	if (!superuser_arg(server->owner))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
				 errmsg("no AWS credentials for server \"%s\"",
						server->servername),
				 errdetail("The server is owned by \"%s\", who is not a superuser, and the user mapping has no keys.",
						   GetUserNameFromId(server->owner, false)),
				 errhint("The AWS credentials of the PostgreSQL server are used only on servers a superuser owns, so that they never go to an endpoint another role chose. Set keys in the user mapping, or, to lend the server's identity anyway, give the mapping \"ambient_credentials\".")));
}

/*
 * Fetches credentials (the chain or the mapping's keys, then AssumeRole if
 * asked) into *result, malloc'd; an ERROR leaks nothing.
 */
static void
fetch_credentials(ForeignServer *server, UserMapping *user,
				  const FdwOptions *options, HttpClient *client,
				  bool has_keys, AwsCredentials *result)
{
	AwsCredentials base;
	HttpOptions http;

	memset(&http, 0, sizeof(http));
	http.max_concurrency = 1;
	http.connect_timeout_ms = Min(options->connect_timeout_ms, STS_TIMEOUT_MS);
	http.request_timeout_ms = Min(options->request_timeout_ms, STS_TIMEOUT_MS);
	http.max_retries = Min(options->max_retries, STS_MAX_RETRIES);
	http.user_agent = ATHENA_USER_AGENT;
	http.ca_file = options->ca_file;

	/* base is wiped and freed whatever happens; result too on an ERROR */
	memset(&base, 0, sizeof(base));
	memset(result, 0, sizeof(*result));
	PG_TRY();
	{
		if (has_keys)
		{
			/* the options were checked clean when read: only memory fails */
			if (aws_credentials_set(&base, options->aws_access_key_id,
									options->aws_secret_access_key,
									options->aws_session_token, 0) != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_OUT_OF_MEMORY),
						 errmsg("out of memory")));
		}
		else
			resolve_chain(server, options, client, &http, &base);

		if (options->role_arn != NULL)
			assume_role(server, user, options, client, &http, &base, result);
		else
		{
			*result = base;
			memset(&base, 0, sizeof(base));
		}
	}
	PG_CATCH();
	{
		aws_credentials_clear(&base);
		aws_credentials_clear(result);
		PG_RE_THROW();
	}
	PG_END_TRY();
	aws_credentials_clear(&base);
}

/*
 * In the advisory window, renewing may fail without harm: the cached
 * credentials still have more than 10 minutes.  A cancel still cancels.
 * Returns whether *result was fetched.
 */
static bool
fetch_in_advisory_window(ForeignServer *server, UserMapping *user,
						 const FdwOptions *options, HttpClient *client,
						 bool has_keys, AwsCredentials *result)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile bool fetched = false;

	PG_TRY();
	{
		fetch_credentials(server, user, options, client, has_keys, result);
		fetched = true;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED ||
			edata->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN)
			PG_RE_THROW();
		FlushErrorState();
		ereport(LOG,
				(errmsg("athena_fdw could not renew the AWS credentials of server \"%s\" before they expire, and keeps using them: %s",
						server->servername, edata->message)));
		FreeErrorData(edata);
	}
	PG_END_TRY();
	return fetched;
}

/* Keeps credentials that expire in the cache, and hands out a copy. */
static void
cache_and_hand_out(ForeignServer *server, UserMapping *user,
				   const CredentialKey *key, AwsCredentials *result,
				   AthenaCredentials *credentials)
{
	CredentialEntry *entry;
	bool		found;

	/* only what expires is worth keeping: files and env are read anew */
	if (result->expiration == 0)
	{
		PG_TRY();
		{
			hand_out(result, 0, credentials);
		}
		PG_FINALLY();
		{
			aws_credentials_clear(result);
		}
		PG_END_TRY();
		return;
	}
	entry = hash_search(credential_cache, key, HASH_ENTER, &found);
	if (found)
		aws_credentials_clear(&entry->credentials);
	entry->credentials = *result;
	memset(result, 0, sizeof(*result));
	aws_credentials_renewal(entry->credentials.expiration, time(NULL),
							&entry->advisory_at, &entry->mandatory_at);
	fdw_catalog_deps_set(&entry->deps, server->serverid, user->umid);
	hand_out(&entry->credentials, entry->advisory_at, credentials);
}

/*
 * The credentials of a scan.  renew: the ones handed out before were
 * refused as expired, so the cache is not asked; returns false when there
 * is nothing to renew (the mapping's own long-term keys).
 */
static bool
get_credentials(ForeignServer *server, UserMapping *user,
				const FdwOptions *options, HttpClient *client,
				bool renew, AthenaCredentials *credentials)
{
	bool		has_keys = options->aws_access_key_id != NULL &&
	options->aws_secret_access_key != NULL;
	CredentialKey key;
	CredentialEntry *entry;
	AwsCredentials result;

	memset(credentials, 0, sizeof(*credentials));

	/* the rule comes first: no request at all with the server's identity */
	if (!has_keys)
		check_ambient_allowed(server, user, options);

	if (has_keys && options->role_arn == NULL)
	{
		if (renew)
			return false;
		credentials->access_key_id = options->aws_access_key_id;
		credentials->secret_access_key = options->aws_secret_access_key;
		credentials->session_token = options->aws_session_token;
		return true;
	}

	if (credential_cache == NULL)
		init_credential_cache();
	memset(&key, 0, sizeof(key));
	key.umid = user->umid;
	key.userid = user->userid;
	entry = hash_search(credential_cache, &key, HASH_FIND, NULL);
	if (entry != NULL && renew)
	{
		drop_entry(entry);
		entry = NULL;
	}
	if (entry != NULL && time(NULL) < entry->advisory_at)
	{
		hand_out(&entry->credentials, entry->advisory_at, credentials);
		return true;
	}
	if (entry != NULL && time(NULL) < entry->mandatory_at)
	{
		/* kept: asked again only once the mandatory window opens */
		if (!fetch_in_advisory_window(server, user, options, client, has_keys,
									  &result))
		{
			hand_out(&entry->credentials, entry->mandatory_at, credentials);
			return true;
		}
	}
	else
		fetch_credentials(server, user, options, client, has_keys, &result);
	cache_and_hand_out(server, user, &key, &result, credentials);
	return true;
}

void
fdw_get_credentials(ForeignServer *server, UserMapping *user,
					const FdwOptions *options, HttpClient *client,
					AthenaCredentials *credentials)
{
	(void) get_credentials(server, user, options, client, false, credentials);
}

bool
fdw_renew_credentials(ForeignServer *server, UserMapping *user,
					  const FdwOptions *options, HttpClient *client,
					  AthenaCredentials *credentials)
{
	return get_credentials(server, user, options, client, true, credentials);
}
