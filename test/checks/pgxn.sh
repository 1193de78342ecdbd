#!/usr/bin/env bash
# PGXN metadata: META.json follows meta-spec 1.0.0 (required keys, SemVer
# versions, a known license, valid prereqs) and agrees with the control file
# (name, abstract, default_version) and debian/changelog; "make dist" makes
# athena_fdw-<version>.zip, one top folder holding the distribution.
#
# Needs no cluster and no mock.
set -uo pipefail

cd "$(dirname "$0")/../.."
. test/lib/tap.sh

TMP=$(mktemp -d /tmp/athena_pgxn.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# One line per assertion from the validator: "0 description" or "1 description".
while read -r status description; do
	ok "$status" "$description"
done < <(/usr/bin/python3 - <<'EOF'
import json, os, re, subprocess

SEMVER = r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?"
RANGE = r"((==|!=|<=|>=|<|>)\s*)?(%s|0)" % SEMVER
LICENSES = {"agpl_3", "apache_1_1", "apache_2_0", "artistic_1", "artistic_2",
            "bsd", "freebsd", "gfdl_1_2", "gfdl_1_3", "gpl_1", "gpl_2", "gpl_3",
            "lgpl_2_1", "lgpl_3_0", "mit", "mozilla_1_0", "mozilla_1_1",
            "openssl", "perl_5", "postgresql", "qpl_1_0", "ssleay", "sun",
            "zlib", "open_source", "restricted", "unrestricted", "unknown"}
PHASES = {"configure", "build", "test", "runtime", "develop"}
RELATIONS = {"requires", "recommends", "suggests", "conflicts"}


def check(cond, description):
    print("%d %s" % (0 if cond else 1, description))


def control(path):
    values = {}
    for line in open(path):
        m = re.match(r"\s*(\w+)\s*=\s*'([^']*)'", line)
        if m:
            values[m.group(1)] = m.group(2)
    return values


try:
    meta = json.load(open("META.json"))
    check(True, "META.json is JSON")
except (OSError, ValueError) as e:
    check(False, "META.json is JSON: %s" % e)
    raise SystemExit

required = ["name", "abstract", "maintainer", "license", "provides", "version", "meta-spec"]
missing = [k for k in required if k not in meta]
check(not missing, "META.json has the required keys (missing: %s)" % (", ".join(missing) or "none"))
check(meta.get("meta-spec", {}).get("version") == "1.0.0", "meta-spec version is 1.0.0")
version = meta.get("version", "")
check(re.fullmatch(SEMVER, version) is not None, "version %r is SemVer" % version)
check(meta.get("license") in LICENSES, "license %r is one the spec names" % meta.get("license"))
check(isinstance(meta.get("maintainer"), list) and all(isinstance(m, str) and m for m in meta["maintainer"]),
      "maintainer is a list of names")
check(meta.get("release_status", "stable") in ("stable", "testing", "unstable"), "release_status is valid")
check(all(isinstance(t, str) and 0 < len(t) <= 255 for t in meta.get("tags", [])), "tags are strings")

prereqs = meta.get("prereqs", {})
ranges_ok = set(prereqs) <= PHASES and all(
    set(rels) <= RELATIONS and all(
        re.fullmatch(r"%s(\s*,\s*%s)*" % (RANGE, RANGE), str(r)) for r in deps.values())
    for rels in prereqs.values() for deps in rels.values())
check(ranges_ok, "prereqs use known phases, relations and version ranges")
pg_range = prereqs.get("runtime", {}).get("requires", {}).get("PostgreSQL", "")
check(">= 15.0.0" in pg_range, "runtime requires PostgreSQL 15 or later (%r)" % pg_range)
# the range is that of the versions debian/pgversions builds for
majors = [int(l) for l in open("debian/pgversions") if l.strip() and not l.startswith("#")]
want = ">= %d.0.0, < %d.0.0" % (min(majors), max(majors) + 1)
check(pg_range == want and prereqs.get("test", {}).get("requires", {}).get("PostgreSQL") == want,
      "runtime and test require %s, debian/pgversions' range (%r)" % (want, pg_range))

# the control file is the extension; META.json describes it
controls = [f for f in os.listdir(".") if f.endswith(".control")]
check(len(controls) == 1, "one control file (%s)" % ", ".join(controls))
name = controls[0][:-len(".control")] if controls else ""
ctl = control(controls[0]) if controls else {}
check(meta.get("name") == name, "name %r is the extension's %r" % (meta.get("name"), name))
check(meta.get("abstract") == ctl.get("comment"), "abstract is the control file's comment")
default_version = ctl.get("default_version", "")
check(version.split(".")[:2] == default_version.split("."),
      "version %s is default_version %s with a patch level" % (version, default_version))
# CREATE EXTENSION runs an install script, then update scripts up to the
# version asked for: default_version must be reachable that way
scripts = [f[len(name) + 2:-4].split("--") for f in os.listdir(".")
           if f.startswith(name + "--") and f.endswith(".sql")]
reachable = {s[0] for s in scripts if len(s) == 1}
grew = True
while grew:
    grew = False
    for s in scripts:
        if len(s) == 2 and s[0] in reachable and s[1] not in reachable:
            reachable.add(s[1])
            grew = True
check(default_version in reachable,
      "default_version %s is installable (install scripts and updates reach %s)"
      % (default_version, ", ".join(sorted(reachable))))
provided = meta.get("provides", {}).get(name, {})
check(provided.get("version") == version, "provides.%s.version is the distribution's version" % name)
for ext, p in sorted(meta.get("provides", {}).items()):
    check(os.path.exists(p.get("file", "")), "provides.%s.file %r exists" % (ext, p.get("file")))
    if "docfile" in p:
        check(os.path.exists(p["docfile"]), "provides.%s.docfile %r exists" % (ext, p["docfile"]))

# the library says the same version in its User-Agent
m = re.search(r'#define ATHENA_FDW_VERSION "([^"]*)"', open("src/athena/athena_client.h").read())
check(m is not None and m.group(1) == version,
      "ATHENA_FDW_VERSION (User-Agent) %r is META.json's %r" % (m and m.group(1), version))

# the Debian package carries the same version
changelog = open("debian/changelog").readline()
m = re.match(r"\S+ \(([^)]+)\)", changelog)
deb_version = m.group(1) if m else ""
check(deb_version.split("-")[0] == version,
      "debian/changelog's version %r is META.json's %r" % (deb_version, version))
EOF
)

# make dist: the archive PGXN expects, from git HEAD
version=$(/usr/bin/python3 -c 'import json; print(json.load(open("META.json"))["version"])')
zip="athena_fdw-$version.zip"
rm -f "$zip"
make -s dist >"$TMP/dist.log" 2>&1
ok $? "make dist"
ok "$([ -s "$zip" ]; echo $?)" "make dist made $zip"
if [ -s "$zip" ]; then
	mv "$zip" "$TMP/"
	/usr/bin/python3 - "$TMP/$zip" "athena_fdw-$version" >"$TMP/zip.log" 2>&1 <<'EOF'
import json, subprocess, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
prefix = sys.argv[2] + "/"
names = z.namelist()
assert all(n.startswith(prefix) for n in names), "entries outside %s" % prefix
for f in ("META.json", "Makefile", "athena_fdw.control", "README.md", "LICENSE"):
    assert prefix + f in names, "no %s%s" % (prefix, f)
head = subprocess.run(["git", "show", "HEAD:META.json"], capture_output=True, check=True).stdout
assert json.loads(z.read(prefix + "META.json")) == json.loads(head), "META.json is not HEAD's"
EOF
	ok $? "$zip holds athena_fdw-$version/ with META.json, Makefile, control file, README, LICENSE"
	cat "$TMP/zip.log" >&2
fi

tap_finish
