/*
 * test_aws_config.c
 *		The AWS CLI's files as botocore reads them (configparser's syntax,
 *		its errors, profile merging), credential_process (splitting, its
 *		JSON, exit status, timeout, bounded output, stop), and the chain's
 *		offline links: config-only profiles, precedence, role profile
 *		validation (cycles, mfa_serial, credential_source).  What needs STS
 *		runs against the mock in test/checks/credentials.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws_config.h"
#include "aws_credentials.h"
#include "aws_process.h"
#include "aws_sso.h"
#include "tap.h"

static char dir[] = "/tmp/athena_fdw_configXXXXXX";

static const char *
write_file(const char *name, const char *text, int mode)
{
	static char path[4][256];
	static int	n = 0;
	char	   *p = path[n++ % 4];
	FILE	   *f;

	snprintf(p, 256, "%s/%s", dir, name);
	f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
	chmod(p, mode);
	return p;
}

static void
test_parse(void)
{
	static const char config_text[] =
	"# comment\n"
	"[default]\n"
	"region = eu-west-1\n"
	"  ; indented comment\n"
	"[profile ops]\n"
	"region: us-west-2\n"
	"s3 =\n"
	"    addressing_style = path\n"
	"\n"
	"    signature_version = s3v4\n"
	"output = json\n"
	"[sso-session corp]\n"
	"sso_region = us-east-1\n"
	"[services local]\n"
	"athena =\n"
	"  endpoint_url = http://127.0.0.1:1\n"
	"[plain]\n"
	"x = 1\n";
	static const char creds_text[] =
	"[ops]\n"
	"REGION = ap-south-1\n"
	"aws_access_key_id = AKIDOPS\n";
	AwsConfig  *c = aws_config_new();
	char		err[256];

	ok(aws_config_parse(c, config_text, "config", false, err, sizeof(err)) &&
	   aws_config_parse(c, creds_text, "credentials", true, err, sizeof(err)),
	   "parse: comments, indentation, ':' and a nested block are accepted");
	ok(strcmp(aws_config_get(c, "default", "region", NULL), "eu-west-1") == 0,
	   "parse: [default] is the default profile");
	ok(strcmp(aws_config_get(c, "ops", "region", NULL), "ap-south-1") == 0 &&
	   strcmp(aws_config_get_in(c, false, "ops", "region"), "us-west-2") == 0,
	   "merge: the credentials file wins key by key (keys folded to lower case)");
	ok(strcmp(aws_config_get(c, "ops", "output", NULL), "json") == 0 &&
	   strcmp(aws_config_get(c, "ops", "s3", "signature_version"), "s3v4") == 0 &&
	   strcmp(aws_config_get(c, "ops", "s3", NULL), "") == 0,
	   "merge: config keys the credentials file lacks, nested values by subkey");
	ok(strcmp(aws_config_section_get(c, AWS_SECTION_SSO_SESSION, "corp",
									 "sso_region", NULL), "us-east-1") == 0 &&
	   strcmp(aws_config_section_get(c, AWS_SECTION_SERVICES, "local",
									 "athena", "endpoint_url"),
			  "http://127.0.0.1:1") == 0,
	   "parse: [sso-session NAME] and [services NAME] sections");
	ok(!aws_config_has_profile(c, "plain") && aws_config_has_profile(c, "ops"),
	   "parse: a config section without \"profile \" is not a profile");
	aws_config_free(c);

	c = aws_config_new();
	ok(!aws_config_parse(c, "region = x\n[default]\n", "/f", false, err, sizeof(err)) &&
	   strcmp(err, "\"/f\" line 1: a line before the first [section] header") == 0,
	   "error: a key before any section names file and line");
	ok(!aws_config_parse(c, "[default]\n\naws_secret_access_key SECRETVALUE\n", "/f",
						 true, err, sizeof(err)) &&
	   strstr(err, "\"/f\" line 3: a line that is neither") != NULL &&
	   strstr(err, "SECRETVALUE") == NULL,
	   "error: a line without '=' names the line, never its text");
	ok(!aws_config_parse(c, "[a]\nk = 1\nK = 2\n", "/f", true, err, sizeof(err)) &&
	   strcmp(err, "\"/f\" line 3: key \"k\" appears a second time in section [a]") == 0,
	   "error: a key twice in a section (configparser's strict mode)");
	ok(!aws_config_parse(c, "[a]\n[b]\n[a]\n", "/f", true, err, sizeof(err)) &&
	   strstr(err, "line 3: section [a] appears a second time") != NULL,
	   "error: a section twice in one file");
	ok(!aws_config_parse(c, "[profile x]\ns3 =\n  novalue\n", "/f", false, err, sizeof(err)) &&
	   strstr(err, "line 3: a line of the nested block under \"s3\"") != NULL,
	   "error: a nested line without '=' (botocore's _parse_nested)");
	ok(!aws_config_parse(c, "[]\n", "/f", false, err, sizeof(err)) &&
	   strstr(err, "line 1: a section header") != NULL,
	   "error: an empty section header");
	aws_config_free(c);
}

static void
test_expand_home(void)
{
	char	   *p;

	setenv("HOME", "/home/someone", 1);
	p = aws_expand_home("~/.aws/config");
	ok(strcmp(p, "/home/someone/.aws/config") == 0, "~ is $HOME");
	free(p);
	p = aws_expand_home("~root/x");
	ok(strcmp(p, "/root/x") == 0, "~user is that user's home");
	free(p);
	p = aws_expand_home("/abs/~/x");
	ok(strcmp(p, "/abs/~/x") == 0, "a ~ further on is kept");
	free(p);
}

static void
test_split(void)
{
	char		err[128];
	char	  **argv = aws_process_split("  /bin/helper 'a b' \"c \\\"d\\\"\" e\\ f g''h ",
										 err, sizeof(err));

	ok(argv != NULL && strcmp(argv[0], "/bin/helper") == 0 &&
	   strcmp(argv[1], "a b") == 0 && strcmp(argv[2], "c \"d\"") == 0 &&
	   strcmp(argv[3], "e f") == 0 && strcmp(argv[4], "gh") == 0 &&
	   argv[5] == NULL,
	   "split: as shlex.split (quotes, escapes, joined quoted parts)");
	aws_process_argv_free(argv);
	ok(aws_process_split("a 'b", err, sizeof(err)) == NULL &&
	   strstr(err, "unterminated single quote") != NULL,
	   "split: an unterminated quote is an error");
	ok(aws_process_split("   ", err, sizeof(err)) == NULL &&
	   strcmp(err, "the command is empty") == 0,
	   "split: an empty command is an error");
}

static void
test_process_json(void)
{
	AwsCredentials c;
	char		err[256];

	{
		const char *j = "{\"Version\": 1, \"AccessKeyId\": \"AKID\", "
		"\"SecretAccessKey\": \"s/1\", \"SessionToken\": \"t\", "
		"\"Expiration\": \"2026-11-26T05:40:00Z\"}\n";

		ok(aws_process_parse(j, strlen(j), &c, err, sizeof(err)) &&
		   strcmp(c.access_key_id, "AKID") == 0 &&
		   strcmp(c.session_token, "t") == 0 && c.expiration == 1795671600,
		   "process JSON: Version 1 with token and Expiration");
		aws_credentials_clear(&c);
	}
	{
		const char *j = "{\"Version\": 2, \"AccessKeyId\": \"AKID\", \"SecretAccessKey\": \"SECRETX\"}";

		ok(!aws_process_parse(j, strlen(j), &c, err, sizeof(err)) &&
		   strstr(err, "\"Version\": 1") != NULL && strstr(err, "SECRETX") == NULL,
		   "process JSON: another Version is refused");
	}
	{
		const char *j = "{\"Version\": 1, \"AccessKeyId\": \"AKID\"}";

		ok(!aws_process_parse(j, strlen(j), &c, err, sizeof(err)) &&
		   strstr(err, "lacks AccessKeyId or SecretAccessKey") != NULL,
		   "process JSON: a missing secret is refused");
	}
}

static int	stop_after = -1;

static bool
stop_soon(void *arg)
{
	(void) arg;
	return stop_after >= 0 && stop_after-- == 0;
}

static void
test_process_run(void)
{
	AwsCredentials c;
	AwsCredentialError err;
	char		command[512];
	const char *ok_script = write_file("ok.sh",
									   "#!/bin/sh\n"
									   "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": \"%s\"}' \"$1\"\n",
									   0755);
	const char *fail_script = write_file("fail.sh",
										 "#!/bin/sh\n"
										 "echo '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": \"proc/SECRET\"}'\n"
										 "echo 'no role for this certificate' >&2\necho 'second line' >&2\nexit 3\n",
										 0755);
	const char *slow_script = write_file("slow.sh", "#!/bin/sh\nsleep 30\n", 0755);
	const char *big_script = write_file("big.sh",
										"#!/bin/sh\nhead -c 200000 /dev/zero | tr '\\0' x\n",
										0755);

	snprintf(command, sizeof(command), "%s 'proc/SECRET key'", ok_script);
	memset(&err, 0, sizeof(err));
	ok(aws_process_credentials(command, 10000, NULL, NULL, &c, &err) &&
	   strcmp(c.access_key_id, "AKIDPROC") == 0 &&
	   strcmp(c.secret_access_key, "proc/SECRET key") == 0 && c.expiration == 0,
	   "process: its JSON, the argument quoted as a shell would");
	aws_credentials_clear(&c);

	memset(&err, 0, sizeof(err));
	ok(!aws_process_credentials(fail_script, 10000, NULL, NULL, &c, &err) &&
	   strcmp(err.source, "credential_process") == 0 &&
	   strstr(err.text, "exited with status 3: no role for this certificate") != NULL &&
	   strstr(err.text, "second line") == NULL &&
	   strstr(err.text, "SECRET") == NULL,
	   "process: a failure names the status and stderr's first line, not stdout");

	memset(&err, 0, sizeof(err));
	ok(!aws_process_credentials(slow_script, 300, NULL, NULL, &c, &err) &&
	   strstr(err.text, "did not finish within 300 ms, and was killed") != NULL,
	   "process: the timeout kills it");

	memset(&err, 0, sizeof(err));
	stop_after = 2;
	ok(!aws_process_credentials(slow_script, 30000, stop_soon, NULL, &c, &err) &&
	   err.interrupted,
	   "process: a stop kills it and says interrupted");
	stop_after = -1;

	memset(&err, 0, sizeof(err));
	ok(!aws_process_credentials(big_script, 10000, NULL, NULL, &c, &err) &&
	   strstr(err.text, "wrote more than 65536 bytes") != NULL,
	   "process: output past the bound kills it");

	memset(&err, 0, sizeof(err));
	ok(!aws_process_credentials("/nonexistent/helper --x", 10000, NULL, NULL, &c, &err) &&
	   strstr(err.text, "could not run \"/nonexistent/helper\": No such file or directory") != NULL,
	   "process: a command that cannot run is an error naming it");
}

static void
clear_env(void)
{
	static const char *const names[] = {
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
		"AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_PROFILE",
		"AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT", NULL
	};
	int			i;

	for (i = 0; names[i]; i++)
		unsetenv(names[i]);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	setenv("HOME", "/nonexistent", 1);
}

static void
test_chain(void)
{
	AwsChainConfig config;
	AwsCredentials c;
	AwsCredentialSource source;
	AwsCredentialError err;
	HttpClient *client = http_client_create(NULL, 0);
	char		text[1024];
	const char *config_path;
	const char *creds_path;
	const char *proc = write_file("proc.sh",
								  "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": \"p/s\", \"Expiration\": \"2099-01-01T00:00:00Z\"}'\n",
								  0755);

	memset(&config, 0, sizeof(config));
	clear_env();
	snprintf(text, sizeof(text),
			 "[default]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = c/s\n"
			 "[profile both]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = c/s\n"
			 "[profile proc]\ncredential_process = %s\n"
			 "[profile procandkeys]\ncredential_process = %s\n"
			 "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = b\n"
			 "[profile b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = a\n"
			 "[profile mfa]\nrole_arn = arn:aws:iam::123456789012:role/m\nsource_profile = default\nmfa_serial = arn:aws:iam::123456789012:mfa/u\n"
			 "[profile badsource]\nrole_arn = arn:aws:iam::123456789012:role/x\ncredential_source = Laptop\n"
			 "[profile twosources]\nrole_arn = arn:aws:iam::123456789012:role/x\ncredential_source = Environment\nsource_profile = default\n"
			 "[profile nosource]\nrole_arn = arn:aws:iam::123456789012:role/x\n"
			 "[profile empty]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = blank\n"
			 "[profile blank]\nregion = us-east-1\n",
			 proc, proc);
	config_path = write_file("config", text, 0644);
	creds_path = write_file("credentials",
							"[both]\naws_access_key_id = AKIDCREDS\naws_secret_access_key = k/s\n"
							"[procandkeys]\naws_access_key_id = AKIDCREDS\naws_secret_access_key = k/s\n",
							0644);
	setenv("AWS_CONFIG_FILE", config_path, 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", creds_path, 1);

	ok(aws_chain_resolve(client, &config, NULL, NULL, &c, &source, &err) == AWS_CHAIN_FOUND &&
	   source == AWS_SOURCE_CONFIG_FILE && strcmp(c.access_key_id, "AKIDCONFIG") == 0,
	   "chain: keys in the config file's [default]");
	aws_credentials_clear(&c);
	config.profile = "both";
	ok(aws_chain_resolve(client, &config, NULL, NULL, &c, &source, &err) == AWS_CHAIN_FOUND &&
	   source == AWS_SOURCE_SHARED_FILE && strcmp(c.access_key_id, "AKIDCREDS") == 0,
	   "chain: the credentials file comes before the config file");
	aws_credentials_clear(&c);
	config.profile = "procandkeys";
	ok(aws_chain_resolve(client, &config, NULL, NULL, &c, &source, &err) == AWS_CHAIN_FOUND &&
	   source == AWS_SOURCE_SHARED_FILE,
	   "chain: the credentials file's keys come before credential_process");
	aws_credentials_clear(&c);
	config.profile = "proc";
	ok(aws_chain_resolve(client, &config, NULL, NULL, &c, &source, &err) == AWS_CHAIN_FOUND &&
	   source == AWS_SOURCE_PROCESS && strcmp(c.access_key_id, "AKIDPROC") == 0 &&
	   c.expiration == 4070908800,
	   "chain: credential_process, with its Expiration");
	aws_credentials_clear(&c);

	/* precedence: a named profile removes the environment keys */
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "e/s", 1);
	setenv("AWS_SECURITY_TOKEN", "legacy-token", 1);
	setenv("AWS_CREDENTIAL_EXPIRATION", "2099-01-01T00:00:00Z", 1);
	config.profile = "both";
	ok(aws_chain_resolve(client, &config, NULL, NULL, &c, &source, &err) == AWS_CHAIN_FOUND &&
	   strcmp(c.access_key_id, "AKIDCREDS") == 0,
	   "precedence: aws_profile wins over the environment's keys");
	aws_credentials_clear(&c);
	config.profile = NULL;
	setenv("AWS_PROFILE", "both", 1);
	ok(aws_chain_resolve(client, &config, NULL, NULL, &c, &source, &err) == AWS_CHAIN_FOUND &&
	   source == AWS_SOURCE_ENVIRONMENT && strcmp(c.access_key_id, "AKIDENV") == 0 &&
	   strcmp(c.session_token, "legacy-token") == 0 && c.expiration == 4070908800,
	   "precedence: AWS_PROFILE leaves the environment's keys first (botocore); AWS_SECURITY_TOKEN, AWS_CREDENTIAL_EXPIRATION");
	aws_credentials_clear(&c);
	setenv("AWS_PROFILE", "nope", 1);
	ok(aws_chain_resolve(client, &config, NULL, NULL, &c, &source, &err) == AWS_CHAIN_FAILED &&
	   strstr(err.text, "profile \"nope\" not found in") != NULL,
	   "precedence: a profile named in AWS_PROFILE must exist");
	setenv("AWS_DEFAULT_PROFILE", "both", 1);
	setenv("AWS_PROFILE", "proc", 1);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	ok(aws_chain_resolve(client, &config, NULL, NULL, &c, &source, &err) == AWS_CHAIN_FOUND &&
	   strcmp(c.access_key_id, "AKIDCREDS") == 0,
	   "precedence: AWS_DEFAULT_PROFILE before AWS_PROFILE, as botocore");
	aws_credentials_clear(&c);
	unsetenv("AWS_DEFAULT_PROFILE");
	unsetenv("AWS_PROFILE");

	/* role profiles that fail before any request */
	config.profile = "a";
	ok(aws_chain_resolve(client, &config, NULL, NULL, &c, &source, &err) == AWS_CHAIN_FAILED &&
	   strcmp(err.text, "the source_profile chain is a cycle: a -> b -> a") == 0,
	   "role profile: a source_profile cycle is reported with its path");
	config.profile = "mfa";
	ok(aws_chain_resolve(client, &config, NULL, NULL, &c, &source, &err) == AWS_CHAIN_FAILED &&
	   strstr(err.text, "has mfa_serial") != NULL,
	   "role profile: mfa_serial is refused");
	config.profile = "badsource";
	ok(aws_chain_resolve(client, &config, NULL, NULL, &c, &source, &err) == AWS_CHAIN_FAILED &&
	   strstr(err.text, "credential_source \"Laptop\" is not Environment") != NULL,
	   "role profile: an unknown credential_source");
	config.profile = "twosources";
	ok(aws_chain_resolve(client, &config, NULL, NULL, &c, &source, &err) == AWS_CHAIN_FAILED &&
	   strstr(err.text, "both source_profile and credential_source") != NULL,
	   "role profile: both sources");
	config.profile = "nosource";
	ok(aws_chain_resolve(client, &config, NULL, NULL, &c, &source, &err) == AWS_CHAIN_FAILED &&
	   strstr(err.text, "neither source_profile nor credential_source") != NULL,
	   "role profile: no source");
	config.profile = "empty";
	ok(aws_chain_resolve(client, &config, NULL, NULL, &c, &source, &err) == AWS_CHAIN_FAILED &&
	   strstr(err.text, "the source_profile \"blank\" of profile \"empty\" has no credentials") != NULL,
	   "role profile: a source profile without credentials");

	/* a malformed file is an error for every profile, as for the CLI */
	write_file("config", "[default]\nregion\n", 0644);
	config.profile = NULL;
	ok(aws_chain_resolve(client, &config, NULL, NULL, &c, &source, &err) == AWS_CHAIN_FAILED &&
	   strstr(err.text, "config\" line 2: a line that is neither") != NULL,
	   "chain: a malformed config file is an error naming file and line");

	/* ~ in the file variables */
	setenv("HOME", dir, 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "~/credentials", 1);
	setenv("AWS_CONFIG_FILE", "~/nonexistent", 1);
	config.profile = "both";
	ok(aws_chain_resolve(client, &config, NULL, NULL, &c, &source, &err) == AWS_CHAIN_FOUND &&
	   strcmp(c.access_key_id, "AKIDCREDS") == 0,
	   "chain: ~ in AWS_SHARED_CREDENTIALS_FILE is the home directory");
	aws_credentials_clear(&c);
	clear_env();
	http_client_destroy(client);
}

