"""python manage.py trial_settle: the trial-settlement contract on the command line.

Reads one request (stdin or --input FILE) and writes the response; bad input writes the
field errors as JSON to stderr and exits 2. With --jsonl: one request per line, one
response (or `{"errors": {...}}`) per line, in order, in one process.
"""

import json
import sys

from django.core.management.base import BaseCommand

from policy.settlement.trial import ParameterCache, TrialSettlementError, trial_settle

JSONL_BLOCK = 256


def _answer(line: str, cache: ParameterCache):
    try:
        request = json.loads(line)
    except json.JSONDecodeError as exc:
        raise TrialSettlementError({"non_field_errors": f"不是有效的 JSON: {exc.msg}（第 {exc.colno} 列）"})
    return trial_settle(request, cache=cache)


class Command(BaseCommand):
    help = "预结算：从标准输入（或 --input 文件）读取请求 JSON，输出结算结果 JSON"

    def add_arguments(self, parser):
        parser.add_argument("--input", help="读取请求的文件（默认标准输入）")
        parser.add_argument("--jsonl", action="store_true", help="每行一个请求，每行输出一个结果")
        parser.add_argument(
            "--illustrative",
            action="store_true",
            help="舟山使用示例参数（非官方数值，结果标注【示例参数】）",
        )

    def handle(self, *args, **options):
        source = open(options["input"], encoding="utf-8") if options["input"] else sys.stdin
        cache = ParameterCache(True if options["illustrative"] else None)
        out = sys.stdout
        try:
            if options["jsonl"]:
                # written in blocks: one write per line is slow when the interpreter runs unbuffered
                pending: list[str] = []
                for line in source:
                    line = line.strip()
                    if not line:
                        continue
                    try:
                        answer = _answer(line, cache)
                    except TrialSettlementError as exc:
                        answer = {"errors": exc.errors}
                    pending.append(json.dumps(answer, ensure_ascii=False, separators=(",", ":")))
                    if len(pending) >= JSONL_BLOCK:
                        out.write("\n".join(pending) + "\n")
                        pending.clear()
                if pending:
                    out.write("\n".join(pending) + "\n")
                out.flush()
                return
            text = source.read()
            try:
                answer = _answer(text, cache)
            except TrialSettlementError as exc:
                sys.stderr.write(json.dumps({"errors": exc.errors}, ensure_ascii=False) + "\n")
                sys.exit(2)
            out.write(json.dumps(answer, ensure_ascii=False, indent=2) + "\n")
        finally:
            if source is not sys.stdin:
                source.close()
