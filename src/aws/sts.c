/*
 * sts.c
 *		AWS STS AssumeRole (signed with SigV4, service "sts") and
 *		AssumeRoleWithWebIdentity (unsigned): form-encoded requests, XML
 *		answers and XML errors read with libxml2's parser.
 *
 * STS's query protocol answers in XML only.  The answers are untrusted:
 * libxml2 parses them without network access, without loading or
 * substituting entities, and a document carrying a DTD is refused outright
 * (STS never sends one), so no entity tricks reach the tree we read.
 * Element names are matched by local name, as STS's namespace may vary.
 */
#include "sts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "endpoint.h"

#define STS_VERSION "2011-06-15"
#define STS_CONTENT_TYPE "application/x-www-form-urlencoded; charset=utf-8"
#define STS_MAX_BODY_BYTES (256 * 1024)

/* ---- form encoding ---- */

typedef struct FormBuf
{
	char	   *data;
	size_t		len;
	size_t		cap;
	bool		failed;
} FormBuf;

static void
form_reserve(FormBuf *f, size_t more)
{
	char	   *p;
	size_t		cap;

	if (f->failed || f->len + more + 1 <= f->cap)
		return;
	cap = f->cap ? f->cap : 256;
	while (cap < f->len + more + 1)
		cap *= 2;
	p = malloc(cap);
	if (p == NULL)
	{
		f->failed = true;
		return;
	}
	/* the old buffer may hold a secret: copy, then wipe it */
	if (f->data != NULL)
	{
		memcpy(p, f->data, f->len + 1);
		aws_secret_free(f->data);
	}
	f->data = p;
	f->cap = cap;
}

/* Appends name=value, value percent-encoded as RFC 3986 unreserved. */
static void
form_add(FormBuf *f, const char *name, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *v;

	form_reserve(f, strlen(name) + 2 + 3 * strlen(value));
	if (f->failed)
		return;
	if (f->len > 0)
		f->data[f->len++] = '&';
	memcpy(f->data + f->len, name, strlen(name));
	f->len += strlen(name);
	f->data[f->len++] = '=';
	for (v = (const unsigned char *) value; *v; v++)
	{
		if ((*v >= 'A' && *v <= 'Z') || (*v >= 'a' && *v <= 'z') ||
			(*v >= '0' && *v <= '9') || *v == '-' || *v == '_' ||
			*v == '.' || *v == '~')
			f->data[f->len++] = (char) *v;
		else
		{
			f->data[f->len++] = '%';
			f->data[f->len++] = hex[*v >> 4];
			f->data[f->len++] = hex[*v & 15];
		}
	}
	f->data[f->len] = '\0';
}

static char *
form_finish(FormBuf *f, size_t *len)
{
	if (f->failed)
	{
		aws_secret_free(f->data);
		return NULL;
	}
	*len = f->len;
	return f->data;
}

char *
sts_assume_role_body(const StsAssumeRoleParams *params, size_t *len)
{
	FormBuf		f = {0};

	form_add(&f, "Action", "AssumeRole");
	form_add(&f, "Version", STS_VERSION);
	form_add(&f, "RoleArn", params->role_arn);
	form_add(&f, "RoleSessionName", params->role_session_name);
	if (params->duration_seconds > 0)
	{
		char		buf[16];

		snprintf(buf, sizeof(buf), "%d", params->duration_seconds);
		form_add(&f, "DurationSeconds", buf);
	}
	if (params->external_id != NULL)
		form_add(&f, "ExternalId", params->external_id);
	return form_finish(&f, len);
}

char *
sts_web_identity_body(const char *role_arn, const char *session_name,
					  const char *token, size_t *len)
{
	FormBuf		f = {0};

	form_add(&f, "Action", "AssumeRoleWithWebIdentity");
	form_add(&f, "Version", STS_VERSION);
	form_add(&f, "RoleArn", role_arn);
	form_add(&f, "RoleSessionName", session_name);
	form_add(&f, "WebIdentityToken", token);
	return form_finish(&f, len);
}

