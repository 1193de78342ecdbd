/*
 * aws_sso.c
 *		SSO profiles: the CLI's cached token, then GetRoleCredentials.
 *
 * Pure C, no PostgreSQL headers.  The token and the answer are wiped when
 * freed; neither is ever put in an error.
 */
#include "aws_sso.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/sha.h>

#include "aws_config.h"
#include "aws_endpoints.h"
#include "endpoint.h"
#include "safe_value.h"

#define SOURCE				"SSO"
#define TOKEN_FILE_MAX		(64 * 1024)
#define SSO_MAX_BODY		(64 * 1024)
#define LOGIN_HINT			"Run \"aws sso login\" as the operating system user of the PostgreSQL server (its HOME must be the one the server has)."

static bool
			sso_fail(AwsCredentialError *err, const char *hint, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

static bool
sso_fail(AwsCredentialError *err, const char *hint, const char *fmt,...)
{
	va_list		ap;

	err->source = SOURCE;
	err->hint = hint;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	return false;
}

char *
aws_sso_cache_path(const AwsSsoSettings *settings)
{
	const char *key = settings->session_name ? settings->session_name
	: settings->start_url;
	unsigned char digest[SHA_DIGEST_LENGTH];
	char		name[2 * SHA_DIGEST_LENGTH + 1];
	char	   *dir = aws_expand_home("~/.aws/sso/cache");
	char	   *path;
	int			i;

	if (dir == NULL)
		return NULL;
	SHA1((const unsigned char *) key, strlen(key), digest);
	for (i = 0; i < SHA_DIGEST_LENGTH; i++)
		sprintf(name + 2 * i, "%02x", digest[i]);
	path = malloc(strlen(dir) + sizeof(name) + 8);
	if (path != NULL)
		sprintf(path, "%s/%s.json", dir, name);
	free(dir);
	return path;
}

static const char *
json_text(json_object *obj, const char *name)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, name, &v) ||
		!json_object_is_type(v, json_type_string) ||
		json_object_get_string_len(v) == 0 ||
		strlen(json_object_get_string(v)) != (size_t) json_object_get_string_len(v))
		return NULL;
	return json_object_get_string(v);
}

static json_object *
parse_object(const char *body, size_t len)
{
	json_tokener *tok = json_tokener_new();
	json_object *root;

	if (tok == NULL)
		return NULL;
	root = json_tokener_parse_ex(tok, body, (int) len);
	if (root != NULL && (json_tokener_get_error(tok) != json_tokener_success ||
						 tok->char_offset != (int) len ||
						 !json_object_is_type(root, json_type_object)))
	{
		json_object_put(root);
		root = NULL;
	}
	json_tokener_free(tok);
	return root;
}

/* expiresAt as the CLI writes it: ISO 8601 with "Z", or older "...UTC" */
static bool
parse_expires_at(const char *text, time_t *out)
{
	char		copy[64];
	size_t		len = strlen(text);

	if (len >= sizeof(copy))
		return false;
	memcpy(copy, text, len + 1);
	if (len > 3 && strcmp(copy + len - 3, "UTC") == 0)
		strcpy(copy + len - 3, "Z");
	return aws_parse_iso8601(copy, out);
}

bool
aws_sso_parse_credentials(const char *body, size_t len, AwsCredentials *out,
						  char *errbuf, size_t errlen)
{
	json_object *root = parse_object(body, len);
	json_object *creds;
	json_object *expiration;
	const char *akid;
	const char *secret;
	const char *token;
	const char *failure;
	bool		ok = false;

	memset(out, 0, sizeof(*out));
	if (root == NULL)
		snprintf(errbuf, errlen, "the answer is not a JSON object");
	else if (!json_object_object_get_ex(root, "roleCredentials", &creds) ||
			 !json_object_is_type(creds, json_type_object) ||
			 (akid = json_text(creds, "accessKeyId")) == NULL ||
			 (secret = json_text(creds, "secretAccessKey")) == NULL ||
			 (token = json_text(creds, "sessionToken")) == NULL ||
			 !json_object_object_get_ex(creds, "expiration", &expiration) ||
			 !json_object_is_type(expiration, json_type_int))
		snprintf(errbuf, errlen,
				 "the answer lacks roleCredentials with accessKeyId, secretAccessKey, sessionToken and expiration");
	/* expiration: epoch milliseconds (botocore's _parse_timestamp) */
	else if ((failure = aws_credentials_set(out, akid, secret, token,
											(time_t) (json_object_get_int64(expiration) / 1000))) != NULL)
		snprintf(errbuf, errlen, "%s", failure);
	else
		ok = true;
	json_object_put(root);
	return ok;
}

