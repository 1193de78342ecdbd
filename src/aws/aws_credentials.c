/*
 * aws_credentials.c
 *		The AWS credential chain of the server process, as a table of steps
 *		in botocore's order: environment keys, a role profile (role_arn with
 *		source_profile or credential_source), web identity, SSO, the shared
 *		credentials file, credential_process, the config file's keys,
 *		container credentials, EC2 instance metadata (IMDSv2 only).
 *
 * Pure C, no PostgreSQL headers.  Each network call is one request through
 * the HTTP engine; the caller's stop callback is polled while it waits,
 * and a stop unwinds inside this file (the engine allows its interrupt
 * callback to longjmp) so that everything is freed before returning.
 */
#include "aws_credentials.h"

#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "aws_config.h"
#include "aws_endpoints.h"
#include "aws_process.h"
#include "aws_sso.h"
#include "endpoint.h"
#include "retry_policy.h"
#include "safe_value.h"

#define CONTAINER_HOST			"http://169.254.170.2"
#define IMDS_DEFAULT_ENDPOINT	"http://169.254.169.254"
#define IMDS_TOKEN_TTL_SECONDS	"21600"
#define METADATA_TIMEOUT_MS		1000
#define METADATA_MAX_BODY		(64 * 1024)
#define TOKEN_FILE_MAX			(64 * 1024)

const char *
aws_credential_source_name(AwsCredentialSource source)
{
	switch (source)
	{
		case AWS_SOURCE_NONE:
			return "none";
		case AWS_SOURCE_ENVIRONMENT:
			return "environment";
		case AWS_SOURCE_WEB_IDENTITY:
			return "web identity";
		case AWS_SOURCE_SHARED_FILE:
			return "shared credentials file";
		case AWS_SOURCE_CONTAINER:
			return "container credentials";
		case AWS_SOURCE_INSTANCE_METADATA:
			return "instance metadata";
		case AWS_SOURCE_ASSUMED_ROLE:
			return "assumed role";
		case AWS_SOURCE_PROFILE_ROLE:
			return "role profile";
		case AWS_SOURCE_SSO:
			return "SSO profile";
		case AWS_SOURCE_PROCESS:
			return "credential_process";
		case AWS_SOURCE_CONFIG_FILE:
			return "config file";
	}
	return "unknown";
}

static AwsChainResult
			chain_fail(AwsCredentialError *err, const char *source, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

static AwsChainResult
chain_fail(AwsCredentialError *err, const char *source, const char *fmt,...)
{
	va_list		ap;

	err->source = source;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	return AWS_CHAIN_FAILED;
}

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return (v != NULL && *v != '\0') ? v : NULL;
}

/* The failure for a value that would become part of a request unsafely. */
static AwsChainResult
fail_unclean(AwsCredentialError *err, const char *source, const char *what)
{
	return chain_fail(err, source, "%s holds a control character", what);
}

/* ---- files ---- */

/* Trims ASCII white space at both ends, in place; returns the start. */
static char *
trim(char *s)
{
	char	   *end;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
					   end[-1] == '\r' || end[-1] == '\n'))
		*--end = '\0';
	return s;
}

/*
 * The static keys of a profile in one file, as botocore's
 * SharedCredentialProvider and ConfigProvider take them: nothing without
 * aws_access_key_id, an error when its secret is missing.
 */
static AwsChainResult
profile_keys(const AwsConfig *files, bool credentials_file, const char *profile,
			 AwsCredentials *out, char *errbuf, size_t errlen)
{
	const char *akid = aws_config_get_in(files, credentials_file, profile,
										 "aws_access_key_id");
	const char *secret = aws_config_get_in(files, credentials_file, profile,
										   "aws_secret_access_key");
	const char *token = aws_config_get_in(files, credentials_file, profile,
										  "aws_session_token");
	const char *failure;

	if (akid == NULL)
		return AWS_CHAIN_NOTHING;
	if (*akid == '\0' || secret == NULL || *secret == '\0')
	{
		snprintf(errbuf, errlen,
				 "profile \"%s\" has no aws_access_key_id and aws_secret_access_key",
				 profile);
		return AWS_CHAIN_FAILED;
	}
	if ((failure = aws_credentials_set(out, akid, secret,
									   token && *token ? token : NULL,
									   0)) != NULL)
	{
		snprintf(errbuf, errlen, "profile \"%s\": %s", profile, failure);
		return AWS_CHAIN_FAILED;
	}
	return AWS_CHAIN_FOUND;
}

AwsChainResult
aws_shared_file_parse(const char *text, const char *profile,
					  AwsCredentials *out, char *errbuf, size_t errlen)
{
	AwsConfig  *files = aws_config_new();
	AwsChainResult result = AWS_CHAIN_FAILED;

	memset(out, 0, sizeof(*out));
	if (files == NULL)
		snprintf(errbuf, errlen, "out of memory");
	else if (aws_config_parse(files, text, "credentials", true, errbuf, errlen))
		result = profile_keys(files, true, profile, out, errbuf, errlen);
	aws_config_free(files);
	return result;
}

