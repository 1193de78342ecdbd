"""The mock's answers held to AWS's own service models.

AWS publishes the contract of every operation as data: botocore's
service-2.json (Debian's python3-botocore ships it).  A mock written by the
same hands as the parser agrees with the parser by construction; checked
against the model, it agrees with AWS.  mock_athena.py passes every answer
it sends through check_athena / check_sts and counts what fails.

Checked for a 200 JSON answer: it is one JSON object; every member is one
the output shape defines (an unknown member is an error), with the wire
type the JSON protocol gives it (a string is a string, a timestamp a
number of epoch seconds, a list a list, a map an object; JSON null is never
sent for a member, AWS omits it); required members are there; a string of
an enum shape holds one of the enum's values (botocore's ParamValidator
does not walk enums); lengths and ranges within the shape's min and max.
Patterns are not checked: some are Java regular expressions.

Checked for an error answer: the x-amzn-ErrorType header is there and
names the body's __type; a modeled exception carries only the members its
shape has (InvalidRequestException: AthenaErrorCode and Message), with a 5xx
status for a fault and a 4xx otherwise; an unmodeled type is one of the
errors AWS's front end sends for any JSON service (COMMON_JSON_ERRORS).

STS answers are XML (the query protocol): the <Action>Result element holds
the output shape's members as elements, checked the same way (timestamps in
ISO 8601), and ResponseMetadata/RequestId; an error is
ErrorResponse/Error/{Type,Code,Message} with a code the operation's model
or STS's front end (COMMON_STS_ERRORS) gives.

Debian's botocore (1.29) is the model as of late 2022.  Members AWS added
since are in ADDED_MEMBERS and ADDED_SHAPES below, the one list of them,
with their types as the current public model (botocore's service-2.json
of 2026) has them; they are merged into the model before any check, and
nothing else unknown passes.
"""

import copy
import datetime
import json
import xml.etree.ElementTree as ET

import botocore.session

# (service, structure shape, member, member's shape): members of the
# operations the mock serves that AWS added after botocore 1.29.
ADDED_MEMBERS = [
    ("athena", "EngineConfiguration", "SparkProperties", "ParametersMap"),
    ("athena", "EngineConfiguration", "Classifications",
     "ClassificationList"),
    ("athena", "GetSessionResponse", "MonitoringConfiguration",
     "MonitoringConfiguration"),
    ("athena", "SessionConfiguration", "SessionIdleTimeoutInMinutes",
     "SessionIdleTimeoutInMinutes"),
    ("athena", "WorkGroupSummary", "IdentityCenterApplicationArn",
     "IdentityCenterApplicationArn"),
]

# The shapes those members need that 1.29 lacks, as the current model
# defines them (documentation and patterns left out).  KmsKey, BoxedBoolean
# and SessionIdleTimeoutInMinutes are in 1.29 already.
ADDED_SHAPES = {
    "athena": {
        "ClassificationList": {"type": "list",
                               "member": {"shape": "Classification"}},
        "Classification": {"type": "structure", "members": {
            "Name": {"shape": "NameString"},
            "Properties": {"shape": "ParametersMap"}}},
        "MonitoringConfiguration": {"type": "structure", "members": {
            "CloudWatchLoggingConfiguration": {
                "shape": "CloudWatchLoggingConfiguration"},
            "ManagedLoggingConfiguration": {
                "shape": "ManagedLoggingConfiguration"},
            "S3LoggingConfiguration": {"shape": "S3LoggingConfiguration"}}},
        "CloudWatchLoggingConfiguration": {
            "type": "structure", "required": ["Enabled"], "members": {
                "Enabled": {"shape": "BoxedBoolean"},
                "LogGroup": {"shape": "LogGroupName"},
                "LogStreamNamePrefix": {"shape": "LogStreamNamePrefix"},
                "LogTypes": {"shape": "LogTypesMap"}}},
        "ManagedLoggingConfiguration": {
            "type": "structure", "required": ["Enabled"], "members": {
                "Enabled": {"shape": "BoxedBoolean"},
                "KmsKey": {"shape": "KmsKey"}}},
        "S3LoggingConfiguration": {
            "type": "structure", "required": ["Enabled"], "members": {
                "Enabled": {"shape": "BoxedBoolean"},
                "KmsKey": {"shape": "KmsKey"},
                "LogLocation": {"shape": "S3OutputLocation"}}},
        "LogTypesMap": {"type": "map", "key": {"shape": "LogTypeKey"},
                        "value": {"shape": "LogTypeValuesList"}},
        "LogTypeKey": {"type": "string"},
        "LogTypeValuesList": {"type": "list",
                              "member": {"shape": "LogTypeValue"}},
        "LogTypeValue": {"type": "string"},
        "LogGroupName": {"type": "string", "min": 1, "max": 512},
        "LogStreamNamePrefix": {"type": "string", "min": 1, "max": 512},
        "S3OutputLocation": {"type": "string", "max": 1024},
        "IdentityCenterApplicationArn": {"type": "string", "min": 0,
                                         "max": 255},
    },
}

