#!/usr/bin/env bash
# Scores the project's own labelled clause sets (fixtures/detection, written for issue 7 without
# reference to the dev corpus) through `fairtender check`, with the dev corpus' check_clauses.py:
#   scripts/check-fixtures.sh BIN set1 even|odd     # set1-*.jsonl: even ids tuned on, odd held out
#   scripts/check-fixtures.sh BIN set2              # set2-*.jsonl: tuned on
#   scripts/check-fixtures.sh BIN heldout           # heldout.jsonl: never tuned on
# check_clauses.py knows eight section names; the others map onto the nearest chapter.
set -euo pipefail
bin=${1:?usage: check-fixtures.sh BIN set1|set2|heldout [even|odd]}; set=${2:?set}; split=${3:-all}
here=$(cd "$(dirname "$0")/.." && pwd)
corpus="$here/../shared/dev-corpus"
tmp=$(mktemp --suffix=.jsonl)
trap 'rm -f "$tmp"' EXIT
case $set in
  set1|set2) files=("$here"/fixtures/detection/"$set"-*.jsonl) ;;
  heldout) files=("$here/fixtures/detection/heldout.jsonl") ;;
  *) echo "unknown set $set" >&2; exit 2 ;;
esac
python3 - "$tmp" "${files[@]}" <<'PY'
import json, sys
names = {'投标人须知': '投标须知', '质疑与投诉': '投标须知', '符合性审查': '资格要求', '更正公告': '公告'}
with open(sys.argv[1], 'w', encoding='utf-8') as out:
    for f in sys.argv[2:]:
        for line in open(f, encoding='utf-8'):
            if line.strip():
                d = json.loads(line)
                d['section'] = names.get(d['section'], d['section'])
                out.write(json.dumps(d, ensure_ascii=False) + '\n')
PY
python3 "$corpus/check_clauses.py" "$bin" --gold "$tmp" --split "$split"