/* Frees a result whose body may hold a secret. */
static void
result_free(HttpResult *r)
{
	if (r != NULL && r->body != NULL)
		explicit_bzero(r->body, r->body_len);
	http_batch_result_free(r);
}

static HttpOptions
metadata_options(const AwsChainConfig *config, int max_retries)
{
	HttpOptions o = config->http;

	o.max_concurrency = 1;
	o.connect_timeout_ms = METADATA_TIMEOUT_MS;
	o.request_timeout_ms = METADATA_TIMEOUT_MS;
	o.max_retries = max_retries;
	o.max_body_bytes = METADATA_MAX_BODY;
	return o;
}

/*
 * GETs or PUTs url with the given headers.  On a 200 returns the result;
 * otherwise fills err (status or network text, never the body) and returns
 * NULL.
 */
static HttpResult *
metadata_call(HttpClient *client, const HttpOptions *options,
			  const char *method, const char *url, const char *const *headers,
			  int nheaders, AwsStopFn should_stop, void *arg,
			  const char *source, AwsCredentialError *err)
{
	HttpRequest req;
	HttpResult *r;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url;
	req.headers = headers;
	req.nheaders = nheaders;
	req.body = "";
	req.operation = source;		/* counted as "instance metadata", ... */
	r = aws_http_fetch(client, options, &req, NULL, should_stop, arg,
					   &err->interrupted);
	err->source = source;
	if (r == NULL)
	{
		snprintf(err->text, sizeof(err->text), "%s",
				 err->interrupted ? "interrupted" : "out of memory");
		return NULL;
	}
	err->attempts = r->attempts;
	if (r->outcome == HTTP_RESPONSE && r->http_status == 200)
		return r;
	if (r->outcome == HTTP_RESPONSE)
		snprintf(err->text, sizeof(err->text), "%s %s answered HTTP status %ld",
				 method, url, r->http_status);
	else
		snprintf(err->text, sizeof(err->text), "%s %s failed: %s", method, url,
				 r->outcome == HTTP_BODY_TOO_LARGE ? "response too large"
				 : r->error_text);
	result_free(r);
	return NULL;
}

static bool
json_string(json_object *obj, const char *name, const char **out)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, name, &v) ||
		!json_object_is_type(v, json_type_string) ||
		json_object_get_string_len(v) == 0)
		return false;
	*out = json_object_get_string(v);
	return strlen(*out) == (size_t) json_object_get_string_len(v);
}

bool
aws_metadata_credentials_parse(const char *body, size_t len,
							   AwsCredentials *out, char *errbuf, size_t errlen)
{
	json_tokener *tok = json_tokener_new();
	json_object *root = NULL;
	const char *akid;
	const char *secret;
	const char *token;
	const char *expiration;
	const char *code;
	const char *failure;
	time_t		expires;
	bool		ok = false;

	memset(out, 0, sizeof(*out));
	if (tok == NULL)
	{
		snprintf(errbuf, errlen, "out of memory");
		return false;
	}
	root = json_tokener_parse_ex(tok, body, (int) len);
	if (root == NULL || json_tokener_get_error(tok) != json_tokener_success ||
		tok->char_offset != (int) len ||
		!json_object_is_type(root, json_type_object))
		snprintf(errbuf, errlen, "response is not a JSON object");
	else if (json_string(root, "Code", &code) && strcmp(code, "Success") != 0)
		snprintf(errbuf, errlen, "response says Code is not Success");
	else if (!json_string(root, "AccessKeyId", &akid) ||
			 !json_string(root, "SecretAccessKey", &secret) ||
			 !json_string(root, "Token", &token) ||
			 !json_string(root, "Expiration", &expiration))
		snprintf(errbuf, errlen,
				 "response lacks AccessKeyId, SecretAccessKey, Token or Expiration");
	else if (!aws_parse_iso8601(expiration, &expires))
		snprintf(errbuf, errlen, "response has a malformed Expiration");
	else if ((failure = aws_credentials_set(out, akid, secret, token,
											expires)) != NULL)
		snprintf(errbuf, errlen, "%s", failure);
	else
		ok = true;
	json_object_put(root);
	json_tokener_free(tok);
	return ok;
}

/* ---- the links ---- */

#define MAX_SOURCE_PROFILES		16

/* What one walk of the chain shares between its links. */
typedef struct ChainContext
{
	HttpClient *client;
	const AwsChainConfig *config;
	AwsStopFn	should_stop;
	void	   *arg;
	AwsConfig  *files;			/* the config and credentials files */
	bool		env_disabled;	/* a profile was named: no environment keys */
	AwsCredentialError *err;
	/* the profiles a role profile's source_profile chain went through */
	const char *visited[MAX_SOURCE_PROFILES];
	int			nvisited;
} ChainContext;

