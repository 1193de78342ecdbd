#!/usr/bin/python3
"""Writes model_fixtures.h: for each operation athena_fdw calls, answers
generated from botocore's model (with test/mock/model_check.py's list of
members added since botocore 1.29), for test_model_fixtures.c to parse.

    /usr/bin/python3 test/unit/gen_model_fixtures.py > model_fixtures.h

Per operation:
  max       every member of the output shape, nested structures included,
            lists and maps of two entries, each value at the top of what
            its shape allows (strings non-ASCII, longs above 2^53)
  min       the required members only (for Athena's outputs: none, "{}")
  min-item  (lists) one item holding its shape's required members only
STS answers are XML as the query protocol has them; their expected
credentials are written next to them, the Athena ones are read back from
the JSON by the test itself.

Generated from the model, never from the parser: a parser that disagrees
with the model fails on these.
"""

import datetime
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "mock"))
import model_check  # noqa: E402

ATHENA_OPS = ("GetSessionStatus", "GetSession", "ListSessions",
              "ListWorkGroups", "TerminateSession",
              "GetCalculationExecutionStatus", "GetCalculationExecution",
              "GetCalculationExecutionCode", "ListCalculationExecutions",
              "StopCalculationExecution", "StartSession",
              "StartCalculationExecution")
STS_OPS = ("AssumeRole", "AssumeRoleWithWebIdentity")
LIST_MEMBERS = {"ListSessions": "Sessions", "ListWorkGroups": "WorkGroups",
                "ListCalculationExecutions": "Calculations"}

# an Expiration that the STS fixtures carry, and its epoch seconds
EXPIRATION = datetime.datetime(2026, 12, 7, 12, 34, 56,
                               tzinfo=datetime.timezone.utc)


def string_value(shape, path, full):
    enum = shape.metadata.get("enum")
    if enum:
        return enum[-1] if full else enum[0]
    lo = shape.metadata.get("min", 0)
    hi = shape.metadata.get("max", 1 << 20)
    text = ("%s \u2713" % path) if full else path
    text = text[:hi]
    if len(text) < lo:
        text += "x" * (lo - len(text))
    return text


def value(shape, path, full):
    """A JSON value of shape: every member when full, else the required
    ones."""
    t = shape.type_name
    meta = shape.metadata
    if t == "structure":
        names = (list(shape.members) if full
                 else list(shape.required_members))
        return {n: value(shape.members[n], "%s.%s" % (path, n), full)
                for n in names}
    if t == "list":
        n = 2 if full else 1
        return [value(shape.member, "%s[%d]" % (path, i), full)
                for i in range(n)]
    if t == "map":
        n = 2 if full else 1
        out = {}
        for i in range(n):
            k = string_value(shape.key, "%s.k%d" % (path, i), full)
            out[k] = value(shape.value, "%s[k%d]" % (path, i), full)
        return out
    if t == "string":
        return string_value(shape, path, full)
    if t == "integer":
        return meta.get("max", 2147483647) if full else meta.get("min", 0)
    if t == "long":
        # above 2^53: a parser that goes through a double loses the last digit
        return meta.get("max", 9007199254740993) if full else meta.get("min", 0)
    if t == "timestamp":
        return 1700000000.123456 if full else 1700000000
    if t == "boolean":
        return True
    if t in ("double", "float"):
        return 1.5
    raise AssertionError("%s: shape type %s" % (path, t))


def athena_fixtures():
    model = model_check.service_model("athena")
    for name in ATHENA_OPS:
        shape = model.operation_model(name).output_shape
        yield name, "max", json.dumps(value(shape, name, True),
                                      ensure_ascii=False), None
        yield name, "min", json.dumps(value(shape, name, False)), None
        member = LIST_MEMBERS.get(name)
        if member:
            item = shape.members[member].member
            yield name, "min-item", json.dumps(
                {member: [value(item, name + "." + member + "[0]", False)]}
            ), None


def xml_of(shape, v):
    t = shape.type_name
    if t == "structure":
        return "".join("<%s>%s</%s>" % (k, xml_of(shape.members[k], x), k)
                       for k, x in v.items())
    if t == "list":
        return "".join("<member>%s</member>" % xml_of(shape.member, x)
                       for x in v)
    if t == "timestamp":
        return EXPIRATION.strftime("%Y-%m-%dT%H:%M:%SZ")
    if t == "boolean":
        return "true" if v else "false"
    text = str(v)
    return (text.replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;"))


def sts_fixtures():
    model = model_check.service_model("sts")
    for name in STS_OPS:
        shape = model.operation_model(name).output_shape
        for kind, full in (("max", True), ("min", False)):
            v = value(shape, name, full)
            if kind == "min":
                # and the same with Credentials' required members only
                creds = value(shape.members["Credentials"],
                              name + ".Credentials", False)
                variants = (("min", v),
                            ("min-credentials", dict(v, Credentials=creds)))
            else:
                variants = ((kind, v),)
            for k, body in variants:
                xml = ('<%sResponse xmlns="https://sts.amazonaws.com/doc/'
                       '2011-06-15/"><%sResult>%s</%sResult>'
                       '<ResponseMetadata><RequestId>r</RequestId>'
                       '</ResponseMetadata></%sResponse>'
                       % (name, name, xml_of(shape, body), name, name))
                c = body.get("Credentials")
                expect = None if c is None else (
                    c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"],
                    int(EXPIRATION.timestamp()))
                yield name, k, xml, expect


def c_string(s):
    out = []
    for b in s.encode("utf-8"):
        c = chr(b)
        if c in '"\\':
            out.append("\\" + c)
        elif 32 <= b < 127:
            out.append(c)
        else:
            out.append("\\%03o" % b)
    return '"' + "".join(out) + '"'


def main():
    problems = []
    rows = []
    for op, kind, body, expect in athena_fixtures():
        # the generator's own answers must pass the mock's model check
        problems += ["%s %s: %s" % (op, kind, p) for p in
                     model_check.check_athena(op, 200, body)]
        rows.append((op, kind, body, expect))
    for op, kind, body, expect in sts_fixtures():
        problems += ["%s %s: %s" % (op, kind, p) for p in
                     model_check.check_sts(op, 200, body)]
        rows.append((op, kind, body, expect))
    if problems:
        sys.stderr.write("\n".join(problems) + "\n")
        return 1
    w = sys.stdout.write
    w("/* Generated by test/unit/gen_model_fixtures.py from botocore's "
      "model: do not edit. */\n")
    w("static const ModelFixture model_fixtures[] = {\n")
    for op, kind, body, expect in rows:
        if expect is None:
            tail = "NULL, NULL, NULL, 0"
        else:
            tail = "%s, %s, %s, %d" % (c_string(expect[0]),
                                       c_string(expect[1]),
                                       c_string(expect[2]), expect[3])
        w("\t{%s, %s,\n\t %s,\n\t %s},\n" % (c_string(op), c_string(kind),
                                             c_string(body), tail))
    w("};\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
