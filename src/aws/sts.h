/*
 * sts.h
 *		AWS STS over the HTTP engine: AssumeRole (signed with other
 *		credentials) and AssumeRoleWithWebIdentity (unsigned, with a token).
 *
 * Pure C, no PostgreSQL headers.  Answers are STS's query-protocol XML,
 * read with libxml2; errors come back decoded as AwsError, with any secret
 * the request held redacted from the message.
 */
#ifndef ATHENA_STS_H
#define ATHENA_STS_H

#include <stdbool.h>
#include <stddef.h>

#include "aws_keys.h"
#include "aws_request.h"

/* What STS calls need besides the credentials. */
typedef struct StsConfig
{
	const char *endpoint;		/* "https://sts.us-east-1.amazonaws.com" */
	const char *region;			/* signing region */
	HttpOptions http;			/* ca_file, user agent, timeouts, retries */
} StsConfig;

typedef struct StsAssumeRoleParams
{
	const char *role_arn;
	const char *role_session_name;
	const char *external_id;	/* or NULL */
	int			duration_seconds;	/* 0: STS's default (one hour) */
} StsAssumeRoleParams;


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

#endif							/* ATHENA_STS_H */