# Errors AWS's front end answers for any JSON 1.1 service, outside the
# service's model: type -> members the body may have.
COMMON_JSON_ERRORS = {
    name: ("message", "Message") for name in (
        "AccessDeniedException", "IncompleteSignatureException",
        "InvalidSignatureException", "MissingAuthenticationTokenException",
        "UnrecognizedClientException", "ExpiredTokenException",
        "ThrottlingException", "UnknownOperationException",
        "SerializationException", "ValidationException",
        "ServiceUnavailableException", "RequestTimeoutException")}

# Likewise for STS's query protocol.
COMMON_STS_ERRORS = ("AccessDenied", "InvalidAction",
                     "InvalidClientTokenId", "InvalidParameterValue",
                     "MissingAuthenticationToken", "SignatureDoesNotMatch",
                     "ValidationError", "Throttling")

STS_NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"

_models = {}


def service_model(service):
    """botocore's model of service with ADDED_MEMBERS merged in."""
    m = _models.get(service)
    if m is None:
        loader = botocore.session.get_session().get_component("data_loader")
        raw = copy.deepcopy(loader.load_service_model(service, "service-2"))
        shapes = raw["shapes"]
        # A newer botocore (Debian 13's and later, in test/versions.sh's
        # chroots) already has some of them: its own definition wins.
        for name, definition in ADDED_SHAPES.get(service, {}).items():
            if name not in shapes:
                shapes[name] = definition
        for svc, struct, member, shape in ADDED_MEMBERS:
            if svc != service:
                continue
            members = shapes[struct]["members"]
            if member not in members:
                members[member] = {"shape": shape}
        from botocore.model import ServiceModel
        m = ServiceModel(raw, service)
        _models[service] = m
    return m


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check_value(shape, value, path, problems):
    """Appends to problems a line for each way value (decoded JSON) is not
    of shape."""
    t = shape.type_name
    meta = shape.metadata
    if value is None:
        problems.append("%s is null (AWS omits an absent member)" % path)
        return
    if t == "structure":
        if not isinstance(value, dict):
            problems.append("%s is not an object (%s)" % (path, shape.name))
            return
        for k, v in value.items():
            member = shape.members.get(k)
            if member is None:
                problems.append("%s.%s is not a member of %s"
                                % (path, k, shape.name))
            else:
                check_value(member, v, "%s.%s" % (path, k), problems)
        for k in shape.required_members:
            if k not in value:
                problems.append("%s.%s is required by %s but absent"
                                % (path, k, shape.name))
    elif t == "list":
        if not isinstance(value, list):
            problems.append("%s is not a list (%s)" % (path, shape.name))
            return
        for i, v in enumerate(value):
            check_value(shape.member, v, "%s[%d]" % (path, i), problems)
        _check_size(meta, len(value), path, problems)
    elif t == "map":
        if not isinstance(value, dict):
            problems.append("%s is not a map object (%s)" % (path, shape.name))
            return
        for k, v in value.items():
            check_value(shape.key, k, "%s key %r" % (path, k), problems)
            check_value(shape.value, v, "%s[%r]" % (path, k), problems)
    elif t == "string":
        if not isinstance(value, str):
            problems.append("%s is not a string (%s)" % (path, shape.name))
            return
        enum = meta.get("enum")
        if enum and value not in enum:
            problems.append("%s is %r, not one of %s's values %s"
                            % (path, value, shape.name, enum))
        _check_size(meta, len(value), path, problems)
    elif t in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append("%s is not an integer (%s)" % (path, shape.name))
            return
        _check_range(meta, value, path, problems)
    elif t in ("double", "float"):
        if not _is_number(value):
            problems.append("%s is not a number (%s)" % (path, shape.name))
    elif t == "timestamp":
        if not _is_number(value):
            problems.append("%s is not a number of epoch seconds (%s)"
                            % (path, shape.name))
    elif t == "boolean":
        if not isinstance(value, bool):
            problems.append("%s is not a boolean (%s)" % (path, shape.name))
    elif t == "blob":
        if not isinstance(value, str):
            problems.append("%s is not base64 text (%s)" % (path, shape.name))
    else:
        problems.append("%s has a shape of type %s the check does not know"
                        % (path, t))


