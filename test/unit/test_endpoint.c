/*
 * test_endpoint.c
 *		Unit tests of the endpoint parser: the parts a request needs, and a
 *		reason for every value refused.  Prints TAP.
 */
#include "aws_credentials.h"
#include "aws_endpoints.h"
#include "endpoint.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

/*
 * The four URLs (plain, FIPS, dual-stack, both) botocore's EndpointProvider
 * gives for a service and region with Debian's python3-botocore 1.29.27
 * (STS with UseGlobalEndpoint false); "!" marks an error of the rules.
 */
static const char *const rule_cases[][6] = {
	{"athena", "us-east-1", "https://athena.us-east-1.amazonaws.com",
		"https://athena-fips.us-east-1.amazonaws.com",
		"https://athena.us-east-1.api.aws",
	"https://athena-fips.us-east-1.api.aws"},
	{"athena", "cn-north-1", "https://athena.cn-north-1.amazonaws.com.cn",
		"https://athena-fips.cn-north-1.amazonaws.com.cn",
		"https://athena.cn-north-1.api.amazonwebservices.com.cn",
	"https://athena-fips.cn-north-1.api.amazonwebservices.com.cn"},
	{"athena", "us-gov-west-1", "https://athena.us-gov-west-1.amazonaws.com",
		"https://athena-fips.us-gov-west-1.amazonaws.com",
		"https://athena.us-gov-west-1.api.aws",
	"https://athena-fips.us-gov-west-1.api.aws"},
	{"athena", "us-iso-east-1", "https://athena.us-iso-east-1.c2s.ic.gov",
	"https://athena-fips.us-iso-east-1.c2s.ic.gov", "!", "!"},
	{"athena", "us-isob-east-1", "https://athena.us-isob-east-1.sc2s.sgov.gov",
	"https://athena-fips.us-isob-east-1.sc2s.sgov.gov", "!", "!"},
	{"athena", "xx-new-1", "https://athena.xx-new-1.amazonaws.com",
		"https://athena-fips.xx-new-1.amazonaws.com",
	"https://athena.xx-new-1.api.aws", "https://athena-fips.xx-new-1.api.aws"},
	{"sts", "us-east-1", "https://sts.us-east-1.amazonaws.com",
		"https://sts-fips.us-east-1.amazonaws.com",
	"https://sts.us-east-1.api.aws", "https://sts-fips.us-east-1.api.aws"},
	{"sts", "cn-north-1", "https://sts.cn-north-1.amazonaws.com.cn",
		"https://sts-fips.cn-north-1.amazonaws.com.cn",
		"https://sts.cn-north-1.api.amazonwebservices.com.cn",
	"https://sts-fips.cn-north-1.api.amazonwebservices.com.cn"},
	{"sts", "us-gov-west-1", "https://sts.us-gov-west-1.amazonaws.com",
		"https://sts.us-gov-west-1.amazonaws.com",
	"https://sts.us-gov-west-1.api.aws", "https://sts-fips.us-gov-west-1.api.aws"},
	{"sts", "us-iso-east-1", "https://sts.us-iso-east-1.c2s.ic.gov",
	"https://sts-fips.us-iso-east-1.c2s.ic.gov", "!", "!"},
	{"sts", "us-isob-east-1", "https://sts.us-isob-east-1.sc2s.sgov.gov",
	"https://sts-fips.us-isob-east-1.sc2s.sgov.gov", "!", "!"},
};

static void
test_rules(void)
{
	size_t		i;
	int			v;
	char		err[256];

	for (i = 0; i < sizeof(rule_cases) / sizeof(rule_cases[0]); i++)
	{
		for (v = 0; v < 4; v++)
		{
			const char *want = rule_cases[i][2 + v];
			char	   *url = aws_endpoint_url(rule_cases[i][0], rule_cases[i][1],
											   v == 1 || v == 3, v >= 2,
											   err, sizeof(err));

			ok(want[0] == '!' ? url == NULL && strstr(err, "does not support") != NULL
			   : url != NULL && strcmp(url, want) == 0,
			   "rules: %s %s%s%s: %s", rule_cases[i][0], rule_cases[i][1],
			   v == 1 || v == 3 ? " FIPS" : "", v >= 2 ? " dual-stack" : "",
			   url ? url : err);
			free(url);
		}
	}
	ok(strcmp(aws_partition_for_region("us-gov-east-1")->id, "aws-us-gov") == 0 &&
	   strcmp(aws_partition_for_region("us-east-1")->id, "aws") == 0 &&
	   strcmp(aws_partition_for_region("us-isob-east-1")->id, "aws-iso-b") == 0,
	   "partitions: us-gov- and us-isob- are not the aws partition's us-");
	ok(aws_endpoint_allowed_for_untrusted("https://athena.us-iso-east-1.c2s.ic.gov") &&
	   aws_endpoint_allowed_for_untrusted("https://athena.cn-north-1.api.amazonwebservices.com.cn") &&
	   aws_endpoint_allowed_for_untrusted("https://athena-fips.us-east-1.api.aws") &&
	   !aws_endpoint_allowed_for_untrusted("https://athena.evilc2s.ic.gov") &&
	   !aws_endpoint_allowed_for_untrusted("http://athena.us-east-1.amazonaws.com"),
	   "allow-list: every partition's domains over https, nothing else");
}

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
	test_rules();
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
