"""Compile driver of the rewrite fuzzer (scripts/fuzz-rewrites.js).

Answers, for each source it is sent, whether Python compiles it: exactly the check of
`python3 -m py_compile FILE`, which reads the file's bytes and calls
`compile(data, path, "exec", dont_inherit=True)` (importlib's `source_to_code`), so the
coding cookie and BOM apply. It does so without starting a process per file and without
writing any `.pyc` (run it with `-B`). Standard library only, Python 3.8 or later.

Protocol, one JSON object per line in each direction, answered in order:
  first line out:  {"ready": true, "version": "3.11.7"}
  in:   {"id": 1, "path": "pkg/mod.py", "source": "<base64 of the file's bytes>",
         "feature": [3, 9]}        (feature: optional target version, see below)
  out:  {"id": 1, "ok": true, "feature_ok": true}
        {"id": 1, "ok": false, "error": "SyntaxError: invalid syntax", "line": 3, "column": 5}

`feature_ok` says whether `ast.parse(..., feature_version=feature)` accepts the source too, i.e.
whether it uses no syntax newer than the target version (best effort, as the ast module says);
it is only computed when `feature` is given and the source compiled.
"""
import ast
import base64
import json
import sys
import warnings


def verdict(request):
    data = base64.b64decode(request["source"])
    path = request.get("path") or "<fuzz>"
    try:
        with warnings.catch_warnings():
            # SyntaxWarning / DeprecationWarning (invalid escapes...) are not failures for
            # py_compile either; keep them off the protocol's stderr.
            warnings.simplefilter("ignore")
            compile(data, path, "exec", dont_inherit=True)
    except SyntaxError as error:
        return {
            "ok": False,
            "error": "%s: %s" % (type(error).__name__, error.msg),
            "line": error.lineno,
            "column": error.offset,
        }
    except Exception as error:  # ValueError (null bytes), UnicodeDecodeError, RecursionError...
        return {"ok": False, "error": "%s: %s" % (type(error).__name__, error)}
    answer = {"ok": True}
    feature = request.get("feature")
    if feature:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ast.parse(data, path, feature_version=tuple(feature))
            answer["feature_ok"] = True
        except Exception as error:
            answer["feature_ok"] = False
            answer["feature_error"] = "%s: %s (line %s)" % (
                type(error).__name__,
                getattr(error, "msg", error),
                getattr(error, "lineno", "?"),
            )
    return answer


def main():
    out = sys.stdout
    out.write(json.dumps({"ready": True, "version": "%d.%d.%d" % sys.version_info[:3]}) + "\n")
    out.flush()
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            answer = verdict(request)
        except Exception as error:  # a malformed request: say so rather than die
            answer = {"ok": False, "error": "driver error: %s: %s" % (type(error).__name__, error)}
        answer["id"] = request.get("id")
        out.write(json.dumps(answer) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