def _check_size(meta, n, path, problems):
    if "min" in meta and n < meta["min"]:
        problems.append("%s has length %d, under the model's min %d"
                        % (path, n, meta["min"]))
    if "max" in meta and n > meta["max"]:
        problems.append("%s has length %d, over the model's max %d"
                        % (path, n, meta["max"]))


def _check_range(meta, v, path, problems):
    if "min" in meta and v < meta["min"]:
        problems.append("%s is %d, under the model's min %d"
                        % (path, v, meta["min"]))
    if "max" in meta and v > meta["max"]:
        problems.append("%s is %d, over the model's max %d"
                        % (path, v, meta["max"]))


def _bare(code):
    """smithy's awsJson1_1 rule: what precedes ':', then what follows '#'."""
    return code.split(":", 1)[0].rsplit("#", 1)[-1].strip()


def check_athena(operation, status, body, headers=()):
    """Problems (a list of lines, empty when none) of an Athena answer.
    headers: (name, value) pairs sent besides the mock's standard ones."""
    model = service_model("athena")
    try:
        op = model.operation_model(operation)
    except Exception:
        # an operation Athena does not have gets an error answer only
        op = None
    try:
        obj = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return ["the body is not JSON"]
    if not isinstance(obj, dict):
        return ["the body is not a JSON object"]
    problems = []
    if status == 200:
        if op is None:
            return ["a 200 answer to an unknown operation %r" % operation]
        check_value(op.output_shape, obj, operation, problems)
        return problems
    header = {k.lower(): v for k, v in headers}.get("x-amzn-errortype")
    type_ = obj.get("__type")
    if not isinstance(type_, str) or not type_:
        return ["error %d without a string __type" % status]
    bare = _bare(type_)
    if header is None:
        problems.append("error %s without an x-amzn-ErrorType header" % bare)
    elif _bare(header) != bare:
        problems.append("x-amzn-ErrorType %r names another error than "
                        "__type %r" % (header, type_))
    rest = {k: v for k, v in obj.items() if k != "__type"}
    shape = None
    if bare in model.shape_names:
        shape = model.shape_for(bare)
        if not shape.metadata.get("exception"):
            shape = None
    if shape is not None:
        check_value(shape, rest, bare, problems)
        # botocore's Shape keeps no "fault" metadata: read the model's text
        fault = bool(shape._shape_model.get("fault", False))
        if fault and status < 500:
            problems.append("%s is a fault, answered %d" % (bare, status))
        if not fault and not 400 <= status < 500:
            problems.append("%s is a client error, answered %d"
                            % (bare, status))
    elif bare in COMMON_JSON_ERRORS:
        allowed = COMMON_JSON_ERRORS[bare]
        for k, v in rest.items():
            if k not in allowed:
                problems.append("%s has member %s" % (bare, k))
            elif not isinstance(v, str):
                problems.append("%s.%s is not a string" % (bare, k))
    else:
        problems.append("error type %r is neither in Athena's model nor one "
                        "of AWS's common errors" % type_)
    return problems