static void
test_sso(void)
{
	AwsSsoSettings s = {"dev", "corp", "https://example.awsapps.com/start",
	"us-east-1", "123456789012", "ReadOnly"};
	AwsCredentials c;
	char		err[256];
	char	   *path;
	const char *answer = "{\"roleCredentials\": {\"accessKeyId\": \"ASIASSO\", "
	"\"secretAccessKey\": \"sso/secret\", \"sessionToken\": \"sso-token\", "
	"\"expiration\": 1795671600000}}";

	setenv("HOME", "/home/someone", 1);
	path = aws_sso_cache_path(&s);
	ok(strcmp(path, "/home/someone/.aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json") == 0,
	   "sso: the cache file of an sso_session is named by the SHA-1 of its name");
	free(path);
	s.session_name = NULL;
	path = aws_sso_cache_path(&s);
	ok(strcmp(path, "/home/someone/.aws/sso/cache/e8be5486177c5b5392bd9aa76563515b29358e6e.json") == 0,
	   "sso: legacy keys: by the SHA-1 of the start URL");
	free(path);
	ok(aws_sso_parse_credentials(answer, strlen(answer), &c, err, sizeof(err)) &&
	   strcmp(c.access_key_id, "ASIASSO") == 0 &&
	   strcmp(c.session_token, "sso-token") == 0 && c.expiration == 1795671600,
	   "sso: roleCredentials, expiration in epoch milliseconds");
	aws_credentials_clear(&c);
	ok(!aws_sso_parse_credentials("{\"roleCredentials\": {}}", 23, &c, err, sizeof(err)) &&
	   strstr(err, "lacks roleCredentials") != NULL,
	   "sso: an answer without the members is refused");
}

int
main(void)
{
	char		rm[128];

	if (mkdtemp(dir) == NULL)
		return 1;
	test_parse();
	test_expand_home();
	test_split();
	test_process_json();
	test_process_run();
	test_chain();
	test_sso();
	snprintf(rm, sizeof(rm), "rm -rf %s", dir);
	if (system(rm) != 0)
		return 1;
	return tap_finish();
}
