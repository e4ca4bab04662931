#!/usr/bin/env bash
# Document-level detection quality on the three dev documents (needs ../shared/dev-corpus):
#   scripts/doc-quality.sh target/release/fairtender [txt|docx|pdf]
# Runs `fairtender check --format json`, keeps findings of severity violation or warning as
# {doc, category, text} and scores them with the corpus' score.py --doc-findings.
set -euo pipefail
bin=${1:?usage: doc-quality.sh BIN [txt|docx|pdf]}; fmt=${2:-txt}
docs="$(dirname "$0")/../../shared/dev-corpus/docs"
out=$(mktemp)
"$bin" check --format json --fail-on never "$docs"/*."$fmt" | python3 -c '
import json, os, sys
for d in json.load(sys.stdin)["documents"]:
    name = os.path.basename(d["file"]).rsplit(".", 1)[0]
    for f in d["findings"]:
        if f["severity"] in ("violation", "warning"):
            print(json.dumps({"doc": name, "category": f["category"], "text": f["clause"]}, ensure_ascii=False))
' > "$out"
python3 "$docs/../score.py" --doc-findings "$out" --docs-dir "$docs"
rm -f "$out"
