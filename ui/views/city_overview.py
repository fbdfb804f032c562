"""各单位整改进展: the city office's view of every rectification it may see, one row each in the
office's own order (not a ranking), totals above, each row opening that rectification's overview."""

import datetime as dt

import streamlit as st

from rectification.outputs import city
from rectification.rules.rollup import COUNTED, DUE_SOON_DAYS, totals
from ui import database, page_frame, programme_choice, widgets

st.title(city.TITLE)
if not page_frame.page_header():
    st.stop()

today = dt.date.today()
visible = programme_choice.visible()
with st.spinner("正在汇总各整改事项…"):
    rows, shown, xlsx, chart = database.city_overview(visible, today, widgets.narrow())
st.caption(
    "每个整改事项一行，按市局整改办设定的顺序排列（不是排名）；各项数字与该整改事项「总览」页的统计口径一致，"
    f"取其最近上报月份。「近{DUE_SOON_DAYS}天到期」：尚未销号、整改期限在今后 {DUE_SOON_DAYS} 天内的问题。"
)

summary = totals(rows)
rate = summary["completion"]
figures = {
    f"整改事项（{summary['units']} 个单位）": f"{summary['programmes']} 项",
    "问题总数": f"{summary['findings']} 项",
    "总体完成率": f"{rate:.0%}" if rate is not None else "—",
    f"近{DUE_SOON_DAYS}天到期": f"{summary['due_soon']} 项",
    **{status: f"{summary[status]} 项" for status in COUNTED},
}
if widgets.narrow():  # eight tiles stacked would fill a phone's screen twice over
    st.text("　".join(f"{label} {value}" for label, value in figures.items()))
else:
    for row in (list(figures.items())[:4], list(figures.items())[4:]):
        for tile, (label, value) in zip(st.columns(len(row)), row, strict=True):
            tile.metric(label, value, help="已销号 ÷（问题总数 − 长期坚持）" if label == "总体完成率" else None)

shown = shown.assign(总览=[f"./?{programme_choice.PARAM}={code}" for code in rows.code])  # a copy: the cached one stays
widgets.show_table(
    shown.drop(columns=["编号"]),
    hide_index=True,
    width="stretch",
    cards=("单位", "整改事项"),
    column_config={
        "总览": st.column_config.LinkColumn("总览", display_text="打开"),
    },
    key="city_table",
)
st.download_button(
    "下载各单位整改进展（Excel）",
    data=xlsx,
    file_name=city.file_name(today),
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="city_xlsx",
)
widgets.chart(chart, key="city_chart")
