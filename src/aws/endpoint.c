/*
 * endpoint.c
 *		Parses the endpoint option with libcurl's URL parser, the one that
 *		later reads the URL to send to, and says why a value is refused.
 *
 * The checks before curl's are the ones curl would let through but that
 * have no business in a base URL: another scheme, user information (a
 * password in an option shown to anyone who can read the catalog), a query
 * or a fragment (the client appends the path), blanks or control characters.
 */
#include "endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

static bool
			refuse(char *reason, size_t reasonlen, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

static bool
refuse(char *reason, size_t reasonlen, const char *fmt,...)
{
	va_list		ap;

	if (reason != NULL && reasonlen > 0)
	{
		va_start(ap, fmt);
		vsnprintf(reason, reasonlen, fmt, ap);
		va_end(ap);
	}
	return false;
}

/* What curl's URL parser refused, in words a user can act on. */
static bool
refuse_curl(char *reason, size_t reasonlen, CURLUcode code)
{
	switch (code)
	{
		case CURLUE_BAD_PORT_NUMBER:
			return refuse(reason, reasonlen,
						  "the port is not a number from 1 to 65535");
		case CURLUE_BAD_IPV6:
			return refuse(reason, reasonlen,
						  "the host is not a valid IPv6 address");
		case CURLUE_NO_HOST:
			return refuse(reason, reasonlen, "the URL has no host");
		case CURLUE_BAD_HOSTNAME:
			return refuse(reason, reasonlen, "the host name is not valid");
		case CURLUE_OUT_OF_MEMORY:
			return refuse(reason, reasonlen, "out of memory");
		default:
			return refuse(reason, reasonlen, "the URL is not valid (%s)",
						  curl_url_strerror(code));
	}
}

bool
endpoint_parse(const char *text, Endpoint *out, char *reason, size_t reasonlen)
{
	CURLU	   *u = NULL;
	CURLUcode	code;
	const char *rest;
	const char *p;
	char	   *scheme = NULL;
	char	   *host = NULL;
	char	   *port = NULL;
	char	   *path = NULL;
	size_t		len;
	bool		ok = false;

	memset(out, 0, sizeof(*out));
	if (text == NULL || *text == '\0')
		return refuse(reason, reasonlen, "the URL is empty");
	if (strncmp(text, "https://", 8) == 0)
		rest = text + 8;
	else if (strncmp(text, "http://", 7) == 0)
		rest = text + 7;
	else
		return refuse(reason, reasonlen,
					  "the URL does not start with \"https://\" or \"http://\"");
	for (p = text; *p; p++)
	{
		unsigned char c = (unsigned char) *p;

		if (c <= ' ' || c == 0x7f)
			return refuse(reason, reasonlen,
						  "the URL contains a blank or a control character");
		if (c == '@')
			return refuse(reason, reasonlen,
						  "the URL contains user information (\"@\")");
		if (c == '?' || c == '#')
			return refuse(reason, reasonlen,
						  "the URL contains a query or fragment (\"%c\")", c);
	}
	if (*rest == '\0' || *rest == '/' || *rest == ':')
		return refuse(reason, reasonlen, "the URL has no host");

	/* the base URL with a trailing slash, not doubling one */
	len = strlen(text);
	out->url = malloc(len + 2);
	if (out->url == NULL)
		return refuse(reason, reasonlen, "out of memory");
	memcpy(out->url, text, len + 1);
	if (text[len - 1] != '/')
		strcat(out->url, "/");

	u = curl_url();
	if (u == NULL)
	{
		refuse(reason, reasonlen, "out of memory");
		goto done;
	}
	code = curl_url_set(u, CURLUPART_URL, out->url, 0);
	if (code == CURLUE_OK)
		code = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	if (code == CURLUE_OK)
		code = curl_url_get(u, CURLUPART_HOST, &host, 0);
	if (code == CURLUE_OK)
		code = curl_url_get(u, CURLUPART_PATH, &path, 0);
	if (code != CURLUE_OK)
	{
		refuse_curl(reason, reasonlen, code);
		goto done;
	}
	code = curl_url_get(u, CURLUPART_PORT, &port, 0);
	if (code != CURLUE_OK && code != CURLUE_NO_PORT)
	{
		refuse_curl(reason, reasonlen, code);
		goto done;
	}
	if (port != NULL && strtol(port, NULL, 10) == 0)
	{
		refuse_curl(reason, reasonlen, CURLUE_BAD_PORT_NUMBER);
		goto done;
	}

	/* the Host header curl would send: no port when it is the default */
	if (port != NULL &&
		!((strcmp(scheme, "https") == 0 && strcmp(port, "443") == 0) ||
		  (strcmp(scheme, "http") == 0 && strcmp(port, "80") == 0)))
	{
		out->host = malloc(strlen(host) + strlen(port) + 2);
		if (out->host != NULL)
			sprintf(out->host, "%s:%s", host, port);
	}
	else
		out->host = strdup(host);
	out->path = strdup(path);
	if (out->host == NULL || out->path == NULL)
	{
		refuse(reason, reasonlen, "out of memory");
		goto done;
	}
	ok = true;

done:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	if (!ok)
		endpoint_free(out);
	return ok;
}

void
endpoint_free(Endpoint *endpoint)
{
	free(endpoint->url);
	free(endpoint->host);
	free(endpoint->path);
	memset(endpoint, 0, sizeof(*endpoint));
}

bool
endpoint_host_is_loopback(const char *host)
{
	struct in_addr v4;
	struct in6_addr v6;
	char		literal[INET6_ADDRSTRLEN + 1];
	size_t		len = strlen(host);

	if (strcasecmp(host, "localhost") == 0)
		return true;
	/* inet_pton takes only the dotted quad: no "127.1", no octal, no names */
	if (inet_pton(AF_INET, host, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']' &&
		len - 2 < sizeof(literal))
	{
		memcpy(literal, host + 1, len - 2);
		literal[len - 2] = '\0';
		return inet_pton(AF_INET6, literal, &v6) == 1 &&
			IN6_IS_ADDR_LOOPBACK(&v6);
	}
	return false;
}
