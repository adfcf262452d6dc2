#!/usr/bin/env bash
# Rasa 3.6 NLU backend for Linli: install, train, serve (loopback only).
#
#   scripts/rasa.sh setup    create .rasa-venv (Python 3.10) and install rasa==3.6.21 + jieba
#   scripts/rasa.sh train    rasa train nlu on nlu/data/nlu.yml -> nlu/rasa/models/linli-nlu.tar.gz
#   scripts/rasa.sh serve    run the HTTP API in the foreground on 127.0.0.1:$RASA_PORT (5005)
#   scripts/rasa.sh start    serve in the background, wait until the model is loaded
#   scripts/rasa.sh stop     stop the server that `start` started
#   scripts/rasa.sh status   show the server's /status
#   scripts/rasa.sh all      setup + train + start
#
# Then point the app at it: RASA_URL=http://127.0.0.1:5005
#
# Rasa 3.6 supports Python 3.8-3.10 only, while Linli runs on 3.11, hence a separate virtualenv.
# In production use the official image instead of this venv, with the repo mounted at /app:
#   docker run --rm -v "$PWD:/app" -w /app rasa/rasa:3.6.21-full \
#       train nlu --config nlu/rasa/config.yml --nlu nlu/data/nlu.yml --out nlu/rasa/models
#   docker run -d -p 127.0.0.1:5005:5005 -v "$PWD:/app" -w /app rasa/rasa:3.6.21-full \
#       run --enable-api -p 5005 --model nlu/rasa/models
# (jieba is not in that image: build FROM rasa/rasa:3.6.21-full with `pip install jieba==0.42.1`.)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${RASA_VENV:-$ROOT/.rasa-venv}
PORT=${RASA_PORT:-5005}
MODELS=nlu/rasa/models
RUN_DIR=$ROOT/nlu/rasa/models          # git-ignored: pid file and server log live next to the model
PIDFILE=$RUN_DIR/server.pid
LOGFILE=$RUN_DIR/server.log
RASA_VERSION=3.6.21
JIEBA_VERSION=0.42.1

# No network but package registries here: telemetry would only hang on start-up.
export RASA_TELEMETRY_ENABLED=false
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}
# Rasa 3.6 runs on SQLAlchemy 1.4 and would print a 2.0-migration banner on every command.
export SQLALCHEMY_SILENCE_UBER_WARNING=1
# Relative paths in config.yml (dictionary_path) are resolved against the repository root.
cd "$ROOT"

die() { echo "rasa.sh: $*" >&2; exit 1; }

find_python310() {
  local py
  if command -v pyenv >/dev/null 2>&1; then
    py="$(pyenv root)/versions/3.10.13/bin/python"
    [ -x "$py" ] && { echo "$py"; return; }
  fi
  command -v python3.10 >/dev/null 2>&1 && { command -v python3.10; return; }
  die "no Python 3.10 found (pyenv 3.10.13 or python3.10 on PATH); or use the Docker image rasa/rasa:$RASA_VERSION-full"
}

cmd_setup() {
  if [ -x "$VENV/bin/rasa" ] && "$VENV/bin/python" -c "import rasa, jieba; assert rasa.__version__ == '$RASA_VERSION'" 2>/dev/null; then
    echo "rasa $RASA_VERSION already installed in $VENV"; return
  fi
  local py; py=$(find_python310)
  echo "creating $VENV with $py"
  "$py" -m venv "$VENV"
  # pip 24.1+ rejects some legacy metadata in Rasa's old dependency tree; Rasa itself pins
  # setuptools 70.3.
  "$VENV/bin/python" -m pip install -q "pip==23.3.2" "setuptools==70.3.0" "wheel==0.45.1"
  "$VENV/bin/python" -m pip install -c nlu/rasa/constraints.txt "rasa==$RASA_VERSION" "jieba==$JIEBA_VERSION"
  "$VENV/bin/rasa" --version
}

cmd_train() {
  [ -x "$VENV/bin/rasa" ] || die "run '$0 setup' first"
  [ -f nlu/data/nlu.yml ] || die "nlu/data/nlu.yml does not exist yet"
  # Fixed model name: retraining overwrites one file instead of piling up timestamped models.
  "$VENV/bin/rasa" train nlu --config nlu/rasa/config.yml --nlu nlu/data/nlu.yml \
      --out "$MODELS" --fixed-model-name linli-nlu "$@"
}

cmd_serve() {
  [ -x "$VENV/bin/rasa" ] || die "run '$0 setup' first"
  ls "$MODELS"/*.tar.gz >/dev/null 2>&1 || die "no model in $MODELS: run '$0 train' first"
  # exec: the server takes this shell's pid, so a caller can signal and measure it directly.
  # Loopback only: the API has no authentication.
  exec "$VENV/bin/rasa" run --enable-api -p "$PORT" -i 127.0.0.1 --model "$MODELS" "$@"
}

server_ready() {
  # /status reports the loaded model's fingerprint once the model is in memory.
  curl -fsS "http://127.0.0.1:$PORT/status" 2>/dev/null | grep -q '"model_file"'
}

cmd_start() {
  if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    echo "already running (pid $(cat "$PIDFILE"))"; return
  fi
  mkdir -p "$RUN_DIR"
  nohup "$0" serve >"$LOGFILE" 2>&1 &
  echo $! >"$PIDFILE"
  local waited=0 limit=${RASA_START_TIMEOUT:-180}
  until server_ready; do
    kill -0 "$(cat "$PIDFILE")" 2>/dev/null || { tail -20 "$LOGFILE" >&2; die "server exited; log: $LOGFILE"; }
    [ "$waited" -ge "$limit" ] && { cmd_stop; die "server not ready after ${limit}s; log: $LOGFILE"; }
    sleep 2; waited=$((waited + 2))
  done
  echo "Rasa serving on http://127.0.0.1:$PORT (pid $(cat "$PIDFILE"), ${waited}s to load)"
}

cmd_stop() {
  [ -f "$PIDFILE" ] || { echo "not running"; return; }
  local pid; pid=$(cat "$PIDFILE")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$PIDFILE"
  echo "stopped"
}

cmd_status() { curl -fsS "http://127.0.0.1:$PORT/status" && echo || die "no server on port $PORT"; }

case "${1:-help}" in
  setup)  cmd_setup ;;
  train)  shift; cmd_train "$@" ;;
  serve)  shift; cmd_serve "$@" ;;
  start)  cmd_start ;;
  stop)   cmd_stop ;;
  status) cmd_status ;;
  all)    cmd_setup; cmd_train; cmd_start ;;
  *)      sed -n '2,20p' "$0"; exit 2 ;;
esac
