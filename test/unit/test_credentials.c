/*
 * test_credentials.c
 *		The credential chain's parsers and the links that need no network:
 *		STS form bodies, STS XML answers and errors (hostile documents
 *		included), the shared credentials file, metadata JSON, timestamps,
 *		container URI rules, and the chain's order over environment and file.
 *		The network links run against the mock in test/checks/credentials.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws_credentials.h"
#include "tap.h"

#define XML_NS " xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\""

static const char good_xml[] =
"<AssumeRoleResponse" XML_NS ">\n"
"  <AssumeRoleResult>\n"
"    <Credentials>\n"
"      <AccessKeyId>ASIAEXAMPLE</AccessKeyId>\n"
"      <SecretAccessKey>wJalr/SECRET+xyz</SecretAccessKey>\n"
"      <SessionToken>FwoGZX&amp;token==</SessionToken>\n"
"      <Expiration>2026-11-26T06:00:00Z</Expiration>\n"
"    </Credentials>\n"
"    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn></AssumedRoleUser>\n"
"  </AssumeRoleResult>\n"
"  <ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>\n"
"</AssumeRoleResponse>\n";

static void
test_bodies(void)
{
	StsAssumeRoleParams p = {"arn:aws:iam::123456789012:role/Monitor",
	"athena_fdw-alice", "ext id/1", 900};
	size_t		len;
	char	   *body = sts_assume_role_body(&p, &len);

	ok(body != NULL && strcmp(body,
							  "Action=AssumeRole&Version=2011-06-15"
							  "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FMonitor"
							  "&RoleSessionName=athena_fdw-alice&DurationSeconds=900"
							  "&ExternalId=ext%20id%2F1") == 0 && len == strlen(body),
	   "AssumeRole body is form-encoded with every parameter");
	free(body);
	p.external_id = NULL;
	p.duration_seconds = 0;
	body = sts_assume_role_body(&p, &len);
	ok(body != NULL && strstr(body, "DurationSeconds") == NULL &&
	   strstr(body, "ExternalId") == NULL,
	   "AssumeRole body leaves out unset optional parameters");
	free(body);
	body = sts_web_identity_body("arn:aws:iam::1:role/r", "s", "eyJ.a+b=", &len);
	ok(body != NULL && strcmp(body,
							  "Action=AssumeRoleWithWebIdentity&Version=2011-06-15"
							  "&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fr&RoleSessionName=s"
							  "&WebIdentityToken=eyJ.a%2Bb%3D") == 0,
	   "AssumeRoleWithWebIdentity body carries the token encoded");
	free(body);
}

static void
test_parse_credentials(void)
{
	AwsCredentials c;
	char		err[128];

	ok(sts_parse_credentials("AssumeRole", good_xml, strlen(good_xml), &c,
							 err, sizeof(err)) &&
	   strcmp(c.access_key_id, "ASIAEXAMPLE") == 0 &&
	   strcmp(c.secret_access_key, "wJalr/SECRET+xyz") == 0 &&
	   strcmp(c.session_token, "FwoGZX&token==") == 0 &&
	   c.expiration == 1795672800,
	   "AssumeRole answer: keys, token (entity decoded), expiration");
	aws_credentials_clear(&c);
	ok(c.access_key_id == NULL && c.expiration == 0, "clear zeroes the struct");

	ok(!sts_parse_credentials("AssumeRoleWithWebIdentity", good_xml,
							  strlen(good_xml), &c, err, sizeof(err)) &&
	   strcmp(err, "response is not an answer to this call") == 0,
	   "an answer to another action is refused");
}

/* Each hostile document must be refused, with the reason given. */
static void
test_hostile_xml(void)
{
	static const struct
	{
		const char *name;
		const char *xml;
		const char *reason;
	}			cases[] = {
		{"billion laughs (internal entities)",
			"<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\">"
			"<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
			"<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>"
			"<AssumeRoleResponse><AssumeRoleResult><Credentials>"
			"<AccessKeyId>&c;</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
			"<SessionToken>t</SessionToken><Expiration>2026-11-26T06:00:00Z</Expiration>"
			"</Credentials></AssumeRoleResult></AssumeRoleResponse>",
		"response is not well-formed XML"},
		{"external entity (XXE)",
			"<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
			"<AssumeRoleResponse><AssumeRoleResult><Credentials>"
			"<AccessKeyId>&x;</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
			"<SessionToken>t</SessionToken><Expiration>2026-11-26T06:00:00Z</Expiration>"
			"</Credentials></AssumeRoleResult></AssumeRoleResponse>",
		"response is not well-formed XML"},
		{"undefined entity without a DTD",
			"<AssumeRoleResponse><AssumeRoleResult><Credentials>"
			"<AccessKeyId>&nope;</AccessKeyId></Credentials></AssumeRoleResult></AssumeRoleResponse>",
		"response is not well-formed XML"},
		{"truncated document",
			"<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A",
		"response is not well-formed XML"},
		{"not XML at all", "{\"AccessKeyId\":\"A\"}", "response is not well-formed XML"},
		{"element where a value belongs",
			"<AssumeRoleResponse><AssumeRoleResult><Credentials>"
			"<AccessKeyId><b>A</b></AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
			"<SessionToken>t</SessionToken><Expiration>2026-11-26T06:00:00Z</Expiration>"
			"</Credentials></AssumeRoleResult></AssumeRoleResponse>",
		"response lacks AccessKeyId, SecretAccessKey, SessionToken or Expiration"},
		{"no Credentials",
			"<AssumeRoleResponse><AssumeRoleResult/></AssumeRoleResponse>",
		"response has no Credentials element"},
		{"bad Expiration",
			"<AssumeRoleResponse><AssumeRoleResult><Credentials>"
			"<AccessKeyId>A</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
			"<SessionToken>t</SessionToken><Expiration>tomorrow</Expiration>"
			"</Credentials></AssumeRoleResult></AssumeRoleResponse>",
		"response has a malformed Expiration"},
		{"two roots", "<AssumeRoleResponse/><AssumeRoleResponse/>",
		"response is not well-formed XML"},
		{"empty body", "", "response is not well-formed XML"},
	};
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		AwsCredentials c;
		char		err[128] = "";
		bool		parsed = sts_parse_credentials("AssumeRole", cases[i].xml,
												   strlen(cases[i].xml), &c,
												   err, sizeof(err));

		if (!ok(!parsed && c.access_key_id == NULL &&
				strcmp(err, cases[i].reason) == 0,
				"hostile XML refused: %s", cases[i].name))
			diag("got \"%s\"", err);
		aws_credentials_clear(&c);
	}
}

