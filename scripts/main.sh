#!/usr/bin/env bash
# The main job: build the base, control and patched kernels (the series applied commit by
# commit), boot each with the tests, and print what the series changes side by side.
. "$(dirname "$0")/lib.sh"
need python3 gnuplot
KINDS=${KINDS:-base control patched}
"$TOP/scripts/base.sh"
"$TOP/scripts/kernels.sh" test "${TEST_FRAGMENTS[@]}"
"$TOP/scripts/bins.sh"
status=0
"$TOP/scripts/vm-test.sh" $KINDS || status=1
echo
"$TOP/scripts/table.py" $(for k in $KINDS; do echo "$BUILD/vm/$k/summary.json"; done)
echo
"$TOP/scripts/matrix.py" "$BUILD/vm/matrix.png" $(for k in $KINDS; do echo "$BUILD/vm/$k/summary.json"; done) || status=1
echo "Logs: build/vm/<kernel>/console.log (kernel), results.tap (tests), summary.json"
exit $status