def _iso8601(text):
    t = text[:-1] + "+0000" if text.endswith("Z") else text
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z"):
        try:
            datetime.datetime.strptime(t, fmt)
            return True
        except ValueError:
            pass
    return False


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def _check_xml(shape, el, path, problems):
    t = shape.type_name
    if t == "structure":
        seen = set()
        for child in el:
            name = _local(child.tag)
            member = shape.members.get(name)
            if member is None:
                problems.append("%s.%s is not a member of %s"
                                % (path, name, shape.name))
                continue
            if name in seen:
                problems.append("%s.%s appears twice" % (path, name))
            seen.add(name)
            _check_xml(member, child, "%s.%s" % (path, name), problems)
        for k in shape.required_members:
            if k not in seen:
                problems.append("%s.%s is required by %s but absent"
                                % (path, k, shape.name))
        return
    if t == "list":
        for i, child in enumerate(el):
            if _local(child.tag) != "member":
                problems.append("%s item %d is not <member>" % (path, i))
            else:
                _check_xml(shape.member, child, "%s[%d]" % (path, i),
                           problems)
        return
    text = el.text or ""
    if len(el):
        problems.append("%s holds elements, not text" % path)
    elif t == "timestamp":
        if not _iso8601(text):
            problems.append("%s is not an ISO 8601 time: %r" % (path, text))
    elif t in ("integer", "long"):
        try:
            _check_range(shape.metadata, int(text), path, problems)
        except ValueError:
            problems.append("%s is not an integer: %r" % (path, text))
    elif t == "boolean":
        if text not in ("true", "false"):
            problems.append("%s is not a boolean: %r" % (path, text))
    elif t == "string":
        enum = shape.metadata.get("enum")
        if enum and text not in enum:
            problems.append("%s is %r, not one of %s" % (path, text, enum))
        _check_size(shape.metadata, len(text), path, problems)


def check_sso(operation, status, body, headers=()):
    """Problems of an SSO portal answer (rest-json): a 200 is the
    operation's output shape; an error names a modeled error of the
    operation in x-amzn-ErrorType, with the status the model gives it, and
    its body holds that shape's members."""
    model = service_model("sso")
    op = model.operation_model(operation)
    try:
        obj = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return ["the body is not JSON"]
    if not isinstance(obj, dict):
        return ["the body is not a JSON object"]
    problems = []
    if status == 200:
        check_value(op.output_shape, obj, operation, problems)
        return problems
    header = {k.lower(): v for k, v in headers}.get("x-amzn-errortype")
    modeled = {e.name: e for e in op.error_shapes}
    if header is None or _bare(header) not in modeled:
        return ["error %d names %r, not one of %s's errors %s"
                % (status, header, operation, sorted(modeled))]
    shape = modeled[_bare(header)]
    if shape.metadata.get("error", {}).get("httpStatusCode", status) != status:
        problems.append("%s is HTTP %s in the model, answered %d"
                        % (shape.name, shape.metadata["error"]["httpStatusCode"],
                           status))
    check_value(shape, obj, shape.name, problems)
    return problems


def check_sts(action, status, body):
    """Problems of an STS answer to action (AssumeRole, ...)."""
    model = service_model("sts")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        return ["the body is not XML: %s" % e]
    problems = []
    if status == 200:
        try:
            op = model.operation_model(action)
        except Exception:
            return ["a 200 answer to an unknown action %r" % action]
        if root.tag != STS_NS + action + "Response":
            return ["the root element is %s, not %sResponse"
                    % (root.tag, action)]
        children = {_local(c.tag): c for c in root}
        if set(children) != {action + "Result", "ResponseMetadata"}:
            problems.append("%sResponse holds %s" % (action,
                                                     sorted(children)))
        result = children.get(action + "Result")
        if result is not None:
            _check_xml(op.output_shape, result, action, problems)
        meta = children.get("ResponseMetadata")
        if meta is None or meta.find(STS_NS + "RequestId") is None:
            problems.append("no ResponseMetadata/RequestId")
        return problems
    if root.tag != STS_NS + "ErrorResponse":
        return ["error %d whose root element is %s" % (status, root.tag)]
    err = root.find(STS_NS + "Error")
    if err is None or root.find(STS_NS + "RequestId") is None:
        return ["ErrorResponse without Error or RequestId"]
    fields = {_local(c.tag): (c.text or "") for c in err}
    if set(fields) - {"Type", "Code", "Message"} or "Code" not in fields:
        problems.append("Error holds %s" % sorted(fields))
    if fields.get("Type") not in ("Sender", "Receiver"):
        problems.append("Error Type %r" % fields.get("Type"))
    code = fields.get("Code")
    modeled = {}
    try:
        for e in model.operation_model(action).error_shapes:
            modeled[e.metadata["error"]["code"]] = \
                e.metadata["error"]["httpStatusCode"]
    except Exception:
        pass
    if code in modeled:
        if modeled[code] != status:
            problems.append("%s is HTTP %d in the model, answered %d"
                            % (code, modeled[code], status))
    elif code not in COMMON_STS_ERRORS:
        problems.append("error code %r is neither in %s's model nor one of "
                        "STS's common errors" % (code, action))
    return problems
