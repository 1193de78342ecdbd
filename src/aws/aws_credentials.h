/*
 * aws_credentials.h
 *		Where AWS credentials come from when the user mapping has no keys: the
 *		chain of the server process in botocore's order (environment, role
 *		profiles, web identity, SSO, the shared credentials file,
 *		credential_process, the config file, container credentials, EC2
 *		instance metadata with IMDSv2).
 *
 * Pure C, no PostgreSQL headers.  Every request goes through the HTTP engine
 * (aws_http_fetch, aws_request.h), so it waits as a scan does and the caller's interrupt callback
 * can cancel it.  Secrets are malloc'd, wiped with explicit_bzero before they
 * are freed, and never written into an error: errors say which source failed
 * and why, with the service's error code and message when it sent one.
 */
#ifndef ATHENA_AWS_CREDENTIALS_H
#define ATHENA_AWS_CREDENTIALS_H

#include <stdbool.h>
#include <time.h>

#include "aws_keys.h"
#include "aws_request.h"
#include "sts.h"

typedef enum AwsCredentialSource
{
	AWS_SOURCE_NONE = 0,
	AWS_SOURCE_ENVIRONMENT,
	AWS_SOURCE_WEB_IDENTITY,
	AWS_SOURCE_SHARED_FILE,
	AWS_SOURCE_CONTAINER,
	AWS_SOURCE_INSTANCE_METADATA,
	AWS_SOURCE_ASSUMED_ROLE,
	AWS_SOURCE_PROFILE_ROLE,	/* role_arn in a profile */
	AWS_SOURCE_SSO,
	AWS_SOURCE_PROCESS,
	AWS_SOURCE_CONFIG_FILE
} AwsCredentialSource;

typedef struct AwsChainConfig
{
	/*
	 * aws_profile, or NULL: AWS_PROFILE, else "default".  Only a profile
	 * named here removes the environment keys from the chain (botocore's rule
	 * for a profile the caller chose; AWS_PROFILE leaves them first).
	 */
	const char *profile;
	StsConfig	sts;			/* web identity, role profiles */
	HttpOptions http;			/* ca_file and user agent for metadata calls */
	int			process_timeout_ms; /* credential_process; 0: 30 s */
} AwsChainConfig;

typedef enum AwsChainResult
{
	AWS_CHAIN_FOUND,
	AWS_CHAIN_NOTHING,			/* no link of the chain is configured */
	AWS_CHAIN_FAILED			/* a configured link failed: see the error */
} AwsChainResult;


extern const char *aws_credential_source_name(AwsCredentialSource source);

/*
 * Walks the chain in order; the first configured link wins, and when it
 * fails that is the answer (the chain does not go on past a broken link,
 * as the AWS SDKs do not).  The instance metadata link is skipped when
 * AWS_EC2_METADATA_DISABLED is "true", and counts as not configured when
 * no token or role can be had from it.
 */
extern AwsChainResult aws_chain_resolve(HttpClient *client,
										const AwsChainConfig *config,
										AwsStopFn should_stop,
										void *arg, AwsCredentials *out,
										AwsCredentialSource *source,
										AwsCredentialError *err);

/*
 * Parses the shared credentials file text for profile; AWS_CHAIN_NOTHING
 * when the profile is absent or has no aws_access_key_id, AWS_CHAIN_FAILED
 * when it lacks its secret (the error names the profile, never a value).
 */
extern AwsChainResult aws_shared_file_parse(const char *text, const char *profile,
											AwsCredentials *out, char *errbuf,
											size_t errlen);

/*
 * Parses the JSON of container credentials and of IMDS's credentials
 * (AccessKeyId, SecretAccessKey, Token, Expiration; IMDS adds Code).
 */
extern bool aws_metadata_credentials_parse(const char *body, size_t len,
										   AwsCredentials *out, char *errbuf,
										   size_t errlen);

/* Whether a container credentials full URI may be used (https, or loopback). */
extern bool aws_container_uri_allowed(const char *uri);

/*
 * Whether a role that is not trusted with the server's network (a
 * non-superuser) may send its requests to url: https to a domain of an AWS
 * partition (either host name suffix of aws_partitions.c: amazonaws.com,
 * api.aws, amazonaws.com.cn, c2s.ic.gov, ...) or to loopback; plain http to
 * loopback only, so a session token never crosses a network in clear.
 */
extern bool aws_endpoint_allowed_for_untrusted(const char *url);

/* Forgets a remembered instance metadata miss (for the unit tests). */
extern void aws_chain_forget_metadata_miss(void);

#endif							/* ATHENA_AWS_CREDENTIALS_H */
