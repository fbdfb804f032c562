"""briefing, report and chart: the meeting's PPTX pack, the 通报 draft, one chart as a PNG."""

from __future__ import annotations

from pathlib import Path

from rectification.cli.shared import CliError, month_argument
from rectification.core.config import db_path

CHARTS = {
    "headline": "重点成效",
    "completion": "整改完成进度",
    "heatmap": "各问题逐月整改状态",
    "attention": "需要关注",
}


def register(sub, common) -> None:
    _register_briefing(sub, common)
    _register_report(sub, common)
    _register_chart(sub, common)


def _briefing_view(args, con):
    # Imported here: plotly and kaleido cost a second, which the other commands need not pay.
    from rectification.outputs.briefing.content import briefing_filters, load

    data = load(con)
    if args.month and args.month not in data.months:
        raise CliError(f"库中没有 {args.month} 的数据（数据范围 {data.months[0]} 至 {data.latest}）。")
    return data, briefing_filters(data, args.month)


def _register_briefing(sub, common) -> None:
    p = sub.add_parser(
        "briefing", parents=[common], help="生成督办会简报（PPTX，16:9：总览图表、每个问题一页、指标附表）"
    )
    p.add_argument("--month", type=month_argument, help="数据截至月份（默认库中最新月份）")
    p.add_argument("--out", required=True, help="输出文件（.pptx），如 某分局巡察整改进展_某年某月.pptx")
    scope = p.add_mutually_exclusive_group()
    scope.add_argument(
        "--findings", help="只做这些问题的单页，逗号分隔，如 1,5,24 或 F05,L1（默认全部 54 项及 2 项长期事项）"
    )
    scope.add_argument("--department", help="只做该牵头部门的问题（总览图表也按该部门筛选）")
    scope.add_argument("--attention-only", action="store_true", help="只做“需要关注”中列出的问题")
    p.set_defaults(func=cmd_briefing)


def cmd_briefing(args, con) -> str:
    data, filters = _briefing_view(args, con)
    from rectification.outputs.briefing.deck import build_pack
    from rectification.outputs.briefing.images import BriefingError, cache_dir_for

    if not args.out.lower().endswith(".pptx"):
        raise CliError("--out 须为 .pptx 文件；单张图片请用 chart 命令。")
    numbers = args.findings.replace("，", ",").split(",") if args.findings is not None else None
    try:
        deck = build_pack(
            con,
            filters.as_of,
            numbers=numbers,
            department=args.department,
            attention_only=args.attention_only,
            cache_dir=cache_dir_for(db_path(getattr(args, "db", None))),
            data=data,
        )
    except BriefingError as error:
        raise CliError(str(error)) from error
    Path(args.out).write_bytes(deck)
    return f"已生成简报 {args.out}（数据截至 {filters.as_of}）"


def _register_report(sub, common) -> None:
    p = sub.add_parser(
        "report", parents=[common], help="起草整改进展情况的通报（Word .docx，结构同上一期通报，数字更新至所选月份）"
    )
    p.add_argument("--month", type=month_argument, required=True, help="数据截至月份 YYYY-MM")
    p.add_argument("--out", required=True, help="输出文件（.docx）")
    p.set_defaults(func=cmd_report)


def cmd_report(args, con) -> str:
    from rectification.outputs import report_draft

    if not args.out.lower().endswith(".docx"):
        raise CliError("--out 须为 .docx 文件。")
    try:
        result = report_draft.draft(con, args.month)
        Path(args.out).write_bytes(report_draft.to_docx(result))
    except report_draft.DraftError as error:
        raise CliError(str(error)) from error
    return f"已生成通报草稿 {args.out}（数据截至 {args.month}；黄色底纹为{_review_text(con)}，请审核）"


def _review_text(con) -> str:
    from rectification.core import programme
    from rectification.outputs import report_draft

    if report_draft.follows_a_report(con, programme.current(con)):
        return "沿用上期通报的文字"
    return "待填写的叙述（尚无上一期通报，按通常结构起草）"


def _register_chart(sub, common) -> None:
    p = sub.add_parser("chart", parents=[common], help="导出一张图表为 PNG（1600×900，2 倍清晰度）")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--metric", help="指标编码：该指标的进度图")
    which.add_argument(
        "--name", choices=list(CHARTS), help="总览图表：" + "、".join(f"{k}={v}" for k, v in CHARTS.items())
    )
    p.add_argument("--month", type=month_argument, help="数据截至月份（默认库中最新月份）")
    p.add_argument("--out", required=True, help="输出文件（.png）")
    p.set_defaults(func=cmd_chart)


def cmd_chart(args, con) -> str:
    data, filters = _briefing_view(args, con)
    from rectification.outputs.briefing.images import BriefingError, to_png
    from rectification.outputs.charts.assembly import (
        attention_figure,
        completion_figure,
        headline_figure,
        heatmap_figure,
        metric_figure,
    )

    if args.metric:
        if args.metric not in set(data.metrics.metric_code):
            raise CliError(f"指标编码不存在：{args.metric}")
        fig = metric_figure(data, args.metric, filters)
    else:
        build = {
            "headline": headline_figure,
            "completion": completion_figure,
            "heatmap": heatmap_figure,
            "attention": attention_figure,
        }[args.name]
        fig = build(data, filters)
    try:
        Path(args.out).write_bytes(to_png(fig))
    except BriefingError as error:
        raise CliError(str(error)) from error
    return f"已导出 {args.out}"
