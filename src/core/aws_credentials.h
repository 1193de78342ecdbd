/*
 * aws_credentials.h
 *		Where AWS credentials come from when the user mapping has no keys: the
 *		standard chain of the server process (environment, web identity,
 *		shared credentials file, container credentials, EC2 instance metadata
 *		with IMDSv2), and STS AssumeRole on top of any of them.
 *
 * Pure C, no PostgreSQL headers.  Every request goes through the HTTP engine
 * (http.h), so it waits as a scan does and the caller's interrupt callback
 * can cancel it.  Secrets are malloc'd, wiped with explicit_bzero before they
 * are freed, and never written into an error: errors say which source failed
 * and why, with the service's error code and message when it sent one.
 */
#ifndef ATHENA_AWS_CREDENTIALS_H
#define ATHENA_AWS_CREDENTIALS_H

#include <stdbool.h>
#include <time.h>

#include "aws_json.h"
#include "http_batch.h"

/*
 * Polled while a request waits: true stops the call, which then returns a
 * failure with err->interrupted set, everything freed.  It must not throw:
 * the caller handles the interrupt once the call has returned.
 */
typedef bool (*AwsStopFn) (void *arg);

/* Owned credentials; clear them with aws_credentials_clear. */
typedef struct AwsCredentials
{
	char	   *access_key_id;
	char	   *secret_access_key;
	char	   *session_token;	/* NULL for long-term keys */
	time_t		expiration;		/* 0 when they do not expire */
} AwsCredentials;

typedef enum AwsCredentialSource
{
	AWS_SOURCE_NONE = 0,
	AWS_SOURCE_ENVIRONMENT,
	AWS_SOURCE_WEB_IDENTITY,
	AWS_SOURCE_SHARED_FILE,
	AWS_SOURCE_CONTAINER,
	AWS_SOURCE_INSTANCE_METADATA,
	AWS_SOURCE_ASSUMED_ROLE
} AwsCredentialSource;

/* Why credentials could not be had; holds no secret. */
typedef struct AwsCredentialError
{
	const char *source;			/* static: "STS AssumeRole", ... */
	bool		has_aws_error;	/* the service answered with an error */
	AwsError	aws;			/* then: code, message, status, request id */
	char		text[512];		/* otherwise: what went wrong */
	int			attempts;		/* requests made for the failing call */
	bool		interrupted;	/* should_stop said stop */
} AwsCredentialError;

/* What STS calls need besides the credentials. */
typedef struct StsConfig
{
	const char *endpoint;		/* "https://sts.us-east-1.amazonaws.com" */
	const char *region;			/* signing region */
	HttpOptions http;			/* ca_file, user agent, timeouts, retries */
} StsConfig;

typedef struct AwsChainConfig
{
	const char *profile;		/* aws_profile, or NULL: AWS_PROFILE, default */
	StsConfig	sts;			/* for web identity */
	HttpOptions http;			/* ca_file and user agent for metadata calls */
} AwsChainConfig;

typedef enum AwsChainResult
{
	AWS_CHAIN_FOUND,
	AWS_CHAIN_NOTHING,			/* no link of the chain is configured */
	AWS_CHAIN_FAILED			/* a configured link failed: see the error */
} AwsChainResult;

typedef struct StsAssumeRoleParams
{
	const char *role_arn;
	const char *role_session_name;
	const char *external_id;	/* or NULL */
	int			duration_seconds;	/* 0: STS's default (one hour) */
} StsAssumeRoleParams;

extern const char *aws_credential_source_name(AwsCredentialSource source);

/*
 * When credentials that expire are renewed, as botocore renews them: from
 * 15 minutes before they expire (advisory: a failed renewal keeps them),
 * and at the latest 10 minutes before (mandatory).  Credentials that live
 * less than 30 minutes get windows of half and a third of their life, so
 * that a 15-minute role is not assumed again for every query (botocore
 * would).  obtained: when they were had; times in seconds since the epoch.
 */
#define AWS_ADVISORY_REFRESH_SECONDS	(15 * 60)
#define AWS_MANDATORY_REFRESH_SECONDS	(10 * 60)

extern void aws_credentials_renewal(time_t expiration, time_t obtained,
									time_t *advisory_at, time_t *mandatory_at);

/*
 * Copies the strings (token may be NULL).  NULL on success; otherwise *creds
 * is empty and the result says why, in words that hold no secret: "out of
 * memory", or that a value holds a control character (safe_value.h), which
 * would end a header early.
 */
extern const char *aws_credentials_set(AwsCredentials *creds,
									   const char *access_key_id,
									   const char *secret_access_key,
									   const char *session_token,
									   time_t expiration);

/* Wipes and frees the strings, and zeroes *creds. */
extern void aws_credentials_clear(AwsCredentials *creds);

/* Wipes and frees a string that held a secret (NULL is fine). */
extern void aws_secret_free(char *secret);

extern void aws_credential_error_free(AwsCredentialError *err);

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
 * when the profile is absent, AWS_CHAIN_FAILED when it lacks a key (the
 * error names the file and profile, never a value).
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

/* "2026-11-26T05:40:00Z", optionally with fractions; false if malformed. */
extern bool aws_parse_iso8601(const char *text, time_t *out);

/* Whether a container credentials full URI may be used (https, or loopback). */
extern bool aws_container_uri_allowed(const char *uri);

/*
 * Whether a role that is not trusted with the server's network (a
 * non-superuser) may send its requests to url: https to an AWS domain
 * (amazonaws.com, amazonaws.com.cn, api.aws) or to loopback; plain http to
 * loopback only, so a session token never crosses a network in clear.
 */
extern bool aws_endpoint_allowed_for_untrusted(const char *url);

/* STS, over the HTTP engine.  base == NULL sends the call unsigned. */
extern bool sts_assume_role(HttpClient *client, const StsConfig *config,
							const AwsCredentials *base,
							const StsAssumeRoleParams *params,
							AwsStopFn should_stop, void *arg,
							AwsCredentials *out, AwsCredentialError *err);
extern bool sts_assume_role_with_web_identity(HttpClient *client,
											  const StsConfig *config,
											  const char *role_arn,
											  const char *role_session_name,
											  const char *web_identity_token,
											  AwsStopFn should_stop,
											  void *arg, AwsCredentials *out,
											  AwsCredentialError *err);

/* STS's form bodies and XML answers (exposed for the unit tests). */
extern char *sts_assume_role_body(const StsAssumeRoleParams *params, size_t *len);
extern char *sts_web_identity_body(const char *role_arn, const char *session_name,
								   const char *token, size_t *len);
extern bool sts_parse_credentials(const char *action, const char *body, size_t len,
								  AwsCredentials *out, char *errbuf,
								  size_t errlen);
extern void sts_decode_error(int http_status, const char *request_id_header,
							 const char *body, size_t len, AwsError *out);

/* Decodes an error answer of a service into *out (its code classified). */
typedef void (*AwsDecodeErrorFn) (int http_status, const char *request_id,
								  const char *body, size_t len, AwsError *out);

/*
 * One request through the HTTP engine, retried as the retry policy says
 * (network failures, throttling, transient errors).  decode_error reads the
 * service's error code, so that the code decides; NULL: the status alone.
 * NULL on out of memory, or when should_stop stopped it (*interrupted is
 * then set).
 */
extern HttpResult *aws_http_fetch(HttpClient *client, const HttpOptions *options,
								  const HttpRequest *request,
								  AwsDecodeErrorFn decode_error,
								  AwsStopFn should_stop, void *arg,
								  bool *interrupted);

#endif							/* ATHENA_AWS_CREDENTIALS_H */
