/*
 * test_aws_json.c
 *		Unit tests of the Athena JSON layer: request bodies, GetSessionStatus
 *		parsing, exact timestamps and error decoding.  Prints TAP.
 */
#include "aws_json.h"
#include "tap.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* ---- request bodies ---- */

static void
check_body(const char *id, const char *expected, const char *name)
{
	size_t		len = 12345;
	char	   *body = aws_json_get_session_status_body(id, &len);

	if (!ok(body != NULL && streq(body, expected) && len == strlen(expected),
			"body: %s", name))
		diag("got %s (len %zu), expected %s", body ? body : "NULL", len, expected);
	free(body);
}

static void
test_bodies(void)
{
	size_t		len = 99;
	char	   *body;

	check_body("0123abcd-1111-2222-3333-444455556666",
			   "{\"SessionId\":\"0123abcd-1111-2222-3333-444455556666\"}",
			   "plain uuid");
	check_body("a\"b\\c", "{\"SessionId\":\"a\\\"b\\\\c\"}", "quote and backslash escaped");
	check_body("x/y", "{\"SessionId\":\"x/y\"}", "slash not escaped");
	check_body("t\tn\n\x01", "{\"SessionId\":\"t\\tn\\n\\u0001\"}", "control characters escaped");
	check_body("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
			   "{\"SessionId\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}",
			   "unicode passes through as UTF-8");
	check_body("", "{\"SessionId\":\"\"}", "empty id");

	body = aws_json_get_session_status_body("bad\xff", &len);
	ok(body == NULL && len == 0, "body: invalid UTF-8 id refused");
	free(body);
	body = aws_json_get_session_status_body(NULL, &len);
	ok(body == NULL, "body: NULL id refused");
	body = aws_json_get_session_status_body("x", NULL);
	ok(body != NULL, "body: len may be NULL");
	free(body);
}

/* ---- epoch timestamps ---- */

static void
check_epoch(const char *text, bool expect_ok, int64_t expected)
{
	int64_t		v = -12345;
	bool		r = aws_json_parse_epoch_usec(text, &v);

	if (expect_ok)
	{
		if (!ok(r && v == expected, "epoch \"%s\" -> %" PRId64, text, expected))
			diag("got %s %" PRId64, r ? "true" : "false", v);
	}
	else
	{
		if (!ok(!r, "epoch \"%s\" rejected", text))
			diag("got %" PRId64, v);
	}
}