/* The cached access token (malloc'd), or NULL with err filled. */
static char *
cached_token(const AwsSsoSettings *s, AwsCredentialError *err)
{
	char	   *path = aws_sso_cache_path(s);
	char	   *text;
	json_object *root;
	const char *token;
	const char *expires_at;
	time_t		expires;
	char	   *result = NULL;

	if (path == NULL)
	{
		sso_fail(err, NULL, "out of memory");
		return NULL;
	}
	text = aws_read_small_file(path, TOKEN_FILE_MAX);
	if (text == NULL)
	{
		sso_fail(err, errno == ENOENT ? LOGIN_HINT : NULL,
				 "profile \"%s\": no cached SSO token for %s \"%s\" (\"%s\": %s)",
				 s->profile, s->session_name ? "sso_session" : "start URL",
				 s->session_name ? s->session_name : s->start_url, path,
				 strerror(errno));
		free(path);
		return NULL;
	}
	root = parse_object(text, strlen(text));
	if (root == NULL || (token = json_text(root, "accessToken")) == NULL ||
		(expires_at = json_text(root, "expiresAt")) == NULL ||
		!parse_expires_at(expires_at, &expires))
		sso_fail(err, LOGIN_HINT,
				 "profile \"%s\": the cached SSO token \"%s\" is invalid (no accessToken and expiresAt)",
				 s->profile, path);
	else if (expires <= time(NULL))
		sso_fail(err, LOGIN_HINT,
				 "profile \"%s\": the cached SSO token \"%s\" expired at %s",
				 s->profile, path, expires_at);
	else if (!aws_cstring_is_clean(token))
		sso_fail(err, NULL, "profile \"%s\": the cached SSO token holds a control character",
				 s->profile);
	else if ((result = strdup(token)) == NULL)
		sso_fail(err, NULL, "out of memory");
	json_object_put(root);
	aws_secret_free(text);
	free(path);
	return result;
}

/* The portal's base URL (malloc'd): configured, else the rules'. */
static char *
portal_url(const AwsSsoSettings *s, AwsCredentialError *err)
{
	const char *names[] = {"AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL"};
	char		errbuf[256];
	char	   *url;
	size_t		i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
	{
		const char *v = getenv(names[i]);

		if (v != NULL && *v != '\0')
			return strdup(v);
	}
	url = aws_endpoint_url("sso", s->region, false, false, errbuf, sizeof(errbuf));
	if (url == NULL)
		sso_fail(err, NULL, "%s", errbuf);
	return url;
}

bool
aws_sso_credentials(HttpClient *client, const HttpOptions *http,
					const AwsSsoSettings *s, AwsStopFn should_stop, void *arg,
					AwsCredentials *out, AwsCredentialError *err)
{
	char	   *token = NULL;
	char	   *base = NULL;
	char	   *role = NULL;
	char	   *account = NULL;
	char	   *url = NULL;
	char	   *header = NULL;
	const char *headers[1];
	char		errbuf[256];
	Endpoint	ep;
	HttpOptions options = *http;
	HttpRequest req;
	HttpResult *r = NULL;
	bool		ok = false;

	memset(out, 0, sizeof(*out));
	memset(&ep, 0, sizeof(ep));
	if ((token = cached_token(s, err)) == NULL)
		return false;
	if ((base = portal_url(s, err)) == NULL)
		goto done;
	if (!endpoint_parse(base, &ep, errbuf, sizeof(errbuf)))
	{
		sso_fail(err, NULL, "the SSO portal URL \"%s\": %s", base, errbuf);
		goto done;
	}
	role = curl_easy_escape(NULL, s->role_name, 0);
	account = curl_easy_escape(NULL, s->account_id, 0);
	url = malloc(strlen(ep.url) + (role ? strlen(role) : 0) +
				 (account ? strlen(account) : 0) + 64);
	header = malloc(strlen(token) + 32);
	if (role == NULL || account == NULL || url == NULL || header == NULL)
	{
		sso_fail(err, NULL, "out of memory");
		goto done;
	}
	sprintf(url, "%sfederation/credentials?role_name=%s&account_id=%s",
			ep.url, role, account);
	sprintf(header, "x-amz-sso_bearer_token: %s", token);
	headers[0] = header;

	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	req.headers = headers;
	req.nheaders = 1;
	req.body = "";
	req.operation = "GetRoleCredentials";
	options.max_concurrency = 1;
	if (options.max_body_bytes == 0 || options.max_body_bytes > SSO_MAX_BODY)
		options.max_body_bytes = SSO_MAX_BODY;
	r = aws_http_fetch(client, &options, &req, NULL, should_stop, arg,
					   &err->interrupted);
	err->source = SOURCE;
	if (r == NULL)
	{
		snprintf(err->text, sizeof(err->text), "%s",
				 err->interrupted ? "interrupted" : "out of memory");
		goto done;
	}
	err->attempts = r->attempts;
	if (r->outcome != HTTP_RESPONSE)
		sso_fail(err, NULL, "GET %s failed: %s", ep.url,
				 r->outcome == HTTP_BODY_TOO_LARGE ? "response too large"
				 : r->error_text);
	else if (r->http_status != 200)
	{
		aws_error_decode((int) r->http_status, r->error_type, r->request_id,
						 r->body, r->body_len, &err->aws);
		err->has_aws_error = true;
		err->source = "SSO GetRoleCredentials";
		if (r->http_status == 401 || r->http_status == 403)
			err->hint = LOGIN_HINT;
	}
	else if (!aws_sso_parse_credentials(r->body, r->body_len, out, errbuf,
										sizeof(errbuf)))
		sso_fail(err, NULL, "invalid answer from %s: %s", ep.url, errbuf);
	else
		ok = true;

done:
	if (r != NULL)
	{
		if (r->body != NULL)
			explicit_bzero(r->body, r->body_len);
		http_batch_result_free(r);
	}
	curl_free(role);
	curl_free(account);
	aws_secret_free(header);
	aws_secret_free(token);
	free(url);
	free(base);
	endpoint_free(&ep);
	return ok;
}
