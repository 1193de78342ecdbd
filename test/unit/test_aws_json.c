/*
 * test_aws_json.c
 *		Unit tests of the Athena JSON layer: request bodies, GetSessionStatus,
 *		GetSession, ListSessions and ListWorkGroups parsing, exact timestamps,
 *		error decoding and classification.  Prints TAP.
 */
#include "athena_shapes.h"
#include "aws_error.h"
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
	char	   *body = athena_session_id_body(id, &len);

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

	body = athena_session_id_body("bad\xff", &len);
	ok(body == NULL && len == 0, "body: invalid UTF-8 id refused");
	free(body);
	body = athena_session_id_body(NULL, &len);
	ok(body == NULL, "body: NULL id refused");
	body = athena_session_id_body("x", NULL);
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
	return athena_parse_session_status(body, strlen(body), s, err, errlen);
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
	athena_session_free(&s);
	ok(s.session_id == NULL && s.state == NULL, "session_free clears the struct");
	athena_session_free(&s);	/* twice is harmless */
	athena_session_free(NULL);
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
		athena_session_free(&s);

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
			athena_session_free(&s);
		}
		for (i = 0; i < 4; i++)
		{
			AwsTimestamp *ts[4];

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
			athena_session_free(&s);
		}
	}

	ok(parse("{\"Status\":{}}", &s, err, sizeof(err)) && s.state == NULL &&
	   !s.start_date_time.present, "empty Status object is accepted");
	athena_session_free(&s);
}

static void
check_fail(const char *body, size_t len, const char *expected_err,
		   const char *name)
{
	AthenaSession s;
	char		err[256] = "";
	bool		r;

	memset(&s, 0x7f, sizeof(s));
	r = athena_parse_session_status(body, len, &s, err, sizeof(err));
	if (!ok(!r && strstr(err, expected_err) != NULL &&
			s.session_id == NULL && s.state == NULL &&
			s.state_change_reason == NULL,
			"rejected: %s", name))
		diag("result %s, error \"%s\", expected \"%s\"", r ? "true" : "false",
			 err, expected_err);
	athena_session_free(&s);
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
}