static AwsChainResult
from_environment(ChainContext *ctx, const char *profile, AwsCredentials *out)
{
	const char *akid = env("AWS_ACCESS_KEY_ID");
	const char *secret = env("AWS_SECRET_ACCESS_KEY");
	const char *token = env("AWS_SESSION_TOKEN");
	const char *expiration = env("AWS_CREDENTIAL_EXPIRATION");
	time_t		expires = 0;
	const char *failure;

	(void) profile;				/* the environment is no profile's */
	if (akid == NULL && secret == NULL)
		return AWS_CHAIN_NOTHING;
	if (token == NULL)
		token = env("AWS_SECURITY_TOKEN");	/* botocore's older name */
	if (akid == NULL || secret == NULL)
		return chain_fail(ctx->err, "the environment",
						  "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
	if (expiration != NULL && !aws_parse_iso8601(expiration, &expires))
		return chain_fail(ctx->err, "the environment",
						  "AWS_CREDENTIAL_EXPIRATION is not a time like \"2026-11-26T05:40:00Z\"");
	if ((failure = aws_credentials_set(out, akid, secret, token,
									   expires)) != NULL)
		return chain_fail(ctx->err, "the environment",
						  "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: %s",
						  failure);
	return AWS_CHAIN_FOUND;
}

/* A profile setting, or its environment variable first unless disabled. */
static const char *
setting(ChainContext *ctx, const char *profile, const char *key,
		const char *variable)
{
	const char *v = ctx->env_disabled ? NULL : env(variable);

	return v ? v : aws_config_get(ctx->files, profile, key, NULL);
}

/* "athena_fdw-<seconds>", as botocore's "botocore-session-<seconds>". */
static void
default_session_name(char *buf, size_t len)
{
	snprintf(buf, len, "athena_fdw-%ld", (long) time(NULL));
}

static AwsChainResult
from_web_identity(ChainContext *ctx, const char *profile, AwsCredentials *out)
{
	const char *token_file = setting(ctx, profile, "web_identity_token_file",
									 "AWS_WEB_IDENTITY_TOKEN_FILE");
	const char *role_arn = setting(ctx, profile, "role_arn", "AWS_ROLE_ARN");
	const char *session_name = setting(ctx, profile, "role_session_name",
									   "AWS_ROLE_SESSION_NAME");
	AwsCredentialError *err = ctx->err;
	char		default_name[64];
	char	   *path;
	char	   *token;
	char	   *t;
	bool		ok;

	if (token_file == NULL)
		return AWS_CHAIN_NOTHING;
	if (role_arn == NULL)
		return chain_fail(err, "web identity",
						  "a web identity token file is configured, but no role ARN (role_arn in profile \"%s\", or AWS_ROLE_ARN)",
						  profile);
	if (!aws_cstring_is_clean(role_arn))
		return fail_unclean(err, "web identity", "the role ARN");
	if (!aws_cstring_is_clean(session_name))
		return fail_unclean(err, "web identity", "the role session name");
	if ((path = aws_expand_home(token_file)) == NULL)
		return chain_fail(err, "web identity", "out of memory");
	token = aws_read_small_file(path, TOKEN_FILE_MAX);
	if (token == NULL)
	{
		chain_fail(err, "web identity",
				   "could not read the web identity token file \"%s\": %s",
				   path, strerror(errno));
		free(path);
		return AWS_CHAIN_FAILED;
	}
	t = trim(token);
	if (*t == '\0' || !aws_cstring_is_clean(t))
	{
		aws_secret_free(token);
		chain_fail(err, "web identity",
				   "the web identity token file \"%s\" %s", path,
				   *t == '\0' ? "is empty" : "holds a control character");
		free(path);
		return AWS_CHAIN_FAILED;
	}
	free(path);
	if (session_name == NULL)
	{
		default_session_name(default_name, sizeof(default_name));
		session_name = default_name;
	}
	ok = sts_assume_role_with_web_identity(ctx->client, &ctx->config->sts,
										   role_arn, session_name, t,
										   ctx->should_stop, ctx->arg,
										   out, err);
	/* t points into token: wipe the whole buffer */
	explicit_bzero(token, strlen(token) + (size_t) (t - token));
	free(token);
	return ok ? AWS_CHAIN_FOUND : AWS_CHAIN_FAILED;
}

static AwsChainResult
from_file_keys(ChainContext *ctx, const char *profile, AwsCredentials *out,
			   bool credentials_file)
{
	char		errbuf[256];
	AwsChainResult r = profile_keys(ctx->files, credentials_file, profile,
									out, errbuf, sizeof(errbuf));

	if (r == AWS_CHAIN_FAILED)
		return chain_fail(ctx->err, credentials_file
						  ? "the shared credentials file" : "the config file",
						  "\"%s\": %s",
						  aws_config_path(ctx->files, credentials_file), errbuf);
	return r;
}

static AwsChainResult
from_shared_file(ChainContext *ctx, const char *profile, AwsCredentials *out)
{
	return from_file_keys(ctx, profile, out, true);
}

static AwsChainResult
from_config_file(ChainContext *ctx, const char *profile, AwsCredentials *out)
{
	return from_file_keys(ctx, profile, out, false);
}

/* botocore's SSOProvider: sso_session, or the legacy sso_* keys */
static AwsChainResult
from_sso(ChainContext *ctx, const char *profile, AwsCredentials *out)
{
	static const char *const keys[] = {"sso_start_url", "sso_region"};
	const AwsConfig *f = ctx->files;
	AwsSsoSettings s;
	char		missing[256] = "";
	const char *values[2];
	size_t		i;

	memset(&s, 0, sizeof(s));
	s.profile = profile;
	s.account_id = aws_config_get(f, profile, "sso_account_id", NULL);
	s.role_name = aws_config_get(f, profile, "sso_role_name", NULL);
	s.session_name = aws_config_get(f, profile, "sso_session", NULL);
	if (s.account_id == NULL && s.role_name == NULL)
		return AWS_CHAIN_NOTHING;
	if (s.session_name != NULL &&
		!aws_config_has_section(f, AWS_SECTION_SSO_SESSION, s.session_name))
		return chain_fail(ctx->err, "SSO",
						  "profile \"%s\": the sso-session \"%s\" does not exist",
						  profile, s.session_name);
	for (i = 0; i < 2; i++)
	{
		const char *mine = aws_config_get(f, profile, keys[i], NULL);
		const char *session = s.session_name
		? aws_config_section_get(f, AWS_SECTION_SSO_SESSION,
								 s.session_name, keys[i], NULL)
		: NULL;

		if (mine != NULL && session != NULL && strcmp(mine, session) != 0)
			return chain_fail(ctx->err, "SSO",
							  "profile \"%s\": %s differs between the profile and sso-session \"%s\"",
							  profile, keys[i], s.session_name);
		values[i] = session ? session : mine;
	}
	s.start_url = values[0];
	s.region = values[1];
	if (s.role_name == NULL)
		strcat(missing, ", sso_role_name");
	if (s.account_id == NULL)
		strcat(missing, ", sso_account_id");
	if (s.start_url == NULL)
		strcat(missing, ", sso_start_url");
	if (s.region == NULL)
		strcat(missing, ", sso_region");
	if (missing[0] != '\0')
		return chain_fail(ctx->err, "SSO",
						  "profile \"%s\" is configured to use SSO but lacks %s",
						  profile, missing + 2);
	if (!aws_cstring_is_clean(s.role_name) || !aws_cstring_is_clean(s.account_id))
		return fail_unclean(ctx->err, "SSO", "sso_role_name or sso_account_id");
	return aws_sso_credentials(ctx->client, &ctx->config->sts.http, &s,
							   ctx->should_stop, ctx->arg, out, ctx->err)
		? AWS_CHAIN_FOUND : AWS_CHAIN_FAILED;
}

static AwsChainResult
from_process(ChainContext *ctx, const char *profile, AwsCredentials *out)
{
	const char *command = aws_config_get(ctx->files, profile,
										 "credential_process", NULL);
	int			timeout = ctx->config->process_timeout_ms > 0
	? ctx->config->process_timeout_ms : 30000;

	if (command == NULL)
		return AWS_CHAIN_NOTHING;
	return aws_process_credentials(command, timeout, ctx->should_stop,
								   ctx->arg, out, ctx->err)
		? AWS_CHAIN_FOUND : AWS_CHAIN_FAILED;
}

typedef enum UrlRule
{
	RULE_CONTAINER,				/* container credentials full URI */
	RULE_UNTRUSTED_ENDPOINT		/* an endpoint a non-superuser sets */
} UrlRule;

static bool
url_allowed(const char *url, UrlRule rule)
{
	CURLU	   *u = curl_url();
	char	   *scheme = NULL;
	char	   *host = NULL;
	bool		ok = false;

	if (u == NULL)
		return false;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
	{
		bool		https = strcmp(scheme, "https") == 0;
		bool		http = strcmp(scheme, "http") == 0;

		if (rule == RULE_CONTAINER)
			/* https anywhere; plain http to loopback and the ECS/EKS agents */
			ok = https ||
				(http && (endpoint_host_is_loopback(host) ||
						  strcmp(host, "169.254.170.2") == 0 ||
						  strcmp(host, "169.254.170.23") == 0 ||
						  strcmp(host, "[fd00:ec2::23]") == 0));
		else
			ok = (https && aws_host_in_partitions(host)) ||
				((https || http) && endpoint_host_is_loopback(host));
	}
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

bool
aws_container_uri_allowed(const char *uri)
{
	return url_allowed(uri, RULE_CONTAINER);
}

bool
aws_endpoint_allowed_for_untrusted(const char *url)
{
	return url_allowed(url, RULE_UNTRUSTED_ENDPOINT);
}

static AwsChainResult
from_container(HttpClient *client, const AwsChainConfig *config,
			   AwsStopFn should_stop, void *arg,
			   AwsCredentials *out, AwsCredentialError *err)
{
	const char *relative = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *token_file = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *token_env = env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	const char *source = "container credentials";
	char	   *url = NULL;
	char	   *token = NULL;
	char	   *auth_line = NULL;
	const char *headers[1];
	HttpOptions options = metadata_options(config, 2);
	HttpResult *r;
	char		errbuf[128];
	AwsChainResult result = AWS_CHAIN_FAILED;

	if (relative == NULL && full == NULL)
		return AWS_CHAIN_NOTHING;
	if (!aws_cstring_is_clean(relative))
		return fail_unclean(err, source, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	if (!aws_cstring_is_clean(full))
		return fail_unclean(err, source, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	if (relative != NULL)
	{
		url = malloc(strlen(CONTAINER_HOST) + strlen(relative) + 2);
		if (url != NULL)
			sprintf(url, "%s%s%s", CONTAINER_HOST,
					relative[0] == '/' ? "" : "/", relative);
	}
	else
	{
		if (!aws_container_uri_allowed(full))
			return chain_fail(err, source,
							  "AWS_CONTAINER_CREDENTIALS_FULL_URI \"%s\" is neither https nor a loopback address",
							  full);
		url = strdup(full);
	}
	if (url == NULL)
		return chain_fail(err, source, "out of memory");

	if (token_file != NULL)
	{
		token = aws_read_small_file(token_file, TOKEN_FILE_MAX);
		if (token == NULL)
		{
			chain_fail(err, source,
					   "could not read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \"%s\": %s",
					   token_file, strerror(errno));
			goto done;
		}
	}
	else if (token_env != NULL && (token = strdup(token_env)) == NULL)
	{
		chain_fail(err, source, "out of memory");
		goto done;
	}
	if (token != NULL)
	{
		char	   *t = trim(token);

		if (!aws_cstring_is_clean(t))
		{
			fail_unclean(err, source, "the authorization token");
			goto done;
		}
		auth_line = malloc(strlen(t) + 16);
		if (auth_line == NULL)
		{
			chain_fail(err, source, "out of memory");
			goto done;
		}
		sprintf(auth_line, "Authorization: %s", t);
		headers[0] = auth_line;
	}

	r = metadata_call(client, &options, "GET", url, headers,
					  auth_line ? 1 : 0, should_stop, arg, source, err);
	if (r != NULL)
	{
		if (aws_metadata_credentials_parse(r->body, r->body_len, out,
										   errbuf, sizeof(errbuf)))
			result = AWS_CHAIN_FOUND;
		else
			chain_fail(err, source, "invalid response from %s: %s", url, errbuf);
		result_free(r);
	}

done:
	aws_secret_free(auth_line);
	aws_secret_free(token);
	free(url);
	return result;
}

static AwsChainResult
from_instance_metadata(HttpClient *client, const AwsChainConfig *config,
					   AwsStopFn should_stop, void *arg,
					   AwsCredentials *out, AwsCredentialError *err)
{
	const char *disabled = env("AWS_EC2_METADATA_DISABLED");
	const char *endpoint = env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *source = "instance metadata";
	HttpOptions options = metadata_options(config, 0);
	char	   *base;
	char	   *url = NULL;
	char	   *token_line = NULL;
	char	   *role = NULL;
	const char *headers[1];
	HttpResult *r;
	size_t		blen;
	char		errbuf[128];
	AwsChainResult result = AWS_CHAIN_NOTHING;

	if (disabled != NULL && strcasecmp(disabled, "true") == 0)
		return AWS_CHAIN_NOTHING;
	if (!aws_cstring_is_clean(endpoint))
		return fail_unclean(err, source, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
	base = strdup(endpoint ? endpoint : IMDS_DEFAULT_ENDPOINT);
	if (base == NULL)
		return chain_fail(err, source, "out of memory");
	blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		base[--blen] = '\0';
	url = malloc(blen + 256);
	if (url == NULL)
	{
		result = chain_fail(err, source, "out of memory");
		goto done;
	}

	/* IMDSv2: a session token first; no answer means not on EC2 */
	sprintf(url, "%s/latest/api/token", base);
	headers[0] = "X-aws-ec2-metadata-token-ttl-seconds: " IMDS_TOKEN_TTL_SECONDS;
	r = metadata_call(client, &options, "PUT", url, headers, 1, should_stop,
					  arg, source, err);
	if (r == NULL)
		goto done;
	token_line = malloc(r->body_len + 32);
	if (token_line != NULL)
		sprintf(token_line, "X-aws-ec2-metadata-token: %s", trim(r->body));
	result_free(r);
	if (token_line == NULL)
	{
		result = chain_fail(err, source, "out of memory");
		goto done;
	}
	if (!aws_cstring_is_clean(token_line))
	{
		result = chain_fail(err, source,
							"the token from %s holds a control character", url);
		goto done;
	}
	headers[0] = token_line;

	/* the instance profile's role; none attached is "not configured" */
	sprintf(url, "%s/latest/meta-data/iam/security-credentials/", base);
	r = metadata_call(client, &options, "GET", url, headers, 1, should_stop,
					  arg, source, err);
	if (r == NULL)
		goto done;
	role = strdup(trim(r->body));
	result_free(r);
	if (role == NULL)
	{
		result = chain_fail(err, source, "out of memory");
		goto done;
	}
	role[strcspn(role, "\r\n")] = '\0';
	if (*role == '\0' || strlen(role) > 128 ||
		strspn(role, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			   "0123456789+=,.@_-") != strlen(role))
	{
		result = chain_fail(err, source, "invalid role name from %s", url);
		goto done;
	}

	/* from here on a failure is an error: the instance has a role */
	sprintf(url, "%s/latest/meta-data/iam/security-credentials/%s", base, role);
	r = metadata_call(client, &options, "GET", url, headers, 1, should_stop,
					  arg, source, err);
	if (r == NULL)
	{
		result = AWS_CHAIN_FAILED;
		goto done;
	}
	if (aws_metadata_credentials_parse(r->body, r->body_len, out, errbuf,
									   sizeof(errbuf)))
		result = AWS_CHAIN_FOUND;
	else
		result = chain_fail(err, source, "invalid response from %s: %s",
							url, errbuf);
	result_free(r);

done:
	aws_secret_free(token_line);
	free(role);
	free(url);
	free(base);
	return result;
}

/* ---- the chain ---- */

/*
 * How long a failed instance metadata lookup is remembered: botocore asks
 * once per process and then has no credentials; asking again on every
 * query would make each wait for the metadata timeout.
 */
#define METADATA_MISS_SECONDS	120

static time_t metadata_miss_until = 0;

void
aws_chain_forget_metadata_miss(void)
{
	metadata_miss_until = 0;
}

static AwsChainResult
from_container_link(ChainContext *ctx, const char *profile,
					AwsCredentials *out)
{
	(void) profile;
	return from_container(ctx->client, ctx->config, ctx->should_stop,
						  ctx->arg, out, ctx->err);
}

static AwsChainResult
from_metadata_link(ChainContext *ctx, const char *profile,
				   AwsCredentials *out)
{
	AwsChainResult r;
	time_t		now = time(NULL);

	(void) profile;
	if (now < metadata_miss_until)
		return AWS_CHAIN_NOTHING;
	r = from_instance_metadata(ctx->client, ctx->config, ctx->should_stop,
							   ctx->arg, out, ctx->err);
	if (r == AWS_CHAIN_NOTHING && !ctx->err->interrupted &&
		ctx->err->source != NULL)
		metadata_miss_until = now + METADATA_MISS_SECONDS;
	else if (r == AWS_CHAIN_FOUND)
		metadata_miss_until = 0;
	return r;
}

static bool
has_static_keys(ChainContext *ctx, const char *profile)
{
	return aws_config_get(ctx->files, profile, "aws_access_key_id", NULL) ||
		aws_config_get(ctx->files, profile, "aws_secret_access_key", NULL);
}

/* botocore's _has_assume_role_config_vars */
static bool
has_role(ChainContext *ctx, const char *profile)
{
	return aws_config_get(ctx->files, profile, "role_arn", NULL) != NULL &&
		aws_config_get(ctx->files, profile, "web_identity_token_file",
					   NULL) == NULL;
}

static AwsChainResult assume_role_profile(ChainContext *ctx,
										  const char *profile,
										  AwsCredentials *out);

static AwsChainResult
from_role_profile(ChainContext *ctx, const char *profile, AwsCredentials *out)
{
	if (!has_role(ctx, profile))
		return AWS_CHAIN_NOTHING;
	return assume_role_profile(ctx, profile, out);
}

typedef AwsChainResult (*ChainLink) (ChainContext *ctx, const char *profile,
									 AwsCredentials *out);

typedef struct ChainStep
{
	AwsCredentialSource source;
	ChainLink	link;
	bool		environment;	/* skipped when a profile is named */
	bool		of_source_profile;	/* also what a source_profile may use */
} ChainStep;

/* botocore's create_credential_resolver, in its order */
static const ChainStep chain_steps[] = {
	{AWS_SOURCE_ENVIRONMENT, from_environment, true, false},
	{AWS_SOURCE_PROFILE_ROLE, from_role_profile, false, false},
	{AWS_SOURCE_WEB_IDENTITY, from_web_identity, false, true},
	{AWS_SOURCE_SSO, from_sso, false, true},
	{AWS_SOURCE_SHARED_FILE, from_shared_file, false, true},
	{AWS_SOURCE_PROCESS, from_process, false, true},
	{AWS_SOURCE_CONFIG_FILE, from_config_file, false, true},
	{AWS_SOURCE_CONTAINER, from_container_link, false, false},
	{AWS_SOURCE_INSTANCE_METADATA, from_metadata_link, false, false},
};

/*
 * Walks the steps for profile; source_profile: only the profile's own
 * links, with no environment variable (botocore's source profile chain).
 */
static AwsChainResult
walk(ChainContext *ctx, const char *profile, bool source_profile,
	 AwsCredentials *out, AwsCredentialSource *source)
{
	size_t		i;
	bool		env_disabled = ctx->env_disabled;
	AwsChainResult r = AWS_CHAIN_NOTHING;

	if (source_profile)
		ctx->env_disabled = true;
	for (i = 0; i < sizeof(chain_steps) / sizeof(chain_steps[0]); i++)
	{
		const ChainStep *step = &chain_steps[i];

		if (source_profile ? !step->of_source_profile
			: (step->environment && ctx->env_disabled))
			continue;
		r = step->link(ctx, profile, out);
		if (ctx->err->interrupted)
			r = AWS_CHAIN_FAILED;
		if (r != AWS_CHAIN_NOTHING)
		{
			*source = step->source;
			break;
		}
	}
	ctx->env_disabled = env_disabled;
	return r;
}

/* The base credentials a role profile's credential_source names. */
static AwsChainResult
from_credential_source(ChainContext *ctx, const char *profile,
					   const char *name, AwsCredentials *out)
{
	static const struct
	{
		const char *name;
		ChainLink	link;
	}			sources[] = {
		{"Environment", from_environment},
		{"Ec2InstanceMetadata", from_metadata_link},
		{"EcsContainer", from_container_link},
	};
	size_t		i;

	for (i = 0; i < sizeof(sources) / sizeof(sources[0]); i++)
	{
		AwsChainResult r;

		if (strcmp(name, sources[i].name) != 0)
			continue;
		r = sources[i].link(ctx, profile, out);
		if (r == AWS_CHAIN_NOTHING)
			return chain_fail(ctx->err, "a role profile",
							  "profile \"%s\": credential_source %s found no credentials",
							  profile, name);
		return r;
	}
	return chain_fail(ctx->err, "a role profile",
					  "profile \"%s\": credential_source \"%s\" is not Environment, Ec2InstanceMetadata or EcsContainer",
					  profile, name);
}

static void
cycle_text(ChainContext *ctx, const char *last, char *buf, size_t len)
{
	int			i;
	size_t		used = 0;

	buf[0] = '\0';
	for (i = 0; i < ctx->nvisited && used < len; i++)
		used += snprintf(buf + used, len - used, "%s -> ", ctx->visited[i]);
	if (used < len)
		snprintf(buf + used, len - used, "%s", last);
}

/* botocore's _resolve_credentials_from_profile for a source_profile */
static AwsChainResult
from_source_profile(ChainContext *ctx, const char *parent, const char *name,
					AwsCredentials *out)
{
	AwsCredentialSource ignored;
	AwsChainResult r;
	int			i;

	if (!aws_config_has_profile(ctx->files, name))
		return chain_fail(ctx->err, "a role profile",
						  "the source_profile \"%s\" of profile \"%s\" does not exist",
						  name, parent);
	for (i = 0; i < ctx->nvisited; i++)
	{
		/* a profile may name itself to take its own static keys */
		if (strcmp(ctx->visited[i], name) == 0 &&
			!(strcmp(name, parent) == 0 && has_static_keys(ctx, name)))
		{
			char		cycle[256];

			cycle_text(ctx, name, cycle, sizeof(cycle));
			return chain_fail(ctx->err, "a role profile",
							  "the source_profile chain is a cycle: %s", cycle);
		}
	}
	if (ctx->nvisited == MAX_SOURCE_PROFILES)
		return chain_fail(ctx->err, "a role profile",
						  "the source_profile chain from profile \"%s\" is longer than %d profiles",
						  ctx->visited[0], MAX_SOURCE_PROFILES);
	ctx->visited[ctx->nvisited++] = name;
	if (has_static_keys(ctx, name) || !has_role(ctx, name))
	{
		r = walk(ctx, name, true, out, &ignored);
		if (r == AWS_CHAIN_NOTHING)
			return chain_fail(ctx->err, "a role profile",
							  "the source_profile \"%s\" of profile \"%s\" has no credentials",
							  name, parent);
		return r;
	}
	return assume_role_profile(ctx, name, out);
}

/* botocore's AssumeRoleProvider for one profile with role_arn */
static AwsChainResult
assume_role_profile(ChainContext *ctx, const char *profile, AwsCredentials *out)
{
	const AwsConfig *f = ctx->files;
	const char *role_arn = aws_config_get(f, profile, "role_arn", NULL);
	const char *source_profile = aws_config_get(f, profile, "source_profile", NULL);
	const char *credential_source = aws_config_get(f, profile, "credential_source", NULL);
	const char *duration = aws_config_get(f, profile, "duration_seconds", NULL);
	StsAssumeRoleParams params;
	AwsCredentials base;
	char		default_name[64];
	AwsChainResult r;
	bool		ok;

	if (aws_config_get(f, profile, "mfa_serial", NULL) != NULL)
		return chain_fail(ctx->err, "a role profile",
						  "profile \"%s\" has mfa_serial: a server cannot be given an MFA code to type",
						  profile);
	if (source_profile != NULL && credential_source != NULL)
		return chain_fail(ctx->err, "a role profile",
						  "profile \"%s\" has both source_profile and credential_source",
						  profile);
	if (source_profile == NULL && credential_source == NULL)
		return chain_fail(ctx->err, "a role profile",
						  "profile \"%s\" has role_arn but neither source_profile nor credential_source",
						  profile);
	memset(&params, 0, sizeof(params));
	params.role_arn = role_arn;
	params.external_id = aws_config_get(f, profile, "external_id", NULL);
	params.role_session_name = aws_config_get(f, profile, "role_session_name", NULL);
	if (duration != NULL)
	{
		char	   *end;
		long		d = strtol(duration, &end, 10);

		if (*duration == '\0' || *end != '\0' || d < 900 || d > 43200)
			return chain_fail(ctx->err, "a role profile",
							  "profile \"%s\": duration_seconds is not a number of seconds from 900 to 43200",
							  profile);
		params.duration_seconds = (int) d;
	}
	if (!aws_cstring_is_clean(role_arn) ||
		!aws_cstring_is_clean(params.external_id) ||
		!aws_cstring_is_clean(params.role_session_name))
		return chain_fail(ctx->err, "a role profile",
						  "profile \"%s\": role_arn, external_id or role_session_name holds a control character",
						  profile);
	if (params.role_session_name == NULL)
	{
		default_session_name(default_name, sizeof(default_name));
		params.role_session_name = default_name;
	}

	memset(&base, 0, sizeof(base));
	if (credential_source != NULL)
		r = from_credential_source(ctx, profile, credential_source, &base);
	else
		r = from_source_profile(ctx, profile, source_profile, &base);
	if (r != AWS_CHAIN_FOUND)
	{
		aws_credentials_clear(&base);
		return AWS_CHAIN_FAILED;
	}
	ok = sts_assume_role(ctx->client, &ctx->config->sts, &base, &params,
						 ctx->should_stop, ctx->arg, out, ctx->err);
	aws_credentials_clear(&base);
	return ok ? AWS_CHAIN_FOUND : AWS_CHAIN_FAILED;
}

AwsChainResult
aws_chain_resolve(HttpClient *client, const AwsChainConfig *config,
				  AwsStopFn should_stop, void *arg, AwsCredentials *out,
				  AwsCredentialSource *source, AwsCredentialError *err)
{
	ChainContext ctx;
	const char *profile = config->profile;
	bool		named = profile != NULL;
	char		errbuf[sizeof(err->text)];
	AwsChainResult r;

	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	*source = AWS_SOURCE_NONE;
	if (profile == NULL)
		profile = env("AWS_DEFAULT_PROFILE");
	if (profile == NULL)
		profile = env("AWS_PROFILE");
	named = named || profile != NULL;
	if (profile == NULL)
		profile = "default";

	memset(&ctx, 0, sizeof(ctx));
	ctx.client = client;
	ctx.config = config;
	ctx.should_stop = should_stop;
	ctx.arg = arg;
	ctx.err = err;
	ctx.env_disabled = config->profile != NULL;
	ctx.visited[ctx.nvisited++] = profile;
	ctx.files = aws_config_load(errbuf, sizeof(errbuf));
	if (ctx.files == NULL)
		return chain_fail(err, "the AWS configuration files", "%s", errbuf);
	/* botocore: a profile asked for by name must exist */
	if (named && !aws_config_has_profile(ctx.files, profile))
		r = chain_fail(err, "the AWS configuration files",
					   "profile \"%s\" not found in \"%s\" or \"%s\"", profile,
					   aws_config_path(ctx.files, false)
					   ? aws_config_path(ctx.files, false) : "~/.aws/config",
					   aws_config_path(ctx.files, true)
					   ? aws_config_path(ctx.files, true) : "~/.aws/credentials");
	else
		r = walk(&ctx, profile, false, out, source);
	aws_config_free(ctx.files);
	if (err->interrupted)
		r = AWS_CHAIN_FAILED;
	if (r != AWS_CHAIN_FOUND)
		aws_credentials_clear(out);
	return r;
}
