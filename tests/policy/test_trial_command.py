"""manage.py trial_settle: stdin, --input, --jsonl with a bad line in the middle, exit 2 on bad input."""

import io
import json

import pytest
from django.core.management import call_command

from .settlement_helpers import bill, person

REQUEST = {"region": "hangzhou", "person": person(), "bills": [bill("50000.00", id="b1")]}
BAD = {"region": "hangzhou", "person": person(), "bills": [{**bill("1.00"), "eligible": "-1"}]}


def run(monkeypatch, stdin_text, *args):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin_text))
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    monkeypatch.setattr("sys.stderr", err)
    code = 0
    try:
        call_command("trial_settle", *args)
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


def test_stdin(monkeypatch):
    code, out, _ = run(monkeypatch, json.dumps(REQUEST))
    assert code == 0
    assert json.loads(out)["bills"][0]["basic_fund_paid"] == "40944.00"


def test_input_file(monkeypatch, tmp_path):
    path = tmp_path / "request.json"
    path.write_text(json.dumps(REQUEST), encoding="utf-8")
    code, out, _ = run(monkeypatch, "", "--input", str(path))
    assert code == 0
    assert json.loads(out)["bills"][0]["deductible"] == "800.00"


def test_bad_input_writes_field_errors_to_stderr_and_exits_2(monkeypatch):
    code, out, err = run(monkeypatch, json.dumps(BAD))
    assert code == 2
    assert out == ""
    assert "bills[0].eligible" in json.loads(err)["errors"]


def test_invalid_json_exits_2(monkeypatch):
    code, _, err = run(monkeypatch, "{not json")
    assert code == 2
    assert "non_field_errors" in json.loads(err)["errors"]


@pytest.mark.parametrize("bad_line", [json.dumps(BAD), "{broken"])
def test_jsonl_bad_line_in_the_middle_gives_an_error_object_and_the_rest_go_on(monkeypatch, bad_line):
    lines = [
        json.dumps(REQUEST),
        bad_line,
        json.dumps({**REQUEST, "bills": [bill("1000.00", level="community")]}),
    ]
    code, out, _ = run(monkeypatch, "\n".join(lines) + "\n", "--jsonl")
    assert code == 0
    answers = [json.loads(line) for line in out.splitlines()]
    assert len(answers) == 3
    assert answers[0]["bills"][0]["basic_fund_paid"] == "40944.00"
    assert "errors" in answers[1]
    assert answers[2]["bills"][0]["basic_fund_paid"] == "616.00"


def test_zhoushan_illustrative_flag(monkeypatch):
    code, out, _ = run(monkeypatch, json.dumps({**REQUEST, "region": "zhoushan"}), "--illustrative")
    assert code == 0
    assert json.loads(out)["illustrative"] is True
    code, _, err = run(monkeypatch, json.dumps({**REQUEST, "region": "zhoushan"}))
    assert code == 2
    assert "bills[0]" in json.loads(err)["errors"]
