#!/usr/bin/env bash
# `make run`: the web server (gunicorn) and the message worker (flask messages work) side by
# side. Ctrl+C (or SIGTERM) stops both; if either one stops, the other is stopped too.
set -u
VENV=${VENV:-.venv}

"$VENV/bin/flask" --app facilitator messages work &
worker=$!
"$VENV/bin/gunicorn" --config gunicorn.conf.py 'facilitator:create_app()' &
web=$!

stop() {
  trap - INT TERM
  kill -TERM "$web" "$worker" 2>/dev/null
  wait "$web" "$worker" 2>/dev/null
}
trap 'stop; exit 0' INT TERM

wait -n "$web" "$worker"
status=$?
stop
exit "$status"