static void
test_decode_error(void)
{
	static const char xml[] =
	"<ErrorResponse" XML_NS "><Error><Type>Sender</Type><Code>AccessDenied</Code>"
	"<Message>User: arn:aws:iam::1:user/u is not authorized to perform: sts:AssumeRole</Message>"
	"</Error><RequestId>xml-req</RequestId></ErrorResponse>";
	AwsError	e;

	sts_decode_error(403, NULL, xml, strlen(xml), &e);
	ok(e.http_status == 403 && strcmp(e.type, "AccessDenied") == 0 &&
	   strstr(e.message, "is not authorized to perform: sts:AssumeRole") != NULL &&
	   e.request_id && strcmp(e.request_id, "xml-req") == 0,
	   "STS XML error: code, message, request id from the body");
	aws_error_free(&e);
	sts_decode_error(403, "hdr-req", xml, strlen(xml), &e);
	ok(strcmp(e.request_id, "hdr-req") == 0, "the request id header wins");
	aws_error_free(&e);
	sts_decode_error(502, NULL, "<html>bad gateway", 17, &e);
	ok(strcmp(e.type, "HTTP 502") == 0 &&
	   strcmp(e.message, "response body is not XML") == 0,
	   "a non-XML error page still gives a usable error");
	aws_error_free(&e);
}

