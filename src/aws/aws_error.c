/*
 * aws_error.c
 *		AWS error responses decoded and classified, and the retry decision
 *		that reads the class.
 */
#include "aws_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "aws_json.h"

/*
 * Error text from the server ends up in a PostgreSQL error message; a proxy
 * could send a whole HTML page, so keep it to a readable size.
 */
#define AWS_ERROR_MESSAGE_MAX	512
#define AWS_ERROR_TYPE_MAX		128
#define AWS_REQUEST_ID_MAX		128

/*
 * Fallbacks for aws_error_decode when memory runs out: the struct must
 * still hold non-NULL strings, and aws_error_free knows not to free these.
 */
static char oom_type[] = "OutOfMemory";
static char oom_message[] = "out of memory while decoding an error response";


/*
 * The bare error type of an AWS error code: smithy's awsJson1_1 rule is to
 * keep what precedes the first ':' (the header appends a URL) and then what
 * follows the first '#' (the body may prefix a namespace).  Returns a
 * sanitized malloc'd string, possibly "", or NULL on out of memory.
 */
static char *
bare_error_type(const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	const char *hash;

	if (colon != NULL)
		n = (size_t) (colon - s);
	hash = memchr(s, '#', n);
	if (hash != NULL)
	{
		n -= (size_t) (hash + 1 - s);
		s = hash + 1;
	}
	/* header values can carry stray blanks */
	while (n > 0 && (*s == ' ' || *s == '\t'))
	{
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
					 s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	return aws_utf8_sanitize(s, n, AWS_ERROR_TYPE_MAX);
}

/* The string member `name` of obj, with its length; NULL if not a string. */
static const char *
object_string(json_object *obj, const char *name, size_t *len)
{
	json_object *v;

	if (obj == NULL)
		return NULL;
	v = json_object_object_get(obj, name);
	if (v == NULL || !json_object_is_type(v, json_type_string))
		return NULL;
	*len = (size_t) json_object_get_string_len(v);
	return json_object_get_string(v);
}

void
aws_error_decode(int http_status, const char *error_type_header,
				 const char *request_id,
				 const char *body, size_t len,
				 AwsError *out)
{
	char		errbuf[128];
	json_object *root = NULL;
	const char *type_text = NULL;
	size_t		type_len = 0;
	const char *msg_text = NULL;
	size_t		msg_len = 0;
	const char *fallback_msg = NULL;
	const char *member;
	size_t		member_len = 0;

	memset(out, 0, sizeof(*out));
	out->http_status = http_status;

	if (body != NULL && len > 0)
	{
		if (!aws_json_parse_value(body, len, &root, errbuf, sizeof(errbuf)))
			fallback_msg = "response body is not JSON";
		else if (!json_object_is_type(root, json_type_object))
			fallback_msg = "response body is not a JSON object";
	}
	else
		fallback_msg = "response body is empty";

	if (root != NULL && json_object_is_type(root, json_type_object))
	{
		/* smithy: "__type" first, then "code" */
		type_text = object_string(root, "__type", &type_len);
		if (type_text == NULL)
			type_text = object_string(root, "code", &type_len);
		/* JSON 1.1 services differ in case: Athena says "Message" */
		msg_text = object_string(root, "message", &msg_len);
		if (msg_text == NULL)
			msg_text = object_string(root, "Message", &msg_len);
		if (msg_text == NULL)
			msg_text = object_string(root, "errorMessage", &msg_len);
		/* the members Athena's model gives its exceptions */
		if ((member = object_string(root, "AthenaErrorCode", &member_len)))
			out->athena_error_code = aws_utf8_sanitize(member, member_len,
													   AWS_ERROR_TYPE_MAX);
		if ((member = object_string(root, "ResourceName", &member_len)))
			out->resource_name = aws_utf8_sanitize(member, member_len,
												   AWS_ERROR_MESSAGE_MAX);
		if ((member = object_string(root, "Reason", &member_len)))
			out->reason = aws_utf8_sanitize(member, member_len,
											AWS_ERROR_TYPE_MAX);
	}

	/* the header wins over the body, as in the AWS SDKs */
	if (error_type_header != NULL)
		out->type = bare_error_type(error_type_header, strlen(error_type_header));
	if ((out->type == NULL || out->type[0] == '\0') && type_text != NULL)
	{
		free(out->type);
		out->type = bare_error_type(type_text, type_len);
	}
	if (out->type == NULL || out->type[0] == '\0')
	{
		char		buf[32];

		free(out->type);
		snprintf(buf, sizeof(buf), "HTTP %d", http_status);
		out->type = strdup(buf);
	}

	if (msg_text != NULL)
		out->message = aws_utf8_sanitize(msg_text, msg_len, AWS_ERROR_MESSAGE_MAX);
	else if (fallback_msg != NULL)
		out->message = strdup(fallback_msg);
	else
		out->message = strdup("");

	if (request_id != NULL)
		out->request_id = aws_utf8_sanitize(request_id, strlen(request_id),
											AWS_REQUEST_ID_MAX);

	json_object_put(root);

	if (out->type == NULL)
		out->type = oom_type;
	if (out->message == NULL)
		out->message = oom_message;
	/* request_id and the members may be NULL anyway: OOM is harmless */
	out->error_class = aws_error_classify_fields(http_status, out->type,
												 out->athena_error_code,
												 out->message);
}

void
aws_error_free(AwsError *err)
{
	if (err == NULL)
		return;
	if (err->type != oom_type)
		free(err->type);
	if (err->message != oom_message)
		free(err->message);
	free(err->request_id);
	free(err->athena_error_code);
	free(err->resource_name);
	free(err->reason);
	err->type = NULL;
	err->message = NULL;
	err->request_id = NULL;
	err->athena_error_code = NULL;
	err->resource_name = NULL;
	err->reason = NULL;
}

/*
 * Error codes by class.  Throttling: botocore's standard retry mode
 * (retries/standard.py, ThrottlingErrorDetector), which the other SDKs
 * share; Athena itself sends TooManyRequestsException and
 * ThrottlingException, the rest cover a front end answering in another
 * service's dialect.  Transient: botocore's transient codes.  Auth and
 * access denied: the codes AWS's JSON and query protocols use for a refused
 * signature or credential, and for a refused permission.
 */
static const char *const throttled_codes[] = {
	"Throttling",
	"ThrottlingException",
	"ThrottledException",
	"RequestThrottledException",
	"TooManyRequestsException",
	"ProvisionedThroughputExceededException",
	"TransactionInProgressException",
	"RequestLimitExceeded",
	"BandwidthLimitExceeded",
	"LimitExceededException",
	"RequestThrottled",
	"SlowDown",
	"PriorRequestNotComplete",
	"EC2ThrottledException",
	NULL
};

static const char *const transient_codes[] = {
	"RequestTimeout",
	"RequestTimeoutException",
	"IDPCommunicationError",	/* STS: the identity provider did not answer */
	NULL
};

/* botocore's transient statuses: 501 and 505 would fail the same way again */
static bool
is_transient_status(int http_status)
{
	return http_status == 500 || http_status == 502 ||
		http_status == 503 || http_status == 504;
}

static const char *const auth_codes[] = {
	"UnrecognizedClientException",
	"InvalidSignatureException",
	"IncompleteSignatureException",
	"MissingAuthenticationTokenException",
	"ExpiredTokenException",
	"ExpiredToken",
	"InvalidClientTokenId",
	"SignatureDoesNotMatch",
	"InvalidAccessKeyId",
	"AuthFailure",
	"RequestExpired",
	NULL
};

static const char *const access_denied_codes[] = {
	"AccessDeniedException",
	"AccessDenied",
	"UnauthorizedOperation",
	NULL
};

static const char *const validation_codes[] = {
	"ValidationException",
	"InvalidParameterException",
	"InvalidParameterValue",
	"InvalidParameterCombination",
	"MissingParameter",
	"SerializationException",
	"UnknownOperationException",
	NULL
};

static bool
code_in(const char *type, const char *const *codes)
{
	for (; *codes != NULL; codes++)
		if (strcmp(type, *codes) == 0)
			return true;
	return false;
}

/*
 * AthenaErrorCodes of an InvalidRequestException that name one specific
 * problem with the request (as Athena sends them to StartQueryExecution and
 * its idempotency token): the error is about the input, whatever its text
 * says.  INVALID_INPUT, the code Athena sends with most refusals, says no
 * more than the type does, so the message rules below may still refine it.
 */
static const char *const specific_input_codes[] = {
	"MALFORMED_QUERY",
	"IDEMPOTENT_PARAMETER_MISMATCH",
	"INVALID_NEXT_TOKEN",
	NULL
};

/*
 * The last resort, for an InvalidRequestException whose structured fields
 * say no more: Athena's two refusals that mean something else than a bad
 * request, recognized by their whole shape rather than by a word in them.
 *
 * "Session ID <id> was not found": what GetSession and GetSessionStatus
 * answer for some ids Athena does not know, where others get a
 * ResourceNotFoundException.  Matched as "Session " ... " not found" with no
 * "WorkGroup" before it, so "WorkGroup <name> is not found" (an unknown
 * workgroup: an error) never matches.
 */
static bool
is_session_not_found_text(const char *message)
{
	return message != NULL && strncmp(message, "Session ", 8) == 0 &&
		strstr(message, " not found") != NULL;
}

/*
 * "Workgroup EngineVersion is not Spark.": what Athena answers a Spark
 * session call on a workgroup whose engine is SQL (StartSession there says
 * exactly this).  Listing every workgroup meets such a workgroup when its
 * engine changed since ListWorkGroups, and lists nothing there.  The whole
 * phrase is matched, case aside: a workgroup whose name contains "Spark"
 * ("WorkGroup Spark-ETL is not found") is not this.
 */
static bool
is_not_spark_text(const char *message)
{
	static const char phrase[] = "engineversion is not spark";
	const char *p;

	if (message == NULL)
		return false;
	for (p = message; *p; p++)
		if (strncasecmp(p, phrase, sizeof(phrase) - 1) == 0)
			return true;
	return false;
}

AwsErrorClass
aws_error_classify_fields(int http_status, const char *type,
						  const char *athena_error_code,
						  const char *message)
{
	if (type == NULL)
		type = "";
	/* a redirect or a success is not an AWS error, whatever it says */
	if (http_status < 400 || http_status > 599)
		return AWS_ERROR_OTHER;

	/* 1. the type (x-amzn-ErrorType, else __type) and the status */
	/* a throttling code wins over the status: S3's SlowDown comes as 503 */
	if (http_status == 429 || code_in(type, throttled_codes))
		return AWS_ERROR_THROTTLED;
	if (is_transient_status(http_status) || code_in(type, transient_codes))
		return AWS_ERROR_TRANSIENT;
	if (strcmp(type, "ResourceNotFoundException") == 0)
		return AWS_ERROR_NOT_FOUND;
	if (code_in(type, auth_codes))
		return AWS_ERROR_AUTH;
	if (code_in(type, access_denied_codes))
		return AWS_ERROR_ACCESS_DENIED;
	if (code_in(type, validation_codes))
		return AWS_ERROR_VALIDATION;
	if (strcmp(type, "InvalidRequestException") != 0)
		return AWS_ERROR_OTHER;

	/* 2. Athena's AthenaErrorCode, when it names the problem */
	if (athena_error_code != NULL &&
		code_in(athena_error_code, specific_input_codes))
		return AWS_ERROR_VALIDATION;

	/* 3. the message text, last */
	if (is_session_not_found_text(message))
		return AWS_ERROR_NOT_FOUND;
	if (is_not_spark_text(message))
		return AWS_ERROR_NOT_SPARK;
	return AWS_ERROR_VALIDATION;
}

AwsErrorClass
aws_error_classify(int http_status, const char *type, const char *message)
{
	return aws_error_classify_fields(http_status, type, NULL, message);
}

const char *
aws_error_class_name(AwsErrorClass error_class)
{
	switch (error_class)
	{
		case AWS_ERROR_NOT_FOUND:
			return "not found";
		case AWS_ERROR_THROTTLED:
			return "throttled";
		case AWS_ERROR_TRANSIENT:
			return "transient";
		case AWS_ERROR_AUTH:
			return "auth";
		case AWS_ERROR_ACCESS_DENIED:
			return "access denied";
		case AWS_ERROR_VALIDATION:
			return "validation";
		case AWS_ERROR_NOT_SPARK:
			return "not spark";
		case AWS_ERROR_OTHER:
			break;
	}
	return "other";
}

void
aws_error_set(int http_status, const char *type, size_t type_len,
			  const char *message, size_t message_len,
			  const char *request_id, AwsError *out)
{
	memset(out, 0, sizeof(*out));
	out->http_status = http_status;
	if (type != NULL && type_len > 0)
		out->type = aws_utf8_sanitize(type, type_len, AWS_ERROR_TYPE_MAX);
	else
	{
		char		buf[32];

		snprintf(buf, sizeof(buf), "HTTP %d", http_status);
		out->type = strdup(buf);
	}
	out->message = aws_utf8_sanitize(message != NULL ? message : "",
									 message != NULL ? message_len : 0,
									 AWS_ERROR_MESSAGE_MAX);
	if (request_id != NULL)
		out->request_id = aws_utf8_sanitize(request_id, strlen(request_id),
											AWS_REQUEST_ID_MAX);
	out->error_class = aws_error_classify(http_status, out->type,
										  out->message);
	if (out->type == NULL)
		out->type = oom_type;
	if (out->message == NULL)
		out->message = oom_message;
}

HttpRetryVerdict
aws_retry_verdict(const HttpResult *attempt, const AwsError *err,
				  bool rate_gated)
{
	switch (attempt->outcome)
	{
		case HTTP_BODY_TOO_LARGE:
		case HTTP_TLS_ERROR:
		case HTTP_UNSAFE_REQUEST:
			return HTTP_RETRY_NO;
		case HTTP_NETWORK_ERROR:
		case HTTP_TIMEOUT:
			/* no complete response: the request may never have reached AWS */
			return HTTP_RETRY_BACKOFF;
		case HTTP_RESPONSE:
			break;
	}
	if (attempt->http_status < 400 || err == NULL)
		return HTTP_RETRY_NO;	/* success, or a redirect we refuse */
	if (err->error_class == AWS_ERROR_THROTTLED)
		return rate_gated ? HTTP_RETRY_THROTTLED : HTTP_RETRY_BACKOFF;
	/* anything else fails the same way again */
	return err->error_class == AWS_ERROR_TRANSIENT ?
		HTTP_RETRY_BACKOFF : HTTP_RETRY_NO;
}