/* The model makes no member required: an answer without Status parses. */
static void
test_no_status(void)
{
	const char *bodies[] = {"{\"SessionId\":\"x\"}",
	"{\"SessionId\":\"x\",\"Status\":null}", "{}"};
	int			i;

	for (i = 0; i < 3; i++)
	{
		AthenaSession s;
		char		err[128];
		bool		parsed = athena_parse_session_status(bodies[i],
														 strlen(bodies[i]),
														 &s, err, sizeof(err));

		ok(parsed && s.state == NULL && !s.start_date_time.present &&
		   (i == 2 ? s.session_id == NULL : streq(s.session_id, "x")),
		   "no Status (%s): parsed, status fields NULL", bodies[i]);
		if (parsed)
			athena_session_free(&s);
	}
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
	athena_session_free(&s);

	ok(parse("{\"Status\":{\"State\":\"HIBERNATING\"}}", &s, err, sizeof(err)) &&
	   streq(s.state, "HIBERNATING"), "unknown State passes through");
	athena_session_free(&s);

	ok(parse(" \n\t{\"Status\":{\"State\":\"IDLE\"}}\r\n ", &s, err, sizeof(err)),
	   "whitespace around the object is fine");
	athena_session_free(&s);

	ok(parse("{\"Status\":{\"State\":\"a\"},\"Status\":{\"State\":\"b\"}}",
			 &s, err, sizeof(err)) && streq(s.state, "b"),
	   "duplicate key: the last one wins");
	athena_session_free(&s);

	ok(parse("{\"Status\":{\"StateChangeReason\":\"caf\\u00e9 \\ud83d\\ude00 \xe2\x82\xac\"}}",
			 &s, err, sizeof(err)) &&
	   streq(s.state_change_reason, "caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x82\xac"),
	   "escaped and raw unicode decoded to UTF-8");
	athena_session_free(&s);

	ok(parse("{\"Status\":{\"StartDateTime\":-1.5,\"EndDateTime\":0}}",
			 &s, err, sizeof(err)) &&
	   s.start_date_time.unix_usec == INT64_C(-1500000) &&
	   s.end_date_time.present && s.end_date_time.unix_usec == 0,
	   "negative and zero timestamps");
	athena_session_free(&s);

	ok(!athena_parse_session_status("[]", 2, &s, NULL, 0),
	   "errbuf may be NULL");

	/* a short errbuf gets a truncated, terminated message */
	{
		char		small[8];

		athena_parse_session_status("[]", 2, &s, small, sizeof(small));
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
	AwsError	e;

	memset(&e, 0x7f, sizeof(e));
	aws_error_decode(status, header, reqid, body, body ? strlen(body) : 0, &e);
	if (!ok(e.http_status == status && streq(e.type, type) &&
			streq(e.message, message) && streq(e.request_id, reqid) &&
			(e.error_class == AWS_ERROR_NOT_FOUND) == not_found,
			"error: %s", name))
		diag("got %d \"%s\" \"%s\" %s", e.http_status, e.type, e.message,
			 e.request_id ? e.request_id : "NULL");
	aws_error_free(&e);
	aws_error_free(&e);			/* twice is harmless */
}

static void
test_errors(void)
{
	AwsError	e;
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
	aws_error_decode(400, NULL, NULL, big, strlen(big), &e);
	ok(strlen(e.message) <= 512 && strlen(e.message) >= 500 &&
	   strcmp(e.message + strlen(e.message) - 3, "...") == 0 &&
	   memcmp(e.message, "\xc3\xa9\xc3\xa9", 4) == 0 &&
	   (strlen(e.message) - 3) % 2 == 0,
	   "long message truncated at a character boundary (%zu bytes)",
	   strlen(e.message));
	aws_error_free(&e);

	/* exactly 512 bytes fit without an ellipsis */
	memcpy(big, "{\"message\":\"", 12);
	memset(big + 12, 'a', 512);
	memcpy(big + 12 + 512, "\"}", 3);
	aws_error_decode(400, NULL, NULL, big, strlen(big), &e);
	ok(strlen(e.message) == 512 && e.message[511] == 'a',
	   "512-byte message kept whole");
	aws_error_free(&e);

	ok(aws_error_classify(400, NULL, NULL) == AWS_ERROR_OTHER,
	   "a 400 without a type is OTHER");
}

/* ---- TerminateSession answers ---- */

static void
check_terminate(const char *body, bool expect_ok, const char *expect_state,
				const char *expect_reason, const char *name)
{
	char		err[128];
	char	   *state = (char *) "untouched";
	bool		r = athena_parse_terminate_session(body, strlen(body), &state,
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

/* ---- ListSessions, ListWorkGroups, GetSession ---- */

static void
check_text_body(char *body, size_t len, const char *expected, const char *name)
{
	if (!ok(body != NULL && streq(body, expected) && len == strlen(expected),
			"body: %s", name))
		diag("got %s, expected %s", body ? body : "NULL", expected);
	free(body);
}

static void
test_list_bodies(void)
{
	size_t		len = 0;
	char	   *body;

	body = athena_list_sessions_body("spark-analytics", NULL, 100, NULL, &len);
	check_text_body(body, len,
					"{\"WorkGroup\":\"spark-analytics\",\"MaxResults\":100}",
					"ListSessions, first page, no filter");
	body = athena_list_sessions_body("wg", "IDLE", 100, "page/2+x", &len);
	check_text_body(body, len,
					"{\"WorkGroup\":\"wg\",\"StateFilter\":\"IDLE\","
					"\"MaxResults\":100,\"NextToken\":\"page/2+x\"}",
					"ListSessions, filter and token");
	body = athena_list_sessions_body("bad\xff", NULL, 100, NULL, &len);
	ok(body == NULL, "body: ListSessions refuses an invalid workgroup");
	body = athena_list_sessions_body(NULL, NULL, 100, NULL, &len);
	ok(body == NULL, "body: ListSessions needs a workgroup");
	body = athena_list_work_groups_body(50, NULL, &len);
	check_text_body(body, len, "{\"MaxResults\":50}", "ListWorkGroups, first page");
	body = athena_list_work_groups_body(50, "t", &len);
	check_text_body(body, len, "{\"MaxResults\":50,\"NextToken\":\"t\"}",
					"ListWorkGroups, next page");
}

#define FULL_GET_SESSION \
	"{\"SessionId\":\"la-idle-1\",\"Description\":\"nightly model\"," \
	"\"WorkGroup\":\"spark-analytics\"," \
	"\"EngineVersion\":\"PySpark engine version 3\"," \
	"\"EngineConfiguration\":{\"CoordinatorDpuSize\":1,\"MaxConcurrentDpus\":20," \
	"\"DefaultExecutorDpuSize\":1,\"AdditionalConfigs\":{\"NotebookId\":\"nb-7f3a\"}," \
	"\"SparkProperties\":{\"spark.executor.memory\":\"4g\",\"a/b\":\"\\u00e9\"}}," \
	"\"NotebookVersion\":\"Athena notebook version 1\"," \
	"\"SessionConfiguration\":{\"ExecutionRole\":\"arn:aws:iam::1:role/R\"," \
	"\"WorkingDirectory\":\"s3://b/w/\",\"IdleTimeoutSeconds\":900," \
	"\"EncryptionConfiguration\":{\"EncryptionOption\":\"SSE_S3\"}}," \
	"\"Status\":{\"State\":\"IDLE\",\"StartDateTime\":1700100500}," \
	"\"Statistics\":{\"DpuExecutionInMillis\":5400123}}"

static void
test_get_session(void)
{
	const char *body;
	AthenaSession s;
	char		err[256];
	bool		parsed;

	parsed = athena_parse_get_session(FULL_GET_SESSION, strlen(FULL_GET_SESSION),
									  &s, err, sizeof(err));
	if (!ok(parsed, "GetSession: every field parses"))
		diag("%s", err);
	ok(parsed && streq(s.session_id, "la-idle-1") && streq(s.state, "IDLE") &&
	   s.start_date_time.present &&
	   s.start_date_time.unix_usec == INT64_C(1700100500000000) &&
	   streq(s.description, "nightly model") &&
	   streq(s.workgroup, "spark-analytics") &&
	   streq(s.engine_version, "PySpark engine version 3") &&
	   streq(s.notebook_version, "Athena notebook version 1"),
	   "GetSession: status, summary and workgroup");
	ok(parsed && s.coordinator_dpu_size.present && s.coordinator_dpu_size.value == 1 &&
	   s.max_concurrent_dpus.value == 20 && s.default_executor_dpu_size.value == 1 &&
	   s.dpu_execution_in_millis.present &&
	   s.dpu_execution_in_millis.value == 5400123 &&
	   s.idle_timeout_seconds.present && s.idle_timeout_seconds.value == 900 &&
	   streq(s.execution_role, "arn:aws:iam::1:role/R") &&
	   streq(s.working_directory, "s3://b/w/"),
	   "GetSession: engine and session configuration, statistics");
	if (!ok(parsed && streq(s.additional_configs, "{\"NotebookId\":\"nb-7f3a\"}") &&
			streq(s.spark_properties,
				  "{\"spark.executor.memory\":\"4g\",\"a/b\":\"\xc3\xa9\"}"),
			"GetSession: maps as compact JSON text, UTF-8 kept"))
		diag("got %s and %s", s.additional_configs ? s.additional_configs : "NULL",
			 s.spark_properties ? s.spark_properties : "NULL");
	athena_session_free(&s);

	body = "{\"SessionId\":\"x\",\"Status\":{}}";
	parsed = athena_parse_get_session(body, strlen(body), &s, err, sizeof(err));
	ok(parsed && s.workgroup == NULL && !s.dpu_execution_in_millis.present &&
	   s.spark_properties == NULL && !s.idle_timeout_seconds.present,
	   "GetSession: absent details are NULL");
	athena_session_free(&s);

#define BAD_GET_SESSION(json, reason, name) \
	do { \
		const char *b_ = (json); \
		bool p_ = athena_parse_get_session(b_, strlen(b_), &s, err, sizeof(err)); \
		if (!ok(!p_ && streq(err, reason), "GetSession refuses %s", name)) \
			diag("got \"%s\"", p_ ? "(parsed)" : err); \
		if (p_) athena_session_free(&s); \
	} while (0)

	BAD_GET_SESSION("{\"Status\":{},\"Statistics\":{\"DpuExecutionInMillis\":1.5}}",
					"field \"Statistics.DpuExecutionInMillis\" is not an integer",
					"a fractional integer");
	BAD_GET_SESSION("{\"Status\":{},\"EngineConfiguration\":{\"MaxConcurrentDpus\":4294967296}}",
					"field \"EngineConfiguration.MaxConcurrentDpus\" is out of range",
					"an integer past int32");
	BAD_GET_SESSION("{\"Status\":{},\"Statistics\":{\"DpuExecutionInMillis\":99999999999999999999}}",
					"field \"Statistics.DpuExecutionInMillis\" is out of range",
					"an integer past int64");
	BAD_GET_SESSION("{\"Status\":{},\"EngineConfiguration\":{\"SparkProperties\":{\"a\":1}}}",
					"a value of \"EngineConfiguration.SparkProperties\" is not a string",
					"a map value that is not a string");
	BAD_GET_SESSION("{\"Status\":{},\"EngineConfiguration\":{\"AdditionalConfigs\":{\"a\":\"x\\u0000y\"}}}",
					"a value of \"EngineConfiguration.AdditionalConfigs\" is not valid UTF-8 or contains a NUL character",
					"a NUL in a map value");
	BAD_GET_SESSION("{\"Status\":{},\"SessionConfiguration\":[]}",
					"field \"SessionConfiguration\" is not an object",
					"a configuration that is not an object");
	/* SessionSummary's shape, which GetSessionResponse does not have */
	BAD_GET_SESSION("{\"Status\":{},\"EngineVersion\":{\"EffectiveEngineVersion\":\"3\"}}",
					"field \"EngineVersion\" is not a string",
					"an engine version that is a structure");
}

static void
test_list_sessions(void)
{
	const char *body =
	"{\"Sessions\":[{\"SessionId\":\"a\",\"Description\":\"d\","
	"\"EngineVersion\":{\"EffectiveEngineVersion\":\"PySpark engine version 3\"},"
	"\"NotebookVersion\":\"n\",\"Status\":{\"State\":\"IDLE\","
	"\"StartDateTime\":1700000000.5}},"
	"{\"SessionId\":\"b\",\"Status\":{\"State\":\"BUSY\"}}],"
	"\"NextToken\":\"tok\"}";
	AthenaSessionPage page;
	char		err[256];
	bool		parsed;

	parsed = athena_parse_list_sessions(body, strlen(body), &page, err, sizeof(err));
	ok(parsed && page.nsessions == 2 && streq(page.next_token, "tok") &&
	   streq(page.sessions[0].session_id, "a") &&
	   streq(page.sessions[0].description, "d") &&
	   streq(page.sessions[0].engine_version, "PySpark engine version 3") &&
	   streq(page.sessions[0].notebook_version, "n") &&
	   page.sessions[0].start_date_time.unix_usec == INT64_C(1700000000500000) &&
	   streq(page.sessions[1].state, "BUSY") && page.sessions[1].description == NULL,
	   "ListSessions: items in order, with the token");
	athena_session_page_free(&page);

	parsed = athena_parse_list_sessions("{\"Sessions\":[]}", 15, &page, err, sizeof(err));
	ok(parsed && page.nsessions == 0 && page.next_token == NULL,
	   "ListSessions: an empty last page");
	athena_session_page_free(&page);
	parsed = athena_parse_list_sessions("{}", 2, &page, err, sizeof(err));
	ok(parsed && page.nsessions == 0, "ListSessions: no Sessions field is no sessions");
	athena_session_page_free(&page);

#define BAD_LIST(json, reason, name) \
	do { \
		const char *b_ = (json); \
		bool p_ = athena_parse_list_sessions(b_, strlen(b_), &page, err, sizeof(err)); \
		if (!ok(!p_ && streq(err, reason), "ListSessions refuses %s", name)) \
			diag("got \"%s\"", p_ ? "(parsed)" : err); \
		if (p_) athena_session_page_free(&page); \
	} while (0)

	BAD_LIST("{\"Sessions\":{}}", "field \"Sessions\" is not an array", "an object for the list");
	BAD_LIST("{\"Sessions\":[{\"SessionId\":\"a\",\"Status\":{}},3]}",
			 "Sessions[1] is not an object", "an item that is not an object");
	BAD_LIST("{\"Sessions\":[{\"Status\":{}}]}",
			 "Sessions[0]: no \"SessionId\"", "an item without an id");
	BAD_LIST("{\"Sessions\":[{\"SessionId\":\"a\",\"Status\":{\"State\":1}}]}",
			 "Sessions[0]: field \"Status.State\" is not a string", "a bad state");
	BAD_LIST("{\"Sessions\":[{\"SessionId\":\"a\",\"EngineVersion\":\"3\"}]}",
			 "Sessions[0]: field \"EngineVersion\" is not an object",
			 "an item whose EngineVersion is GetSession's string");
	BAD_LIST("{\"Sessions\":[],\"NextToken\":5}",
			 "field \"NextToken\" is not a string", "a token that is not a string");
	BAD_LIST("[]", "response is not a JSON object", "an array");
}

static void
test_list_work_groups(void)
{
	const char *body =
	"{\"WorkGroups\":[{\"Name\":\"primary\",\"State\":\"ENABLED\","
	"\"EngineVersion\":{\"EffectiveEngineVersion\":\"Athena engine version 3\"}},"
	"{\"Name\":\"spark\",\"State\":\"DISABLED\",\"CreationTime\":1690000000}],"
	"\"NextToken\":\"n\"}";
	AthenaWorkGroupPage page;
	char		err[256];
	bool		parsed;

	parsed = athena_parse_list_work_groups(body, strlen(body), &page, err, sizeof(err));
	ok(parsed && page.nworkgroups == 2 && streq(page.next_token, "n") &&
	   streq(page.workgroups[0].name, "primary") &&
	   streq(page.workgroups[0].state, "ENABLED") &&
	   streq(page.workgroups[0].engine_version, "Athena engine version 3") &&
	   streq(page.workgroups[1].state, "DISABLED") &&
	   page.workgroups[1].engine_version == NULL,
	   "ListWorkGroups: names, states and engines");
	athena_work_group_page_free(&page);
	body = "{\"WorkGroups\":[{\"State\":\"ENABLED\"}]}";
	parsed = athena_parse_list_work_groups(body, strlen(body), &page, err, sizeof(err));
	ok(!parsed && streq(err, "WorkGroups[0]: no \"Name\""),
	   "ListWorkGroups refuses a workgroup without a name");
}

static void
check_class(const char *type, const char *message, AwsErrorClass expected,
			const char *name)
{
	AwsErrorClass got = aws_error_classify(400, type, message);

	if (!ok(got == expected, "classified: %s", name))
		diag("got %s", aws_error_class_name(got));
}

static void
test_error_classes(void)
{
	check_class("ResourceNotFoundException", "Session x not found",
				AWS_ERROR_NOT_FOUND, "ResourceNotFoundException is not found");
	check_class("InvalidRequestException", "Session ID x was not found",
				AWS_ERROR_NOT_FOUND,
				"InvalidRequestException saying the session was not found");
	check_class("InvalidRequestException",
				"The request could not be processed: the session is locked",
				AWS_ERROR_VALIDATION, "another InvalidRequestException is an error");
	check_class("InvalidRequestException", "WorkGroup w is not found",
				AWS_ERROR_VALIDATION,
				"a workgroup not found is not a session not found");
	check_class("InvalidRequestException",
				"Workgroup EngineVersion is not Spark.",
				AWS_ERROR_NOT_SPARK, "a workgroup without Spark");
	/* issue 17: a workgroup name with "Spark" in it is no such refusal */
	check_class("InvalidRequestException", "WorkGroup Spark-ETL is not found",
				AWS_ERROR_VALIDATION,
				"an unknown workgroup named Spark-ETL is an error");
	check_class("InvalidRequestException",
				"Spark properties are not valid for this workgroup",
				AWS_ERROR_VALIDATION, "a message mentioning Spark is an error");
	check_class("ThrottlingException", "Spark session not found",
				AWS_ERROR_THROTTLED,
				"only InvalidRequestException carries these meanings in its message");
}

/* The structured fields first: type, then AthenaErrorCode, then text. */
static void
test_error_fields(void)
{
	AwsError	e;
	const char *body;

	body = "{\"__type\":\"InvalidRequestException\",\"AthenaErrorCode\":"
		"\"INVALID_INPUT\",\"Message\":\"WorkGroup Spark-ETL is not found\"}";
	aws_error_decode(400, "InvalidRequestException:http://internal.amazon.com/coral/com.amazonaws.athena/",
					 "rid", body, strlen(body), &e);
	ok(e.error_class == AWS_ERROR_VALIDATION &&
	   streq(e.type, "InvalidRequestException") &&
	   streq(e.athena_error_code, "INVALID_INPUT") &&
	   e.resource_name == NULL && e.reason == NULL,
	   "decoded: AthenaErrorCode kept, an unknown workgroup is a validation error");
	aws_error_free(&e);

	body = "{\"__type\":\"ResourceNotFoundException\",\"Message\":\"m\","
		"\"ResourceName\":\"s-1\"}";
	aws_error_decode(400, NULL, NULL, body, strlen(body), &e);
	ok(e.error_class == AWS_ERROR_NOT_FOUND && streq(e.resource_name, "s-1") &&
	   e.athena_error_code == NULL,
	   "decoded: ResourceName kept");
	aws_error_free(&e);

	body = "{\"__type\":\"TooManyRequestsException\",\"Message\":\"m\","
		"\"Reason\":\"CONCURRENT_QUERY_LIMIT_EXCEEDED\"}";
	aws_error_decode(400, NULL, NULL, body, strlen(body), &e);
	ok(e.error_class == AWS_ERROR_THROTTLED &&
	   streq(e.reason, "CONCURRENT_QUERY_LIMIT_EXCEEDED"),
	   "decoded: Reason kept");
	aws_error_free(&e);

	/* the header's type wins over the body's, before any text rule */
	body = "{\"__type\":\"InvalidRequestException\",\"Message\":\"Session s was not found\"}";
	aws_error_decode(400, "AccessDeniedException", NULL, body, strlen(body), &e);
	ok(e.error_class == AWS_ERROR_ACCESS_DENIED,
	   "x-amzn-ErrorType decides before the message");
	aws_error_free(&e);

	/* a specific AthenaErrorCode decides before the message */
	ok(aws_error_classify_fields(400, "InvalidRequestException",
								 "MALFORMED_QUERY",
								 "Session x was not found") == AWS_ERROR_VALIDATION,
	   "a specific AthenaErrorCode decides before the message");
	ok(aws_error_classify_fields(400, "InvalidRequestException",
								 "INVALID_INPUT",
								 "Session ID x was not found") == AWS_ERROR_NOT_FOUND,
	   "INVALID_INPUT leaves the message rule to decide");
	ok(aws_error_classify_fields(400, "InvalidRequestException", NULL,
								 NULL) == AWS_ERROR_VALIDATION,
	   "InvalidRequestException without a message is a validation error");
}

int
main(void)
{
	test_bodies();
	test_epoch();
	test_full_response();
	test_absent_fields();
	test_wrong_types();
	test_no_status();
	test_lenient_parts();
	test_malformed();
	test_errors();
	test_terminate();
	test_list_bodies();
	test_get_session();
	test_list_sessions();
	test_list_work_groups();
	test_error_classes();
	test_error_fields();

	return tap_finish();
}