static void
test_shared_file(void)
{
	static const char text[] =
	"# comment\n[default]\naws_access_key_id = AKIDDEFAULT\n"
	"aws_secret_access_key=secret/default\n\n"
	"[other]\n ; another comment\nAWS_ACCESS_KEY_ID = AKIDOTHER\r\n"
	"aws_secret_access_key = secret/other\r\naws_session_token = tok\n"
	"[partial]\naws_access_key_id = AKIDPARTIAL\n";
	AwsCredentials c;
	char		err[256];

	ok(aws_shared_file_parse(text, "default", &c, err, sizeof(err)) == AWS_CHAIN_FOUND &&
	   strcmp(c.access_key_id, "AKIDDEFAULT") == 0 &&
	   strcmp(c.secret_access_key, "secret/default") == 0 &&
	   c.session_token == NULL && c.expiration == 0,
	   "shared file: default profile");
	aws_credentials_clear(&c);
	ok(aws_shared_file_parse(text, "other", &c, err, sizeof(err)) == AWS_CHAIN_FOUND &&
	   strcmp(c.access_key_id, "AKIDOTHER") == 0 &&
	   strcmp(c.session_token, "tok") == 0,
	   "shared file: named profile, CRLF, spaces, key case, token");
	aws_credentials_clear(&c);
	ok(aws_shared_file_parse(text, "missing", &c, err, sizeof(err)) == AWS_CHAIN_NOTHING,
	   "shared file: absent profile is nothing");
	/* configparser keeps a header as written: "[ x ]" is profile " x " */
	ok(aws_shared_file_parse("[ spaced ]\naws_access_key_id = A\naws_secret_access_key = s\n",
							 "spaced", &c, err, sizeof(err)) == AWS_CHAIN_NOTHING &&
	   aws_shared_file_parse("[ spaced ]\naws_access_key_id = A\naws_secret_access_key = s\n",
							 " spaced ", &c, err, sizeof(err)) == AWS_CHAIN_FOUND,
	   "shared file: a header with blanks names a profile with blanks, as botocore reads it");
	aws_credentials_clear(&c);
	ok(aws_shared_file_parse(text, "partial", &c, err, sizeof(err)) == AWS_CHAIN_FAILED &&
	   strstr(err, "AKIDPARTIAL") == NULL &&
	   strcmp(err, "profile \"partial\" has no aws_access_key_id and aws_secret_access_key") == 0,
	   "shared file: a profile without its secret is an error naming no value");
}

static void
test_metadata_json(void)
{
	static const char good[] =
	"{\"Code\":\"Success\",\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"ASIAIMDS\","
	"\"SecretAccessKey\":\"imds/secret\",\"Token\":\"imds-token\","
	"\"Expiration\":\"2026-11-26T06:00:00Z\"}";
	AwsCredentials c;
	char		err[128];

	ok(aws_metadata_credentials_parse(good, strlen(good), &c, err, sizeof(err)) &&
	   strcmp(c.access_key_id, "ASIAIMDS") == 0 &&
	   strcmp(c.session_token, "imds-token") == 0 && c.expiration == 1795672800,
	   "metadata JSON: keys, token, expiration");
	aws_credentials_clear(&c);
	ok(!aws_metadata_credentials_parse("{\"Code\":\"Failure\"}", 18, &c, err, sizeof(err)) &&
	   strcmp(err, "response says Code is not Success") == 0,
	   "metadata JSON: Code other than Success");
	ok(!aws_metadata_credentials_parse("{\"AccessKeyId\":\"A\"} x", 22, &c, err, sizeof(err)) &&
	   strcmp(err, "response is not a JSON object") == 0,
	   "metadata JSON: trailing garbage");
	ok(!aws_metadata_credentials_parse("{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\"}", 41,
									   &c, err, sizeof(err)) &&
	   strstr(err, "lacks") != NULL,
	   "metadata JSON: missing token and expiration");
	{
		static const char injected[] =
		"{\"Code\":\"Success\",\"AccessKeyId\":\"ASIAIMDS\","
		"\"SecretAccessKey\":\"s\",\"Token\":\"tok\\r\\nX-Injected: yes\","
		"\"Expiration\":\"2026-11-26T06:00:00Z\"}";

		ok(!aws_metadata_credentials_parse(injected, strlen(injected), &c,
										   err, sizeof(err)) &&
		   strcmp(err, "a key or the session token holds a control character") == 0 &&
		   c.access_key_id == NULL,
		   "metadata JSON: a token with CR LF is refused (%s)", err);
	}
	ok(aws_credentials_set(&c, "AKID", "secret", "tok\x7f", 0) != NULL &&
	   aws_credentials_set(&c, "AK\nID", "secret", NULL, 0) != NULL &&
	   aws_credentials_set(&c, "AKID", "sec\x01ret", NULL, 0) != NULL &&
	   c.access_key_id == NULL,
	   "credentials: DEL, LF and other control characters are refused");
	ok(aws_credentials_set(&c, "AKID", "secret/+=", "tok", 0) == NULL,
	   "credentials: clean values are taken");
	aws_credentials_clear(&c);
}

static void
test_iso8601(void)
{
	time_t		t;

	ok(aws_parse_iso8601("2026-11-26T06:00:00Z", &t) && t == 1795672800,
	   "ISO 8601 with Z");
	ok(aws_parse_iso8601("2026-11-26T06:00:00.123Z", &t) && t == 1795672800,
	   "ISO 8601 with fractions");
	ok(aws_parse_iso8601("2026-11-26T06:00:00+00:00", &t) && t == 1795672800,
	   "ISO 8601 with +00:00");
	ok(!aws_parse_iso8601("2026-11-26 06:00:00", &t) &&
	   !aws_parse_iso8601("2026-13-26T06:00:00Z", &t) &&
	   !aws_parse_iso8601("2026-11-26T06:00:00+02:00", &t) &&
	   !aws_parse_iso8601("2026-11-26T06:00:00Zjunk", &t),
	   "malformed timestamps are refused");
}

