"""The baseline for bench/core_overhead.py: a bare Flask "hello" app."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello() -> str:
    return "hello"


@app.route("/healthz")
def healthz() -> str:
    return "ok"