static void
test_epoch(void)
{
	check_epoch("1700000000", true, INT64_C(1700000000000000));
	check_epoch("1700000000.123", true, INT64_C(1700000000123000));
	check_epoch("1700000000.123456", true, INT64_C(1700000000123456));
	check_epoch("1.7000000001234567E9", true, INT64_C(1700000000123457));
	check_epoch("1.7000000001234567e+9", true, INT64_C(1700000000123457));
	check_epoch("17000000001234567e-7", true, INT64_C(1700000000123457));
	check_epoch("1700000000.0000005", true, INT64_C(1700000000000001));
	check_epoch("1700000000.0000004", true, INT64_C(1700000000000000));
	check_epoch("1700000000.00000049999999999", true, INT64_C(1700000000000000));
	check_epoch("1700000000.9999995", true, INT64_C(1700000001000000));
	check_epoch("0", true, 0);
	check_epoch("-0", true, 0);
	check_epoch("-0.0e5", true, 0);
	check_epoch("0e999999999999999999999", true, 0);
	check_epoch("-0.5", true, INT64_C(-500000));
	check_epoch("-0.0000005", true, INT64_C(-1));
	check_epoch("-0.0000004", true, 0);
	check_epoch("-1.5", true, INT64_C(-1500000));
	check_epoch("-86400", true, INT64_C(-86400000000));
	check_epoch("0.0000005", true, 1);
	check_epoch("5e-7", true, 1);
	check_epoch("4.9e-7", true, 0);
	check_epoch("1e-400", true, 0);
	check_epoch("1e-99999999999999999999", true, 0);
	check_epoch("1E3", true, INT64_C(1000000000));
	check_epoch("0001700000000", true, INT64_C(1700000000000000));
	check_epoch("1700000000.000", true, INT64_C(1700000000000000));
	check_epoch("+1", true, INT64_C(1000000));
	/* the int64 limits, in microseconds */
	check_epoch("9223372036854.775807", true, INT64_MAX);
	check_epoch("9223372036854.775808", false, 0);
	check_epoch("9223372036854.7758074", true, INT64_MAX);
	check_epoch("9223372036854.7758075", false, 0);
	check_epoch("-9223372036854.775808", true, INT64_MIN);
	check_epoch("-9223372036854.775809", false, 0);
	check_epoch("9223372036854775807", false, 0);
	check_epoch("99999999999999999999", false, 0);
	check_epoch("1e400", false, 0);
	check_epoch("1e99999999999999999999", false, 0);
	check_epoch("-1e400", false, 0);
	check_epoch("1e13", false, 0);
	check_epoch("1e12", true, INT64_C(1000000000000000000));
	check_epoch("", false, 0);
	check_epoch("-", false, 0);
	check_epoch("1.", false, 0);
	check_epoch(".5", false, 0);
	check_epoch("1e", false, 0);
	check_epoch("1e+", false, 0);
	check_epoch("1x", false, 0);
	check_epoch(" 1", false, 0);
	check_epoch("1 ", false, 0);
	check_epoch("NaN", false, 0);
	check_epoch("Infinity", false, 0);
	check_epoch("-Infinity", false, 0);
	check_epoch("0x10", false, 0);
	check_epoch("1.2.3", false, 0);
	check_epoch("--1", false, 0);
	ok(!aws_json_parse_epoch_usec(NULL, NULL), "epoch NULL rejected");
}

/* ---- GetSessionStatus ---- */

#define FULL_RESPONSE \
	"{\"SessionId\":\"s-1\",\"Status\":{\"State\":\"IDLE\"," \
	"\"StateChangeReason\":\"ready\",\"StartDateTime\":1700000000.123," \
	"\"LastModifiedDateTime\":1.7000000001234567E9,\"EndDateTime\":1700000100," \
	"\"IdleSinceDateTime\":17000000001234567e-7}}"

static bool
parse(const char *body, AthenaSession *s, char *err, size_t errlen)
{
	return aws_json_parse_session_status(body, strlen(body), s, err, errlen);
}

static void
test_full_response(void)
{
	AthenaSession s;
	char		err[256];
	bool		r = parse(FULL_RESPONSE, &s, err, sizeof(err));

	if (!ok(r, "full response parses"))
		diag("error: %s", err);
	ok(streq(s.session_id, "s-1"), "SessionId");
	ok(streq(s.state, "IDLE"), "State");
	ok(streq(s.state_change_reason, "ready"), "StateChangeReason");
	ok(s.start_date_time.present &&
	   s.start_date_time.unix_usec == INT64_C(1700000000123000),
	   "StartDateTime with a fraction");
	ok(s.last_modified_date_time.present &&
	   s.last_modified_date_time.unix_usec == INT64_C(1700000000123457),
	   "LastModifiedDateTime with an exponent, exact to the microsecond");
	ok(s.end_date_time.present &&
	   s.end_date_time.unix_usec == INT64_C(1700000100000000),
	   "EndDateTime as a JSON integer");
	ok(s.idle_since_date_time.present &&
	   s.idle_since_date_time.unix_usec == INT64_C(1700000000123457),
	   "IdleSinceDateTime with a negative exponent");
	aws_json_session_free(&s);
	ok(s.session_id == NULL && s.state == NULL, "session_free clears the struct");
	aws_json_session_free(&s);	/* twice is harmless */
	aws_json_session_free(NULL);
}

