/*
 * aws_credentials.c
 *		The AWS credential chain of the server process, in the SDKs' order:
 *		environment keys, web identity, the shared credentials file,
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
#include <fcntl.h>
#include <pwd.h>
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

#include "endpoint.h"
#include "retry_policy.h"
#include "safe_value.h"

#define CONTAINER_HOST			"http://169.254.170.2"
#define IMDS_DEFAULT_ENDPOINT	"http://169.254.169.254"
#define IMDS_TOKEN_TTL_SECONDS	"21600"
#define METADATA_TIMEOUT_MS		1000
#define METADATA_MAX_BODY		(64 * 1024)
#define TOKEN_FILE_MAX			(64 * 1024)
#define SHARED_FILE_MAX			(1024 * 1024)

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

/*
 * Reads a whole small file into a malloc'd NUL-terminated buffer.  Returns
 * NULL with errno set (ENOENT, EFBIG for one over max bytes, ...).
 */
static char *
read_small_file(const char *path, size_t max)
{
	int			fd = open(path, O_RDONLY | O_CLOEXEC);
	char	   *buf;
	size_t		len = 0;
	ssize_t		n;
	int			saved;

	if (fd < 0)
		return NULL;
	buf = malloc(max + 1);
	if (buf == NULL)
	{
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	while ((n = read(fd, buf + len, max + 1 - len)) > 0)
	{
		len += n;
		if (len > max)
			break;
	}
	saved = errno;
	close(fd);
	if (n < 0 || len > max)
	{
		explicit_bzero(buf, len);
		free(buf);
		errno = n < 0 ? saved : EFBIG;
		return NULL;
	}
	buf[len] = '\0';
	if (strlen(buf) != len)
	{
		explicit_bzero(buf, len);
		free(buf);
		errno = EINVAL;
		return NULL;
	}
	return buf;
}

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

AwsChainResult
aws_shared_file_parse(const char *text, const char *profile,
					  AwsCredentials *out, char *errbuf, size_t errlen)
{
	char	   *copy = strdup(text);
	char	   *line;
	char	   *save = NULL;
	bool		in_profile = false;
	bool		found = false;
	const char *akid = NULL;
	const char *secret = NULL;
	const char *token = NULL;
	const char *failure;
	AwsChainResult result;

	memset(out, 0, sizeof(*out));
	if (copy == NULL)
	{
		snprintf(errbuf, errlen, "out of memory");
		return AWS_CHAIN_FAILED;
	}
	for (line = strtok_r(copy, "\n", &save); line != NULL;
		 line = strtok_r(NULL, "\n", &save))
	{
		char	   *l = trim(line);
		char	   *eq;

		if (*l == '\0' || *l == '#' || *l == ';')
			continue;
		if (*l == '[')
		{
			char	   *close = strchr(l, ']');

			if (close == NULL)
			{
				in_profile = false;
				continue;
			}
			*close = '\0';
			in_profile = strcmp(trim(l + 1), profile) == 0;
			found = found || in_profile;
			continue;
		}
		if (!in_profile || (eq = strchr(l, '=')) == NULL)
			continue;
		*eq = '\0';
		l = trim(l);
		if (strcasecmp(l, "aws_access_key_id") == 0)
			akid = trim(eq + 1);
		else if (strcasecmp(l, "aws_secret_access_key") == 0)
			secret = trim(eq + 1);
		else if (strcasecmp(l, "aws_session_token") == 0)
			token = trim(eq + 1);
	}

	if (!found)
		result = AWS_CHAIN_NOTHING;
	else if (akid == NULL || *akid == '\0' || secret == NULL || *secret == '\0')
	{
		snprintf(errbuf, errlen,
				 "profile \"%s\" has no aws_access_key_id and aws_secret_access_key",
				 profile);
		result = AWS_CHAIN_FAILED;
	}
	else if ((failure = aws_credentials_set(out, akid, secret,
											token && *token ? token : NULL,
											0)) != NULL)
	{
		snprintf(errbuf, errlen, "profile \"%s\": %s", profile, failure);
		result = AWS_CHAIN_FAILED;
	}
	else
		result = AWS_CHAIN_FOUND;
	explicit_bzero(copy, strlen(text));
	free(copy);
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

static AwsChainResult
from_environment(AwsCredentials *out, AwsCredentialError *err)
{
	const char *akid = env("AWS_ACCESS_KEY_ID");
	const char *secret = env("AWS_SECRET_ACCESS_KEY");
	const char *token = env("AWS_SESSION_TOKEN");
	const char *failure;

	if (akid == NULL && secret == NULL)
		return AWS_CHAIN_NOTHING;
	if (akid == NULL || secret == NULL)
		return chain_fail(err, "the environment",
						  "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
	if ((failure = aws_credentials_set(out, akid, secret, token, 0)) != NULL)
		return chain_fail(err, "the environment",
						  "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: %s",
						  failure);
	return AWS_CHAIN_FOUND;
}

static AwsChainResult
from_web_identity(HttpClient *client, const AwsChainConfig *config,
				  AwsStopFn should_stop, void *arg,
				  AwsCredentials *out, AwsCredentialError *err)
{
	const char *token_file = env("AWS_WEB_IDENTITY_TOKEN_FILE");
	const char *role_arn = env("AWS_ROLE_ARN");
	const char *session_name = env("AWS_ROLE_SESSION_NAME");
	char		default_name[64];
	char	   *token;
	char	   *t;
	bool		ok;

	if (token_file == NULL || role_arn == NULL)
		return AWS_CHAIN_NOTHING;
	if (!aws_cstring_is_clean(role_arn))
		return fail_unclean(err, "web identity", "AWS_ROLE_ARN");
	if (!aws_cstring_is_clean(session_name))
		return fail_unclean(err, "web identity", "AWS_ROLE_SESSION_NAME");
	token = read_small_file(token_file, TOKEN_FILE_MAX);
	if (token == NULL)
		return chain_fail(err, "web identity",
						  "could not read AWS_WEB_IDENTITY_TOKEN_FILE \"%s\": %s",
						  token_file, strerror(errno));
	t = trim(token);
	if (*t == '\0' || !aws_cstring_is_clean(t))
	{
		aws_secret_free(token);
		return chain_fail(err, "web identity",
						  "AWS_WEB_IDENTITY_TOKEN_FILE \"%s\" %s", token_file,
						  *t == '\0' ? "is empty" : "holds a control character");
	}
	if (session_name == NULL)
	{
		snprintf(default_name, sizeof(default_name), "athena_fdw-%ld",
				 (long) time(NULL));
		session_name = default_name;
	}
	ok = sts_assume_role_with_web_identity(client, &config->sts, role_arn,
										   session_name, t, should_stop, arg,
										   out, err);
	/* t points into token: wipe the whole buffer */
	explicit_bzero(token, strlen(token) + (size_t) (t - token));
	free(token);
	return ok ? AWS_CHAIN_FOUND : AWS_CHAIN_FAILED;
}

static AwsChainResult
from_shared_file(const AwsChainConfig *config, AwsCredentials *out,
				 AwsCredentialError *err)
{
	const char *path = env("AWS_SHARED_CREDENTIALS_FILE");
	const char *profile = config->profile ? config->profile : env("AWS_PROFILE");
	bool		explicit_profile = profile != NULL;
	char		default_path[1024];
	char		errbuf[256];
	char	   *text;
	AwsChainResult r;

	if (profile == NULL)
		profile = "default";
	if (path == NULL)
	{
		const char *home = env("HOME");

		if (home == NULL)
		{
			struct passwd *pw = getpwuid(geteuid());

			home = pw ? pw->pw_dir : NULL;
		}
		if (home == NULL)
			return AWS_CHAIN_NOTHING;
		snprintf(default_path, sizeof(default_path), "%s/.aws/credentials", home);
		path = default_path;
	}

	text = read_small_file(path, SHARED_FILE_MAX);
	if (text == NULL)
	{
		if (errno == ENOENT && !explicit_profile)
			return AWS_CHAIN_NOTHING;
		return chain_fail(err, "the shared credentials file",
						  "could not read \"%s\" for profile \"%s\": %s",
						  path, profile, strerror(errno));
	}
	r = aws_shared_file_parse(text, profile, out, errbuf, sizeof(errbuf));
	aws_secret_free(text);
	if (r == AWS_CHAIN_FAILED)
		return chain_fail(err, "the shared credentials file", "\"%s\": %s",
						  path, errbuf);
	if (r == AWS_CHAIN_NOTHING && explicit_profile)
		return chain_fail(err, "the shared credentials file",
						  "profile \"%s\" not found in \"%s\"", profile, path);
	return r;
}

static bool
host_has_suffix(const char *host, const char *suffix)
{
	size_t		h = strlen(host);
	size_t		s = strlen(suffix);

	/* the domain itself or a name under it, never "evilamazonaws.com" */
	return (h == s && strcasecmp(host, suffix) == 0) ||
		(h > s + 1 && host[h - s - 1] == '.' &&
		 strcasecmp(host + h - s, suffix) == 0);
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
			ok = (https && (host_has_suffix(host, "amazonaws.com") ||
							host_has_suffix(host, "amazonaws.com.cn") ||
							host_has_suffix(host, "api.aws"))) ||
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
		token = read_small_file(token_file, TOKEN_FILE_MAX);
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

AwsChainResult
aws_chain_resolve(HttpClient *client, const AwsChainConfig *config,
				  AwsStopFn should_stop, void *arg, AwsCredentials *out,
				  AwsCredentialSource *source, AwsCredentialError *err)
{
	AwsChainResult r;

	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	*source = AWS_SOURCE_NONE;

	if ((r = from_environment(out, err)) != AWS_CHAIN_NOTHING)
		*source = AWS_SOURCE_ENVIRONMENT;
	else if ((r = from_web_identity(client, config, should_stop, arg, out,
									err)) != AWS_CHAIN_NOTHING)
		*source = AWS_SOURCE_WEB_IDENTITY;
	else if ((r = from_shared_file(config, out, err)) != AWS_CHAIN_NOTHING)
		*source = AWS_SOURCE_SHARED_FILE;
	else if ((r = from_container(client, config, should_stop, arg, out,
								 err)) != AWS_CHAIN_NOTHING)
		*source = AWS_SOURCE_CONTAINER;
	else
	{
		r = from_instance_metadata(client, config, should_stop, arg, out, err);
		if (r != AWS_CHAIN_NOTHING)
			*source = AWS_SOURCE_INSTANCE_METADATA;
	}
	if (err->interrupted)
		r = AWS_CHAIN_FAILED;
	if (r != AWS_CHAIN_FOUND)
		aws_credentials_clear(out);
	return r;
}