static void
test_container_uri(void)
{
	ok(aws_container_uri_allowed("https://example.com/creds") &&
	   aws_container_uri_allowed("http://127.0.0.1:9911/creds") &&
	   aws_container_uri_allowed("http://localhost/creds") &&
	   aws_container_uri_allowed("http://[::1]:80/creds") &&
	   aws_container_uri_allowed("http://169.254.170.23/v1/credentials"),
	   "container URI: https, loopback and the agents' addresses are allowed");
	ok(!aws_container_uri_allowed("http://example.com/creds") &&
	   !aws_container_uri_allowed("http://10.0.0.1/creds") &&
	   !aws_container_uri_allowed("ftp://127.0.0.1/creds") &&
	   !aws_container_uri_allowed("not a url") &&
	   !aws_container_uri_allowed("http://127.evil.example/creds") &&
	   !aws_container_uri_allowed("http://127.0.0.1.nip.io/creds"),
	   "container URI: plain http elsewhere and other schemes are refused");
}

static void
test_untrusted_endpoint(void)
{
	ok(aws_endpoint_allowed_for_untrusted("https://athena.eu-west-1.amazonaws.com") &&
	   aws_endpoint_allowed_for_untrusted("https://athena.cn-north-1.amazonaws.com.cn/") &&
	   aws_endpoint_allowed_for_untrusted("https://athena.us-east-1.api.aws") &&
	   aws_endpoint_allowed_for_untrusted("https://127.0.0.1:8443") &&
	   aws_endpoint_allowed_for_untrusted("http://127.0.0.1:9999") &&
	   aws_endpoint_allowed_for_untrusted("http://localhost/") &&
	   aws_endpoint_allowed_for_untrusted("http://[::1]:80"),
	   "untrusted endpoint: https on AWS domains, http(s) to loopback");
	ok(!aws_endpoint_allowed_for_untrusted("http://athena.eu-west-1.amazonaws.com") &&
	   !aws_endpoint_allowed_for_untrusted("https://evilamazonaws.com") &&
	   !aws_endpoint_allowed_for_untrusted("https://amazonaws.com.evil.example") &&
	   !aws_endpoint_allowed_for_untrusted("https://10.0.0.5") &&
	   !aws_endpoint_allowed_for_untrusted("http://169.254.169.254") &&
	   !aws_endpoint_allowed_for_untrusted("ftp://127.0.0.1") &&
	   !aws_endpoint_allowed_for_untrusted("http://127.evil.example:8080") &&
	   !aws_endpoint_allowed_for_untrusted("http://127.0.0.1.nip.io") &&
	   !aws_endpoint_allowed_for_untrusted("https://localhost.evil.example"),
	   "untrusted endpoint: plain http off loopback, look-alike and other hosts refused");
}

static void
clear_env(void)
{
	static const char *const names[] = {
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
		"AWS_SHARED_CREDENTIALS_FILE", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_CONFIG_FILE", "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT", NULL
	};
	int			i;

	for (i = 0; names[i]; i++)
		unsetenv(names[i]);
	/* never reach for 169.254.169.254 from a test */
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}