/* every optional field, absent and JSON null */
static void
test_absent_fields(void)
{
	static const char *const strings[] = {"State", "StateChangeReason"};
	static const char *const times[] = {"StartDateTime", "LastModifiedDateTime",
	"EndDateTime", "IdleSinceDateTime"};
	const char *variant[] = {"absent", "null"};
	AthenaSession s;
	char		err[256];
	char		body[512];
	int			v;
	size_t		i;

	for (v = 0; v < 2; v++)
	{
		snprintf(body, sizeof(body),
				 "{%s\"Status\":{\"State\":\"BUSY\"}}",
				 v == 0 ? "" : "\"SessionId\":null,");
		ok(parse(body, &s, err, sizeof(err)) && s.session_id == NULL &&
		   streq(s.state, "BUSY"), "SessionId %s -> NULL", variant[v]);
		aws_json_session_free(&s);

		for (i = 0; i < 2; i++)
		{
			snprintf(body, sizeof(body),
					 "{\"SessionId\":\"x\",\"Status\":{%s%s%s\"StartDateTime\":1}}",
					 v == 0 ? "" : "\"", v == 0 ? "" : strings[i],
					 v == 0 ? "" : "\":null,");
			if (!ok(parse(body, &s, err, sizeof(err)) &&
					(i == 0 ? s.state : s.state_change_reason) == NULL &&
					s.start_date_time.present,
					"Status.%s %s -> NULL", strings[i], variant[v]))
				diag("body %s error %s", body, err);
			aws_json_session_free(&s);
		}
		for (i = 0; i < 4; i++)
		{
			AthenaTimestamp *ts[4];

			snprintf(body, sizeof(body),
					 "{\"SessionId\":\"x\",\"Status\":{\"State\":\"IDLE\"%s%s%s}}",
					 v == 0 ? "" : ",\"", v == 0 ? "" : times[i],
					 v == 0 ? "" : "\":null");
			ok(parse(body, &s, err, sizeof(err)), "parses with Status.%s %s",
			   times[i], variant[v]);
			ts[0] = &s.start_date_time;
			ts[1] = &s.last_modified_date_time;
			ts[2] = &s.end_date_time;
			ts[3] = &s.idle_since_date_time;
			ok(!ts[i]->present && ts[i]->unix_usec == 0,
			   "Status.%s %s -> present=false", times[i], variant[v]);
			aws_json_session_free(&s);
		}
	}

	ok(parse("{\"Status\":{}}", &s, err, sizeof(err)) && s.state == NULL &&
	   !s.start_date_time.present, "empty Status object is accepted");
	aws_json_session_free(&s);
}

static void
check_fail(const char *body, size_t len, const char *expected_err,
		   const char *name)
{
	AthenaSession s;
	char		err[256] = "";
	bool		r;

	memset(&s, 0x7f, sizeof(s));
	r = aws_json_parse_session_status(body, len, &s, err, sizeof(err));
	if (!ok(!r && strstr(err, expected_err) != NULL &&
			s.session_id == NULL && s.state == NULL &&
			s.state_change_reason == NULL,
			"rejected: %s", name))
		diag("result %s, error \"%s\", expected \"%s\"", r ? "true" : "false",
			 err, expected_err);
	aws_json_session_free(&s);
}

#define FAIL(body, expected, name) check_fail(body, sizeof(body) - 1, expected, name)

