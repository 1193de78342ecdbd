/*
 * test_endpoint.c
 *		Unit tests of the endpoint parser: the parts a request needs, and a
 *		reason for every value refused.  Prints TAP.
 */
#include "endpoint.h"
#include "tap.h"

#include <string.h>

static void
accepts(const char *text, const char *url, const char *host, const char *path)
{
	Endpoint	ep;
	char		reason[256] = "";
	bool		parsed = endpoint_parse(text, &ep, reason, sizeof(reason));

	ok(parsed && strcmp(ep.url, url) == 0 && strcmp(ep.host, host) == 0 &&
	   strcmp(ep.path, path) == 0,
	   "%s: url %s, host %s, path %s%s%s", text,
	   parsed ? ep.url : "-", parsed ? ep.host : "-", parsed ? ep.path : "-",
	   parsed ? "" : ", refused: ", reason);
	if (parsed)
		endpoint_free(&ep);
}

static void
refuses(const char *text, const char *reason_expected)
{
	Endpoint	ep;
	char		reason[256] = "";
	bool		parsed = endpoint_parse(text, &ep, reason, sizeof(reason));

	ok(!parsed && strcmp(reason, reason_expected) == 0 && ep.url == NULL &&
	   ep.host == NULL && ep.path == NULL,
	   "%s refused: %s", text ? text : "NULL", reason);
	if (parsed)
		endpoint_free(&ep);
}

int
main(void)
{
	accepts("https://athena.us-east-1.amazonaws.com",
			"https://athena.us-east-1.amazonaws.com/",
			"athena.us-east-1.amazonaws.com", "/");
	accepts("http://127.0.0.1:8080/", "http://127.0.0.1:8080/",
			"127.0.0.1:8080", "/");
	accepts("https://h:443", "https://h:443/", "h", "/");
	accepts("http://h:80", "http://h:80/", "h", "/");
	accepts("http://h:443", "http://h:443/", "h:443", "/");
	accepts("http://[::1]:9000/base", "http://[::1]:9000/base/", "[::1]:9000",
			"/base/");

	/* the values issue 7 found reported as "out of memory" */
	refuses("https://127.0.0.1:99999",
			"the port is not a number from 1 to 65535");
	refuses("http://[zz]:1", "the host is not a valid IPv6 address");
	refuses("http://:80", "the URL has no host");

	refuses("http://h:0", "the port is not a number from 1 to 65535");
	refuses("http://h:-1", "the port is not a number from 1 to 65535");
	refuses("", "the URL is empty");
	refuses(NULL, "the URL is empty");
	refuses("ftp://h", "the URL does not start with \"https://\" or \"http://\"");
	refuses("HTTPS://h", "the URL does not start with \"https://\" or \"http://\"");
	refuses("athena.us-east-1.amazonaws.com",
			"the URL does not start with \"https://\" or \"http://\"");
	refuses("https://", "the URL has no host");
	refuses("https:///path", "the URL has no host");
	refuses("https://a b", "the URL contains a blank or a control character");
	refuses("https://h/\x01", "the URL contains a blank or a control character");
	refuses("https://user:pw@h", "the URL contains user information (\"@\")");
	refuses("https://h/?x=1", "the URL contains a query or fragment (\"?\")");
	refuses("https://h/#top", "the URL contains a query or fragment (\"#\")");
	refuses("https://a<b>", "the host name is not valid");

	/* loopback is decided on the address, never on a prefix of the name */
	ok(endpoint_host_is_loopback("127.0.0.1") &&
	   endpoint_host_is_loopback("127.255.255.254") &&
	   endpoint_host_is_loopback("localhost") &&
	   endpoint_host_is_loopback("LocalHost") &&
	   endpoint_host_is_loopback("[::1]") &&
	   endpoint_host_is_loopback("[0:0:0:0:0:0:0:1]"),
	   "loopback: 127.0.0.0/8, [::1] in any spelling, localhost");
	ok(!endpoint_host_is_loopback("127.evil.example") &&
	   !endpoint_host_is_loopback("127.0.0.1.nip.io") &&
	   !endpoint_host_is_loopback("127.0.0.1.") &&
	   !endpoint_host_is_loopback("localhost.evil.example") &&
	   !endpoint_host_is_loopback("128.0.0.1") &&
	   !endpoint_host_is_loopback("::1") &&
	   !endpoint_host_is_loopback("[::2]") &&
	   !endpoint_host_is_loopback("[::ffff:127.0.0.1x]") &&
	   !endpoint_host_is_loopback(""),
	   "loopback: names that start like a loopback address are not loopback");

	return tap_finish();
}
