#!/usr/bin/env bash
# `make test`: every test. With no arguments, two pytest processes share the machine's two
# cores: the browser, unit and content tests in one, the web tests in the other (each has its
# own databases, temporary folder and browser, as two runs side by side always have). Both
# outputs are shown; it fails if either fails. With arguments: one pytest, with those.
set -u
PY="${VENV:-.venv}/bin/python"
if [ "$#" -gt 0 ]; then
  exec "$PY" -m pytest "$@"
fi
work=$(mktemp -d)
start=$(date +%s)
# --durations: each run names its slowest tests, so the next split can be chosen from figures.
# The deployment test (nginx in front of two gunicorn instances and Chromium) runs alone after
# both. Beside two other pytest processes it failed in CI (it passes alone, in the same clone);
# it times which instance answers and a session surviving one instance stopping.
ALONE=tests/browser/test_nginx_two_instances.py
"$PY" -m pytest tests/browser tests/unit tests/content --ignore="$ALONE" --basetemp="$work/first" --durations=15 >"$work/first.log" 2>&1 &
first=$!
"$PY" -m pytest tests/web --basetemp="$work/second" --durations=15
second=$?
echo "==> The web tests took $(( $(date +%s) - start )) s."
wait "$first"
first_status=$?
echo "==> Both ended after $(( $(date +%s) - start )) s."
echo
echo "==> The browser, unit and content tests (run beside the web tests above):"
cat "$work/first.log"
echo
echo "==> The deployment test, alone:"
"$PY" -m pytest "$ALONE" --basetemp="$work/third"
third=$?
echo "==> Everything ended after $(( $(date +%s) - start )) s."
rm -rf "$work"
if [ "$first_status" -ne 0 ] || [ "$second" -ne 0 ] || [ "$third" -ne 0 ]; then
  exit 1
fi