static void
test_wrong_types(void)
{
	FAIL("{\"SessionId\":5,\"Status\":{}}", "field \"SessionId\" is not a string",
		 "number for SessionId");
	FAIL("{\"SessionId\":{},\"Status\":{}}", "field \"SessionId\" is not a string",
		 "object for SessionId");
	FAIL("{\"SessionId\":true,\"Status\":{}}", "field \"SessionId\" is not a string",
		 "boolean for SessionId");
	FAIL("{\"Status\":{\"State\":[\"IDLE\"]}}", "field \"Status.State\" is not a string",
		 "array for State");
	FAIL("{\"Status\":{\"State\":{\"a\":1}}}", "field \"Status.State\" is not a string",
		 "object for State");
	FAIL("{\"Status\":{\"StateChangeReason\":1.5}}",
		 "field \"Status.StateChangeReason\" is not a string",
		 "number for StateChangeReason");
	FAIL("{\"Status\":{\"StartDateTime\":\"1700000000\"}}",
		 "field \"Status.StartDateTime\" is not a number",
		 "string for StartDateTime");
	FAIL("{\"Status\":{\"LastModifiedDateTime\":{}}}",
		 "field \"Status.LastModifiedDateTime\" is not a number",
		 "object for LastModifiedDateTime");
	FAIL("{\"Status\":{\"EndDateTime\":true}}",
		 "field \"Status.EndDateTime\" is not a number",
		 "boolean for EndDateTime");
	FAIL("{\"Status\":{\"IdleSinceDateTime\":[1]}}",
		 "field \"Status.IdleSinceDateTime\" is not a number",
		 "array for IdleSinceDateTime");
	FAIL("{\"Status\":{\"StartDateTime\":1e400}}",
		 "field \"Status.StartDateTime\" is not a valid timestamp",
		 "1e400 for StartDateTime");
	FAIL("{\"Status\":{\"StartDateTime\":NaN}}",
		 "field \"Status.StartDateTime\" is not a valid timestamp",
		 "NaN (json-c accepts it even when strict)");
	FAIL("{\"Status\":{\"EndDateTime\":-Infinity}}",
		 "field \"Status.EndDateTime\" is not a valid timestamp",
		 "-Infinity");
	FAIL("{\"Status\":{\"EndDateTime\":1.}}",
		 "field \"Status.EndDateTime\" is not a valid timestamp",
		 "\"1.\" (json-c accepts it)");
	FAIL("{\"Status\":{\"EndDateTime\":99999999999999999999}}",
		 "field \"Status.EndDateTime\" is not a valid timestamp",
		 "integer beyond int64 (json-c saturates it)");
	FAIL("{\"Status\":{\"EndDateTime\":-99999999999999999999}}",
		 "field \"Status.EndDateTime\" is not a valid timestamp",
		 "negative integer beyond int64");
	FAIL("{\"Status\":{\"EndDateTime\":10000000000000}}",
		 "field \"Status.EndDateTime\" is not a valid timestamp",
		 "seconds overflowing int64 microseconds");
	FAIL("{\"SessionId\":\"x\",\"Status\":\"IDLE\"}", "field \"Status\" is not an object",
		 "string for Status");
	FAIL("{\"SessionId\":\"x\",\"Status\":[]}", "field \"Status\" is not an object",
		 "array for Status");
	FAIL("{\"SessionId\":\"x\"}", "response has no \"Status\" object", "missing Status");
	FAIL("{\"SessionId\":\"x\",\"Status\":null}", "response has no \"Status\" object",
		 "null Status");
}

static void
test_lenient_parts(void)
{
	AthenaSession s;
	char		err[256];

	ok(parse("{\"SessionId\":\"x\",\"Extra\":[1,{\"a\":null}],\"Status\":"
			 "{\"State\":\"IDLE\",\"Future\":{\"Nested\":true},\"N\":1e999}}",
			 &s, err, sizeof(err)) && streq(s.state, "IDLE"),
	   "unknown fields ignored, whatever their type");
	aws_json_session_free(&s);

	ok(parse("{\"Status\":{\"State\":\"HIBERNATING\"}}", &s, err, sizeof(err)) &&
	   streq(s.state, "HIBERNATING"), "unknown State passes through");
	aws_json_session_free(&s);

	ok(parse(" \n\t{\"Status\":{\"State\":\"IDLE\"}}\r\n ", &s, err, sizeof(err)),
	   "whitespace around the object is fine");
	aws_json_session_free(&s);

	ok(parse("{\"Status\":{\"State\":\"a\"},\"Status\":{\"State\":\"b\"}}",
			 &s, err, sizeof(err)) && streq(s.state, "b"),
	   "duplicate key: the last one wins");
	aws_json_session_free(&s);

	ok(parse("{\"Status\":{\"StateChangeReason\":\"caf\\u00e9 \\ud83d\\ude00 \xe2\x82\xac\"}}",
			 &s, err, sizeof(err)) &&
	   streq(s.state_change_reason, "caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x82\xac"),
	   "escaped and raw unicode decoded to UTF-8");
	aws_json_session_free(&s);

	ok(parse("{\"Status\":{\"StartDateTime\":-1.5,\"EndDateTime\":0}}",
			 &s, err, sizeof(err)) &&
	   s.start_date_time.unix_usec == INT64_C(-1500000) &&
	   s.end_date_time.present && s.end_date_time.unix_usec == 0,
	   "negative and zero timestamps");
	aws_json_session_free(&s);

	ok(!aws_json_parse_session_status("{}", 2, &s, NULL, 0),
	   "errbuf may be NULL");

	/* a short errbuf gets a truncated, terminated message */
	{
		char		small[8];

		aws_json_parse_session_status("[]", 2, &s, small, sizeof(small));
		ok(strlen(small) == 7, "short errbuf truncated: \"%s\"", small);
	}
}