/* ---- XML ---- */

static xmlDocPtr
parse_xml(const char *body, size_t len)
{
	xmlDocPtr	doc;

	if (body == NULL || len == 0 || len > STS_MAX_BODY_BYTES)
		return NULL;
	xmlInitParser();
	/* no network, no entity substitution, no DTD loading, no output */
	doc = xmlReadMemory(body, (int) len, "sts.xml", NULL,
						XML_PARSE_NONET | XML_PARSE_NOERROR |
						XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (doc != NULL && doc->intSubset != NULL)
	{
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

static bool
name_is(xmlNodePtr node, const char *name)
{
	return node != NULL && node->type == XML_ELEMENT_NODE &&
		strcmp((const char *) node->name, name) == 0;
}

/* The first child element with this local name, or NULL. */
static xmlNodePtr
child(xmlNodePtr parent, const char *name)
{
	xmlNodePtr	c;

	if (parent == NULL)
		return NULL;
	for (c = parent->children; c != NULL; c = c->next)
	{
		if (name_is(c, name))
			return c;
	}
	return NULL;
}

/*
 * The text of a leaf element: malloc'd, or NULL when absent, empty, or
 * holding anything but text (an element where a value should be).
 */
static char *
leaf_text(xmlNodePtr parent, const char *name)
{
	xmlNodePtr	node = child(parent, name);
	xmlNodePtr	c;
	size_t		len = 0;
	char	   *out;

	if (node == NULL)
		return NULL;
	for (c = node->children; c != NULL; c = c->next)
	{
		if (c->type != XML_TEXT_NODE || c->content == NULL)
			return NULL;
		len += strlen((const char *) c->content);
	}
	if (len == 0)
		return NULL;
	out = malloc(len + 1);
	if (out == NULL)
		return NULL;
	out[0] = '\0';
	len = 0;
	for (c = node->children; c != NULL; c = c->next)
	{
		size_t		l = strlen((const char *) c->content);

		memcpy(out + len, c->content, l + 1);
		len += l;
	}
	return out;
}

/* Wipes every text node, so the parser's copies of secrets do not linger. */
static void
wipe_and_free_doc(xmlDocPtr doc)
{
	xmlNodePtr	node;

	if (doc == NULL)
		return;
	node = xmlDocGetRootElement(doc);
	while (node != NULL)
	{
		if (node->type == XML_TEXT_NODE && node->content != NULL &&
			(doc->dict == NULL || !xmlDictOwns(doc->dict, node->content)) &&
			node->content != (xmlChar *) &node->properties)
			explicit_bzero(node->content, strlen((const char *) node->content));
		/* depth-first walk without recursion */
		if (node->children != NULL && node->type == XML_ELEMENT_NODE)
			node = node->children;
		else
		{
			while (node != NULL && node->next == NULL)
				node = node->parent == (xmlNodePtr) doc ? NULL : node->parent;
			if (node != NULL)
				node = node->next;
		}
	}
	xmlFreeDoc(doc);
}

static bool
set_errbuf(char *errbuf, size_t errlen, const char *text)
{
	if (errbuf != NULL && errlen > 0)
		snprintf(errbuf, errlen, "%s", text);
	return false;
}

bool
sts_parse_credentials(const char *action, const char *body, size_t len,
					  AwsCredentials *out, char *errbuf, size_t errlen)
{
	char		response_name[64];
	char		result_name[64];
	xmlDocPtr	doc;
	xmlNodePtr	creds;
	char	   *akid = NULL;
	char	   *secret = NULL;
	char	   *token = NULL;
	char	   *expiration = NULL;
	const char *failure;
	time_t		expires;
	bool		ok = false;

	memset(out, 0, sizeof(*out));
	snprintf(response_name, sizeof(response_name), "%sResponse", action);
	snprintf(result_name, sizeof(result_name), "%sResult", action);

	doc = parse_xml(body, len);
	if (doc == NULL)
		return set_errbuf(errbuf, errlen, "response is not well-formed XML");
	if (!name_is(xmlDocGetRootElement(doc), response_name))
	{
		set_errbuf(errbuf, errlen, "response is not an answer to this call");
		goto done;
	}
	creds = child(child(xmlDocGetRootElement(doc), result_name), "Credentials");
	if (creds == NULL)
	{
		set_errbuf(errbuf, errlen, "response has no Credentials element");
		goto done;
	}
	akid = leaf_text(creds, "AccessKeyId");
	secret = leaf_text(creds, "SecretAccessKey");
	token = leaf_text(creds, "SessionToken");
	expiration = leaf_text(creds, "Expiration");
	if (akid == NULL || secret == NULL || token == NULL || expiration == NULL)
	{
		set_errbuf(errbuf, errlen,
				   "response lacks AccessKeyId, SecretAccessKey, SessionToken or Expiration");
		goto done;
	}
	if (!aws_parse_iso8601(expiration, &expires))
	{
		set_errbuf(errbuf, errlen, "response has a malformed Expiration");
		goto done;
	}
	failure = aws_credentials_set(out, akid, secret, token, expires);
	ok = failure == NULL;
	if (!ok)
		set_errbuf(errbuf, errlen, failure);

done:
	aws_secret_free(akid);
	aws_secret_free(secret);
	aws_secret_free(token);
	free(expiration);
	wipe_and_free_doc(doc);
	return ok;
}

void
sts_decode_error(int http_status, const char *request_id_header,
				 const char *body, size_t len, AwsError *out)
{
	xmlDocPtr	doc = parse_xml(body, len);
	xmlNodePtr	root = doc ? xmlDocGetRootElement(doc) : NULL;
	xmlNodePtr	error = child(root, "Error");
	char	   *code = leaf_text(error, "Code");
	char	   *message = leaf_text(error, "Message");
	char	   *request_id = leaf_text(root, "RequestId");
	const char *fallback = doc == NULL ? "response body is not XML"
	: "response body is not an STS error";

	if (code != NULL)
		aws_error_set(http_status, code, strlen(code),
					  message ? message : "", message ? strlen(message) : 0,
					  request_id_header ? request_id_header : request_id,
					  out);
	else
		aws_error_set(http_status, NULL, 0, fallback, strlen(fallback),
					  request_id_header, out);
	free(code);
	free(message);
	free(request_id);
	wipe_and_free_doc(doc);
}

/* ---- calls ---- */

/* Cuts every occurrence of secret out of text, in place. */
static void
redact(char *text, const char *secret)
{
	char	   *p;
	size_t		n;

	if (text == NULL || secret == NULL || (n = strlen(secret)) < 4)
		return;
	while ((p = strstr(text, secret)) != NULL)
	{
		memcpy(p, "***", 3);
		memmove(p + 3, p + n, strlen(p + n) + 1);
	}
}

static bool
fail_text(AwsCredentialError *err, const char *text)
{
	snprintf(err->text, sizeof(err->text), "%s", text);
	return false;
}

/*
 * Sends one STS call and reads its credentials.  The body (which may hold
 * a token) is the caller's; base == NULL means unsigned.
 */
static bool
sts_call(HttpClient *client, const StsConfig *config, const char *action,
		 const AwsCredentials *base, const char *body, size_t body_len,
		 const char *redact_also, AwsStopFn should_stop, void *arg,
		 AwsCredentials *out, AwsCredentialError *err)
{
	Endpoint	url;
	AwsPost		post;
	AwsSignedPost signed_post;
	HttpRequest req;
	HttpOptions options = config->http;
	HttpResult *result = NULL;
	char		errbuf[128];
	bool		ok = false;

	memset(out, 0, sizeof(*out));
	memset(&signed_post, 0, sizeof(signed_post));
	if (!endpoint_parse(config->endpoint, &url, errbuf, sizeof(errbuf)))
	{
		snprintf(err->text, sizeof(err->text),
				 "the STS endpoint \"%s\" is refused: %s", config->endpoint,
				 errbuf);
		return false;
	}

	memset(&post, 0, sizeof(post));
	post.host = url.host;
	post.path = url.path;
	post.region = config->region;
	post.service = "sts";
	post.content_type = STS_CONTENT_TYPE;
	if (base != NULL)
	{
		post.access_key_id = base->access_key_id;
		post.secret_access_key = base->secret_access_key;
		post.session_token = base->session_token;
	}
	post.body = body;
	post.body_len = body_len;
	if (!aws_sign_post(&post, NULL, &signed_post))
		goto oom;

	memset(&req, 0, sizeof(req));
	req.url = url.url;
	req.headers = signed_post.lines;
	req.nheaders = signed_post.nlines;
	req.body = body;
	req.body_len = body_len;
	req.operation = action;		/* counted under the STS action */
	if (options.max_body_bytes == 0 || options.max_body_bytes > STS_MAX_BODY_BYTES)
		options.max_body_bytes = STS_MAX_BODY_BYTES;
	options.max_concurrency = 1;

	result = aws_http_fetch(client, &options, &req, sts_decode_error,
							should_stop, arg, &err->interrupted);
	if (result == NULL)
	{
		if (err->interrupted)
		{
			snprintf(err->text, sizeof(err->text), "interrupted");
			goto done;
		}
		goto oom;
	}
	err->attempts = result->attempts;
	if (result->outcome != HTTP_RESPONSE)
	{
		snprintf(err->text, sizeof(err->text), "%s",
				 result->outcome == HTTP_BODY_TOO_LARGE
				 ? "response body too large" : result->error_text);
	}
	else if (result->http_status != 200)
	{
		sts_decode_error((int) result->http_status, result->request_id,
						 result->body, result->body_len, &err->aws);
		err->has_aws_error = true;
		/* a hostile endpoint must not make us print what we sent it */
		redact(err->aws.message, base ? base->secret_access_key : NULL);
		redact(err->aws.message, base ? base->session_token : NULL);
		redact(err->aws.message, redact_also);
	}
	else if (!sts_parse_credentials(action, result->body, result->body_len,
									out, errbuf, sizeof(errbuf)))
		snprintf(err->text, sizeof(err->text), "invalid response: %s", errbuf);
	else
		ok = true;
	goto done;

oom:
	snprintf(err->text, sizeof(err->text), "out of memory");
done:
	if (result != NULL)
	{
		if (result->body != NULL)
			explicit_bzero(result->body, result->body_len);
		http_batch_result_free(result);
	}
	aws_signed_post_free(&signed_post);
	endpoint_free(&url);
	return ok;
}

bool
sts_assume_role(HttpClient *client, const StsConfig *config,
				const AwsCredentials *base, const StsAssumeRoleParams *params,
				AwsStopFn should_stop, void *arg,
				AwsCredentials *out, AwsCredentialError *err)
{
	size_t		len;
	char	   *body;
	bool		ok;

	err->source = "STS AssumeRole";
	body = sts_assume_role_body(params, &len);
	if (body == NULL)
		return fail_text(err, "out of memory");
	ok = sts_call(client, config, "AssumeRole", base, body, len, NULL,
				  should_stop, arg, out, err);
	free(body);
	return ok;
}

bool
sts_assume_role_with_web_identity(HttpClient *client, const StsConfig *config,
								  const char *role_arn,
								  const char *role_session_name,
								  const char *web_identity_token,
								  AwsStopFn should_stop, void *arg,
								  AwsCredentials *out, AwsCredentialError *err)
{
	size_t		len;
	char	   *body;
	bool		ok;

	err->source = "STS AssumeRoleWithWebIdentity";
	body = sts_web_identity_body(role_arn, role_session_name,
								 web_identity_token, &len);
	if (body == NULL)
		return fail_text(err, "out of memory");
	ok = sts_call(client, config, "AssumeRoleWithWebIdentity", NULL, body, len,
				  web_identity_token, should_stop, arg, out, err);
	aws_secret_free(body);
	return ok;
}