static void
test_chain_offline(void)
{
	AwsChainConfig config;
	AwsCredentials c;
	AwsCredentialSource source;
	AwsCredentialError err;
	char		path[] = "/tmp/athena_fdw_credsXXXXXX";
	int			fd;
	FILE	   *f;
	HttpClient *client = http_client_create(NULL, 0);

	memset(&config, 0, sizeof(config));
	clear_env();
	fd = mkstemp(path);
	f = fdopen(fd, "w");
	fputs("[default]\naws_access_key_id=AKIDFILE\naws_secret_access_key=file/secret\n"
		  "[ops]\naws_access_key_id=AKIDOPS\naws_secret_access_key=ops/secret\n", f);
	fclose(f);
	setenv("HOME", "/nonexistent", 1);

	ok(aws_chain_resolve(client, &config, NULL, NULL, &c, &source, &err) ==
	   AWS_CHAIN_NOTHING && source == AWS_SOURCE_NONE,
	   "chain: nothing configured, metadata disabled: nothing");

	setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
	ok(aws_chain_resolve(client, &config, NULL, NULL, &c, &source, &err) ==
	   AWS_CHAIN_FOUND && source == AWS_SOURCE_SHARED_FILE &&
	   strcmp(c.access_key_id, "AKIDFILE") == 0,
	   "chain: shared file, default profile");
	aws_credentials_clear(&c);

	setenv("AWS_PROFILE", "ops", 1);
	ok(aws_chain_resolve(client, &config, NULL, NULL, &c, &source, &err) ==
	   AWS_CHAIN_FOUND && strcmp(c.access_key_id, "AKIDOPS") == 0,
	   "chain: AWS_PROFILE picks the profile");
	aws_credentials_clear(&c);

	config.profile = "default";
	ok(aws_chain_resolve(client, &config, NULL, NULL, &c, &source, &err) ==
	   AWS_CHAIN_FOUND && strcmp(c.access_key_id, "AKIDFILE") == 0,
	   "chain: the aws_profile option wins over AWS_PROFILE");
	aws_credentials_clear(&c);

	config.profile = "nope";
	ok(aws_chain_resolve(client, &config, NULL, NULL, &c, &source, &err) ==
	   AWS_CHAIN_FAILED && strstr(err.text, "profile \"nope\" not found") != NULL,
	   "chain: a named profile that is absent is an error");
	config.profile = NULL;

	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	ok(aws_chain_resolve(client, &config, NULL, NULL, &c, &source, &err) ==
	   AWS_CHAIN_FAILED && strcmp(err.source, "the environment") == 0,
	   "chain: an access key without its secret in the environment is an error");
	setenv("AWS_SECRET_ACCESS_KEY", "env/secret", 1);
	setenv("AWS_SESSION_TOKEN", "env-token", 1);
	ok(aws_chain_resolve(client, &config, NULL, NULL, &c, &source, &err) ==
	   AWS_CHAIN_FOUND && source == AWS_SOURCE_ENVIRONMENT &&
	   strcmp(c.access_key_id, "AKIDENV") == 0 &&
	   strcmp(c.session_token, "env-token") == 0,
	   "chain: environment keys come before the file");
	aws_credentials_clear(&c);

	clear_env();
	setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/token", 1);
	setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/r", 1);
	ok(aws_chain_resolve(client, &config, NULL, NULL, &c, &source, &err) ==
	   AWS_CHAIN_FAILED && strcmp(err.source, "web identity") == 0 &&
	   strstr(err.text, "could not read the web identity token file \"/nonexistent/token\"") != NULL,
	   "chain: an unreadable web identity token file is an error");

	clear_env();
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds", 1);
	ok(aws_chain_resolve(client, &config, NULL, NULL, &c, &source, &err) ==
	   AWS_CHAIN_FAILED && strcmp(err.source, "container credentials") == 0 &&
	   strstr(err.text, "neither https nor a loopback address") != NULL,
	   "chain: a container URI over plain http to another host is refused");

	clear_env();
	unlink(path);
	http_client_destroy(client);
}

/* botocore's windows, and shorter ones for keys that live less than 30 min */
static void
test_renewal_windows(void)
{
	time_t		advisory;
	time_t		mandatory;
	const time_t t = 1800000000;

	aws_credentials_renewal(t + 3600, t, &advisory, &mandatory);
	ok(advisory == t + 3600 - 900 && mandatory == t + 3600 - 600,
	   "an hour's keys: renewed from 15 min before, at the latest 10 min before");
	aws_credentials_renewal(t + 1800, t, &advisory, &mandatory);
	ok(advisory == t + 900 && mandatory == t + 1200,
	   "30 minutes: still botocore's windows");
	aws_credentials_renewal(t + 900, t, &advisory, &mandatory);
	ok(advisory == t + 450 && mandatory == t + 600,
	   "a 15-minute role: after half its life, at the latest after two thirds");
	aws_credentials_renewal(t + 4, t, &advisory, &mandatory);
	ok(advisory == t + 2 && mandatory == t + 3, "4 s: after 2 s, by 3 s");
	aws_credentials_renewal(t - 5, t, &advisory, &mandatory);
	ok(advisory == t - 5 && mandatory == t - 5, "already expired: renewed at once");
}

int
main(void)
{
	test_renewal_windows();
	test_bodies();
	test_parse_credentials();
	test_hostile_xml();
	test_decode_error();
	test_shared_file();
	test_metadata_json();
	test_iso8601();
	test_container_uri();
	test_untrusted_endpoint();
	test_chain_offline();
	return tap_finish();
}