static void
test_malformed(void)
{
	char		deep[200];
	size_t		i;

	FAIL("", "response is empty", "empty body");
	check_fail(NULL, 0, "response is empty", "NULL body");
	FAIL("{\"SessionId\":\"x\",\"Status\":{\"State\":\"ID",
		 "response is not valid JSON", "truncated inside a string");
	FAIL("{\"SessionId\":\"x\",\"Status\":{\"State\":\"IDLE\"}",
		 "response is not valid JSON", "truncated before the last brace");
	FAIL("{\"Status\":{\"StartDateTime\":17",
		 "response is not valid JSON", "truncated inside a number");
	FAIL("[{\"Status\":{}}]", "response is not a JSON object", "top-level array");
	FAIL("\"IDLE\"", "response is not a JSON object", "top-level string");
	FAIL("null", "response is not a JSON object", "top-level null");
	FAIL("17", "response is not a JSON object", "top-level number");
	FAIL("true", "response is not a JSON object", "top-level true");
	FAIL("1.5e", "response is not valid JSON", "top-level bad number");
	FAIL("  ", "response is not valid JSON", "only whitespace");
	FAIL("{\"Status\":{}} x", "trailing data", "trailing garbage");
	FAIL("{\"Status\":{}}{}", "trailing data", "two objects");
	check_fail("{\"Status\":{}}\0x", 15, "response is not valid JSON",
			   "raw NUL after the object");
	check_fail("{\"Status\":{\"State\":\"a\0b\"}}", 26, "response is not valid JSON",
			   "raw NUL inside a string");
	FAIL("{\"Status\":{},}", "response is not valid JSON", "trailing comma");
	FAIL("{Status:{}}", "response is not valid JSON", "unquoted key");
	FAIL("<html><body>503</body></html>", "response is not valid JSON", "HTML");

	for (i = 0; i < 100; i++)
		deep[i] = '[';
	memcpy(deep + 100, "]", 2);
	check_fail(deep, strlen(deep), "response is not valid JSON", "nesting too deep");

	/* strings our caller cannot store */
	FAIL("{\"SessionId\":\"a\\u0000b\",\"Status\":{}}",
		 "field \"SessionId\" contains a NUL", "escaped NUL in SessionId");
	FAIL("{\"Status\":{\"State\":\"\\u0000\"}}",
		 "field \"Status.State\" contains a NUL", "escaped NUL in State");
	FAIL("{\"Status\":{\"StateChangeReason\":\"a\xff\"}}",
		 "field \"Status.StateChangeReason\" is not valid UTF-8", "byte 0xff");
	FAIL("{\"Status\":{\"State\":\"\xc0\x80\"}}",
		 "field \"Status.State\" is not valid UTF-8", "overlong NUL");
	FAIL("{\"Status\":{\"State\":\"\xed\xa0\x80\"}}",
		 "field \"Status.State\" is not valid UTF-8", "encoded surrogate");
	FAIL("{\"Status\":{\"State\":\"\xf4\x90\x80\x80\"}}",
		 "field \"Status.State\" is not valid UTF-8", "above U+10FFFF");
	FAIL("{\"Status\":{\"State\":\"\xe2\x82\"}}",
		 "field \"Status.State\" is not valid UTF-8", "truncated sequence");
	FAIL("{\"SessionId\":\"\x80\",\"Status\":{}}",
		 "field \"SessionId\" is not valid UTF-8", "lone continuation byte");
}

/* ---- errors ---- */

static void
check_error(int status, const char *header, const char *reqid,
			const char *body, const char *type, const char *message,
			bool not_found, const char *name)
{
	AwsError e;

	memset(&e, 0x7f, sizeof(e));
	aws_json_decode_error(status, header, reqid, body, body ? strlen(body) : 0, &e);
	if (!ok(e.http_status == status && streq(e.type, type) &&
			streq(e.message, message) && streq(e.request_id, reqid) &&
			(e.error_class == AWS_ERROR_NOT_FOUND) == not_found,
			"error: %s", name))
		diag("got %d \"%s\" \"%s\" %s", e.http_status, e.type, e.message,
			 e.request_id ? e.request_id : "NULL");
	aws_json_error_free(&e);
	aws_json_error_free(&e);		/* twice is harmless */
}

static void
test_errors(void)
{
	AwsError e;
	char		big[3000];
	size_t		i;

	check_error(400, NULL, "req-1",
				"{\"__type\":\"com.amazonaws.athena#ResourceNotFoundException\","
				"\"Message\":\"Session not found\"}",
				"ResourceNotFoundException", "Session not found", true,
				"namespaced __type and Message");
	check_error(403, NULL, NULL,
				"{\"__type\":\"InvalidSignatureException\","
				"\"message\":\"The request signature we calculated does not match\"}",
				"InvalidSignatureException",
				"The request signature we calculated does not match", false,
				"bare __type and message");
	check_error(400,
				"ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/",
				"r", "{\"message\":\"Rate exceeded\"}",
				"ThrottlingException", "Rate exceeded", false,
				"type from the header with a URL suffix");
	check_error(400, "TooManyRequestsException",
				NULL, "{\"__type\":\"ValidationException\",\"Message\":\"m\"}",
				"TooManyRequestsException", "m", false,
				"the header wins over the body");
	check_error(400, "aws.protocoltests#FooError:http://x/y", NULL, "{}",
				"FooError", "", false, "header with namespace and suffix");
	check_error(400, "", NULL,
				"{\"__type\":\"ValidationException\",\"message\":\"bad\"}",
				"ValidationException", "bad", false,
				"empty header falls back to the body");
	check_error(400, NULL, NULL,
				"{\"code\":\"ResourceNotFoundException\",\"message\":\"x\"}",
				"ResourceNotFoundException", "x", true, "\"code\" instead of __type");
	check_error(503, NULL, NULL,
				"<html><body><h1>503 Service Unavailable</h1></body></html>",
				"HTTP 503", "response body is not JSON", false, "HTML body");
	check_error(503, "ServiceUnavailableException", NULL, "<html></html>",
				"ServiceUnavailableException", "response body is not JSON", false,
				"HTML body with a typed header");
	check_error(502, NULL, NULL, "", "HTTP 502", "response body is empty", false,
				"empty body");
	check_error(500, NULL, NULL, NULL, "HTTP 500", "response body is empty", false,
				"NULL body");
	check_error(500, NULL, NULL, "[1,2]", "HTTP 500",
				"response body is not a JSON object", false, "array body");
	check_error(400, NULL, NULL, "{\"__type\":\"X\"} trailing", "HTTP 400",
				"response body is not JSON", false, "trailing garbage");
	check_error(400, NULL, NULL, "{\"__type\":7,\"message\":null}", "HTTP 400", "",
				false, "wrong types ignored");
	check_error(400, NULL, NULL, "{\"__type\":\"com.x#\"}", "HTTP 400", "",
				false, "empty type after the namespace");
	check_error(400, NULL, NULL,
				"{\"__type\":\"E\",\"message\":\"a\\u0000b\\u00e9\"}",
				"E", "a\xef\xbf\xbd" "b\xc3\xa9", false, "NUL in message replaced");
	check_error(400, NULL, NULL,
				"{\"__type\":\"E\xff\",\"message\":\"x\xc0\x80y\"}",
				"E\xef\xbf\xbd", "x\xef\xbf\xbd\xef\xbf\xbdy", false,
				"invalid UTF-8 replaced");
	check_error(400, " ThrottlingException ", NULL, NULL, "ThrottlingException",
				"response body is empty", false, "header blanks trimmed");

	/* a long message is cut to 512 bytes at a character boundary */
	memcpy(big, "{\"message\":\"", 12);
	for (i = 12; i < 12 + 2000; i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	memcpy(big + i, "\"}", 3);
	aws_json_decode_error(400, NULL, NULL, big, strlen(big), &e);
	ok(strlen(e.message) <= 512 && strlen(e.message) >= 500 &&
	   strcmp(e.message + strlen(e.message) - 3, "...") == 0 &&
	   memcmp(e.message, "\xc3\xa9\xc3\xa9", 4) == 0 &&
	   (strlen(e.message) - 3) % 2 == 0,
	   "long message truncated at a character boundary (%zu bytes)",
	   strlen(e.message));
	aws_json_error_free(&e);

	/* exactly 512 bytes fit without an ellipsis */
	memcpy(big, "{\"message\":\"", 12);
	memset(big + 12, 'a', 512);
	memcpy(big + 12 + 512, "\"}", 3);
	aws_json_decode_error(400, NULL, NULL, big, strlen(big), &e);
	ok(strlen(e.message) == 512 && e.message[511] == 'a',
	   "512-byte message kept whole");
	aws_json_error_free(&e);

	ok(aws_json_classify_error(400, NULL, NULL) == AWS_ERROR_OTHER,
	   "a 400 without a type is OTHER");
}

/* ---- TerminateSession answers ---- */

static void
check_terminate(const char *body, bool expect_ok, const char *expect_state,
				const char *expect_reason, const char *name)
{
	char		err[128];
	char	   *state = (char *) "untouched";
	bool		r = aws_json_parse_terminate_session(body, strlen(body), &state,
												   err, sizeof(err));

	if (!ok(r == expect_ok &&
			(expect_ok ? streq(state, expect_state) :
			 state == NULL && streq(err, expect_reason)),
			"terminate answer: %s", name))
		diag("got %d, state %s, reason \"%s\"", r, state ? state : "NULL",
			 r ? "" : err);
	free(state);
}

static void
test_terminate(void)
{
	check_terminate("{\"State\":\"TERMINATING\"}", true, "TERMINATING", NULL,
					"TERMINATING");
	check_terminate(" {\"State\":\"TERMINATED\",\"Extra\":[1]} ", true,
					"TERMINATED", NULL, "unknown fields ignored");
	check_terminate("{}", true, NULL, NULL, "absent State is NULL");
	check_terminate("{\"State\":null}", true, NULL, NULL, "null State is NULL");
	check_terminate("{\"State\":7}", false, NULL,
					"field \"State\" is not a string", "State of another type");
	check_terminate("{\"State\":\"a\\u0000b\"}", false, NULL,
					"field \"State\" contains a NUL character", "NUL in State");
	check_terminate("[\"TERMINATING\"]", false, NULL,
					"response is not a JSON object", "array");
	check_terminate("{\"State\":", false, NULL,
					"response is not valid JSON (truncated)", "truncated");
	check_terminate("", false, NULL, "response is empty", "empty");
}

int
main(void)
{
	test_bodies();
	test_epoch();
	test_full_response();
	test_absent_fields();
	test_wrong_types();
	test_lenient_parts();
	test_malformed();
	test_errors();
	test_terminate();

	return tap_finish();
}
